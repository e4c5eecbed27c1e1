import type { BreakdownLine } from './breakdown';
import { RatingInputError, type Issue } from './errors';
import {
  Dec,
  exact,
  isDecimalProblem,
  parseDecimal,
  QUANTITY_LIMITS,
  roundMoney,
  ZERO,
  type DecimalLimits,
  type RoundingMode,
} from './money';
import {
  chargeEvents,
  chargeQuantity,
  type ModelName,
  type PercentageModel,
  type QuantityModel,
} from './models';
import type { PriceSpec } from './spec';

/** What to rate: a quantity, or for `percentage` the value of each event. */
export type RatingInput = { readonly quantity: string } | { readonly values: readonly string[] };

export interface RatingResult {
  readonly currency: string;
  readonly model: ModelName;
  /** The quantity rated (as given); for `percentage`, the number of events. */
  readonly quantity: string;
  /** The charge rounded once to the currency's minor units, with exactly that many decimals. */
  readonly amount: string;
  /** The unrounded charge; the breakdown's amounts add up to it. */
  readonly exactAmount: string;
  /** The unrounded charge before `minimumAmount` / `maximumAmount`. */
  readonly subtotal: string;
  readonly breakdown: readonly BreakdownLine[];
  readonly minimumApplied: boolean;
  readonly maximumApplied: boolean;
  readonly minorUnits: number;
  readonly roundingMode: RoundingMode;
}

/** The end of a rating: floor and cap applied to an exact subtotal, then the one rounding. */
export interface FinalCharge {
  readonly amount: string;
  readonly exactAmount: string;
  readonly subtotal: string;
  readonly minimumApplied: boolean;
  readonly maximumApplied: boolean;
  /** The `minimum` or `maximum` line, when one applied. */
  readonly breakdown: readonly BreakdownLine[];
}

// A subtotal handed back by the rater: sums of products of spec prices and quantities, so more
// decimal places than either (12 + 18, and /100 for rates).
const SUBTOTAL_LIMITS: DecimalLimits = { maxDecimalPlaces: 40, maxIntegerDigits: 40 };

function inputError(path: string, rule: Issue['rule'], message: string): RatingInputError {
  return new RatingInputError([{ path, rule, message }]);
}

function decimalInput(value: unknown, path: string, limits: DecimalLimits): Dec {
  const parsed = parseDecimal(value, limits);
  if (isDecimalProblem(parsed)) throw inputError(path, parsed.rule, parsed.message);
  return parsed;
}

function quantityModel(spec: PriceSpec, use: string): QuantityModel {
  if (spec.model.name === 'percentage')
    throw inputError('values', 'required', `the percentage model prices events: ${use}`);
  return spec.model;
}

function percentageModel(spec: PriceSpec, use: string): PercentageModel {
  if (spec.model.name !== 'percentage')
    throw inputError('quantity', 'required', `the ${spec.model.name} model prices a quantity: ${use}`);
  return spec.model;
}

/** The quantity left once free units are taken off, recording them in the breakdown. */
function billable(spec: PriceSpec, quantity: Dec, lines: BreakdownLine[] | null): Dec {
  if (spec.freeQuantity.isZero() || quantity.isZero()) return quantity;
  const free = Dec.min(quantity, spec.freeQuantity);
  lines?.push({ kind: 'free', quantity: exact(free), amount: '0' });
  return quantity.minus(free);
}

/** How many of `count` events after `priorEvents` fall within the period's free events. */
function freeEvents(spec: PriceSpec, priorEvents: number, count: number): number {
  const left = spec.freeQuantity.minus(priorEvents);
  if (left.lte(ZERO)) return 0;
  return left.gte(count) ? count : left.toNumber();
}

function parseValues(values: unknown): Dec[] {
  if (!Array.isArray(values)) throw inputError('values', 'type', 'must be a list of decimal strings');
  return values.map((v: unknown, i) => decimalInput(v, `values[${i}]`, QUANTITY_LIMITS));
}

