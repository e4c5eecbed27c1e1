import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, LOGGER, REDIS, type Logger, type Redis } from '@mu/platform';
import type { CollectorEnv } from '../config';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** How long a rate-limit check may take before the request goes ahead without it. */
const REDIS_TIMEOUT_MS = 250;

/**
 * Events per second per tenant, counted in Redis so every replica shares one budget: a fixed
 * one-second window (`INCRBY` + `PEXPIRE` in one round trip). Every event of a request counts,
 * valid or not. If Redis is slow or down the request goes ahead (fail open): the limit protects
 * the pipeline from a burst, while refusing usage because of a Redis outage would lose revenue.
 */
@Injectable()
export class RateLimiter {
  private readonly limit: number;
  private lastWarnAt = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) config: Readonly<CollectorEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.limit = config.COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND;
  }

  async take(tenantId: string, events: number, nowMs = Date.now()): Promise<RateDecision> {
    if (this.limit === 0) return { allowed: true };
    const second = Math.floor(nowMs / 1000);
    const key = `mu:collector:rate:${tenantId}:${second}`;
    let count: number;
    try {
      count = await withTimeout(this.increment(key, events), REDIS_TIMEOUT_MS);
    } catch (err) {
      if (nowMs - this.lastWarnAt > 10_000) {
        this.lastWarnAt = nowMs;
        this.logger.warn({ err, tenantId }, 'rate limit check failed; letting requests through');
      }
      return { allowed: true };
    }
    if (count <= this.limit) return { allowed: true };
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil(((second + 1) * 1000 - nowMs) / 1000)),
    };
  }

  private async increment(key: string, by: number): Promise<number> {
    const res = await this.redis.multi().incrby(key, by).pexpire(key, 2_000).exec();
    const [err, value] = res?.[0] ?? [new Error('empty reply'), null];
    if (err) throw err;
    return Number(value);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
