import { Module, type DynamicModule } from '@nestjs/common';
import { Streams } from '@mu/contracts';
import { PlatformModule, type Logger } from '@mu/platform';
import type { CollectorEnv } from './config';

/** Accepts usage events over HTTP and NATS, validates them and publishes accepted batches to USAGE_RAW. */
@Module({})
export class AppModule {
  static forRoot(config: Readonly<CollectorEnv>, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'collector',
          config,
          nats: { streams: [Streams.USAGE_RAW, Streams.USAGE_REJECTED] },
          redis: true,
          postgres: true,
          logger: opts.logger,
        }),
      ],
    };
  }
}
