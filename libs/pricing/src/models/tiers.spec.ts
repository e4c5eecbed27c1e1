import { describe, expect, it } from '@jest/globals';
import { Dec } from '../money';
import { parsePriceSpec } from '../spec';
import type { VolumeModel } from './volume';
import { chargeGraduated, chargeVolume } from './tiers';

// parseTiers never lets a tier list without an unbounded last tier through; these are the guards
// for code that builds tiers some other way.
describe('tiers that skipped validation (no unbounded last tier)', () => {
  const spec = parsePriceSpec({
    currency: 'EUR',
    model: 'volume',
    tiers: [
      { upTo: '10', unitAmount: '1' },
      { upTo: null, unitAmount: '2' },
    ],
  });
  const bounded = (spec.model as VolumeModel).tiers.slice(0, 1);

  it('volume fails loudly', () => {
    expect(() => chargeVolume(bounded, new Dec('11'), null)).toThrow('no tier contains 11');
  });

  it('graduated fails loudly', () => {
    expect(() => chargeGraduated(bounded, new Dec('11'), [])).toThrow('no tier contains 11');
  });
});
