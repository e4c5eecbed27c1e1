import { Module, type DynamicModule } from '@nestjs/common';
import { Consumers, Streams } from '@mu/contracts';
import { PlatformModule, type Logger } from '@mu/platform';
import type { RaterEnv } from './config';
import { RatingModule } from './rating/rating.module';
import type { RaterOptions } from './rating/rater.service';

/**
 * Pulls USAGE_UNIQUE, applies meters and writes events and meter values to ClickHouse; fires
 * usage and spend alerts on BILLING_EVENTS.
 */
@Module({})
export class AppModule {
  /**
   * `rater` is a seam for tests that share one NATS server: durables of their own (filtered
   * to their tenant's subjects) and fault hooks. Production uses Consumers.rater and
   * Consumers.raterRejections.
   */
  static forRoot(
    config: Readonly<RaterEnv>,
    opts: { logger?: Logger; rater?: Partial<RaterOptions> } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'rater',
          config,
          nats: {
            streams: [
              Streams.USAGE_UNIQUE,
              Streams.USAGE_REJECTED,
              Streams.DEAD_LETTER,
              Streams.BILLING_EVENTS,
            ],
            consumers: [Consumers.rater, Consumers.raterRejections],
          },
          clickhouse: true,
          postgres: true,
          logger: opts.logger,
        }),
        RatingModule.forRoot({
          consumer: Consumers.rater,
          rejections: Consumers.raterRejections,
          ...opts.rater,
        }),
      ],
    };
  }
}
