import Decimal from 'decimal.js';
import type { IssueRule } from './errors';

/**
 * The engine's own Decimal constructor. `defaults: true` so a caller that reconfigured the global
 * Decimal cannot change our results; the global config is never touched.
 *
 * Precision 100 is not about rounding: with the input limits below (18 integer digits; 12 decimal
 * places for prices, 18 for quantities) a product has at most 66 significant digits and a sum of
 * 2^32 of them at most 81, so every sum and product the models make is exact. Rounding only ever
 * happens in `roundMoney` (and, by construction, in a non-terminating proration division).
 */
export const Dec = Decimal.clone({
  defaults: true,
  precision: 100,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type Dec = Decimal;

export const ZERO = new Dec(0);
export const ONE = new Dec(1);
export const HUNDRED = new Dec(100);

const NEGATIVE_ZERO = /^-0(?:\.0+)?$/;

export type RoundingMode = 'half_away_from_zero' | 'half_even';
export const ROUNDING_MODES: readonly RoundingMode[] = ['half_away_from_zero', 'half_even'];

export interface DecimalLimits {
  readonly maxDecimalPlaces: number;
  readonly maxIntegerDigits: number;
}

/** Prices, amounts and percentage rates in a spec. */
export const PRICE_LIMITS: DecimalLimits = { maxDecimalPlaces: 12, maxIntegerDigits: 18 };
/** Quantities, tier bounds and event values. */
export const QUANTITY_LIMITS: DecimalLimits = { maxDecimalPlaces: 18, maxIntegerDigits: 18 };

export interface DecimalProblem {
  readonly rule: IssueRule;
  readonly message: string;
}

// Plain notation only: no exponent, sign or bare dot, so what a person reads is the exact value.
const DECIMAL_STRING = /^-?\d+(?:\.\d+)?$/;

/**
 * Parse a non-negative decimal string within `limits`. JSON numbers are refused on purpose: they have
 * already been through a binary float by the time we see them. A Decimal (the caller's own exact
 * arithmetic, e.g. a running total) is taken as it is, re-created with our configuration.
 */
export function parseDecimal(input: unknown, limits: DecimalLimits): Dec | DecimalProblem {
  if (input instanceof Dec) {
    if (!input.isFinite())
      return { rule: 'decimal_string', message: `must be a finite decimal, not ${input.toString()}` };
    if (input.isNegative() && !input.isZero())
      return { rule: 'non_negative', message: `must not be negative (${input.toFixed()})` };
    return new Dec(input);
  }
  if (typeof input !== 'string') {
    return {
      rule: 'decimal_string',
      message: `must be a decimal string such as "12.50", not ${describeJson(input)}`,
    };
  }
  if (!DECIMAL_STRING.test(input))
    return {
      rule: 'decimal_string',
      message: `must be a decimal string such as "12.50", not ${JSON.stringify(input)}`,
    };
  if (input.startsWith('-')) return { rule: 'non_negative', message: `must not be negative (${input})` };
  const dot = input.indexOf('.');
  const decimals = dot === -1 ? 0 : input.length - dot - 1;
  if (decimals > limits.maxDecimalPlaces) {
    return {
      rule: 'max_decimal_places',
      message: `has ${decimals} decimal places, at most ${limits.maxDecimalPlaces} are allowed (${input})`,
    };
  }
  const integerPart = dot === -1 ? input.length : dot;
  if (integerPart > limits.maxIntegerDigits) {
    // Only now strip leading zeros: an allocation the common, short input does not need.
    const digits = input.slice(0, integerPart).replace(/^0+/, '').length;
    if (digits > limits.maxIntegerDigits) {
      return {
        rule: 'max_integer_digits',
        message: `has ${digits} integer digits, at most ${limits.maxIntegerDigits} are allowed`,
      };
    }
  }
  return new Dec(input);
}

export function isDecimalProblem(v: Dec | DecimalProblem): v is DecimalProblem {
  return !(v instanceof Dec);
}

export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

/**
 * Round an exact amount to `minorUnits` decimal places and format it with exactly that many digits.
 * decimal.js ROUND_HALF_UP rounds ties away from zero (-2.5 -> -3), which is what
 * `half_away_from_zero` promises for credits as well as charges.
 */
export function roundMoney(amount: Dec, minorUnits: number, mode: RoundingMode): string {
  const text = amount.toFixed(minorUnits, mode === 'half_even' ? Dec.ROUND_HALF_EVEN : Dec.ROUND_HALF_UP);
  // A small credit that rounds to nothing would print as "-0.00".
  return text.startsWith('-') && NEGATIVE_ZERO.test(text) ? text.slice(1) : text;
}

/** An exact decimal as a plain string (never exponent notation, no trailing zeros). */
export function exact(amount: Dec): string {
  return amount.toFixed();
}
