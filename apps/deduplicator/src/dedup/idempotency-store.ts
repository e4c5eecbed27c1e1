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
 * `SET key value NX PX window GET` for every key, answering what each key held before
 * (false where this call stored it). Redis 7 allows NX with GET.
 */
const CLAIM_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('SET', KEYS[i], ARGV[i + 1], 'NX', 'PX', ARGV[1], 'GET')
end
return out`;

/** Keys per script call: bounds how long one call holds Redis (~100 us per 500 SETs). */
const KEYS_PER_CALL = 500;

type ClaimingRedis = Redis & {
  muClaim(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<(string | null)[]>;
};

/**
 * Claims idempotency keys in one round trip: one script call per 500 keys, all written to
 * the socket together (so one round trip however many calls). Each SET is atomic on its own,
 * which is all the protocol needs (keys are independent); a script rather than a pipeline of
 * single SETs costs the client one command per 500 keys instead of one per key, the
 * deduplicator's largest cost after hashing. ioredis loads the script by SHA and falls back
 * to EVAL after a failover empties the script cache. Under Redis Cluster the keys of one
 * call must share a slot: run the deduplicator against a single primary (with replicas).
 */
export class IdempotencyStore {
  private readonly redis: ClaimingRedis;

  constructor(
    redis: Redis,
    private readonly windowMs: number,
    private readonly timeoutMs: number,
  ) {
    if (!('muClaim' in redis)) redis.defineCommand('muClaim', { lua: CLAIM_SCRIPT });
    this.redis = redis as ClaimingRedis;
  }

  /** The previous value of each key, null where this call stored it. Throws RedisUnavailableError. */
  async claim(claims: readonly Claim[]): Promise<(string | null)[]> {
    if (claims.length === 0) return [];
    const calls: Promise<(string | null)[]>[] = [];
    for (let from = 0; from < claims.length; from += KEYS_PER_CALL) {
      const chunk = claims.slice(from, from + KEYS_PER_CALL);
      const args: (string | number)[] = new Array<string | number>(chunk.length * 2 + 1);
      for (let i = 0; i < chunk.length; i++) {
        args[i] = chunk[i]!.key;
        args[chunk.length + 1 + i] = chunk[i]!.value;
      }
      args[chunk.length] = this.windowMs;
      calls.push(this.redis.muClaim(chunk.length, ...args));
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const answers = await Promise.race([
        Promise.all(calls),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      const previous: (string | null)[] = [];
      for (const answer of answers) {
        if (!Array.isArray(answer)) throw new Error('unexpected reply to the claim script');
        for (const value of answer) {
          if (value !== null && typeof value !== 'string') throw new Error('unexpected reply to SET');
          previous.push(value);
        }
      }
      if (previous.length !== claims.length) throw new Error('claim script answered incompletely');
      return previous;
    } catch (err) {
      // Calls still in flight after a timeout must not surface as unhandled rejections.
      for (const c of calls) c.catch(() => undefined);
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
