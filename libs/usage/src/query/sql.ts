import type { WindowSize } from './types';

/**
 * Builds the parts every usage query shares. User input only ever travels as query parameters
 * (`{name:Type}` placeholders bound by the server); the SQL text is assembled from fixed pieces
 * and parameter names this module generates.
 */
export class Params {
  readonly values: Record<string, unknown> = {};
  private n = 0;

  /** Bind a value; returns its placeholder. */
  bind(value: unknown, type: string): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** RFC 3339 / epoch ms -> ClickHouse DateTime64(3) text in UTC (`2026-03-29 00:30:00.000`). */
export function chTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

export const TIME_TYPE = "DateTime64(3, 'UTC')";

/** The column a group or filter name reads: the event subject, or one dimension ('' when absent). */
export function dimensionExpr(name: string, p: Params): string {
  return name === 'subject' ? 'subject' : `dimensions[${p.bind(name, 'String')}]`;
}

/**
 * The aligned window start of `time`, as epoch ms (Int64), matching `windowStartOf` in windows.ts.
 * Without a window every row falls in window 0.
 */
export function windowExpr(size: WindowSize | undefined, tz: string, p: Params, column = 'time'): string {
  if (!size) return 'toInt64(0)';
  if (size === 'MINUTE') return `intDiv(toUnixTimestamp64Milli(${column}), 60000) * 60000`;
  const zone = p.bind(tz, 'String');
  const start =
    size === 'HOUR'
      ? `toDateTime(toStartOfHour(${column}, ${zone}))`
      : size === 'DAY'
        ? `toDateTime(toStartOfDay(${column}, ${zone}))`
        : `toDateTime(toStartOfMonth(${column}, ${zone}), ${zone})`;
  return `toInt64(toUnixTimestamp(${start})) * 1000`;
}

export interface Scope {
  tenantId: string;
  meterId: string;
  subjects?: readonly string[];
  filter?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The WHERE clause of every read of `meter_values`: tenant first (isolation, and the sorting
 * key's first column), meter, subjects, the time range, then dimension filters. Read with FINAL
 * and `is_deleted = 0`, so a re-inserted event counts once and a voided one not at all; the
 * filters on non-key columns (dimensions, is_deleted) apply after FINAL picked each event's
 * latest version.
 */
export function scopeWhere(scope: Scope, fromMs: number, toMs: number, p: Params): string {
  const parts = [
    `tenant_id = ${p.bind(scope.tenantId, 'String')}`,
    `meter_id = ${p.bind(scope.meterId, 'String')}`,
  ];
  if (scope.subjects) parts.push(`subject IN ${p.bind(scope.subjects, 'Array(String)')}`);
  parts.push(`time >= ${p.bind(chTime(fromMs), TIME_TYPE)}`, `time < ${p.bind(chTime(toMs), TIME_TYPE)}`);
  for (const [name, values] of Object.entries(scope.filter ?? {})) {
    parts.push(`${dimensionExpr(name, p)} IN ${p.bind(values, 'Array(String)')}`);
  }
  parts.push('is_deleted = 0');
  return parts.join('\n  AND ');
}
