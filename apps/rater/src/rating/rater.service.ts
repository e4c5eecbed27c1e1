import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  UsageRejected,
  UsageUniqueBatch,
  type ConsumerDef,
  type UsageRejectedV1,
  type UsageUniqueBatchV1,
} from '@mu/contracts';
import {
  CLICKHOUSE,
  CONFIG,
  createKysely,
  JetStreamPublisher,
  LOGGER,
  NATS,
  PG_POOL,
  PullConsumerRunner,
  type ClickHouseClient,
  type ConsumerStats,
  type Logger,
  type Pool,
} from '@mu/platform';
import { UsageWriter } from '@mu/usage';
import type { NatsConnection } from 'nats';
import type { RaterEnv } from '../config';
import { MeterCatalog } from '@mu/usage';
import type { Database } from '@mu/billing';
import { AlertWatcher } from '../alerts/alert-watcher';
import { RatingHandler, type RaterCounters, type RaterFaults, type Touched } from './rating.handler';
import { RejectionsHandler } from './rejections.handler';

/** Injection token for RaterOptions. */
export const RATER_OPTIONS = Symbol('mu.rater.options');

export interface RaterOptions {
  /** The durable on USAGE_UNIQUE (production: Consumers.rater). */
  consumer: ConsumerDef;
  /** The durable on USAGE_REJECTED (production: Consumers.raterRejections); none = not consumed. */
  rejections?: ConsumerDef;
  faults?: RaterFaults;
  backoffMs?: number[];
  /** Called after each flush with the (tenant, subject) pairs whose usage changed. */
  onFlushed?: (touched: Touched) => void;
}

export interface RaterStats extends RaterCounters {
  consumer: ConsumerStats;
}

/** Runs the rater's pull consumers: unique usage into ClickHouse, and rejections beside it. */
@Injectable()
export class RaterService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly catalog: MeterCatalog;
  readonly alerts: AlertWatcher;
  private readonly handler: RatingHandler;
  private readonly runner: PullConsumerRunner<UsageUniqueBatchV1>;
  private readonly rejections?: PullConsumerRunner<UsageRejectedV1>;
  private statsTimer?: NodeJS.Timeout;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(JetStreamPublisher) publisher: JetStreamPublisher,
    @Inject(CLICKHOUSE) ch: ClickHouseClient,
    @Inject(PG_POOL) pg: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: Readonly<RaterEnv>,
    @Inject(RATER_OPTIONS) private readonly opts: RaterOptions,
  ) {
    this.catalog = new MeterCatalog(pg, logger, config.RATER_METER_CACHE_SECONDS * 1000);
    const writer = new UsageWriter(ch);
    this.alerts = new AlertWatcher(createKysely<Database>(pg), ch, publisher, logger, {
      intervalMs: config.RATER_ALERT_INTERVAL_MS,
    });
    const onFlushed = (touched: Touched) => {
      this.alerts.notify(touched);
      opts.onFlushed?.(touched);
    };
    this.handler = new RatingHandler(this.catalog, writer, logger, onFlushed, opts.faults);
    this.runner = new PullConsumerRunner(nc, publisher, {
      consumer: opts.consumer,
      contract: UsageUniqueBatch,
      handle: this.handler.handle,
      logger,
      batchSize: config.RATER_BATCH_SIZE,
      lingerMs: config.RATER_FLUSH_MS,
      concurrency: config.RATER_CONCURRENCY,
      backoffMs: opts.backoffMs,
    });
    if (opts.rejections) {
      this.rejections = new PullConsumerRunner(nc, publisher, {
        consumer: opts.rejections,
        contract: UsageRejected,
        handle: new RejectionsHandler(this.catalog, writer).handle,
        logger,
        batchSize: 500,
        lingerMs: config.RATER_FLUSH_MS,
        backoffMs: opts.backoffMs,
      });
    }
  }

  get stats(): RaterStats {
    return { ...this.handler.counters, consumer: { ...this.runner.stats } };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.catalog.watch(this.nc);
    await this.runner.start();
    await this.rejections?.start();
    const every = this.config.RATER_STATS_INTERVAL_SECONDS;
    if (every > 0) {
      this.statsTimer = setInterval(
        () => this.logger.info({ rater: this.stats }, 'rater stats'),
        every * 1000,
      );
      this.statsTimer.unref();
    }
    this.logger.info({ consumer: this.opts.consumer.durable }, 'rater consuming');
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.statsTimer);
    await Promise.all([this.runner.stop(), this.rejections?.stop()]);
    await this.alerts.stop();
    this.catalog.close();
    this.logger.info({ rater: this.stats }, 'rater stopped consuming');
  }
}
