import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, WithClickHouse, WithNats, WithPostgres, WithRedis } from '@mu/platform';
import { WithWebhookUrlPolicy } from '@mu/webhooks';

/** The api's environment, validated once at boot. */
export class ApiEnv extends WithWebhookUrlPolicy(
  WithNats(WithRedis(WithClickHouse(WithPostgres(ServiceEnv)))),
) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3000;
}
