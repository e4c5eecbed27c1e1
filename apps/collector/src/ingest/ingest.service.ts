import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  encodeMessage,
  Subjects,
  UsageRawBatch,
  UsageRejected,
  type UsageEventResultV1,
  type UsageIngestResultV1,
  type UsageRejectedV1,
} from '@mu/contracts';
import { CONFIG, LOGGER, Metrics, newId, type Logger } from '@mu/platform';
import type { CollectorEnv } from '../config';
import { IngestError } from './errors';
import { validateEvent, type ValidationLimits, type ValidEvent } from './event-validation';
import { RateLimiter } from './rate-limiter';
import { EVENT_SINK, type EventSink } from './tokens';

/** Where a request came in, for metrics: a transport and a route pattern, never an id. */
export interface IngestEdge {
  transport: 'http' | 'nats';
  route: string;
}

export interface IngestCommand {
  edge: IngestEdge;
  tenantId: string;
  /** The decoded request: one event or an array of them (anything else is refused). */
  body: unknown;
  /** Client-chosen key that makes a retried request a no-op within the stream's duplicate window. */
  idempotencyKey?: string;
  receivedAtMs: number;
  /** Peer APIs (OpenMeter, Lago) refuse a request whole when one event is invalid: publish nothing then. */
  allOrNothing?: boolean;
}

const RAW_CONTRACT = `${UsageRawBatch.name}.v${UsageRawBatch.version}`;
const REJECTED_CONTRACT = `${UsageRejected.name}.v${UsageRejected.version}`;
/** A rejected event is kept as received, up to this much of its JSON. */
const MAX_RAW_CHARS = 96 * 1024;

/**
 * One ingest request, from decoded body to PubAck, shared by the HTTP and NATS edges. The order
 * of the steps, and what a failure at each one costs:
 *
 * 1. shape and size (free): not one event or an array, or more than the maximum events: the
 *    request is refused whole; nothing was published.
 * 2. rate limit (usually no round trip: RateLimiter): over the tenant's budget: 429 with
 *    Retry-After, nothing published and nothing counted. Every event of an admitted request
 *    counts against the budget, valid or not.
 * 3. validate every event (CPU only): each gets its own result; an invalid one never stops the others.
 * 4. publish (one JetStream message for all valid events, `Nats-Msg-Id` = batch id, awaiting the
 *    PubAck; rejections in parallel, one message each): no PubAck for the batch (timeout, no
 *    stream, NATS down) is 503 and nothing is reported accepted. The batch may still have been
 *    stored (ack lost on the way back): a retry with the same Idempotency-Key is dropped by the
 *    duplicate window, and without one the deduplicator drops the events by (tenant, source, id).
 *    A lost rejection costs only its record in USAGE_REJECTED; the client has the reason already.
 * 5. answer: accepted/rejected counts and a result per event; only now is anything "accepted".
 */
@Injectable()
export class IngestService {
  private readonly limits: ValidationLimits;
  private readonly maxEvents: number;
  private readonly publishTimeoutMs: number;

  constructor(
    @Inject(CONFIG) config: Readonly<CollectorEnv>,
    @Inject(EVENT_SINK) private readonly sink: EventSink,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly rateLimiter: RateLimiter,
  ) {
    this.limits = {
      maxDataBytes: config.COLLECTOR_MAX_DATA_BYTES,
      lateArrivalMs: config.COLLECTOR_LATE_ARRIVAL_DAYS * 86_400_000,
      maxFutureMs: config.COLLECTOR_MAX_FUTURE_SECONDS * 1000,
    };
    this.maxEvents = config.COLLECTOR_MAX_EVENTS_PER_REQUEST;
    this.publishTimeoutMs = config.COLLECTOR_PUBLISH_TIMEOUT_MS;
  }

