import { Module, type DynamicModule } from '@nestjs/common';
import { RATER_OPTIONS, RaterService, type RaterOptions } from './rater.service';

/** USAGE_UNIQUE -> meters -> ClickHouse. NATS, ClickHouse, Postgres, config and logger come from PlatformModule. */
@Module({})
export class RatingModule {
  static forRoot(opts: RaterOptions): DynamicModule {
    return {
      module: RatingModule,
      providers: [{ provide: RATER_OPTIONS, useValue: opts }, RaterService],
      exports: [RaterService],
    };
  }
}
