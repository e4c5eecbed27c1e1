/**
 * The reference aggregations: what a meter's quantity over a window is, computed exactly from its
 * points. The ClickHouse queries must give the same figures; tests and `mu invoice verify` use
 * these functions to check them. Rules: docs/metering.md.
 */
import { Dec } from '@mu/pricing';
import { canonical, divideHalfEven12, METER_VALUE_LIMITS, newScan, scanDecimal } from './decimal';
import { AggregationInputError, type MeteringIssue } from './errors';
import type { Aggregation } from './meter';

/** One meter value of one meter, subject and group, as stored in `meter_values`. */
export interface MeterPoint {
  /** RFC 3339 with an offset, at most millisecond precision: `2025-01-31T12:00:00.000Z`. */
  readonly time: string;
  /** A decimal string within the meter value limits (ClickHouse's `12.500000000000` is fine). */
  readonly value: string;
  /** Required for unique_count. */
  readonly uniqueValue?: string;
}

/** Half-open: a point at `from` is in, a point at `to` is not. */
export interface TimeWindow {
  readonly from: string;
  readonly to: string;
}

const MS_PER_HOUR = new Dec(3_600_000);

// RFC 3339 date-time: seconds required, at most 3 fraction digits (times are stored to the ms), and
// an offset (without one, Date.parse would use the machine's time zone).
const RFC3339 =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since the epoch, or undefined. Date.parse alone would roll 02-30 into March. */
function toMillis(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (m === null || Number(m[3]) > daysInMonth(Number(m[1]), Number(m[2]))) return undefined;
  return Date.parse(value);
}

interface Point {
  readonly t: number;
  readonly v: Dec;
  readonly u: string | undefined;
}

/** Later time first; at equal times the greater value. The order `latest` and carry-in use. */
function after(a: Point, b: Point): boolean {
  return a.t !== b.t ? a.t > b.t : a.v.gt(b.v);
}

const scan = newScan();

function readPoint(p: unknown, at: string, issues: MeteringIssue[]): Point | undefined {
  if (typeof p !== 'object' || p === null) {
    issues.push({ path: at, message: 'must be an object { time, value, uniqueValue? }' });
    return undefined;
  }
  const { time, value, uniqueValue } = p as Record<string, unknown>;
  const t = toMillis(time);
  const before = issues.length;
  if (t === undefined) {
    issues.push({
      path: `${at}.time`,
      message: `must be an RFC 3339 date-time with an offset, such as 2025-01-31T00:00:00.000Z, not ${JSON.stringify(time)}`,
    });
  }
  if (
    typeof value !== 'string' ||
    !scanDecimal(value, scan) ||
    scan.integerDigits > METER_VALUE_LIMITS.maxIntegerDigits ||
    scan.fractionDigits > METER_VALUE_LIMITS.maxFractionDigits
  ) {
    issues.push({
      path: `${at}.value`,
      message: `must be a decimal string with at most 26 integer and 12 decimal digits, not ${JSON.stringify(value)}`,
    });
  }
  if (uniqueValue !== undefined && typeof uniqueValue !== 'string') {
    issues.push({ path: `${at}.uniqueValue`, message: 'must be a string when present' });
  }
  if (issues.length > before) return undefined;
  return { t: t as number, v: new Dec(value as string), u: uniqueValue as string | undefined };
}

interface Prepared {
  readonly from: number;
  readonly to: number;
  /** The points in [from, to), in input order. */
  readonly inside: readonly Point[];
  /** The last point before `from` (among `points` and `carryIn`), if any. */
  readonly carry: Point | undefined;
}

function prepare(
  aggregation: Aggregation | 'integral',
  points: readonly MeterPoint[],
  window: TimeWindow,
  carryIn: MeterPoint | null | undefined,
): Prepared {
  const issues: MeteringIssue[] = [];
  const from = toMillis(window.from);
  const to = toMillis(window.to);
  if (from === undefined) issues.push({ path: 'window.from', message: 'must be an RFC 3339 date-time' });
  if (to === undefined) issues.push({ path: 'window.to', message: 'must be an RFC 3339 date-time' });
  if (from !== undefined && to !== undefined && to < from)
    issues.push({ path: 'window.to', message: 'must not be before window.from' });
  const inside: Point[] = [];
  let carry: Point | undefined;
  points.forEach((raw, i) => {
    const p = readPoint(raw, `points[${i}]`, issues);
    if (p === undefined || from === undefined || to === undefined) return;
    if (aggregation === 'unique_count' && p.u === undefined)
      issues.push({ path: `points[${i}].uniqueValue`, message: 'is required for unique_count' });
    if (p.t < from) {
      if (carry === undefined || after(p, carry)) carry = p;
    } else if (p.t < to) {
      inside.push(p);
    }
  });
  if (carryIn !== undefined && carryIn !== null) {
    const p = readPoint(carryIn, 'carryIn', issues);
    if (p !== undefined && from !== undefined && p.t >= from) {
      issues.push({ path: 'carryIn.time', message: 'must be before window.from' });
    } else if (p !== undefined && (carry === undefined || after(p, carry))) {
      carry = p;
    }
  }
  if (issues.length > 0) throw new AggregationInputError(issues);
  return { from: from as number, to: to as number, inside, carry };
}

