import type { ClickHouseClient } from '@clickhouse/client';
import { canonicalDecimal, divHalfEven, formatFixed, parseFixed } from './fixed';
import { chTime, dimensionExpr, Params, scopeWhere, TIME_TYPE, windowExpr, type Scope } from './sql';
import {
  UsageQueryError,
  UsageQueryTooLargeError,
  type Aggregation,
  type MeterQuantityQuery,
  type UsageQuery,
  type UsageRow,
} from './types';
import { checkQuery, DEFAULT_MAX_ROWS, DEFAULT_MAX_WINDOWS, type CheckedQuery } from './validate';
import { windowsBetween, type Window } from './windows';

const MS_PER_HOUR = 3_600_000n;
const DAY_MS = 86_400_000;

/**
 * The billing quantity of one customer (its subject keys) on one meter for [from, to): what
 * current charges and the invoicer price. Exact decimal text; null for max, min, avg and latest
 * when there is no usage (count, sum, unique_count and time_weighted_sum are then "0").
 *
 * One customer-month is a narrow range of the sorting key (tenant, meter, subject, time), so
 * ClickHouse reads a few granules per subject.
 */
export async function meterQuantity(ch: ClickHouseClient, q: MeterQuantityQuery): Promise<string | null> {
  const checked = checkQuery(q);
  if (q.subjects.length === 0) return emptyQuantity(q.aggregation);
  const windows = windowsBetween(checked.fromMs, checked.toMs, undefined, checked.tz, 1);
  if (q.aggregation === 'time_weighted_sum') {
    const rows = await timeWeighted(ch, q, checked, windows!, Number.MAX_SAFE_INTEGER);
    return rows[0]?.value ?? '0';
  }
  const rows = await aggregated(ch, q, checked, windows!, 1);
  return rows[0]?.value ?? emptyQuantity(q.aggregation);
}

/**
 * Usage of a meter over [from, to): per window (aligned in `tz`) and per group, in window then
 * group order. A row appears for each window and group that has usage; for time_weighted_sum,
 * for each window in which the gauge has a value (a point in it, or one carried in from before).
 */
export async function queryUsage(ch: ClickHouseClient, q: UsageQuery): Promise<UsageRow[]> {
  const checked = checkQuery(q);
  if (q.subjects?.length === 0) return [];
  const maxWindows = q.maxWindows ?? DEFAULT_MAX_WINDOWS;
  const windows = windowsBetween(checked.fromMs, checked.toMs, q.window, checked.tz, maxWindows);
  if (!windows)
    throw new UsageQueryError([
      {
        path: 'window',
        message: `${q.window} windows split this range into more than ${maxWindows} windows`,
      },
    ]);
  const maxRows = q.maxRows ?? DEFAULT_MAX_ROWS;
  return q.aggregation === 'time_weighted_sum'
    ? timeWeighted(ch, q, checked, windows, maxRows)
    : aggregated(ch, q, checked, windows, maxRows);
}

function emptyQuantity(aggregation: Aggregation): string | null {
  return aggregation === 'count' ||
    aggregation === 'sum' ||
    aggregation === 'unique_count' ||
    aggregation === 'time_weighted_sum'
    ? '0'
    : null;
}

type Query = Scope & { aggregation: Aggregation; window?: UsageQuery['window'] };

/** The SQL aggregate giving each row's value (avg: the exact sum, divided in `toValue`). */
function aggregateExpr(aggregation: Exclude<Aggregation, 'time_weighted_sum'>): string {
  switch (aggregation) {
    case 'count':
      return 'toString(count())';
    case 'sum':
    case 'avg':
      // Decimal256 so a long sum of Decimal(38, 12) values cannot overflow.
      return 'toString(sum(toDecimal256(value, 12)))';
    case 'unique_count':
      return 'toString(uniqExact(unique_value))';
    case 'max':
      return 'toString(max(value))';
    case 'min':
      return 'toString(min(value))';
    case 'latest':
      // The last event by time; events at the same millisecond by their event key.
      return 'toString(argMax(value, (time, source, event_id)))';
  }
}

