import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, WithClickHouse, WithNats, WithPostgres } from '@mu/platform';
import { WithWebhooks } from './webhooks/webhooks.config';

/** The invoicer's environment, validated once at boot. */
export class InvoicerEnv extends WithWebhooks(WithNats(WithClickHouse(WithPostgres(ServiceEnv)))) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3400;
}
