import type { ClickHouseClient } from '@mu/platform';
import type { EventRow, MeterValueRow, UsageRows } from './usage-writer';

/** What the usage store holds now for one event: its live rows, and the highest version written. */
export interface StoredEvent {
  /** Null once the raw event expired (retention) or was voided. */
  event: EventRow | null;
  values: MeterValueRow[];
  maxVersion: number;
}

const EVENT_COLUMNS = `tenant_id, source, event_id, type, subject, toString(time) AS time,
  toString(received_at) AS received_at, data, toUInt64(raw_sequence) AS raw_sequence,
  toUInt16(retention_days) AS retention_days, toUInt64(version) AS version`;
const VALUE_COLUMNS = `tenant_id, meter_id, subject, toString(time) AS time, source, event_id,
  toString(value) AS value, unique_value, dimensions, toUInt64(version) AS version`;

/** The sources under which a tenant has a live event with this id (usually one). */
export async function sourcesOfEvent(
  ch: ClickHouseClient,
  tenantId: string,
  eventId: string,
): Promise<string[]> {
  const rs = await ch.query({
    query: `SELECT DISTINCT source FROM
              (SELECT source FROM events FINAL WHERE tenant_id = {t:String} AND event_id = {id:String} AND is_deleted = 0
               UNION ALL
               SELECT source FROM meter_values FINAL WHERE tenant_id = {t:String} AND event_id = {id:String} AND is_deleted = 0)
            ORDER BY source`,
    query_params: { t: tenantId, id: eventId },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ source: string }>()).map((r) => r.source);
}

/** The live rows of one event (deduplicated by event key) and the highest version of any of its rows. */
export async function loadStoredEvent(
  ch: ClickHouseClient,
  tenantId: string,
  source: string,
  eventId: string,
): Promise<StoredEvent> {
  const params = { t: tenantId, s: source, id: eventId };
  const where = 'tenant_id = {t:String} AND source = {s:String} AND event_id = {id:String}';
  const [events, values, versions] = await Promise.all([
    json<EventRow & { version: string | number }>(
      ch,
      `SELECT ${EVENT_COLUMNS} FROM events FINAL WHERE ${where} AND is_deleted = 0`,
      params,
    ),
    json<MeterValueRow & { version: string | number }>(
      ch,
      `SELECT ${VALUE_COLUMNS} FROM meter_values FINAL WHERE ${where} AND is_deleted = 0 ORDER BY meter_id`,
      params,
    ),
    json<{ v: string | number }>(
      ch,
      `SELECT toUInt64(max(v)) AS v FROM
         (SELECT max(version) AS v FROM events WHERE ${where}
          UNION ALL SELECT max(version) AS v FROM meter_values WHERE ${where})`,
      params,
    ),
  ]);
  const first = events[0];
  return {
    event: first
      ? { ...first, raw_sequence: Number(first.raw_sequence), version: Number(first.version) }
      : null,
    values: values.map((v) => ({ ...v, version: Number(v.version) })),
    maxVersion: Number(versions[0]?.v ?? 0),
  };
}

/**
 * The rows that void an event: its live rows again, same keys, `version` above every earlier
 * row and `is_deleted` = 1. Billing (FINAL) then no longer sees it; the signed rollup subtracts it.
 */
export function voidRows(stored: StoredEvent, version: number): UsageRows {
  return {
    events: stored.event ? [{ ...stored.event, version, is_deleted: 1 }] : [],
    meterValues: stored.values.map((v) => ({ ...v, version, is_deleted: 1 })),
    rejected: [],
  };
}

async function json<T>(ch: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}
