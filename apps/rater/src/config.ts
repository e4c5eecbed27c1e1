import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, WithClickHouse, WithNats, WithPostgres } from '@mu/platform';

/** The rater's environment, validated once at boot. */
export class RaterEnv extends WithNats(WithClickHouse(WithPostgres(ServiceEnv))) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3300;
}
