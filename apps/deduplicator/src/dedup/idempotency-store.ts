import type { Redis } from '@mu/platform';
import type { Claim } from './classify';

/** Redis did not answer (down, failing over, or too slow): nothing may be acked. */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`redis unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Claims idempotency keys in one round trip: a pipeline of `SET key value NX PX window GET`
 * (Redis 7: NX and GET together), which stores the value only if the key is absent and
 * answers the value that was there. A pipeline rather than one Lua script: nothing blocks
 * Redis for a large batch, no script cache to reload after a failover, and each SET is
 * atomic on its own, which is all the protocol needs (keys are independent).
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly windowMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** The previous value of each key, null where this call stored it. Throws RedisUnavailableError. */
  async claim(claims: readonly Claim[]): Promise<(string | null)[]> {
    if (claims.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const c of claims) pipeline.set(c.key, c.value, 'PX', this.windowMs, 'NX', 'GET');
    let timer: NodeJS.Timeout | undefined;
    try {
      const results = await Promise.race([
        pipeline.exec(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      if (!results || results.length !== claims.length) throw new Error('pipeline answered incompletely');
      return results.map(([err, value]) => {
        if (err) throw err;
        if (value !== null && typeof value !== 'string') throw new Error('unexpected reply to SET');
        return value;
      });
    } catch (err) {
      throw err instanceof RedisUnavailableError ? err : new RedisUnavailableError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when Redis answers a PING within the timeout. */
  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
