import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ServiceEnv, WithNats, WithRedis } from '@mu/platform';

/** The deduplicator's environment, validated once at boot. */
export class DeduplicatorEnv extends WithNats(WithRedis(ServiceEnv)) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3200;

  /**
   * How long an idempotency key lives in Redis. A repeat of an event within the window is
   * dropped here; beyond it ClickHouse (deduplicating by event key) is the authority.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 90)
  DEDUP_WINDOW_HOURS = 24;

  /** Most raw batches (JetStream messages) handled per Redis round trip. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000)
  DEDUP_BATCH_SIZE = 100;

  /**
   * Batches in flight at once in one process. Claims are atomic per key in Redis, so
   * concurrent batches are as safe as concurrent replicas; more than one overlaps the
   * Redis and JetStream round trips of one batch with the hashing of another.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(32)
  DEDUP_CONCURRENCY = 3;

  /**
   * After the first raw batch arrives, wait up to this long for more before the Redis round
   * trip: under a steady trickle, one claim, one publish round and one ack round serve several
   * collector batches instead of one each. Adds at most this much to the time an event takes to
   * reach USAGE_UNIQUE (the rater then waits up to RATER_FLUSH_MS, 500, anyway); nothing on the
   * collector's ack path waits for it. 0 takes only what is already waiting. 60 rather than 20:
   * 5–12 % less deduplicator CPU under paced load (docs/ingestion.md, tenth session).
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000)
  DEDUP_LINGER_MS = 60;

  /** A Redis round trip slower than this counts as Redis unavailable (nak, pause, retry). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DEDUP_REDIS_TIMEOUT_MS = 5_000;

  /** Counters (received, unique, duplicates, conflicts) are logged this often; 0 only at shutdown. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  DEDUP_STATS_INTERVAL_SECONDS = 60;

  /**
   * Shards the work by tenant: this replica's durable takes only `usage.raw.v1.<tenant>` of
   * this tenant (durable `deduplicator_<tenant>`). Unset (the default), it takes every tenant
   * through the shared durable `deduplicator`.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'DEDUP_ONLY_TENANT must be a tenant id' })
  DEDUP_ONLY_TENANT?: string;
}
