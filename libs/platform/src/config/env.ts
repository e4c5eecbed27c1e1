import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

// A mixin adds the variables of one dependency to a service's environment class,
// so each app declares exactly what it needs: `class Env extends WithNats(WithRedis(ServiceEnv)) {}`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor<T = object> = new (...args: any[]) => T;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** class-transformer: an environment string (1/true/yes/on) as a boolean. */
export const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/** Every service: environment, logging and its HTTP listener (health, API). */
export class ServiceEnv {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 0;

  @IsString()
  HOST = '127.0.0.1';

  /** Seconds a draining service waits for in-flight work before it exits. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600)
  SHUTDOWN_TIMEOUT_SECONDS = 25;
}

export function WithNats<B extends Ctor>(Base: B) {
  class NatsEnv extends Base {
    @Matches(/^(nats|tls|wss?):\/\/[^\s,]+(,(nats|tls|wss?):\/\/[^\s,]+)*$/, {
      message: 'NATS_URL must be one or more nats:// URLs separated by commas',
    })
    NATS_URL!: string;

    @IsOptional() @IsString() NATS_USER?: string;
    @IsOptional() @IsString() NATS_PASSWORD?: string;
    @IsOptional() @IsString() NATS_TOKEN?: string;

    /** Create or update the streams this service uses at boot (off when a deploy job does it). */
    @Transform(toBool)
    @IsBoolean()
    NATS_PROVISION_STREAMS = true;
  }
  return NatsEnv;
}

export function WithRedis<B extends Ctor>(Base: B) {
  class RedisEnv extends Base {
    @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
    REDIS_URL!: string;
  }
  return RedisEnv;
}

export function WithClickHouse<B extends Ctor>(Base: B) {
  class ClickHouseEnv extends Base {
    @Matches(/^https?:\/\/\S+$/, { message: 'CLICKHOUSE_URL must be an http:// or https:// URL' })
    CLICKHOUSE_URL!: string;

    @Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'CLICKHOUSE_DATABASE must be a plain identifier' })
    CLICKHOUSE_DATABASE = 'mu';

    @IsString() CLICKHOUSE_USER = 'default';
    @IsOptional() @IsString() CLICKHOUSE_PASSWORD?: string;
  }
  return ClickHouseEnv;
}

export function WithPostgres<B extends Ctor>(Base: B) {
  class PostgresEnv extends Base {
    @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
    DATABASE_URL!: string;

    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(200)
    DATABASE_POOL_MAX = 10;
  }
  return PostgresEnv;
}

export type NatsConfig = InstanceType<ReturnType<typeof WithNats<typeof ServiceEnv>>>;
export type RedisConfig = InstanceType<ReturnType<typeof WithRedis<typeof ServiceEnv>>>;
export type ClickHouseConfig = InstanceType<ReturnType<typeof WithClickHouse<typeof ServiceEnv>>>;
export type PostgresConfig = InstanceType<ReturnType<typeof WithPostgres<typeof ServiceEnv>>>;
