import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, WithNats, WithPostgres, WithRedis } from '@mu/platform';

/** The collector's environment, validated once at boot. */
export class CollectorEnv extends WithNats(WithRedis(WithPostgres(ServiceEnv))) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3100;
}
