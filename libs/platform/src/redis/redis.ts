import Redis from 'ioredis';
import type { RedisConfig } from '../config/env';

export type { Redis } from 'ioredis';

/** A Redis client from config. Commands fail fast while disconnected instead of queueing forever. */
export function createRedis(config: Pick<RedisConfig, 'REDIS_URL'>, name: string): Redis {
  return new Redis(config.REDIS_URL, {
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}
