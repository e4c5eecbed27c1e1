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

  /**
   * The service's own deadline for one request. Below the callers' timeout (5 s by default), so a
   * slow database yields a TIMEOUT reply the caller can act on instead of a silent client timeout.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  TAX_REQUEST_TIMEOUT_MS = 2_000;

  /** Requests handled at once per replica; beyond this the subscription waits (NATS buffers). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  TAX_MAX_IN_FLIGHT = 64;

  /** FX rates older than this many days before the conversion date are refused (stale). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3660)
  FX_MAX_AGE_DAYS = 7;
}
