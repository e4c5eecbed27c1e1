import { createHash } from 'node:crypto';
import { Streams, type UsageUniqueBatchV1 } from '@mu/contracts';
import { Metrics, type Delivery, type Logger } from '@mu/platform';
import { appendEventRows, toClickHouseTime, type UsageRows, type UsageWriter } from '@mu/usage';
import type { MeterCatalog } from '@mu/usage';

/** Counters since the process started; a message counts once its rows are in ClickHouse. */
export interface RaterCounters {
  messages: number;
  events: number;
  meterValues: number;
  rejections: number;
  flushes: number;
  lastFlushMs: number;
}

/** Customers' subjects whose usage changed in a flush, per tenant. */
export type Touched = Map<string, Set<string>>;

/** Test seams: a hook that throws leaves the batch unacked, as a crash there would. */
export interface RaterFaults {
  /** After the ClickHouse insert succeeded, before the ack. */
  afterInsert?(batch: Delivery<UsageUniqueBatchV1>[]): void | Promise<void>;
}

/**
 * The rater's batch handler. One call = one flush (the runner hands over up to
 * RATER_BATCH_SIZE messages, waiting up to RATER_FLUSH_MS for the batch to fill). Order of
 * steps, and what a failure (or crash) at each costs:
 *
 *   1. rate      per event: every live meter of its tenant whose event type and filters match
 *                gives a meter value, or a recorded rejection (never a silent null). Pure.
 *                Postgres down (meter cache miss): throw, nothing written, batch nak'ed.
 *   2. insert    one INSERT per table with insert_deduplication_token = hash of the batch's
 *                stream sequences. Failure: throw, the runner naks the batch, ClickHouse is
 *                retried with backoff; nothing acked. Crash after the insert: the redelivered
 *                messages are inserted again: the same grouping is dropped by the token, a
 *                different grouping collapses by event key (ReplacingMergeTree, FINAL).
 *   3. ack       by the runner, only after step 2 returned. A lost ack is a redelivery (2).
 *   4. notify    the touched (tenant, subject) pairs go to `onFlushed` (current charges,
 *                alerts). Best effort after the ack: a lost notification delays an alert
 *                to the next event of that customer, it never changes usage.
 */
export class RatingHandler {
  readonly counters: RaterCounters = {
    messages: 0,
    events: 0,
    meterValues: 0,
    rejections: 0,
    flushes: 0,
    lastFlushMs: 0,
  };

  constructor(
    private readonly catalog: MeterCatalog,
    private readonly writer: UsageWriter,
    private readonly logger: Logger,
    private readonly onFlushed: (touched: Touched) => void = () => undefined,
    private readonly faults: RaterFaults = {},
  ) {}

  readonly handle = async (batch: Delivery<UsageUniqueBatchV1>[]): Promise<void> => {
    const t0 = Date.now();
    const rows: UsageRows = { events: [], meterValues: [], rejected: [] };
    const touched: Touched = new Map();
    let events = 0;

    // 1. rate
    for (const d of batch) {
      const msg = d.data;
      const tenant = await this.catalog.forTenant(msg.tenantId);
      const receivedAt = toClickHouseTime(msg.receivedAt);
      let subjects = touched.get(msg.tenantId);
      if (!subjects) touched.set(msg.tenantId, (subjects = new Set()));
      for (const e of msg.events) {
        events += 1;
        const ctx = { tenantId: msg.tenantId, tenant, receivedAt, rawSequence: msg.rawSequence };
        if (appendEventRows(rows, e, ctx)) subjects.add(e.subject);
      }
    }

    // 2. insert (3. the runner acks when this returns)
    const token = flushToken(
      Streams.USAGE_UNIQUE.name,
      batch.map((d) => d.streamSequence),
    );
    await this.writer.write(rows, token);
    await this.faults.afterInsert?.(batch);

    this.counters.messages += batch.length;
    this.counters.events += events;
    this.counters.meterValues += rows.meterValues.length;
    this.counters.rejections += rows.rejected.length;
    this.counters.flushes += 1;
    this.counters.lastFlushMs = Date.now() - t0;
    Metrics.raterFlushEvents.observe(events);
    Metrics.raterFlushSeconds.observe(this.counters.lastFlushMs / 1000);
    this.logger.debug(
      { messages: batch.length, events, meterValues: rows.meterValues.length, ms: this.counters.lastFlushMs },
      'usage flushed to clickhouse',
    );

    // 4. notify (after the ack, which the runner does as soon as this returns)
    for (const [tenantId, subjects] of touched) if (subjects.size === 0) touched.delete(tenantId);
    if (touched.size > 0) setImmediate(() => this.onFlushed(touched));
  };
}

/**
 * The insert deduplication token of a flush: the same messages of the same stream give the
 * same token; the stream name keeps two streams' sequence numbers apart.
 */
export function flushToken(stream: string, sequences: readonly number[]): string {
  const sorted = [...sequences].sort((a, b) => a - b);
  return createHash('sha256')
    .update(`${stream}:${sorted.join(',')}`)
    .digest('hex')
    .slice(0, 32);
}
