import { Module, type DynamicModule } from '@nestjs/common';
import { Streams } from '@mu/contracts';
import { PlatformModule, type Logger } from '@mu/platform';
import type { InvoicerEnv } from './config';
import { CloseModule } from './close/close.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Closes billing periods into invoices, credit notes, PDFs and webhooks. */
@Module({})
export class AppModule {
  static forRoot(config: Readonly<InvoicerEnv>, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'invoicer',
          config,
          nats: { streams: [Streams.BILLING_EVENTS] },
          clickhouse: true,
          postgres: true,
          logger: opts.logger,
        }),
        CloseModule,
        WebhooksModule,
      ],
    };
  }
}
