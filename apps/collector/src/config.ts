import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { ServiceEnv, toBool, WithNats, WithPostgres, WithRedis } from '@mu/platform';

/** The collector's environment, validated once at boot. docs/ingestion.md lists what each one does. */
export class CollectorEnv extends WithNats(WithRedis(WithPostgres(ServiceEnv))) {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3100;

  /** Most events in one request (HTTP body array or NATS message); more is 413 TOO_MANY_EVENTS. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  COLLECTOR_MAX_EVENTS_PER_REQUEST = 1_000;

  /** Largest request body in bytes; more is 413 BODY_TOO_LARGE. */
  @Type(() => Number)
  @IsInt()
  @Min(1_024)
  @Max(64 * 1024 * 1024)
  COLLECTOR_MAX_BODY_BYTES = 1024 * 1024;

  /** Largest `data` of one event, in bytes of its JSON. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1024 * 1024)
  COLLECTOR_MAX_DATA_BYTES = 64 * 1024;

  /** Events older than this many days are refused (TIME_TOO_OLD). Same for every tenant for now. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_650)
  COLLECTOR_LATE_ARRIVAL_DAYS = 35;

  /** Events more than this many seconds ahead of the collector's clock are refused (TIME_IN_FUTURE). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  COLLECTOR_MAX_FUTURE_SECONDS = 300;

  /** Events per second per tenant, summed over every replica (Redis); 0 turns the limit off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND = 10_000;

  /**
   * How often a replica adds the events it admitted without asking Redis to the shared count.
   * Longer: fewer Redis calls; several replicas can overshoot by what each admits in this time
   * (never more than half the limit each).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000)
  COLLECTOR_RATE_LIMIT_SYNC_MS = 50;

  /** How long a valid API key is remembered in memory; a revocation takes up to this long here. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600)
  COLLECTOR_API_KEY_CACHE_SECONDS = 30;

  /** How long to wait for the JetStream PubAck before answering 503. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  COLLECTOR_PUBLISH_TIMEOUT_MS = 5_000;

  /** Serve `usage.ingest.v1.<tenant>` over core NATS request/reply. */
  @Transform(toBool)
  @IsBoolean()
  COLLECTOR_NATS_INGEST = true;
}
