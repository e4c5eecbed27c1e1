import type { Aggregation } from '@mu/metering';

/** How a meter turns its values into a quantity: one list, libs/metering's. */
export { AGGREGATIONS, type Aggregation } from '@mu/metering';

/** What a usage query needs to know about a meter (a local shape: the meter lives in Postgres). */
export interface UsageMeter {
  readonly id: string;
  readonly aggregation: Aggregation;
}

export const WINDOW_SIZES = ['MINUTE', 'HOUR', 'DAY', 'MONTH'] as const;
export type WindowSize = (typeof WINDOW_SIZES)[number];

/** An instant: a Date or RFC 3339 text with an offset. */
export type Instant = Date | string;

export interface MeterQuantityQuery {
  tenantId: string;
  meterId: string;
  aggregation: Aggregation;
  /** The customer's subject keys. An empty list has no usage. */
  subjects: readonly string[];
  /** Inclusive. */
  from: Instant;
  /** Exclusive. */
  to: Instant;
  /** time_weighted_sum: how far before `from` to look for the gauge's value (default 400 days). */
  gaugeLookbackDays?: number;
}

export interface UsageQuery {
  tenantId: string;
  meterId: string;
  aggregation: Aggregation;
  /** Only these subjects; omitted = every subject of the tenant. */
  subjects?: readonly string[];
  from: Instant;
  to: Instant;
  /** Split [from, to) into calendar windows; omitted = one row per group for the whole range. */
  window?: WindowSize;
  /** IANA zone the windows are aligned in (default UTC). */
  tz?: string;
  /** Dimension names, and `subject` for the event subject. */
  groupBy?: readonly string[];
  /** Dimension (or `subject`) -> accepted values; a row must match every entry. */
  filter?: Readonly<Record<string, readonly string[]>>;
  gaugeLookbackDays?: number;
  /** Refuse (UsageQueryTooLargeError) rather than return more rows than this (default 100,000). */
  maxRows?: number;
  /** Refuse (UsageQueryError) a window size that splits the range into more windows (default 100,000). */
  maxWindows?: number;
}

export interface UsageRow {
  /** RFC 3339 (UTC, milliseconds). The window's start, cut at `from`. */
  windowStart: string;
  /** The window's end, cut at `to`: the value covers exactly [windowStart, windowEnd). */
  windowEnd: string;
  /** groupBy name -> value ('' when an event lacks the dimension). */
  groups: Record<string, string>;
  /** Exact decimal text. */
  value: string;
}

export interface QueryIssue {
  path: string;
  message: string;
}

/** A query that can never run (bad range, zone, names). Stable code; the api maps it to 400. */
export class UsageQueryError extends Error {
  readonly code = 'INVALID_USAGE_QUERY';
  constructor(readonly issues: QueryIssue[]) {
    super(`invalid usage query: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** The answer would exceed `maxRows`. */
export class UsageQueryTooLargeError extends Error {
  readonly code = 'USAGE_QUERY_TOO_LARGE';
  constructor(readonly maxRows: number) {
    super(`the answer has more than ${maxRows} rows: narrow the range, use a larger window or fewer groups`);
  }
}
