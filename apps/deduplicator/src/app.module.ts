import { Module, type DynamicModule } from '@nestjs/common';
import { Consumers, Streams, Subjects, type ConsumerDef } from '@mu/contracts';
import { PlatformModule, type Logger } from '@mu/platform';
import type { DeduplicatorEnv } from './config';
import { DedupModule } from './dedup/dedup.module';
import type { DedupOptions } from './dedup/dedup.service';

/** Pulls USAGE_RAW, drops events already seen (Redis idempotency keys) and publishes the new ones to USAGE_UNIQUE. */
@Module({})
export class AppModule {
  /**
   * `dedup` is a seam for tests that share one NATS server: a durable of their own (filtered
   * to their tenant's subject) and fault hooks. Production uses Consumers.deduplicator.
   */
  static forRoot(
    config: Readonly<DeduplicatorEnv>,
    opts: { logger?: Logger; dedup?: Partial<DedupOptions> } = {},
  ): DynamicModule {
    const consumer: ConsumerDef = config.DEDUP_ONLY_TENANT
      ? {
          ...Consumers.deduplicator,
          durable: `deduplicator_${config.DEDUP_ONLY_TENANT}`,
          filterSubject: Subjects.usageRaw(config.DEDUP_ONLY_TENANT),
        }
      : Consumers.deduplicator;
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'deduplicator',
          config,
          nats: {
            streams: [Streams.USAGE_RAW, Streams.USAGE_UNIQUE, Streams.USAGE_REJECTED, Streams.DEAD_LETTER],
            consumers: [consumer],
          },
          redis: true,
          logger: opts.logger,
        }),
        DedupModule.forRoot({ consumer, ...opts.dedup }),
      ],
    };
  }
}
