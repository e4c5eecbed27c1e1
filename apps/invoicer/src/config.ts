import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, toBool, WithClickHouse, WithNats, WithPostgres } from '@mu/platform';
import { WithWebhooks } from './webhooks/webhooks.config';

/** The invoicer's environment, validated once at boot. */
export class InvoicerEnv extends WithWebhooks(WithNats(WithClickHouse(WithPostgres(ServiceEnv)))) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3400;

  /** A period-close pass runs this often; 0 disables it in this replica (drafts then wait). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  INVOICER_CLOSE_INTERVAL_SECONDS = 60;

  /** Drafts in their grace period are recomputed at most this often, so late usage shows. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  INVOICER_DRAFT_REFRESH_SECONDS = 300;

  /** Periods closed at once by one replica. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  INVOICER_CLOSE_CONCURRENCY = 4;

  /**
   * Quote tax (tax.quote.v1) and convert currencies (fx.convert.v1) with the tax service; false
   * issues invoices without tax, and cannot bill customers whose currency differs from the plan's.
   */
  @Transform(toBool)
  @IsBoolean()
  INVOICER_TAX = true;
}