interface AggregatedRow {
  w: string;
  n: string;
  v: string;
  [group: `g${number}`]: string;
}

/** Every aggregation but time_weighted_sum: one GROUP BY over the deduplicated rows. */
async function aggregated(
  ch: ClickHouseClient,
  q: Query,
  c: CheckedQuery,
  windows: Window[],
  maxRows: number,
): Promise<UsageRow[]> {
  const aggregation = q.aggregation as Exclude<Aggregation, 'time_weighted_sum'>;
  const p = new Params();
  const groups = c.groupBy.map((g, i) => `${dimensionExpr(g, p)} AS g${i}`);
  const keys = ['w', ...c.groupBy.map((_, i) => `g${i}`)];
  const grouped = q.window !== undefined || c.groupBy.length > 0;
  const query = `
SELECT ${[`${windowExpr(q.window, c.tz, p)} AS w`, ...groups, 'count() AS n', `${aggregateExpr(aggregation)} AS v`].join(', ')}
FROM meter_values FINAL
WHERE ${scopeWhere(q, c.fromMs, c.toMs, p)}
${grouped ? `GROUP BY ${keys.join(', ')}\nORDER BY ${keys.join(', ')}` : ''}
LIMIT ${p.bind(maxRows + 1, 'UInt64')}`;
  const rs = await ch.query({ query, query_params: p.values, format: 'JSONEachRow' });
  const rows = (await rs.json<AggregatedRow>()).filter((r) => r.n !== '0');
  if (rows.length > maxRows) throw new UsageQueryTooLargeError(maxRows);
  return rows.map((r) => {
    const w = windows[windowIndex(windows, Number(r.w), c.fromMs)]!;
    return {
      windowStart: new Date(w.start).toISOString(),
      windowEnd: new Date(w.end).toISOString(),
      groups: Object.fromEntries(c.groupBy.map((g, i) => [g, r[`g${i}`] ?? ''])),
      value:
        aggregation === 'avg'
          ? formatFixed(divHalfEven(parseFixed(r.v), BigInt(r.n)))
          : canonicalDecimal(r.v),
    };
  });
}

