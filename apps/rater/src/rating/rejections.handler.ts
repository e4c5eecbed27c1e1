import { Streams, type UsageRejectedV1 } from '@mu/contracts';
import type { Delivery } from '@mu/platform';
import { toClickHouseTime, type RejectedRow, type UsageWriter } from '@mu/usage';
import { flushToken } from './rating.handler';
import type { MeterCatalog } from '@mu/usage';

/**
 * USAGE_REJECTED -> `rejected_events`: what the collector refused and the deduplicator's
 * conflicts, kept for `GET /v1/events?status=rejected|conflict`. Same order as rating:
 * insert (token from the stream sequences), then the runner acks.
 */
export class RejectionsHandler {
  constructor(
    private readonly catalog: MeterCatalog,
    private readonly writer: UsageWriter,
  ) {}

  readonly handle = async (batch: Delivery<UsageRejectedV1>[]): Promise<void> => {
    const rows: RejectedRow[] = [];
    for (const d of batch) {
      const r = d.data;
      const tenant = await this.catalog.forTenant(r.tenantId);
      rows.push({
        tenant_id: r.tenantId,
        // The stream sequence names the rejection: a redelivery writes the same row.
        rejection_id: `${r.stage}:${d.streamSequence}`,
        stage: r.stage,
        code: r.code,
        message: r.message,
        field: r.field ?? '',
        meter_id: '',
        source: sourceOf(r.raw),
        event_id: r.eventId ?? '',
        raw: r.raw,
        rejected_at: toClickHouseTime(r.rejectedAt),
        retention_days: tenant.retentionDays,
      });
    }
    await this.writer.insert(
      'rejected_events',
      rows,
      flushToken(
        Streams.USAGE_REJECTED.name,
        batch.map((d) => d.streamSequence),
      ),
    );
  };
}

/** The event's `source` when the raw text is an event object that has one. */
function sourceOf(raw: string): string {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && 'source' in parsed) {
      const source = parsed.source;
      return typeof source === 'string' ? source.slice(0, 1024) : '';
    }
  } catch {
    // not JSON: no source
  }
  return '';
}
