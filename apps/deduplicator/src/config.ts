import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, WithNats, WithRedis } from '@mu/platform';

/** The deduplicator's environment, validated once at boot. */
export class DeduplicatorEnv extends WithNats(WithRedis(ServiceEnv)) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3200;
}
