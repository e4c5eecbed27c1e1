import {
  Subjects,
  tenantOfSubject,
  UsageRejected,
  UsageUniqueBatch,
  type UsageEventV1,
  type UsageRawBatchV1,
} from '@mu/contracts';
import {
  isPermanent,
  Metrics,
  PermanentError,
  withSpan,
  type Delivery,
  type JetStreamPublisher,
  type Logger,
} from '@mu/platform';
import { classify, planMessage, type MessagePlan, type Outcome } from './classify';
import type { IdempotencyStore } from './idempotency-store';

/** Counters since the process started; a message counts once, when it is acked. */
export interface DedupCounters {
  /** Raw batches acked. */
  messages: number;
  /** Events in those batches. */
  received: number;
  /** Events published to USAGE_UNIQUE. */
  unique: number;
  /** Identical repeats dropped. */
  duplicates: number;
  /** Same id, different payload: kept in USAGE_REJECTED, never published. */
  conflicts: number;
  /** Handler calls that found Redis unavailable (their messages were nak'ed). */
  redisFailures: number;
}

/**
 * Test seams for crash simulation: a hook that throws leaves its message unacked, exactly
 * as a crash at that point would (the runner naks it; a crash lets ackWait expire).
 */
export interface DedupFaults {
  /** After Redis claimed the keys, before anything is published. */
  afterClaim?(delivery: Delivery<UsageRawBatchV1>): void | Promise<void>;
  /** After USAGE_UNIQUE and USAGE_REJECTED PubAck'ed, before the ack. */
  afterPublish?(delivery: Delivery<UsageRawBatchV1>): void | Promise<void>;
}

export const DUPLICATE_CONFLICT = 'DUPLICATE_CONFLICT';

/**
 * The deduplicator's batch handler. Order of steps for one pulled batch, and what a
 * failure (or a crash) at each step costs:
 *
 *   1. plan      key = hash(tenant, source, id), value = "S:<payload hash>" per event.
 *                Pure; a raw message whose subject and tenantId disagree is dead-lettered.
 *   2. claim     ONE Redis round trip for the whole batch: SET key value NX PX window GET.
 *                Redis down/slow: throw before anything is published, so the runner naks
 *                every message with backoff (nothing acked: fail closed) and the service
 *                pauses pulling until Redis answers again. Crash after the SETs: the keys
 *                hold "S:..." and the redelivery of S reads its own sequence back, so its
 *                events are still new for it: nothing lost.
 *   3. publish   per message, the new events to usage.unique.v1.<tenant> with Nats-Msg-Id
 *                raw-S (awaiting the PubAck), and one UsageRejectedV1 per conflict with
 *                Nats-Msg-Id raw-S-conflict-<index>. Failure: that message is nak'ed and
 *                redelivered; the claims are already its own, so it republishes the same
 *                events under the same ids. Crash after the PubAck: the same, and JetStream
 *                drops the republish as a duplicate (within USAGE_UNIQUE's duplicate window).
 *   4. ack       only after every publish of the message was PubAck'ed. A lost ack is a
 *                redelivery, handled as in 3. Nothing is billed twice: a duplicate of an
 *                earlier message reads another sequence back and is dropped.
 */
export class DedupHandler {
  readonly counters: DedupCounters = {
    messages: 0,
    received: 0,
    unique: 0,
    duplicates: 0,
    conflicts: 0,
    redisFailures: 0,
  };

  constructor(
    private readonly store: IdempotencyStore,
    private readonly publisher: JetStreamPublisher,
    private readonly logger: Logger,
    private readonly onRedisUnavailable: (err: unknown) => void,
    private readonly faults: DedupFaults = {},
  ) {}

  readonly handle = async (batch: Delivery<UsageRawBatchV1>[]): Promise<void> => {
    // 1. plan
    const work: { delivery: Delivery<UsageRawBatchV1>; plan: MessagePlan }[] = [];
    for (const d of batch) {
      const subjectTenant = safeTenantOfSubject(d.subject);
      if (subjectTenant !== d.data.tenantId) {
        await d.reject(
          new PermanentError('TENANT_MISMATCH', `subject ${d.subject} does not belong to the batch's tenant`),
        );
        continue;
      }
      work.push({ delivery: d, plan: planMessage(d.streamSequence, d.data.tenantId, d.data.events) });
    }
    if (work.length === 0) return;

    // 2. claim: one round trip; on failure nothing below runs and nothing is acked.
    let previous: (string | null)[];
    try {
      previous = await this.store.claim(work.flatMap((w) => w.plan.claims));
    } catch (err) {
      this.counters.redisFailures += 1;
      Metrics.dedupRedisFailures.inc();
      this.onRedisUnavailable(err);
      throw err;
    }

    // 3 and 4, per message: its own publishes, then its own ack.
    let offset = 0;
    const answers = work.map((w) => {
      const slice = previous.slice(offset, offset + w.plan.claims.length);
      offset += w.plan.claims.length;
      return slice;
    });
    // Each message in its own span, a child of the request that sent it (not of the batch), so
    // the USAGE_UNIQUE message it publishes carries that request's trace on to the rater.
    await Promise.all(
      work.map((w, i) =>
        withSpan(
          'deduplicate raw batch',
          { parent: w.delivery.traceContext, attributes: { 'mu.raw_sequence': w.delivery.streamSequence } },
          () => this.settle(w.delivery, w.plan, answers[i]!),
        ),
      ),
    );
  };

