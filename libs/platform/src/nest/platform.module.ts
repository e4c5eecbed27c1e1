import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { ConsumerDef, StreamDef } from '@mu/contracts';
import type { NatsConnection } from 'nats';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import type { Redis } from 'ioredis';
import { createClickHouse } from '../clickhouse/clickhouse';
import type { ClickHouseConfig, NatsConfig, PostgresConfig, RedisConfig, ServiceEnv } from '../config/env';
import { HealthRegistry } from '../health/health';
import { createLogger, type Logger } from '../logging/logger';
import { connectNats } from '../nats/connection';
import { provisionConsumer, provisionStreams } from '../nats/provision';
import { JetStreamPublisher } from '../nats/publisher';
import { createPgPool } from '../postgres/postgres';
import { createRedis } from '../redis/redis';
import { enableProcessMetrics } from '../metrics/metrics';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { CLICKHOUSE, CONFIG, HEALTH, LOGGER, NATS, PG_POOL, REDIS, SERVICE_NAME } from './tokens';

type AnyConfig = ServiceEnv & Partial<NatsConfig & RedisConfig & ClickHouseConfig & PostgresConfig>;

export interface PlatformOptions {
  /** Short service name: collector, rater, ... */
  service: string;
  config: Readonly<AnyConfig>;
  /** Connect to NATS and provision these streams and consumers (when NATS_PROVISION_STREAMS). */
  nats?: { streams: StreamDef[]; consumers?: ConsumerDef[] };
  redis?: boolean;
  clickhouse?: boolean;
  postgres?: boolean;
  /** For tests: a logger to use instead of one on stdout. */
  logger?: Logger;
}

function need<K extends keyof AnyConfig>(config: Readonly<AnyConfig>, key: K): NonNullable<AnyConfig[K]> {
  const v = config[key];
  if (v === undefined || v === null)
    throw new Error(`${String(key)} is required by this service but missing from its config class`);
  return v;
}

/** Closes every client the platform opened, after the app's own shutdown hooks ran. */
@Injectable()
class ResourceCloser implements OnApplicationShutdown {
  readonly closers: { name: string; close: () => Promise<unknown> }[] = [];

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  async onApplicationShutdown(): Promise<void> {
    for (const c of this.closers.reverse()) {
      try {
        await c.close();
      } catch (err) {
        this.logger.warn({ err, dependency: c.name }, 'closing dependency failed');
      }
    }
  }
}

/**
 * Everything a Mu service needs from the outside world, as one global module: config,
 * logger, health and metrics endpoints, and the clients it asked for. Clients connect at boot (a
 * service that cannot reach a dependency fails to start) and close on shutdown.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(opts: PlatformOptions): DynamicModule {
    const { config, service } = opts;
    const logger = opts.logger ?? createLogger({ service, level: config.LOG_LEVEL });
    const health = new HealthRegistry();
    enableProcessMetrics();
    const providers: Provider[] = [
      { provide: SERVICE_NAME, useValue: service },
      { provide: CONFIG, useValue: config },
      { provide: LOGGER, useValue: logger },
      { provide: HEALTH, useValue: health },
      ResourceCloser,
    ];
    const exported: (symbol | typeof JetStreamPublisher)[] = [SERVICE_NAME, CONFIG, LOGGER, HEALTH];

    if (opts.nats) {
      const natsOpts = opts.nats;
      providers.push(
        {
          provide: NATS,
          inject: [ResourceCloser],
          useFactory: async (closer: ResourceCloser): Promise<NatsConnection> => {
            const nc = await connectNats(
              {
                NATS_URL: need(config, 'NATS_URL'),
                NATS_USER: config.NATS_USER,
                NATS_PASSWORD: config.NATS_PASSWORD,
                NATS_TOKEN: config.NATS_TOKEN,
              },
              `mu-${service}`,
            );
            if (config.NATS_PROVISION_STREAMS !== false) {
              await provisionStreams(nc, natsOpts.streams);
              for (const c of natsOpts.consumers ?? []) await provisionConsumer(nc, c);
            }
            health.register({
              name: 'nats',
              check: async () => {
                if (nc.isClosed()) throw new Error('connection closed');
                await nc.flush();
              },
            });
            closer.closers.push({ name: 'nats', close: () => nc.drain() });
            return nc;
          },
        },
        {
          provide: JetStreamPublisher,
          inject: [NATS],
          useFactory: (nc: NatsConnection) => new JetStreamPublisher(nc),
        },
      );
      exported.push(NATS, JetStreamPublisher);
    }
    if (opts.redis) {
      providers.push({
        provide: REDIS,
        inject: [ResourceCloser],
        useFactory: async (closer: ResourceCloser): Promise<Redis> => {
          const redis = createRedis({ REDIS_URL: need(config, 'REDIS_URL') }, `mu-${service}`);
          await redis.connect();
          health.register({ name: 'redis', check: async () => void (await redis.ping()) });
          closer.closers.push({ name: 'redis', close: () => redis.quit() });
          return redis;
        },
      });
      exported.push(REDIS);
    }
    if (opts.clickhouse) {
      providers.push({
        provide: CLICKHOUSE,
        inject: [ResourceCloser],
        useFactory: async (closer: ResourceCloser): Promise<ClickHouseClient> => {
          const ch = createClickHouse(
            {
              CLICKHOUSE_URL: need(config, 'CLICKHOUSE_URL'),
              CLICKHOUSE_DATABASE: need(config, 'CLICKHOUSE_DATABASE'),
              CLICKHOUSE_USER: need(config, 'CLICKHOUSE_USER'),
              CLICKHOUSE_PASSWORD: config.CLICKHOUSE_PASSWORD,
            },
            `mu-${service}`,
            undefined,
          );
          const check = async () => {
            const r = await ch.ping();
            if (!r.success) throw r.error;
          };
          await check();
          health.register({ name: 'clickhouse', check });
          closer.closers.push({ name: 'clickhouse', close: () => ch.close() });
          return ch;
        },
      });
      exported.push(CLICKHOUSE);
    }
    if (opts.postgres) {
      providers.push({
        provide: PG_POOL,
        inject: [ResourceCloser],
        useFactory: async (closer: ResourceCloser): Promise<Pool> => {
          const pool = createPgPool(
            {
              DATABASE_URL: need(config, 'DATABASE_URL'),
              DATABASE_POOL_MAX: need(config, 'DATABASE_POOL_MAX'),
            },
            `mu-${service}`,
          );
          // An idle client that loses its server emits 'error'; without a listener that kills the process.
          pool.on('error', (err) => logger.warn({ err }, 'idle postgres client failed'));
          await pool.query('SELECT 1');
          health.register({ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) });
          closer.closers.push({ name: 'postgres', close: () => pool.end() });
          return pool;
        },
      });
      exported.push(PG_POOL);
    }

    return {
      module: PlatformModule,
      global: true,
      providers,
      controllers: [HealthController, MetricsController],
      exports: exported,
    };
  }
}