function finish(spec: PriceSpec, subtotal: Dec, lines: BreakdownLine[]): FinalCharge {
  let total = subtotal;
  let minimumApplied = false;
  let maximumApplied = false;
  if (spec.minimumAmount !== null && total.lt(spec.minimumAmount)) {
    lines.push({
      kind: 'minimum',
      subtotal: exact(total),
      minimumAmount: exact(spec.minimumAmount),
      amount: exact(spec.minimumAmount.minus(total)),
    });
    total = spec.minimumAmount;
    minimumApplied = true;
  } else if (spec.maximumAmount !== null && total.gt(spec.maximumAmount)) {
    lines.push({
      kind: 'maximum',
      subtotal: exact(total),
      maximumAmount: exact(spec.maximumAmount),
      amount: exact(spec.maximumAmount.minus(total)),
    });
    total = spec.maximumAmount;
    maximumApplied = true;
  }
  const subtotalText = exact(subtotal);
  return {
    amount: roundMoney(total, spec.minorUnits, spec.roundingMode),
    exactAmount: total === subtotal ? subtotalText : exact(total),
    subtotal: subtotalText,
    minimumApplied,
    maximumApplied,
    breakdown: lines,
  };
}

/**
 * Rate a quantity (or, for `percentage`, a list of event values) against a parsed spec: free units,
 * the model, the minimum or maximum, all exact, then one rounding of the final charge.
 */
export function rate(spec: PriceSpec, input: RatingInput): RatingResult {
  const lines: BreakdownLine[] = [];
  let subtotal: Dec;
  let quantity: string;
  const hasQuantity = 'quantity' in input;
  // Exactly one of the two: JavaScript callers can pass both or neither.
  if (hasQuantity === 'values' in input) {
    throw inputError('', hasQuantity ? 'one_of' : 'required', 'pass either quantity or values, not both');
  }
  if (hasQuantity) {
    const m = quantityModel(spec, 'pass values, not quantity');
    const q = decimalInput(input.quantity, 'quantity', QUANTITY_LIMITS);
    quantity = input.quantity;
    subtotal = chargeQuantity(m, billable(spec, q, lines), lines);
  } else {
    const m = percentageModel(spec, 'pass quantity, not values');
    const values = parseValues(input.values);
    quantity = String(values.length);
    subtotal = chargeEvents(m, values, freeEvents(spec, 0, values.length), lines);
  }
  const final = finish(spec, subtotal, lines);
  return {
    currency: spec.currency,
    model: spec.model.name,
    quantity,
    amount: final.amount,
    exactAmount: final.exactAmount,
    subtotal: final.subtotal,
    breakdown: lines,
    minimumApplied: final.minimumApplied,
    maximumApplied: final.maximumApplied,
    minorUnits: spec.minorUnits,
    roundingMode: spec.roundingMode,
  };
}

/**
 * The exact charge of going from quantity `from` to `to` in the same period, before the minimum and
 * maximum and before rounding: charge(to) - charge(from), negative when `to` < `from`. For any
 * quantities 0 = q0 <= q1 <= ... <= qn = q, `baseCharge(spec)` plus the increments equals
 * `rate(spec, { quantity: q }).subtotal` exactly; `finalizeCharge` then applies min, max and rounding.
 */
export function rateIncrement(spec: PriceSpec, from: string | Dec, to: string | Dec): Dec {
  const m = quantityModel(spec, 'use rateEventFees');
  const a = decimalInput(from, 'from', QUANTITY_LIMITS);
  const b = decimalInput(to, 'to', QUANTITY_LIMITS);
  return chargeQuantity(m, billable(spec, b, null), null).minus(
    chargeQuantity(m, billable(spec, a, null), null),
  );
}

/**
 * `percentage`: the exact summed fees of further events, `priorEvents` having already been rated in
 * the period (so the free events are the first `freeQuantity` of the period, wherever they fell).
 */
export function rateEventFees(spec: PriceSpec, values: readonly string[], priorEvents = 0): Dec {
  const m = percentageModel(spec, 'use rateIncrement');
  if (!Number.isSafeInteger(priorEvents) || priorEvents < 0) {
    throw inputError(
      'priorEvents',
      'non_negative',
      `must be a whole number of events >= 0, not ${String(priorEvents)}`,
    );
  }
  const parsed = parseValues(values);
  return chargeEvents(m, parsed, freeEvents(spec, priorEvents, parsed.length), null);
}

/** The charge at quantity 0 before the minimum: the flat amount of a `flat` spec, otherwise 0. */
export function baseCharge(spec: PriceSpec): Dec {
  return spec.model.name === 'percentage' ? ZERO : chargeQuantity(spec.model, ZERO, null);
}

/**
 * Apply the spec's minimum and maximum to an exact subtotal (e.g. a running total of increments) and
 * round once: what `rate` does after the model.
 */
export function finalizeCharge(spec: PriceSpec, subtotal: string | Dec): FinalCharge {
  return finish(spec, decimalInput(subtotal, 'subtotal', SUBTOTAL_LIMITS), []);
}
