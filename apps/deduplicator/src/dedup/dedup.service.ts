import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { UsageRawBatch, type ConsumerDef, type UsageRawBatchV1 } from '@mu/contracts';
import {
  CONFIG,
  JetStreamPublisher,
  LOGGER,
  NATS,
  PullConsumerRunner,
  REDIS,
  type ConsumerStats,
  type Logger,
  type Redis,
} from '@mu/platform';
import type { NatsConnection } from 'nats';
import type { DeduplicatorEnv } from '../config';
import { DedupHandler, type DedupCounters, type DedupFaults } from './dedup.handler';
import { IdempotencyStore } from './idempotency-store';

/** Injection token for DedupOptions. */
export const DEDUP_OPTIONS = Symbol('mu.deduplicator.options');

export interface DedupOptions {
  /** The durable consumer on USAGE_RAW (production: Consumers.deduplicator). */
  consumer: ConsumerDef;
  /** Test seams; production passes none. */
  faults?: DedupFaults;
  /** Nak delays by delivery attempt (the runner's default otherwise). */
  backoffMs?: number[];
  /** How long one pull waits for a first message (bounds how long a drain waits). */
  idleWaitMs?: number;
  /** Overrides DEDUP_WINDOW_HOURS, for tests that want keys to expire quickly. */
  windowMs?: number;
  /** How often a paused service asks Redis whether it is back. */
  resumePollMs?: number;
}

export interface DedupStats extends DedupCounters {
  paused: boolean;
  consumer: ConsumerStats;
}

const HOUR = 60 * 60 * 1000;

/**
 * Runs the deduplicator's durable pull consumer. When Redis is unavailable the batch in
 * hand is nak'ed (fail closed) and pulling pauses, so the backlog waits in USAGE_RAW
 * instead of burning delivery attempts; a watchdog resumes pulling once Redis answers.
 * Readiness follows Redis through the platform's `redis` check.
 */
@Injectable()
export class DedupService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly handler: DedupHandler;
  private readonly runner: PullConsumerRunner<UsageRawBatchV1>;
  private readonly store: IdempotencyStore;
  private readonly resumePollMs: number;
  private paused?: Promise<void>;
  private closing = false;
  private statsTimer?: NodeJS.Timeout;
  private lastRedisErrorLog = 0;

  constructor(
    @Inject(NATS) nc: NatsConnection,
    @Inject(JetStreamPublisher) publisher: JetStreamPublisher,
    @Inject(REDIS) redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: Readonly<DeduplicatorEnv>,
    @Inject(DEDUP_OPTIONS) private readonly opts: DedupOptions,
  ) {
    const windowMs = opts.windowMs ?? config.DEDUP_WINDOW_HOURS * HOUR;
    this.resumePollMs = opts.resumePollMs ?? 1_000;
    this.store = new IdempotencyStore(redis, windowMs, config.DEDUP_REDIS_TIMEOUT_MS);
    this.handler = new DedupHandler(this.store, publisher, logger, (err) => this.pause(err), opts.faults);
    this.runner = new PullConsumerRunner(nc, publisher, {
      consumer: opts.consumer,
      contract: UsageRawBatch,
      handle: this.handler.handle,
      logger,
      batchSize: config.DEDUP_BATCH_SIZE,
      concurrency: config.DEDUP_CONCURRENCY,
      lingerMs: config.DEDUP_LINGER_MS,
      idleWaitMs: opts.idleWaitMs,
      backoffMs: opts.backoffMs,
    });
    // ioredis reports every failed reconnect; without a listener it writes them to stderr.
    redis.on('error', (err: Error) => {
      if (Date.now() - this.lastRedisErrorLog < 10_000) return;
      this.lastRedisErrorLog = Date.now();
      this.logger.warn({ err }, 'redis connection error');
    });
  }

  get stats(): DedupStats {
    return {
      ...this.handler.counters,
      paused: this.paused !== undefined,
      consumer: { ...this.runner.stats },
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    const every = this.config.DEDUP_STATS_INTERVAL_SECONDS;
    if (every > 0) {
      this.statsTimer = setInterval(
        () => this.logger.info({ dedup: this.stats }, 'deduplicator stats'),
        every * 1000,
      );
      this.statsTimer.unref();
    }
    this.logger.info(
      { consumer: this.opts.consumer.durable, windowHours: this.config.DEDUP_WINDOW_HOURS },
      'deduplicator consuming',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.statsTimer);
    await this.paused;
    await this.runner.stop();
    this.logger.info({ dedup: this.stats }, 'deduplicator stopped consuming');
  }

  /** Called from inside the handler: must not wait for the runner, which waits for the handler. */
  private pause(err: unknown): void {
    if (this.paused || this.closing) return;
    this.logger.error(
      { err, consumer: this.opts.consumer.durable },
      "redis unavailable: batch nak'ed, nothing acked, consumption paused",
    );
    const stopped = this.runner.stop();
    this.paused = (async () => {
      await stopped;
      while (!this.closing) {
        try {
          await this.store.ping();
          await this.runner.start();
          this.logger.info(
            { consumer: this.opts.consumer.durable },
            'redis answers again: consumption resumed',
          );
          return;
        } catch {
          await new Promise((r) => setTimeout(r, this.resumePollMs));
        }
      }
    })().finally(() => {
      this.paused = undefined;
    });
  }
}
