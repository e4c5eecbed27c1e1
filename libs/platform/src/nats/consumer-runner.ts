import { DeadLetter, decodeMessage, Subjects, type ConsumerDef, type MessageContract } from '@mu/contracts';
import type { Context, Link } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { Consumer, JetStreamClient, JsMsg, NatsConnection } from 'nats';
import type { Logger } from '../logging/logger';
import { Metrics, watchConsumerLag } from '../metrics/metrics';
import { extractTraceContext, SpanKind, withSpan } from '../telemetry/telemetry';
import { errorCode, isPermanent } from './errors';
import type { JetStreamPublisher } from './publisher';

/** One message handed to a handler, already decoded and validated against its contract. */
export interface Delivery<T> {
  readonly data: T;
  readonly subject: string;
  readonly streamSequence: number;
  /** 1 on the first delivery, 2 on the first redelivery, ... */
  readonly deliveryCount: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly traceContext: Context;
  readonly settled: boolean;
  /** Settle this message now instead of with the rest of the batch. */
  ack(): void;
  /** Redeliver later (nak with backoff), or dead-letter once maxDeliver is reached. */
  retry(reason: unknown): Promise<void>;
  /** Dead-letter and terminate: it can never succeed. */
  reject(reason: unknown): Promise<void>;
}

export type BatchHandler<T> = (batch: Delivery<T>[]) => Promise<void>;

export interface ConsumerRunnerOptions<T extends object> {
  consumer: ConsumerDef;
  contract: MessageContract<T>;
  handle: BatchHandler<T>;
  logger: Logger;
  /** Most messages handed to one handler call. */
  batchSize?: number;
  /**
   * After the first message: 0 takes only what is already waiting; more waits up to that
   * long for the batch to fill (a flush interval).
   */
  lingerMs?: number;
  /** How long one server-side pull request lives before the client renews it (min 1 s). */
  idleWaitMs?: number;
  /** Nak delays by delivery attempt; the last one repeats. */
  backoffMs?: number[];
  /**
   * Batches in flight at once (default 1): each is its own pull-handle-ack loop on the same
   * durable, as replicas would be, so the network waits of one overlap the work of another.
   * Only for handlers that are correct under concurrent replicas anyway.
   */
  concurrency?: number;
}

export interface ConsumerStats {
  batches: number;
  acked: number;
  retried: number;
  deadLettered: number;
}

const DEFAULT_BACKOFF = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

/**
 * A durable JetStream pull consumer for a Nest service (Nest's NATS transport has no JetStream).
 *
 * A feeder keeps one pull request (a fetch that lives until the server expires it or it is
 * full) open at a time and streams its messages into a bounded buffer that `concurrency`
 * loops take batches from. Not the legacy `fetch(no_wait)` per batch: it ended the request
 * on the client while the server was still delivering, leaving messages nobody could ack
 * until ackWait (30 s stalls under load). Not `consume()` either: nats.js renews its pulls
 * as messages arrive rather than as they are taken, so it queues up to maxAckPending in the
 * client, and drops that queue on close (ackWait stalls after every stop).
 *
 * Order for each batch, and what a crash at each point costs:
 *   1. pull          crash: nothing was acked, the server redelivers after ackWait.
 *   2. decode        undecodable: dead-lettered, then terminated (never retried).
 *   3. handle        throws permanent: dead-letter + term; transient: nak with backoff.
 *   4. ack           crash before ack: redelivered, so handlers must be idempotent.
 * A dead letter is published (and PubAck'ed) before the term; if that publish fails the
 * message is nak'ed instead, so nothing is ever dropped.
 */
