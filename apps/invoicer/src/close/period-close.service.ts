import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodCloser, type Database, type TickResult } from '@mu/billing';
import {
  CLICKHOUSE,
  CONFIG,
  createKysely,
  LOGGER,
  NATS,
  PG_POOL,
  requestFxConversion,
  requestTaxQuote,
  type ClickHouseClient,
  type Logger,
  type Pool,
} from '@mu/platform';
import type { NatsConnection } from 'nats';
import type { InvoicerEnv } from '../config';

/** Runs period close every INVOICER_CLOSE_INTERVAL_SECONDS for the life of the service. */
@Injectable()
export class PeriodCloseService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly closer: PeriodCloser;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  lastTick?: TickResult & { at: string };

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(CLICKHOUSE) ch: ClickHouseClient,
    @Inject(NATS) nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: Readonly<InvoicerEnv>,
  ) {
    this.closer = new PeriodCloser(
      {
        db: createKysely<Database>(pool),
        ch,
        quoteTax: config.INVOICER_TAX ? (req) => requestTaxQuote(nc, req) : undefined,
        convertFx: config.INVOICER_TAX ? (req) => requestFxConversion(nc, req) : undefined,
      },
      logger,
      {
        draftRefreshMs: config.INVOICER_DRAFT_REFRESH_SECONDS * 1000,
        concurrency: config.INVOICER_CLOSE_CONCURRENCY,
      },
    );
  }

  onApplicationBootstrap(): void {
    const every = this.config.INVOICER_CLOSE_INTERVAL_SECONDS * 1000;
    if (every <= 0) return;
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.tick();
      await this.running;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), every);
    };
    this.timer = setTimeout(() => void loop(), 0);
    this.logger.info({ everySeconds: every / 1000 }, 'period close scheduled');
  }

  async tick(now = new Date()): Promise<TickResult> {
    const t0 = Date.now();
    try {
      const r = await this.closer.tick(now);
      this.lastTick = { ...r, at: now.toISOString() };
      if (r.created + r.refreshed + r.finalized + r.failed > 0) {
        this.logger.info({ ...r, ms: Date.now() - t0 }, 'period close pass');
      }
      return r;
    } catch (err) {
      this.logger.warn({ err }, 'period close pass failed');
      return { created: 0, refreshed: 0, finalized: 0, unchanged: 0, failed: 1 };
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
