import type { BreakdownLine } from '../breakdown';
import { exact, PRICE_LIMITS, type Dec } from '../money';
import type { FieldReader } from '../spec-reader';

/** `flat`: `amount`, charged whatever the quantity, 0 included. */
export interface FlatModel {
  readonly name: 'flat';
  readonly amount: Dec;
  readonly amountText: string;
}

export const FLAT_FIELDS = ['amount'] as const;

export function parseFlat(r: FieldReader): FlatModel {
  const amount = r.decimal('amount', PRICE_LIMITS);
  return { name: 'flat', amount, amountText: exact(amount) };
}

export function chargeFlat(m: FlatModel, lines: BreakdownLine[] | null): Dec {
  lines?.push({ kind: 'flat', amount: m.amountText });
  return m.amount;
}
