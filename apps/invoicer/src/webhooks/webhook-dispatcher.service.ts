import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CONFIG, createKysely, LOGGER, PG_POOL, type Logger, type Pool } from '@mu/platform';
import { webhookAllowHttp, WebhookDispatcher, type WebhookTables } from '@mu/webhooks';
import type { WebhooksConfig } from './webhooks.config';

/**
 * Runs the webhook dispatcher for the life of the service: started once the app is up,
 * stopped before the Postgres pool closes (the deliveries in hand are sent and recorded first;
 * a POST is bounded by WEBHOOK_TIMEOUT_MS, well within SHUTDOWN_TIMEOUT_SECONDS).
 */
@Injectable()
export class WebhookDispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly dispatcher: WebhookDispatcher;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) config: Readonly<WebhooksConfig>,
  ) {
    this.dispatcher = new WebhookDispatcher(createKysely<WebhookTables>(pool), {
      logger,
      pollMs: config.WEBHOOK_POLL_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: config.WEBHOOK_BACKOFF_BASE_MS,
      backoffMaxMs: config.WEBHOOK_BACKOFF_MAX_MS,
      concurrency: config.WEBHOOK_CONCURRENCY,
      allowHttp: webhookAllowHttp(config),
    });
  }

  onApplicationBootstrap(): void {
    this.dispatcher.start();
    this.logger.info('webhook dispatcher started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.dispatcher.stop();
    this.logger.info({ webhooks: this.dispatcher.stats }, 'webhook dispatcher stopped');
  }
}
