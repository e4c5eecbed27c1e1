import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, LOGGER, REDIS, type Logger, type Redis } from '@mu/platform';
import type { CollectorEnv } from '../config';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** How long a rate-limit check may take before the request goes ahead without it. */
const REDIS_TIMEOUT_MS = 250;
/** After Redis failed to answer, how long requests are decided on this replica's counts alone. */
const REDIS_BACKOFF_MS = 1_000;
/**
 * Below this share of the limit (by what this replica knows), a request is admitted without
 * asking Redis; from it on, every request asks. Leaves the other half for what other replicas
 * admitted since this one last heard of the count.
 */
const ASK_FROM_SHARE = 0.5;
/** The window keys outlive their second by this much (a late flush still lands on its own key). */
const KEY_TTL_MS = 2_000;

/**
 * KEYS[1] the tenant's window; ARGV: [1] events already admitted on this replica (added
 * whatever the count), [2] events asking to be admitted, [3] the limit, [4] key TTL in ms.
 * Returns {1, count} when the asking events were admitted (and counted), {0, count} when they
 * would go over the limit (not counted).
 */
const TAKE_SCRIPT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
local by = tonumber(ARGV[2])
local admitted = 1
if by > 0 then
  if n + by > tonumber(ARGV[3]) then admitted = 0 else n = redis.call('INCRBY', KEYS[1], by) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {admitted, n}`;

type TakingRedis = Redis & {
  muRateTake(
    key: string,
    already: number,
    asking: number,
    limit: number,
    ttlMs: number,
  ): Promise<[number, number]>;
};

/** One tenant's current one-second window, as this replica sees it. */
interface Window {
  second: number;
  /** The shared count the last time Redis answered (every replica's admitted events). */
  known: number;
  /** Admitted here without a round trip and not yet added to the shared count. */
  pending: number;
  /** Whether Redis has answered for this window at all. */
  heard: boolean;
}

/**
 * Events per second per tenant in a fixed one-second window, shared by every replica through
 * one Redis key per tenant and second (`mu:collector:rate:<tenant>:<second>`). Only admitted
 * events count; a refused request costs its sender nothing but the retry.
 *
 * Most requests never wait for Redis: while this replica knows the window to be under half the
 * limit, a request is admitted at once and its events are added to the shared count by a flush
 * every COLLECTOR_RATE_LIMIT_SYNC_MS (one script call per tenant; each is a Redis call and a
 * wake-up of the collector and of Redis, ~200 a second under load at 10 ms, so 50 by default).
 * A request waits for Redis (one script call that adds the pending events and admits or
 * refuses atomically) when it is the tenant's first in the second on this replica, unless the
 * tenant stayed under half its limit in the second before (as this replica heard it), or when
 * the window is at or over half the limit. So one replica is exact; several may together go over
 * by what each admitted in its last flush interval while all of them believed the window under
 * half full.
 *
 * If Redis is slow or down the request goes ahead (fail open) and for the next second requests
 * are decided on this replica's own counts: the limit protects the pipeline from a burst, while
 * refusing usage because of a Redis outage would lose revenue.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly limit: number;
  private readonly syncMs: number;
  private readonly redis: TakingRedis;
  private readonly windows = new Map<string, Window>();
  private flushTimer: NodeJS.Timeout | undefined;
  private redisDownUntil = 0;
  private lastWarnAt = 0;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(CONFIG) config: Readonly<CollectorEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.limit = config.COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND;
    this.syncMs = config.COLLECTOR_RATE_LIMIT_SYNC_MS;
    if (!('muRateTake' in redis)) redis.defineCommand('muRateTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.redis = redis as TakingRedis;
  }

  take(tenantId: string, events: number, nowMs = Date.now()): RateDecision | Promise<RateDecision> {
    if (this.limit === 0) return ALLOWED;
    const second = Math.floor(nowMs / 1000);
    let w = this.windows.get(tenantId);
    if (w === undefined || w.second !== second) {
      const calm = w !== undefined && isCalm(w, second, this.limit);
      if (w !== undefined && w.pending > 0) this.send(tenantId, w, w.pending);
      w = { second, known: 0, pending: 0, heard: calm };
      this.windows.set(tenantId, w);
    }
    const local = w.known + w.pending + events;
    if (local > this.limit) return refuse(second, nowMs);
    const ask = nowMs >= this.redisDownUntil && (!w.heard || local >= this.limit * ASK_FROM_SHARE);
    if (!ask) {
      w.pending += events;
      this.flushSoon();
      return ALLOWED;
    }
    return this.ask(tenantId, w, events, nowMs);
  }

  onModuleDestroy(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flush();
  }

  /** Adds the window's pending events and asks for `events` more, in one script call. */
  private async ask(tenantId: string, w: Window, events: number, nowMs: number): Promise<RateDecision> {
    const already = w.pending;
    w.pending = 0;
    return (await this.call(tenantId, w, already, events)) ? ALLOWED : refuse(w.second, nowMs);
  }

  /**
   * One script call: adds `already` (admitted here) to the shared count and asks for `asking`
   * more. True when admitted, or when Redis did not answer (fail open: then both count on this
   * replica alone).
   */
  private async call(tenantId: string, w: Window, already: number, asking: number): Promise<boolean> {
    try {
      const [admitted, count] = await withTimeout(
        this.redis.muRateTake(keyOf(tenantId, w.second), already, asking, this.limit, KEY_TTL_MS),
        REDIS_TIMEOUT_MS,
      );
      w.heard = true;
      w.known = Math.max(w.known, Number(count));
      return admitted === 1;
    } catch (err) {
      this.redisFailed(err, tenantId, Date.now());
      w.known += already + asking;
      return true;
    }
  }

  private flushSoon(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.syncMs);
    this.flushTimer.unref();
  }

  /** Adds every window's pending events to the shared counts (nothing waits for the answers). */
  private flush(): void {
    const current = Math.floor(Date.now() / 1000);
    for (const [tenantId, w] of this.windows) {
      if (w.pending > 0) {
        const by = w.pending;
        w.pending = 0;
        this.send(tenantId, w, by);
      }
      if (w.second < current - 1) this.windows.delete(tenantId);
    }
  }

  private send(tenantId: string, w: Window, by: number): void {
    if (Date.now() < this.redisDownUntil) w.known += by;
    else void this.call(tenantId, w, by, 0);
  }

  private redisFailed(err: unknown, tenantId: string, nowMs: number): void {
    this.redisDownUntil = nowMs + REDIS_BACKOFF_MS;
    if (nowMs - this.lastWarnAt > 10_000) {
      this.lastWarnAt = nowMs;
      this.logger.warn({ err, tenantId }, 'rate limit check failed; deciding on this replica alone');
    }
  }
}

const ALLOWED: RateDecision = { allowed: true };

/**
 * Whether a tenant's new second may start as if Redis had answered: this replica heard the
 * shared count during the second just ended and, with what it admitted since, it stayed under
 * ASK_FROM_SHARE of the limit. Such a tenant is far from its limit, and the first flush of the
 * new second (COLLECTOR_RATE_LIMIT_SYNC_MS) brings the shared count: the overshoot bound is the
 * documented one. Asking instead would put a Redis round trip on the first requests of every
 * second, and with it Redis's latency on the ack's p99.
 */
function isCalm(previous: Window, second: number, limit: number): boolean {
  return (
    previous.heard &&
    previous.second === second - 1 &&
    previous.known + previous.pending < limit * ASK_FROM_SHARE
  );
}

function keyOf(tenantId: string, second: number): string {
  return `mu:collector:rate:${tenantId}:${second}`;
}

function refuse(second: number, nowMs: number): RateDecision {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((second + 1) * 1000 - nowMs) / 1000)) };
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
