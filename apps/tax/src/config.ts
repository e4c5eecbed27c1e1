import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, WithNats, WithPostgres } from '@mu/platform';

/** The tax's environment, validated once at boot. */
export class TaxEnv extends WithNats(WithPostgres(ServiceEnv)) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3500;
}
