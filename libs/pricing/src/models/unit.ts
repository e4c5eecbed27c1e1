import type { BreakdownLine } from '../breakdown';
import { exact, PRICE_LIMITS, ZERO, type Dec } from '../money';
import type { FieldReader } from '../spec-reader';

/** `unit`: `unitAmount` (at most 12 decimal places) per unit. */
export interface UnitModel {
  readonly name: 'unit';
  readonly unitAmount: Dec;
  readonly unitAmountText: string;
}

export const UNIT_FIELDS = ['unitAmount'] as const;

export function parseUnit(r: FieldReader): UnitModel {
  const unitAmount = r.decimal('unitAmount', PRICE_LIMITS);
  return { name: 'unit', unitAmount, unitAmountText: exact(unitAmount) };
}

export function chargeUnit(m: UnitModel, quantity: Dec, lines: BreakdownLine[] | null): Dec {
  if (quantity.isZero()) return ZERO;
  const amount = quantity.times(m.unitAmount);
  lines?.push({
    kind: 'unit',
    quantity: exact(quantity),
    unitAmount: m.unitAmountText,
    amount: exact(amount),
  });
  return amount;
}
