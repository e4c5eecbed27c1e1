import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Streams } from '@mu/contracts';
import { JetStreamPublisher, PlatformModule, type Logger } from '@mu/platform';
import type { CollectorEnv } from './config';
import { CompatController } from './http/compat.controller';
import { CollectorExceptionFilter } from './http/exception.filter';
import { ApiKeys } from './ingest/api-keys';
import { IngestService } from './ingest/ingest.service';
import { RateLimiter } from './ingest/rate-limiter';
import { EVENT_SINK, type EventSink } from './ingest/tokens';
import { NatsIngestSubscriber } from './nats/ingest.subscriber';

export interface CollectorModuleOptions {
  logger?: Logger;
  /** For tests: publish through this instead of JetStream (e.g. one that always fails). */
  sink?: EventSink;
}

/** Accepts usage events over HTTP and NATS, validates them and publishes accepted batches to USAGE_RAW. */
@Module({})
export class AppModule {
  static forRoot(config: Readonly<CollectorEnv>, opts: CollectorModuleOptions = {}): DynamicModule {
    const sink: Provider = opts.sink
      ? { provide: EVENT_SINK, useValue: opts.sink }
      : { provide: EVENT_SINK, useExisting: JetStreamPublisher };
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
      // POST /v1/events is a Fastify route of its own (http/events.route.ts, from http/setup.ts).
      controllers: [CompatController],
      providers: [
        sink,
        ApiKeys,
        RateLimiter,
        IngestService,
        NatsIngestSubscriber,
        { provide: APP_FILTER, useClass: CollectorExceptionFilter },
      ],
    };
  }
}