  async execute(cmd: IngestCommand): Promise<UsageIngestResultV1> {
    // 1. shape and size
    const events = Array.isArray(cmd.body) ? (cmd.body as unknown[]) : [cmd.body];
    if (cmd.body === null || typeof cmd.body !== 'object') {
      throw new IngestError(
        'invalid',
        'INVALID_BODY',
        'the body must be one event (a JSON object) or an array of events',
      );
    }
    if (events.length === 0) throw new IngestError('invalid', 'EMPTY_BATCH', 'the batch has no events');
    if (events.length > this.maxEvents) {
      throw new IngestError(
        'too_large',
        'TOO_MANY_EVENTS',
        `the request has ${events.length} events; at most ${this.maxEvents} are accepted per request`,
      );
    }
    const batchId = cmd.idempotencyKey ? batchIdFor(cmd.tenantId, cmd.idempotencyKey) : newId('bat');

    // 2. rate limit
    const rate = await this.rateLimiter.take(cmd.tenantId, events.length, cmd.receivedAtMs);
    if (!rate.allowed) {
      throw new IngestError(
        'rate_limited',
        'RATE_LIMITED',
        'the tenant sends more events per second than its limit allows',
        rate.retryAfterSeconds,
      );
    }

    // 3. validate
    const results: UsageEventResultV1[] = new Array<UsageEventResultV1>(events.length);
    const valid: ValidEvent[] = [];
    const rejections: UsageRejectedV1[] = [];
    const rejectedAt = new Date(cmd.receivedAtMs).toISOString();
    for (let i = 0; i < events.length; i++) {
      const raw = events[i];
      const outcome = validateEvent(raw, cmd.receivedAtMs, this.limits);
      const id = idOf(raw);
      if (outcome.ok) {
        valid.push(outcome.event);
        results[i] = { index: i, id: outcome.event.id, status: 'accepted' };
      } else {
        results[i] =
          id === undefined
            ? { index: i, status: 'rejected', error: outcome.error }
            : { index: i, id, status: 'rejected', error: outcome.error };
        const rejection: UsageRejectedV1 = {
          tenantId: cmd.tenantId,
          stage: 'collector',
          code: outcome.error.code,
          message: outcome.error.message.slice(0, 2000),
          rejectedAt,
          raw: rawText(raw),
        };
        if (outcome.error.field !== undefined) rejection.field = outcome.error.field;
        if (id !== undefined) rejection.eventId = id;
        rejections.push(rejection);
      }
    }

    if (cmd.allOrNothing && rejections.length > 0) {
      const first = results.find((r) => r.status === 'rejected')!;
      throw new IngestError(
        'invalid',
        'INVALID_EVENTS',
        `${rejections.length} of ${events.length} events are invalid; nothing was accepted. ` +
          `events.${first.index}${first.error?.field ? `.${first.error.field}` : ''}: ${first.error?.message} (${first.error?.code})`,
      );
    }

    // 4. publish
    const receivedAt = new Date(cmd.receivedAtMs).toISOString();
    const [batchAck] = await Promise.all([
      valid.length > 0
        ? this.publishBatch(cmd.tenantId, batchId, receivedAt, valid)
        : Promise.resolve(undefined),
      this.publishRejections(cmd.tenantId, batchId, rejections, results),
    ]);

    // 5. answer
    Metrics.ingestAccepted.inc(cmd.edge, valid.length);
    for (const r of rejections) Metrics.ingestRejected.inc({ stage: 'collector', reason: r.code });
    return {
      batchId,
      accepted: valid.length,
      rejected: rejections.length,
      duplicate: batchAck?.duplicate ?? false,
      results,
    };
  }

  private async publishBatch(tenantId: string, batchId: string, receivedAt: string, events: ValidEvent[]) {
    const data = Buffer.from(encodeBatch(batchId, tenantId, receivedAt, events), 'utf8');
    try {
      return await this.sink.publishRaw(Subjects.usageRaw(tenantId), data, {
        msgId: batchId,
        headers: { 'Mu-Contract': RAW_CONTRACT },
        timeoutMs: this.publishTimeoutMs,
      });
    } catch (err) {
      this.logger.error({ err, tenantId, batchId, events: events.length }, 'usage batch not stored');
      throw new IngestError(
        'unavailable',
        'UNAVAILABLE',
        'the event stream did not store the batch; retry later (nothing was accepted)',
      );
    }
  }

  private async publishRejections(
    tenantId: string,
    batchId: string,
    rejections: UsageRejectedV1[],
    results: UsageEventResultV1[],
  ): Promise<void> {
    if (rejections.length === 0) return;
    const subject = Subjects.usageRejected(tenantId);
    let r = 0;
    const pending: Promise<unknown>[] = [];
    for (const res of results) {
      if (res.status !== 'rejected') continue;
      const rejection = rejections[r++]!;
      pending.push(
        this.sink.publishRaw(subject, encodeMessage(UsageRejected, rejection), {
          msgId: `${batchId}.r${res.index}`,
          headers: { 'Mu-Contract': REJECTED_CONTRACT },
          timeoutMs: this.publishTimeoutMs,
        }),
      );
    }
    const settled = await Promise.allSettled(pending);
    const failed = settled.filter((s) => s.status === 'rejected');
    if (failed.length > 0) {
      this.logger.warn(
        {
          err: (failed[0] as PromiseRejectedResult).reason as unknown,
          tenantId,
          batchId,
          lost: failed.length,
        },
        'rejection records not stored',
      );
    }
  }
}

/**
 * The batch id of a request with an Idempotency-Key: the same tenant and key always give the
 * same id, so JetStream drops the retry inside USAGE_RAW's duplicate window.
 */
export function batchIdFor(tenantId: string, idempotencyKey: string): string {
  return `idk_${createHash('sha256').update(`${tenantId}\n${idempotencyKey}`, 'utf8').digest('hex')}`;
}

/**
 * UsageRawBatchV1 as JSON, written by hand so each event's `data` is serialised once (during
 * validation) and no class-validator runs per event: validateEvent guarantees the contract.
 */
export function encodeBatch(
  batchId: string,
  tenantId: string,
  receivedAt: string,
  events: ValidEvent[],
): string {
  const parts = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    parts[i] =
      `{"id":${JSON.stringify(e.id)},"source":${JSON.stringify(e.source)},"type":${JSON.stringify(e.type)},` +
      `"subject":${JSON.stringify(e.subject)},"time":"${e.time}","data":${e.dataJson}` +
      (e.specversion ? `,"specversion":"${e.specversion}"}` : '}');
  }
  return `{"batchId":${JSON.stringify(batchId)},"tenantId":${JSON.stringify(tenantId)},"receivedAt":"${receivedAt}","events":[${parts.join(',')}]}`;
}

function idOf(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'string' ? id.slice(0, 256) : undefined;
}

function rawText(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? 'null';
  } catch {
    text = String(raw);
  }
  return text.length > MAX_RAW_CHARS ? text.slice(0, MAX_RAW_CHARS) : text;
}
