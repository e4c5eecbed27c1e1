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

  /** Most USAGE_UNIQUE messages (each up to a raw batch of events) rated in one flush. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5_000)
  RATER_BATCH_SIZE = 200;

  /** A flush waits at most this long for its batch to fill (freshness vs insert size). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  RATER_FLUSH_MS = 500;

  /** Flushes in flight at once in one process (each is an insert; ClickHouse merges parts). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(8)
  RATER_CONCURRENCY = 2;

  /** Meters are re-read from Postgres at least this often (catalog changes drop them sooner). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_600)
  RATER_METER_CACHE_SECONDS = 30;

  /**
   * Usage and spend alerts are evaluated for the customers a flush touched at most this often
   * (ms); 0 disables alerts in this replica.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  RATER_ALERT_INTERVAL_MS = 1_000;

  /** Counters are logged this often; 0 only at shutdown. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  RATER_STATS_INTERVAL_SECONDS = 60;
}
