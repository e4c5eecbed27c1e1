import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Logger } from '@mu/platform';
import type { TaxEnv } from './config';
import { QuoteModule } from './quote/quote.module';

/** Answers tax quotes and converts currencies over NATS request/reply. */
@Module({})
export class AppModule {
  static forRoot(
    config: Readonly<TaxEnv>,
    opts: { logger?: Logger; subjectPrefix?: string } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'tax',
          config,
          // Request/reply on core NATS: no stream to provision.
          nats: { streams: [] },
          postgres: true,
          logger: opts.logger,
        }),
        QuoteModule.forRoot({ subjectPrefix: opts.subjectPrefix }),
      ],
    };
  }
}
