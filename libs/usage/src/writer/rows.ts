import type { UsageEventV1 } from '@mu/contracts';
import { applyMeters } from '@mu/metering';
import type { TenantMeters } from '../meters/meter-catalog';
import { toClickHouseTime, type UsageRows } from './usage-writer';

export interface RowContext {
  tenantId: string;
  tenant: TenantMeters;
  /** ClickHouse DateTime64(3) text (toClickHouseTime). */
  receivedAt: string;
  rawSequence: number;
  /** Higher than every earlier row of the event: 0 when first rated, more for an amendment. */
  version?: number;
}

/**
 * The rows one event adds to the usage store: its `events` row, a `meter_values` row per
 * matching meter, and a `rejected_events` row per meter that could not read its value.
 * Appends to `rows`; returns whether any meter value was produced.
 */
export function appendEventRows(rows: UsageRows, e: UsageEventV1, ctx: RowContext): boolean {
  const { tenantId, tenant } = ctx;
  const time = toClickHouseTime(e.time);
  const version = ctx.version ?? 0;
  rows.events.push({
    tenant_id: tenantId,
    source: e.source,
    event_id: e.id,
    type: e.type,
    subject: e.subject,
    time,
    received_at: ctx.receivedAt,
    data: JSON.stringify(e.data),
    raw_sequence: ctx.rawSequence,
    retention_days: tenant.retentionDays,
    ...(version > 0 ? { version } : {}),
  });
  if (tenant.meters.length === 0) return false;
  const rated = applyMeters(e, tenant.meters);
  for (const v of rated.values) {
    rows.meterValues.push({
      tenant_id: tenantId,
      meter_id: v.meterId,
      subject: e.subject,
      time,
      source: e.source,
      event_id: e.id,
      value: v.value,
      unique_value: v.uniqueValue,
      dimensions: v.dimensions,
      ...(version > 0 ? { version } : {}),
    });
  }
  for (const r of rated.rejections) {
    rows.rejected.push({
      tenant_id: tenantId,
      rejection_id: `rater:${r.meterId}:${e.source}:${e.id}${version > 0 ? `:v${version}` : ''}`,
      stage: 'rater',
      code: r.code,
      message: r.message,
      field: r.path ?? '',
      meter_id: r.meterId,
      source: e.source,
      event_id: e.id,
      raw: JSON.stringify(e),
      rejected_at: ctx.receivedAt,
      retention_days: tenant.retentionDays,
    });
  }
  return rated.values.length > 0;
}