export class PullConsumerRunner<T extends object> {
  readonly stats: ConsumerStats = { batches: 0, acked: 0, retried: 0, deadLettered: 0 };
  private readonly js: JetStreamClient;
  private consumerHandle?: Consumer;
  private running = false;
  private loop?: Promise<unknown>;
  private feeding?: Promise<void>;
  /** Counts start()s: a feeder serves only the one that started it. */
  private generation = 0;
  /** Pulled, not yet handed to a handler. */
  private readonly buffer: JsMsg[] = [];
  private readonly waiters = new Set<() => void>();
  private spaceWaiter?: () => void;
  /** Messages the client keeps requested from the server. */
  private readonly prefetch: number;
  /** The feeder waits while the buffer holds this many. */
  private readonly highWater: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly lingerMs: number;
  private readonly idleWaitMs: number;
  private readonly backoffMs: number[];
  private readonly settled: Record<'acked' | 'retried' | 'dead_lettered', { inc(n?: number): void }>;
  private lagWatched = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly publisher: JetStreamPublisher,
    private readonly opts: ConsumerRunnerOptions<T>,
  ) {
    this.js = nc.jetstream();
    this.batchSize = opts.batchSize ?? 100;
    this.lingerMs = opts.lingerMs ?? 0;
    this.idleWaitMs = Math.max(1_000, opts.idleWaitMs ?? 2_000);
    this.backoffMs = opts.backoffMs ?? DEFAULT_BACKOFF;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
    if (this.lingerMs < 0) throw new Error('lingerMs must be 0 or more');
    // In flight per process: what the loops hold, the buffer (highWater) and one fetch
    // (prefetch at most), all within the consumer's maxAckPending across replicas.
    this.highWater = this.batchSize * this.concurrency;
    this.prefetch = Math.max(1, Math.min(this.batchSize * 2, opts.consumer.maxAckPending));
    const labels = { stream: opts.consumer.stream, consumer: opts.consumer.durable };
    this.settled = {
      acked: Metrics.consumerMessages.labels({ ...labels, outcome: 'acked' }),
      retried: Metrics.consumerMessages.labels({ ...labels, outcome: 'retried' }),
      dead_lettered: Metrics.consumerMessages.labels({ ...labels, outcome: 'dead_lettered' }),
    };
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.consumerHandle = await this.js.consumers.get(this.opts.consumer.stream, this.opts.consumer.durable);
    this.running = true;
    this.feeding = this.feed(++this.generation);
    this.loop = Promise.all(Array.from({ length: this.concurrency }, () => this.run()));
    // Reported from the first start until the connection closes: a stopped (paused) consumer's
    // backlog is exactly what an operator needs to see.
    if (!this.lagWatched) {
      this.lagWatched = true;
      watchConsumerLag({
        stream: this.opts.consumer.stream,
        consumer: this.opts.consumer.durable,
        sample: async () => {
          if (this.nc.isClosed()) return undefined;
          const info = await this.consumerHandle!.info();
          return { undelivered: info.num_pending, unacked: info.num_ack_pending };
        },
      });
    }
  }

  /**
   * Drain: stop pulling, finish and settle the batches in hand, and hand back (nak, no delay)
   * what was prefetched but not started, so another replica takes it at once. Then resolve.
   */
  async stop(): Promise<void> {
    if (!this.running) {
      await this.loop;
      return;
    }
    this.running = false;
    this.wake();
    await this.loop;
    await this.feeding;
    for (const m of this.buffer.splice(0)) m.nak();
  }

  /**
   * Moves messages into the buffer: one pull request (fetch) at a time, for at most the room
   * left, each streaming its messages in as they arrive and ending on the server's expiry or
   * when full, so what this process holds is bounded by the buffer plus one fetch. `gen` ties
   * the feeder to one start(): whatever arrives after its stop() is handed back (nak).
   */
  private async feed(gen: number): Promise<void> {
    const log = this.opts.logger;
    const current = () => this.running && this.generation === gen;
    while (current()) {
      try {
        while (current() && this.buffer.length >= this.highWater) await this.waitForSpace();
        if (!current()) break;
        const fetched = await this.consumerHandle!.fetch({
          max_messages: Math.min(this.prefetch, this.highWater - this.buffer.length),
          expires: this.idleWaitMs,
        });
        // Arrivals after stop() are handed back once this pull has ended: a nak while it is
        // still open would have the server redeliver straight into it, again and again.
        const late: JsMsg[] = [];
        for await (const m of fetched) {
          if (current()) {
            this.buffer.push(m);
            this.wake();
          } else {
            late.push(m);
          }
        }
        for (const m of late) m.nak();
      } catch (err) {
        if (!current()) break;
        log.error({ err, consumer: this.opts.consumer.durable }, 'pull failed; retrying');
        await sleep(1_000);
      }
    }
  }

  private async run(): Promise<void> {
    const log = this.opts.logger;
    while (this.running) {
      try {
        const msgs = await this.take();
        if (msgs.length > 0) await this.process(msgs);
      } catch (err) {
        log.error({ err, consumer: this.opts.consumer.durable }, 'consumer loop failed; retrying');
        if (this.running) await sleep(1_000);
      }
    }
  }

  /** The next batch: waits for a first message, then up to lingerMs for the batch to fill. */
  private async take(): Promise<JsMsg[]> {
    while (this.running && this.buffer.length === 0) await this.waitForMessages();
    if (!this.running) return [];
    if (this.lingerMs > 0 && this.buffer.length < this.batchSize) {
      const until = Date.now() + this.lingerMs;
      while (this.running && this.buffer.length < this.batchSize && Date.now() < until) {
        await this.waitForMessages(until - Date.now());
      }
      if (!this.running) return [];
    }
    const batch = this.buffer.splice(0, this.batchSize);
    this.spaceWaiter?.();
    return batch;
  }

  private waitForMessages(ms = this.idleWaitMs): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private waitForSpace(): Promise<void> {
    return new Promise((resolve) => {
      this.spaceWaiter = () => {
        this.spaceWaiter = undefined;
        resolve();
      };
    });
  }

  /** Wakes every loop waiting for messages (and the feeder, on stop). */
  private wake(): void {
    for (const w of [...this.waiters]) w();
    if (!this.running) this.spaceWaiter?.();
  }

  private async process(msgs: JsMsg[]): Promise<void> {
    const { consumer, contract, handle } = this.opts;
    const deliveries: DeliveryImpl<T>[] = [];
    for (const msg of msgs) {
      const count = msg.info.deliveryCount;
      if (count > consumer.maxDeliver) {
        await this.deadLetter(
          msg,
          'MAX_DELIVERIES_EXCEEDED',
          `delivered ${count} times (limit ${consumer.maxDeliver})`,
        );
        continue;
      }
      let data: T;
      try {
        data = decodeMessage(contract, msg.data);
      } catch (err) {
        await this.deadLetter(msg, errorCode(err, 'UNDECODABLE'), (err as Error).message);
        continue;
      }
      deliveries.push(new DeliveryImpl(msg, data, this));
    }
    if (deliveries.length === 0) return;
    this.stats.batches += 1;

    const links: Link[] = deliveries
      .slice(1)
      .map((d) => trace.getSpanContext(d.traceContext))
      .filter((c): c is NonNullable<typeof c> => c !== undefined)
      .map((c) => ({ context: c }));
    try {
      await withSpan(
        `consume ${consumer.durable}`,
        {
          parent: deliveries[0]!.traceContext,
          links,
          kind: SpanKind.CONSUMER,
          attributes: { 'messaging.system': 'nats', 'messaging.batch.message_count': deliveries.length },
        },
        () => handle(deliveries),
      );
      for (const d of deliveries) if (!d.settled) d.ack();
    } catch (err) {
      for (const d of deliveries) {
        if (d.settled) continue;
        if (isPermanent(err)) await d.reject(err);
        else await d.retry(err);
      }
    }
  }

  /** @internal used by deliveries */
  ack(msg: JsMsg): void {
    msg.ack();
    this.stats.acked += 1;
    this.settled.acked.inc();
  }

  /** @internal used by deliveries */
  async retry(msg: JsMsg, reason: unknown): Promise<void> {
    const count = msg.info.deliveryCount;
    if (count >= this.opts.consumer.maxDeliver) {
      await this.deadLetter(
        msg,
        'MAX_DELIVERIES_EXCEEDED',
        `gave up after ${count} deliveries: ${describe(reason)}`,
      );
      return;
    }
    const delay = this.backoffMs[Math.min(count - 1, this.backoffMs.length - 1)]!;
    this.opts.logger.warn(
      {
        err: reason,
        consumer: this.opts.consumer.durable,
        streamSequence: msg.seq,
        deliveryCount: count,
        delayMs: delay,
      },
      'message failed; redelivering later',
    );
    msg.nak(delay);
    this.stats.retried += 1;
    this.settled.retried.inc();
  }

  /** @internal used by deliveries */
  async deadLetter(msg: JsMsg, code: string, reason: string): Promise<void> {
    const { consumer } = this.opts;
    const headers: Record<string, string> = {};
    for (const [k, v] of msg.headers ?? []) headers[k] = v.join(',');
    try {
      await this.publisher.publish(
        Subjects.deadLetter(consumer.durable),
        DeadLetter,
        {
          consumer: consumer.durable,
          stream: consumer.stream,
          streamSequence: msg.seq,
          subject: msg.subject,
          deliveries: msg.info.deliveryCount,
          code,
          reason: reason.slice(0, 4_000),
          deadLetteredAt: new Date().toISOString(),
          payload: Buffer.from(msg.data).toString('base64'),
          headers,
        },
        { msgId: `dl-${consumer.stream}-${msg.seq}` },
      );
    } catch (err) {
      this.opts.logger.error(
        { err, consumer: consumer.durable, streamSequence: msg.seq },
        'dead-letter publish failed; message kept for redelivery',
      );
      msg.nak(this.backoffMs[this.backoffMs.length - 1]);
      this.stats.retried += 1;
      this.settled.retried.inc();
      return;
    }
    this.opts.logger.error(
      { consumer: consumer.durable, streamSequence: msg.seq, code, reason },
      'message dead-lettered',
    );
    // No reason on the term: servers before 2.10.4 ignore `+TERM <reason>` and leave the
    // message pending. The reason is in the dead letter.
    msg.term();
    this.stats.deadLettered += 1;
    this.settled.dead_lettered.inc();
  }
}

