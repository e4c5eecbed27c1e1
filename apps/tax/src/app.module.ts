import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Logger } from '@mu/platform';
import type { TaxEnv } from './config';

/** Answers tax quotes and converts currencies over NATS request/reply. */
@Module({})
export class AppModule {
  static forRoot(config: Readonly<TaxEnv>, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'tax',
          config,
          nats: { streams: [] },
          postgres: true,
          logger: opts.logger,
        }),
      ],
    };
  }
}