function sumOf(points: readonly Point[]): Dec {
  let total = new Dec(0);
  for (const p of points) total = total.plus(p.v);
  return total;
}

/**
 * ∫ value dt over [from, to), in value × milliseconds, exact. The gauge holds its last value until
 * the next point: from `from` the carry-in's value (0 without one), then each point's. Points at
 * the same time take no time; the one that holds after them is the one `latest` would pick.
 */
function integral(p: Prepared): Dec {
  const ordered = [...p.inside].sort((a, b) => (after(a, b) ? 1 : after(b, a) ? -1 : 0));
  let total = new Dec(0);
  let level = p.carry?.v ?? new Dec(0);
  let since = p.from;
  for (const point of ordered) {
    total = total.plus(level.times(point.t - since));
    level = point.v;
    since = point.t;
  }
  return total.plus(level.times(p.to - since));
}

/**
 * The meter's quantity over `window` from its points (one meter, subject and group). Points outside
 * the window are ignored, except that time_weighted_sum starts from the last point before `from`:
 * the latest of `carryIn` and any earlier points passed. Exact decimal strings; null where an empty
 * window has no value (max, min, avg, latest). Throws `AggregationInputError` on malformed input.
 */
export function aggregate(
  aggregation: Aggregation,
  points: readonly MeterPoint[],
  window: TimeWindow,
  carryIn?: MeterPoint | null,
): string | null {
  const p = prepare(aggregation, points, window, carryIn);
  const inside = p.inside;
  switch (aggregation) {
    case 'count':
      return String(inside.length);
    case 'sum':
      return canonical(sumOf(inside));
    case 'unique_count':
      return String(new Set(inside.map((x) => x.u)).size);
    case 'time_weighted_sum':
      return canonical(divideHalfEven12(integral(p), MS_PER_HOUR));
    case 'max':
    case 'min':
    case 'avg':
    case 'latest':
      break;
  }
  const first = inside[0];
  if (first === undefined) return null;
  if (aggregation === 'avg') return canonical(divideHalfEven12(sumOf(inside), new Dec(inside.length)));
  let pick = first;
  for (const x of inside) {
    if (aggregation === 'max' ? x.v.gt(pick.v) : aggregation === 'min' ? x.v.lt(pick.v) : after(x, pick))
      pick = x;
  }
  return canonical(pick.v);
}

/**
 * The exact time-weighted integral in value × milliseconds (what time_weighted_sum is before the
 * division to hours and its rounding). Adds up exactly over adjacent windows, so a query may sum
 * it per part and divide once with `valueMillisToHours`.
 */
export function timeWeightedIntegral(
  points: readonly MeterPoint[],
  window: TimeWindow,
  carryIn?: MeterPoint | null,
): string {
  return canonical(integral(prepare('integral', points, window, carryIn)));
}

/** value × milliseconds to value × hours, rounded half-even to 12 decimal places. */
export function valueMillisToHours(valueMillis: string): string {
  if (!scanDecimal(valueMillis, scan) || scan.fractionDigits > METER_VALUE_LIMITS.maxFractionDigits) {
    throw new AggregationInputError([
      {
        path: 'valueMillis',
        message: `must be a decimal string with at most 12 decimal places, not ${JSON.stringify(valueMillis)}`,
      },
    ]);
  }
  return canonical(divideHalfEven12(new Dec(valueMillis), MS_PER_HOUR));
}

/** sum / count rounded half-even to 12 decimal places, as avg computes it; null for no points. */
export function averageOf(sum: string, count: number): string | null {
  const issues: MeteringIssue[] = [];
  if (!scanDecimal(sum, scan) || scan.fractionDigits > METER_VALUE_LIMITS.maxFractionDigits)
    issues.push({ path: 'sum', message: 'must be a decimal string with at most 12 decimal places' });
  if (!Number.isSafeInteger(count) || count < 0)
    issues.push({ path: 'count', message: 'must be a non-negative integer' });
  if (issues.length > 0) throw new AggregationInputError(issues);
  return count === 0 ? null : canonical(divideHalfEven12(new Dec(sum), new Dec(count)));
}