class DeliveryImpl<T extends object> implements Delivery<T> {
  readonly headers: Record<string, string> = {};
  readonly traceContext: Context;
  private done = false;

  constructor(
    private readonly msg: JsMsg,
    readonly data: T,
    private readonly runner: PullConsumerRunner<T>,
  ) {
    for (const [k, v] of msg.headers ?? []) this.headers[k] = v.join(',');
    this.traceContext = msg.headers
      ? extractTraceContext(msg.headers)
      : extractTraceContext({ get: () => '', set: () => undefined });
  }

  get subject(): string {
    return this.msg.subject;
  }
  get streamSequence(): number {
    return this.msg.seq;
  }
  get deliveryCount(): number {
    return this.msg.info.deliveryCount;
  }
  get settled(): boolean {
    return this.done;
  }

  ack(): void {
    if (this.claim()) this.runner.ack(this.msg);
  }
  async retry(reason: unknown): Promise<void> {
    if (this.claim()) await this.runner.retry(this.msg, reason);
  }
  async reject(reason: unknown): Promise<void> {
    if (this.claim())
      await this.runner.deadLetter(this.msg, errorCode(reason, 'PERMANENT_FAILURE'), describe(reason));
  }

  private claim(): boolean {
    if (this.done) return false;
    this.done = true;
    return true;
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
