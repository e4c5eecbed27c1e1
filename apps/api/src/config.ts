import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, WithClickHouse, WithNats, WithPostgres, WithRedis } from '@mu/platform';

/** The api's environment, validated once at boot. */
export class ApiEnv extends WithNats(WithRedis(WithClickHouse(WithPostgres(ServiceEnv)))) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3000;
}
