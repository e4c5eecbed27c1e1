import { Dec, exact } from '@mu/pricing';

/**
 * What a meter value may be: the ClickHouse column is Decimal(38, 12), so 26 integer digits and 12
 * fractional digits. Counted on the value, not its spelling: `007.500` has 1 and 1.
 */
export const METER_VALUE_LIMITS = { maxIntegerDigits: 26, maxFractionDigits: 12 } as const;

/** What `scanDecimal` learnt about a plain decimal string. Reused by the caller: no allocation. */
export interface DecimalScan {
  /** The value in canonical form: no leading or trailing zeros, no `-0`, no exponent. */
  canonical: string;
  /** Below zero (never true for a zero, whatever its sign). */
  negative: boolean;
  /** Integer digits of the value, without leading zeros (0 for `0.5`). */
  integerDigits: number;
  /** Fractional digits of the value, without trailing zeros (0 for `2.000`). */
  fractionDigits: number;
}

export function newScan(): DecimalScan {
  return { canonical: '', negative: false, integerDigits: 0, fractionDigits: 0 };
}

const ZERO_CODE = 48;
const NINE_CODE = 57;
const DOT = 46;
const MINUS = 45;

function isDigit(c: number): boolean {
  return c >= ZERO_CODE && c <= NINE_CODE;
}

/**
 * Read a plain decimal string (`-?digits(.digits)?`: no `+`, exponent, bare dot or spaces) into
 * `out`. One pass over the characters, no regex; the canonical form is the input itself (no new
 * string) when the input is already canonical, which is the common case.
 */
export function scanDecimal(s: string, out: DecimalScan): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === MINUS ? 1 : 0;
  const intStart = i;
  let firstNonZero = -1;
  while (i < n && isDigit(s.charCodeAt(i))) {
    if (firstNonZero === -1 && s.charCodeAt(i) !== ZERO_CODE) firstNonZero = i;
    i++;
  }
  const intEnd = i;
  if (intEnd === intStart) return false;
  let lastNonZero = -1;
  if (i < n) {
    if (s.charCodeAt(i) !== DOT) return false;
    i++;
    const fracStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) {
      if (s.charCodeAt(i) !== ZERO_CODE) lastNonZero = i;
      i++;
    }
    if (i === fracStart || i < n) return false;
  }
  const integerDigits = firstNonZero === -1 ? 0 : intEnd - firstNonZero;
  const fractionDigits = lastNonZero === -1 ? 0 : lastNonZero - intEnd;
  const isZero = integerDigits === 0 && fractionDigits === 0;
  out.negative = intStart === 1 && !isZero;
  out.integerDigits = integerDigits;
  out.fractionDigits = fractionDigits;
  const canonicalInt = firstNonZero === intStart || (integerDigits === 0 && intEnd - intStart === 1);
  const canonicalEnd = lastNonZero === n - 1 || (lastNonZero === -1 && intEnd === n);
  if (canonicalInt && canonicalEnd && (intStart === 0 || !isZero)) {
    out.canonical = s;
  } else {
    const int = integerDigits === 0 ? '0' : s.slice(firstNonZero, intEnd);
    const text = fractionDigits === 0 ? int : `${int}.${s.slice(intEnd + 1, lastNonZero + 1)}`;
    out.canonical = out.negative ? `-${text}` : text;
  }
  return true;
}

/**
 * A finite JS number in plain decimal notation: its shortest round-trip spelling (what
 * `String(n)` gives), with an exponent expanded. `undefined` for NaN and infinities.
 */
export function numberToPlain(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const s = String(n);
  return s.includes('e') ? exact(new Dec(s)) : s;
}

/** The canonical decimal string of an exact value (`-0` prints as `0`). */
export function canonical(d: Dec): string {
  return d.isZero() ? '0' : exact(d);
}

const SCALE = new Dec('1e12');
const TWO = new Dec(2);

/**
 * `numerator / denominator` rounded half-even to 12 decimal places, computed exactly with integers
 * (no intermediate rounding, so no double rounding). `numerator` has at most 12 decimal places and
 * `denominator` is a positive integer: an average (sum / count) or value-milliseconds / 3,600,000.
 */
export function divideHalfEven12(numerator: Dec, denominator: Dec): Dec {
  const n = numerator.times(SCALE);
  let q = n.divToInt(denominator);
  const twiceRest = n.minus(q.times(denominator)).abs().times(TWO);
  const c = twiceRest.cmp(denominator);
  if (c > 0 || (c === 0 && !q.mod(TWO).isZero())) q = n.isNegative() ? q.minus(1) : q.plus(1);
  return q.div(SCALE);
}
