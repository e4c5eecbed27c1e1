import { instantToZonedParts } from '@mu/pricing';
import {
  AGGREGATIONS,
  WINDOW_SIZES,
  UsageQueryError,
  type Instant,
  type QueryIssue,
  type UsageQuery,
} from './types';

/** Dimension names are identifiers (as meters define them); `subject` names the event subject. */
export const DIMENSION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const DEFAULT_GAUGE_LOOKBACK_DAYS = 400;
export const DEFAULT_MAX_ROWS = 100_000;
export const DEFAULT_MAX_WINDOWS = 100_000;

export function instantMs(v: Instant): number {
  return v instanceof Date ? v.getTime() : Date.parse(v);
}

export interface CheckedQuery {
  fromMs: number;
  toMs: number;
  tz: string;
  groupBy: string[];
  lookbackDays: number;
}

/** Checks what the SQL relies on; the api validates earlier with friendlier messages. */
export function checkQuery(q: Omit<UsageQuery, 'subjects'>): CheckedQuery {
  const issues: QueryIssue[] = [];
  const fromMs = instantMs(q.from);
  const toMs = instantMs(q.to);
  if (!q.tenantId) issues.push({ path: 'tenantId', message: 'is required' });
  if (!q.meterId) issues.push({ path: 'meterId', message: 'is required' });
  if (!(AGGREGATIONS as readonly string[]).includes(q.aggregation))
    issues.push({ path: 'aggregation', message: `must be one of ${AGGREGATIONS.join(', ')}` });
  if (Number.isNaN(fromMs)) issues.push({ path: 'from', message: 'must be an instant' });
  if (Number.isNaN(toMs)) issues.push({ path: 'to', message: 'must be an instant' });
  if (fromMs >= toMs) issues.push({ path: 'to', message: 'must be after from' });
  if (q.window !== undefined && !(WINDOW_SIZES as readonly string[]).includes(q.window))
    issues.push({ path: 'window', message: `must be one of ${WINDOW_SIZES.join(', ')}` });
  const tz = q.tz ?? 'UTC';
  try {
    instantToZonedParts(new Date(0), tz);
  } catch {
    issues.push({ path: 'tz', message: 'must be an IANA time zone such as Europe/Paris' });
  }
  const groupBy = [...(q.groupBy ?? [])];
  groupBy.forEach((g, i) => {
    if (!DIMENSION_NAME.test(g)) issues.push({ path: `groupBy.${i}`, message: 'must be a dimension name' });
    if (groupBy.indexOf(g) !== i) issues.push({ path: `groupBy.${i}`, message: `${g} is named twice` });
  });
  for (const name of Object.keys(q.filter ?? {})) {
    if (!DIMENSION_NAME.test(name))
      issues.push({ path: `filter.${name}`, message: 'must be a dimension name' });
  }
  const lookbackDays = q.gaugeLookbackDays ?? DEFAULT_GAUGE_LOOKBACK_DAYS;
  if (!Number.isInteger(lookbackDays) || lookbackDays < 0 || lookbackDays > 36_600)
    issues.push({ path: 'gaugeLookbackDays', message: 'must be a whole number of days, 0 to 36,600' });
  if (issues.length) throw new UsageQueryError(issues);
  return { fromMs, toMs, tz, groupBy, lookbackDays };
}
