import { Module, type DynamicModule } from '@nestjs/common';
import { DEDUP_OPTIONS, DedupService, type DedupOptions } from './dedup.service';

/** USAGE_RAW -> Redis idempotency keys -> USAGE_UNIQUE. NATS, Redis, config and logger come from PlatformModule. */
@Module({})
export class DedupModule {
  static forRoot(opts: DedupOptions): DynamicModule {
    return {
      module: DedupModule,
      providers: [{ provide: DEDUP_OPTIONS, useValue: opts }, DedupService],
      exports: [DedupService],
    };
  }
}
