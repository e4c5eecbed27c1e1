import { describe, expect, it } from '@jest/globals';
import type { BreakdownLine } from './breakdown';
import { describeLine } from './describe';

describe('describeLine', () => {
  it.each<[BreakdownLine, string]>([
    [{ kind: 'free', quantity: '100', amount: '0' }, '100 free units: 0'],
    [{ kind: 'free_events', events: 1, value: '20', amount: '0' }, '1 free event (value 20): 0'],
    [{ kind: 'free_events', events: 2, value: '20', amount: '0' }, '2 free events (value 20): 0'],
    [{ kind: 'flat', amount: '10' }, 'flat fee: 10'],
    [{ kind: 'unit', quantity: '1500', unitAmount: '0.01', amount: '15' }, '1500 × 0.01 = 15'],
    [
      {
        kind: 'package',
        quantity: '1501',
        packageSize: '100',
        rounding: 'up',
        packages: '16',
        packageAmount: '5',
        amount: '80',
      },
      '1501 in packages of 100, rounded up: 16 × 5 = 80',
    ],
    [
      {
        kind: 'tier',
        tier: 0,
        from: '0',
        upTo: '1000',
        quantity: '1000',
        unitAmount: '0.1',
        flatAmount: '0',
        amount: '100',
      },
      'tier 0 (0, 1000]: 1000 × 0.1 = 100',
    ],
    [
      {
        kind: 'tier',
        tier: 3,
        from: '10000',
        upTo: null,
        quantity: '2000',
        unitAmount: '0.01',
        flatAmount: '20',
        amount: '40',
      },
      'tier 3 (10000, ∞): 2000 × 0.01 + 20 flat = 40',
    ],
    [
      {
        kind: 'tier',
        tier: 1,
        from: '1000',
        upTo: '10000',
        quantity: '4000',
        rate: '2',
        flatAmount: '10',
        amount: '90',
      },
      'tier 1 (1000, 10000]: 2% of 4000 + 10 flat = 90',
    ],
    [
      { kind: 'percentage', events: 2, value: '30', rate: '2.9', amount: '0.87' },
      '2 events: 2.9% of 30 = 0.87',
    ],
    [
      { kind: 'fixed_fee', events: 1, fixedFeePerEvent: '0.3', amount: '0.3' },
      '1 event × 0.3 fixed fee = 0.3',
    ],
    [
      { kind: 'per_event_minimum', events: 1, perEventMin: '0.5', amount: '0.171' },
      '1 fee raised to the 0.5 minimum per event: +0.171',
    ],
    [
      { kind: 'per_event_maximum', events: 2, perEventMax: '10', amount: '-19.3' },
      '2 fees capped at the 10 maximum per event: -19.3',
    ],
    [
      { kind: 'minimum', subtotal: '1', minimumAmount: '20', amount: '19' },
      'minimum 20 on a subtotal of 1: +19',
    ],
    [
      { kind: 'maximum', subtotal: '100', maximumAmount: '50', amount: '-50' },
      'maximum 50 on a subtotal of 100: -50',
    ],
  ])('%j', (line, text) => {
    expect(describeLine(line)).toBe(text);
  });
});
