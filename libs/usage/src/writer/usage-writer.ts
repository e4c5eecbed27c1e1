import { SpanKind, withSpan, type ClickHouseClient } from '@mu/platform';

/** A row of `events` (db/clickhouse/0001_usage.sql). Times are ClickHouse DateTime64(3) text. */
export interface EventRow {
  tenant_id: string;
  source: string;
  event_id: string;
  type: string;
  subject: string;
  time: string;
  received_at: string;
  data: string;
  raw_sequence: number;
  retention_days: number;
  version?: number;
  is_deleted?: 0 | 1;
}

/** A row of `meter_values`: one event as seen by one meter. */
export interface MeterValueRow {
  tenant_id: string;
  meter_id: string;
  subject: string;
  time: string;
  source: string;
  event_id: string;
  /** Exact decimal text, at most 26 integer and 12 fractional digits. */
  value: string;
  unique_value: string;
  dimensions: Record<string, string>;
  version?: number;
  is_deleted?: 0 | 1;
}

/** A row of `rejected_events`. */
export interface RejectedRow {
  tenant_id: string;
  rejection_id: string;
  stage: string;
  code: string;
  message: string;
  field: string;
  meter_id: string;
  source: string;
  event_id: string;
  raw: string;
  rejected_at: string;
  retention_days: number;
}

export interface UsageRows {
  events: EventRow[];
  meterValues: MeterValueRow[];
  rejected: RejectedRow[];
}

/** RFC 3339 with milliseconds (as the collector normalises times) -> ClickHouse DateTime64(3) text. */
export function toClickHouseTime(iso: string): string {
  // 2026-11-01T10:00:00.123Z -> 2026-11-01 10:00:00.123
  return iso.length === 24 && iso.endsWith('Z') ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso;
}

/**
 * Writes usage rows to ClickHouse. Each table gets one INSERT per call, carrying an
 * insert_deduplication_token derived from `token` (the messages the rows came from), so a
 * retry of the same flush after a timeout or a crash is dropped by ClickHouse as a duplicate
 * block (within the tables' non_replicated_deduplication_window), rollups included. Rows that
 * reach ClickHouse twice anyway (a redelivery grouped differently) collapse by event key.
 */
export class UsageWriter {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly database?: string,
  ) {}

  async write(rows: UsageRows, token: string): Promise<void> {
    await Promise.all([
      this.insert('events', rows.events, token),
      this.insert('meter_values', rows.meterValues, token),
      this.insert('rejected_events', rows.rejected, token),
    ]);
  }

  /** One INSERT, in a client span of its own (a child of the flush that called it). */
  async insert(table: string, values: readonly object[], token: string): Promise<void> {
    if (values.length === 0) return;
    await withSpan(
      `INSERT ${table}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'clickhouse',
          'db.operation.name': 'INSERT',
          'db.collection.name': table,
          'db.operation.batch.size': values.length,
        },
      },
      () =>
        this.ch.insert({
          table: this.database ? `${this.database}.${table}` : table,
          values: values as object[],
          format: 'JSONEachRow',
          clickhouse_settings: {
            insert_deduplication_token: `${table}:${token}`,
            deduplicate_blocks_in_dependent_materialized_views: 1,
            // Decimal text such as "12.5" into Decimal(38, 12), times as DateTime64 text.
            input_format_skip_unknown_fields: 0,
          },
        }),
    );
  }
}