  private async settle(
    d: Delivery<UsageRawBatchV1>,
    plan: MessagePlan,
    previous: (string | null)[],
  ): Promise<void> {
    const raw = d.data;
    const seq = d.streamSequence;
    try {
      const outcomes = classify(plan, previous);
      await this.faults.afterClaim?.(d);

      // 3. publish: new events first, then the conflicts, each awaiting its PubAck.
      const fresh = raw.events.filter((_, i) => outcomes[i]!.kind === 'new');
      if (fresh.length > 0) {
        await this.publisher.publish(
          Subjects.usageUnique(raw.tenantId),
          UsageUniqueBatch,
          { tenantId: raw.tenantId, rawSequence: seq, receivedAt: raw.receivedAt, events: fresh },
          { msgId: `raw-${seq}` },
        );
      }
      const conflicts = outcomes
        .map((o, index) => ({ o, index }))
        .filter(
          (x): x is { o: Extract<Outcome, { kind: 'conflict' }>; index: number } => x.o.kind === 'conflict',
        );
      await Promise.all(conflicts.map(({ o, index }) => this.reject(raw, seq, index, raw.events[index]!, o)));
      await this.faults.afterPublish?.(d);

      // 4. ack
      d.ack();
      this.counters.messages += 1;
      this.counters.received += raw.events.length;
      const duplicates = outcomes.filter((o) => o.kind === 'duplicate').length;
      this.counters.unique += fresh.length;
      this.counters.duplicates += duplicates;
      this.counters.conflicts += conflicts.length;
      Metrics.dedupEvents.inc({ outcome: 'unique' }, fresh.length);
      Metrics.dedupEvents.inc({ outcome: 'duplicate' }, duplicates);
      Metrics.dedupEvents.inc({ outcome: 'conflict' }, conflicts.length);
      Metrics.ingestRejected.inc({ stage: 'deduplicator', reason: DUPLICATE_CONFLICT }, conflicts.length);
      this.logger.debug(
        {
          tenantId: raw.tenantId,
          rawSequence: seq,
          deliveryCount: d.deliveryCount,
          received: raw.events.length,
          unique: fresh.length,
          conflicts: conflicts.length,
        },
        'raw batch deduplicated',
      );
    } catch (err) {
      if (isPermanent(err)) await d.reject(err);
      else await d.retry(err);
    }
  }

  private async reject(
    raw: UsageRawBatchV1,
    seq: number,
    index: number,
    event: UsageEventV1,
    outcome: Extract<Outcome, { kind: 'conflict' }>,
  ): Promise<void> {
    const first =
      outcome.firstSequence === undefined
        ? 'an unreadable idempotency record'
        : outcome.firstSequence === seq
          ? 'an earlier event of the same batch'
          : `raw message ${outcome.firstSequence}`;
    this.logger.warn(
      { tenantId: raw.tenantId, eventId: event.id, rawSequence: seq, firstSequence: outcome.firstSequence },
      'event id reused with a different payload; kept as rejected',
    );
    await this.publisher.publish(
      Subjects.usageRejected(raw.tenantId),
      UsageRejected,
      {
        tenantId: raw.tenantId,
        stage: 'deduplicator',
        code: DUPLICATE_CONFLICT,
        message: `event id already accepted with a different payload (type, subject, time or data), first from ${first}; the first one counts`,
        eventId: event.id,
        rejectedAt: new Date().toISOString(),
        raw: JSON.stringify(event),
      },
      { msgId: `raw-${seq}-conflict-${index}` },
    );
  }
}

function safeTenantOfSubject(subject: string): string | undefined {
  try {
    return tenantOfSubject(subject);
  } catch {
    return undefined;
  }
}
