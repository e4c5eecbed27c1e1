import { createRedis, type Redis } from '@mu/platform';
import { createServer, type Socket } from 'node:net';
import { captureLogger, requireServices, uniqueId } from '@mu/testing';
import type { CollectorEnv } from '../src/config';
import { RateLimiter } from '../src/ingest/rate-limiter';

// The limiter against the real Redis. Every call passes one fixed time (the middle of the
// current second), so a test never straddles two windows.
let redisUrl: string;
/** The limiter's flush interval here (production: COLLECTOR_RATE_LIMIT_SYNC_MS, 50). */
const SYNC_MS = 10;
const clients: Redis[] = [];
const limiters: RateLimiter[] = [];

beforeAll(async () => {
  ({ redis: redisUrl } = await requireServices('redis'));
});

/** A "Redis" that takes connections and never answers: every command times out. */
const silent: Socket[] = [];
const silentServer = createServer((s) => silent.push(s));

afterAll(async () => {
  for (const l of limiters) l.onModuleDestroy();
  for (const c of clients) c.disconnect();
  for (const s of silent) s.destroy();
  await new Promise((r) => silentServer.close(r));
});

function limiter(limit: number, url = redisUrl) {
  const redis = createRedis({ REDIS_URL: url }, 'rate-limiter-test');
  clients.push(redis);
  const log = captureLogger();
  const config = {
    COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: limit,
    COLLECTOR_RATE_LIMIT_SYNC_MS: SYNC_MS,
  } as CollectorEnv;
  const l = new RateLimiter(redis, config, log.logger);
  limiters.push(l);
  return { limiter: l, redis, lines: log.lines };
}

function midSecond(): number {
  return Math.floor(Date.now() / 1000) * 1000 + 500;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sharedCount(redis: Redis, tenant: string, nowMs: number): Promise<number> {
  return Number(await redis.get(`mu:collector:rate:${tenant}:${Math.floor(nowMs / 1000)}`));
}

describe('RateLimiter', () => {
  it('admits up to the limit exactly on one replica, most requests without a round trip', async () => {
    const { limiter: l, redis } = limiter(100);
    const tenant = uniqueId('ten');
    const now = midSecond();
    // The first request asks Redis; the next three, while the window is under half full, are
    // admitted at once (no promise) and reach the shared count with the next flush.
    expect(await l.take(tenant, 10, now)).toEqual({ allowed: true });
    for (let i = 0; i < 3; i++) expect(l.take(tenant, 10, now)).toEqual({ allowed: true });
    expect(await sharedCount(redis, tenant, now)).toBe(10);
    await sleep(SYNC_MS * 5);
    expect(await sharedCount(redis, tenant, now)).toBe(40);
    // From half the limit on, each request asks.
    for (let i = 0; i < 6; i++) expect(await l.take(tenant, 10, now)).toEqual({ allowed: true });
    expect(await l.take(tenant, 1, now)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await sharedCount(redis, tenant, now)).toBe(100);
  });

  it("starts a tenant's next second without asking Redis only when it stayed under half the limit", async () => {
    const { limiter: l, redis } = limiter(100);
    const calm = uniqueId('ten');
    const busy = uniqueId('ten');
    const now = midSecond();
    expect(await l.take(calm, 10, now)).toEqual({ allowed: true });
    expect(await l.take(busy, 10, now)).toEqual({ allowed: true });
    expect(await l.take(busy, 50, now)).toEqual({ allowed: true });
    // Calm (10 of 100 last second): admitted at once, counted with the next flush.
    expect(l.take(calm, 10, now + 1000)).toEqual({ allowed: true });
    await sleep(SYNC_MS * 5);
    expect(await sharedCount(redis, calm, now + 1000)).toBe(10);
    // Busy (60 of 100): its first request of the next second asks Redis.
    const first = l.take(busy, 10, now + 1000);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ allowed: true });
    // A second skipped is not "the second before": the tenant asks again.
    const later = l.take(calm, 10, now + 3000);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual({ allowed: true });
  });

  it('does not count refused events against the budget', async () => {
    const { limiter: l } = limiter(10);
    const tenant = uniqueId('ten');
    const now = midSecond();
    expect((await l.take(tenant, 8, now)).allowed).toBe(true);
    expect((await l.take(tenant, 5, now)).allowed).toBe(false);
    expect((await l.take(tenant, 2, now)).allowed).toBe(true);
    expect((await l.take(tenant, 1, now)).allowed).toBe(false);
  });

  it('shares one budget across replicas, including what one admitted without asking', async () => {
    const a = limiter(100);
    const b = limiter(100);
    const tenant = uniqueId('ten');
    const now = midSecond();
    expect((await a.limiter.take(tenant, 30, now)).allowed).toBe(true);
    for (let i = 0; i < 3; i++) expect((await a.limiter.take(tenant, 5, now)).allowed).toBe(true);
    await sleep(SYNC_MS * 5);
    // A has admitted 45; B's first request of the second asks Redis and sees them.
    expect((await b.limiter.take(tenant, 60, now)).allowed).toBe(false);
    expect((await b.limiter.take(tenant, 55, now)).allowed).toBe(true);
    // A still believes 45 of 100 (under half): it admits one more at once, the documented
    // overshoot, and learns the count with that event's flush; from then on it asks and refuses.
    expect((await a.limiter.take(tenant, 1, now)).allowed).toBe(true);
    await sleep(SYNC_MS * 5);
    expect(await sharedCount(a.redis, tenant, now)).toBe(101);
    expect((await a.limiter.take(tenant, 1, now)).allowed).toBe(false);
    expect((await b.limiter.take(tenant, 1, now)).allowed).toBe(false);
    // Another tenant and another second have their own budgets.
    expect((await a.limiter.take(uniqueId('ten'), 100, now)).allowed).toBe(true);
    expect((await a.limiter.take(tenant, 100, now + 1000)).allowed).toBe(true);
  });

  it('lets a request through when Redis does not answer in time, then limits on its own counts', async () => {
    await new Promise<void>((r) => silentServer.listen(0, '127.0.0.1', r));
    const { port } = silentServer.address() as { port: number };
    const { limiter: l, lines } = limiter(10, `redis://127.0.0.1:${port}`);
    const tenant = uniqueId('ten');
    const now = midSecond();
    const started = Date.now();
    expect((await l.take(tenant, 8, now)).allowed).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Redis is left alone for a second: decided here, at once.
    expect(l.take(tenant, 5, now)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(l.take(tenant, 2, now)).toEqual({ allowed: true });
    expect(lines.filter((x) => String(x.msg).includes('rate limit check failed'))).toHaveLength(1);
  });

  it('is off at 0', () => {
    const { limiter: l } = limiter(0);
    expect(l.take(uniqueId('ten'), 1_000_000)).toEqual({ allowed: true });
  });
});
