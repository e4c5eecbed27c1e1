import { Module, type DynamicModule } from '@nestjs/common';
import { Consumers, Streams } from '@mu/contracts';
import { PlatformModule, type Logger } from '@mu/platform';
import type { RaterEnv } from './config';

/** Pulls USAGE_UNIQUE, applies meters and writes events and meter values to ClickHouse. */
@Module({})
export class AppModule {
  static forRoot(config: Readonly<RaterEnv>, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'rater',
          config,
          nats: {
            streams: [Streams.USAGE_UNIQUE, Streams.USAGE_REJECTED, Streams.DEAD_LETTER],
            consumers: [Consumers.rater],
          },
          clickhouse: true,
          postgres: true,
          logger: opts.logger,
        }),
      ],
    };
  }
}
