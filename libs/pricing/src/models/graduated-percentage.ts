import type { BreakdownLine } from '../breakdown';
import type { Dec } from '../money';
import type { FieldReader } from '../spec-reader';
import { chargeGraduated, parseTiers, type Tier } from './tiers';

/**
 * `graduated_percentage`: the rated quantity is an amount of money; each tier takes `rate` percent of
 * the part of it that falls in the tier, plus its `flatAmount` once the amount exceeds the previous
 * tier's `upTo`, exactly as `graduated` does with unit prices.
 */
export interface GraduatedPercentageModel {
  readonly name: 'graduated_percentage';
  readonly tiers: readonly Tier[];
}

export const GRADUATED_PERCENTAGE_FIELDS = ['tiers'] as const;

export function parseGraduatedPercentage(r: FieldReader): GraduatedPercentageModel {
  return { name: 'graduated_percentage', tiers: parseTiers(r, 'rate', 'a graduated_percentage tier') };
}

export function chargeGraduatedPercentage(
  m: GraduatedPercentageModel,
  amount: Dec,
  lines: BreakdownLine[] | null,
): Dec {
  return chargeGraduated(m.tiers, amount, lines);
}
