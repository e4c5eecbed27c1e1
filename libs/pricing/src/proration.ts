import { ProrationError, type Issue } from './errors';
import { Dec, isDecimalProblem, parseDecimal, type DecimalLimits } from './money';

/** A point in time: a Date, or an ISO 8601 string with its offset (`Z` or `+hh:mm`). */
export type Instant = Date | string;

// The offset is required: without one, Date parses the string in the machine's time zone.
const ISO_INSTANT =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,3})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

const AMOUNT_LIMITS: DecimalLimits = { maxDecimalPlaces: 40, maxIntegerDigits: 40 };

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since the epoch, or the issue that stops `value` being an instant. */
function toMillis(value: unknown, path: string): number | Issue {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? { path, rule: 'instant', message: 'is an invalid Date' } : ms;
  }
  if (typeof value !== 'string')
    return { path, rule: 'instant', message: 'must be a Date or an ISO 8601 string' };
  const m = ISO_INSTANT.exec(value);
  // Date.parse rolls 2024-02-30 over into March; a billing period boundary must be a real date.
  if (m === null || Number(m[3]) > daysInMonth(Number(m[1]), Number(m[2]))) {
    return {
      path,
      rule: 'instant',
      message: `must be an ISO 8601 date-time with an offset, such as 2025-01-31T00:00:00Z, not ${JSON.stringify(value)}`,
    };
  }
  return Date.parse(value);
}

interface Span {
  readonly part: Dec;
  readonly whole: Dec;
}

function span(periodStart: Instant, periodEnd: Instant, from: Instant, to: Instant): Span {
  const start = toMillis(periodStart, 'periodStart');
  const end = toMillis(periodEnd, 'periodEnd');
  const a = toMillis(from, 'from');
  const b = toMillis(to, 'to');
  if (
    typeof start !== 'number' ||
    typeof end !== 'number' ||
    typeof a !== 'number' ||
    typeof b !== 'number'
  ) {
    throw new ProrationError([start, end, a, b].filter((v): v is Issue => typeof v !== 'number'));
  }
  const issues: Issue[] = [];
  if (end <= start)
    issues.push({ path: 'periodEnd', rule: 'period_order', message: 'must be after periodStart' });
  else {
    if (a < start || a > end)
      issues.push({ path: 'from', rule: 'within_period', message: 'must lie within the period' });
    if (b < start || b > end)
      issues.push({ path: 'to', rule: 'within_period', message: 'must lie within the period' });
  }
  if (b < a) issues.push({ path: 'to', rule: 'period_order', message: 'must not be before from' });
  if (issues.length > 0) throw new ProrationError(issues);
  return { part: new Dec(b - a), whole: new Dec(end - start) };
}

/**
 * The fraction of the period [periodStart, periodEnd) that [from, to) covers, by elapsed time to the
 * millisecond (not calendar days: pass day-aligned instants for day-based proration). A ratio of two
 * integers, exact when it terminates, otherwise correct to 100 significant digits.
 */
export function prorate(periodStart: Instant, periodEnd: Instant, from: Instant, to: Instant): Dec {
  const s = span(periodStart, periodEnd, from, to);
  return s.part.div(s.whole);
}

/**
 * `amount` x the fraction of the period, multiplying before the one division so a terminating result
 * is exact. Round the invoice total, not this.
 */
export function prorateAmount(
  amount: string | Dec,
  periodStart: Instant,
  periodEnd: Instant,
  from: Instant,
  to: Instant,
): Dec {
  const parsed = parseDecimal(amount, AMOUNT_LIMITS);
  if (isDecimalProblem(parsed))
    throw new ProrationError([{ path: 'amount', rule: parsed.rule, message: parsed.message }]);
  const s = span(periodStart, periodEnd, from, to);
  return parsed.times(s.part).div(s.whole);
}
