import { Module, type DynamicModule } from '@nestjs/common';
import { Streams } from '@mu/contracts';
import { PlatformModule, type Logger } from '@mu/platform';
import type { ApiEnv } from './config';

/** Serves the catalog, customers, subscriptions, usage and invoices over REST. */
@Module({})
export class AppModule {
  static forRoot(config: Readonly<ApiEnv>, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'api',
          config,
          nats: { streams: [Streams.BILLING_EVENTS] },
          redis: true,
          clickhouse: true,
          postgres: true,
          logger: opts.logger,
        }),
      ],
    };
  }
}