/** The window a row's aligned start (from the SQL) falls in: the last window starting at or before it. */
function windowIndex(windows: Window[], alignedStart: number, fromMs: number): number {
  const t = Math.max(alignedStart, fromMs);
  let lo = 0;
  let hi = windows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (windows[mid]!.start <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

interface GaugeRow {
  w: string;
  subject: string;
  first_t: string;
  last_t: string;
  /** Σ value x ms over the points of this window but its last, each up to the next point. */
  mid: string;
  last_v: string;
  [group: `g${number}`]: string;
}

/**
 * time_weighted_sum: the integral over time of a gauge, in value x hours. Each subject's gauge
 * (per group, when grouped) is its own series: at any instant its value is that of its latest
 * point at or before the instant (ties by event key), carried across window and period
 * boundaries; before a series' first point it has no value and adds nothing. The value in force
 * at `from` is the series' last point in the `gaugeLookbackDays` before it. Series in one group
 * are added up (a customer with two subjects pays for both).
 *
 * ClickHouse returns, per series and window with points, the exact Σ value x ms between the
 * points; the carried-in and carried-out segments and the windows without points are added here,
 * with exact integers, and each result is rounded once to 12 places, half to even.
 */
async function timeWeighted(
  ch: ClickHouseClient,
  q: Query,
  c: CheckedQuery,
  windows: Window[],
  maxRows: number,
): Promise<UsageRow[]> {
  const p = new Params();
  const gs = c.groupBy.map((_, i) => `g${i}`);
  const series = ['subject', ...gs].join(', ');
  const inRange = `
    SELECT subject, ${[...c.groupBy.map((g, i) => `${dimensionExpr(g, p)} AS g${i}`), 'time', 'source', 'event_id', 'value'].join(', ')}
    FROM meter_values FINAL
    WHERE ${scopeWhere(q, c.fromMs, c.toMs, p)}`;
  const lookbackFrom = c.fromMs - c.lookbackDays * DAY_MS;
  const carried = `
    SELECT ${series}, ${p.bind(chTime(c.fromMs), TIME_TYPE)} AS time, '' AS source, '' AS event_id, v AS value
    FROM (
      SELECT subject, ${[...c.groupBy.map((g, i) => `${dimensionExpr(g, p)} AS g${i}`), 'argMax(value, (time, source, event_id)) AS v'].join(', ')}
      FROM meter_values FINAL
      WHERE ${scopeWhere(q, lookbackFrom, c.fromMs, p)}
      GROUP BY ${series}
    )`;
  const query = `
SELECT w, ${series},
  min(t) AS first_t, max(t) AS last_t,
  toString(sum(toDecimal256(value, 12) * (nt - t))) AS mid,
  toString(argMax(value, (t, source, event_id))) AS last_v
FROM (
  SELECT ${series}, source, event_id, value,
    toUnixTimestamp64Milli(time) AS t,
    ${windowExpr(q.window, c.tz, p)} AS w,
    leadInFrame(toUnixTimestamp64Milli(time), 1, toUnixTimestamp64Milli(time))
      OVER (PARTITION BY ${series}, w ORDER BY time, source, event_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS nt
  FROM (${inRange}
    UNION ALL${carried})
)
GROUP BY ${series}, w
ORDER BY ${series}, w`;
  const rs = await ch.query({ query, query_params: p.values, format: 'JSONEachRow' });
  const rows = await rs.json<GaugeRow>();

  // group key -> window index -> Σ value x ms, in units of 10^-12
  const totals = new Map<string, { groups: string[]; byWindow: Map<number, bigint> }>();
  let i = 0;
  while (i < rows.length) {
    const first = rows[i]!;
    const groupValues = gs.map((g) => first[g as `g${number}`] ?? '');
    const seriesKey = JSON.stringify([first.subject, ...groupValues]);
    const points = new Map<number, GaugeRow>();
    for (; i < rows.length; i++) {
      const r = rows[i]!;
      if (JSON.stringify([r.subject, ...gs.map((g) => r[g as `g${number}`] ?? '')]) !== seriesKey) break;
      points.set(windowIndex(windows, Number(r.w), c.fromMs), r);
    }
    const groupKey = JSON.stringify(groupValues);
    let total = totals.get(groupKey);
    if (!total) totals.set(groupKey, (total = { groups: groupValues, byWindow: new Map() }));
    let carry: bigint | undefined;
    windows.forEach((w, k) => {
      const r = points.get(k);
      let part: bigint;
      if (r) {
        const lastV = parseFixed(r.last_v);
        part =
          (carry === undefined ? 0n : carry * BigInt(Number(r.first_t) - w.start)) +
          parseFixed(r.mid) +
          lastV * BigInt(w.end - Number(r.last_t));
        carry = lastV;
      } else if (carry !== undefined) {
        part = carry * BigInt(w.end - w.start);
      } else {
        return;
      }
      total.byWindow.set(k, (total.byWindow.get(k) ?? 0n) + part);
    });
  }

  const out: { k: number; row: UsageRow }[] = [];
  for (const { groups, byWindow } of totals.values()) {
    for (const [k, sum] of byWindow) {
      const w = windows[k]!;
      out.push({
        k,
        row: {
          windowStart: new Date(w.start).toISOString(),
          windowEnd: new Date(w.end).toISOString(),
          groups: Object.fromEntries(c.groupBy.map((g, j) => [g, groups[j]!])),
          value: formatFixed(divHalfEven(sum, MS_PER_HOUR)),
        },
      });
      if (out.length > maxRows) throw new UsageQueryTooLargeError(maxRows);
    }
  }
  out.sort((a, b) => a.k - b.k || compareGroups(a.row, b.row, c.groupBy));
  return out.map((o) => o.row);
}

function compareGroups(a: UsageRow, b: UsageRow, names: string[]): number {
  for (const n of names) {
    const x = a.groups[n]!;
    const y = b.groups[n]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
