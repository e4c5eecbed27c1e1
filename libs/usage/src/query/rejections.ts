import type { ClickHouseClient } from '@clickhouse/client';
import { chTime, Params, TIME_TYPE } from './sql';
import type { Instant } from './types';
import { instantMs } from './validate';

/** `rejected`: every rejected event; `conflict`: only DUPLICATE_CONFLICT (same id, other payload). */
export type RejectionStatus = 'rejected' | 'conflict';

export const DUPLICATE_CONFLICT = 'DUPLICATE_CONFLICT';

export interface RejectionsQuery {
  tenantId: string;
  status: RejectionStatus;
  /** Inclusive, on `rejected_at`. */
  from?: Instant;
  /** Exclusive. */
  to?: Instant;
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface RejectedEvent {
  id: string;
  stage: string;
  code: string;
  message: string;
  field: string | null;
  meterId: string | null;
  source: string | null;
  eventId: string | null;
  /** The event as received (JSON text, which may not even be valid JSON: that can be why it was refused). */
  raw: string;
  rejectedAt: string;
}

export interface RejectionsPage {
  data: RejectedEvent[];
  nextCursor: string | null;
}

interface Row {
  rejection_id: string;
  stage: string;
  code: string;
  message: string;
  field: string;
  meter_id: string;
  source: string;
  event_id: string;
  raw: string;
  at: string;
}

/**
 * A cursor is the sort key of the last row seen, (rejected_at, rejection_id), as base64url text:
 * opaque to clients, stable under inserts (newer rows sort before it and never shift a page).
 */
export function encodeRejectionCursor(atMs: number, id: string): string {
  return Buffer.from(JSON.stringify([atMs, id])).toString('base64url');
}

export function decodeRejectionCursor(cursor: string): { atMs: number; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string')
      return { atMs: v[0] as number, id: v[1] };
  } catch {
    // not JSON: falls through
  }
  return null;
}

/**
 * Rejected events of one tenant, newest first. FINAL collapses a rejection the writer inserted
 * twice; a row past its tenant's retention is hidden even before the TTL merge deletes it.
 */
export async function listRejectedEvents(ch: ClickHouseClient, q: RejectionsQuery): Promise<RejectionsPage> {
  const p = new Params();
  const where = [`tenant_id = ${p.bind(q.tenantId, 'String')}`];
  if (q.status === 'conflict') where.push(`code = ${p.bind(DUPLICATE_CONFLICT, 'String')}`);
  if (q.from !== undefined) where.push(`rejected_at >= ${p.bind(chTime(instantMs(q.from)), TIME_TYPE)}`);
  if (q.to !== undefined) where.push(`rejected_at < ${p.bind(chTime(instantMs(q.to)), TIME_TYPE)}`);
  if (q.cursor !== undefined) {
    const c = decodeRejectionCursor(q.cursor);
    if (!c) throw new Error('bad cursor');
    where.push(
      `(rejected_at, rejection_id) < (${p.bind(chTime(c.atMs), TIME_TYPE)}, ${p.bind(c.id, 'String')})`,
    );
  }
  where.push('toDateTime(rejected_at) + toIntervalDay(retention_days) > now()');
  const query = `
SELECT rejection_id, stage, code, message, field, meter_id, source, event_id, raw,
  toUnixTimestamp64Milli(rejected_at) AS at
FROM rejected_events FINAL
WHERE ${where.join('\n  AND ')}
ORDER BY rejected_at DESC, rejection_id DESC
LIMIT ${p.bind(q.limit + 1, 'UInt32')}`;
  const rs = await ch.query({ query, query_params: p.values, format: 'JSONEachRow' });
  const rows = await rs.json<Row>();
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  return {
    data: page.map((r) => ({
      id: r.rejection_id,
      stage: r.stage,
      code: r.code,
      message: r.message,
      field: r.field || null,
      meterId: r.meter_id || null,
      source: r.source || null,
      eventId: r.event_id || null,
      raw: r.raw,
      rejectedAt: new Date(Number(r.at)).toISOString(),
    })),
    nextCursor: more && last ? encodeRejectionCursor(Number(last.at), last.rejection_id) : null,
  };
}
