import type { BreakdownLine } from '../breakdown';
import type { Dec } from '../money';
import type { FieldReader } from '../spec-reader';
import { chargeGraduated, parseTiers, type Tier } from './tiers';

/**
 * `graduated`: each tier prices the units falling in it at its `unitAmount`; its `flatAmount` is
 * charged once the quantity exceeds the previous tier's `upTo`.
 */
export interface GraduatedModel {
  readonly name: 'graduated';
  readonly tiers: readonly Tier[];
}

export const GRADUATED_FIELDS = ['tiers'] as const;

export function parseGraduated(r: FieldReader): GraduatedModel {
  return { name: 'graduated', tiers: parseTiers(r, 'unitAmount', 'a graduated tier') };
}

export function chargeGraduatedUnits(m: GraduatedModel, quantity: Dec, lines: BreakdownLine[] | null): Dec {
  return chargeGraduated(m.tiers, quantity, lines);
}
