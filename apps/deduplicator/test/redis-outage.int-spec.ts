import { waitFor } from '@mu/testing';
import { DedupTestKit, event, freePort, ScratchRedis, startDedup, type RunningDedup } from './support';

// Redis of its own, so stopping it disturbs no other test: started, killed, frozen and restarted here.
let kit: DedupTestKit;
let redis: ScratchRedis;
let dedup: RunningDedup | undefined;

beforeAll(async () => {
  kit = await DedupTestKit.create();
  redis = new ScratchRedis(await freePort());
  await redis.start();
});
afterAll(async () => {
  // A failure while Redis is frozen must not leave it frozen for the shutdown.
  redis.thaw();
  await dedup?.close();
  await redis.stop();
  await kit.cleanup();
});

/** Nothing left for the durable, and the tenant's stream holds `batches` unique batches. */
async function drained(
  consumer: Parameters<DedupTestKit['consumerInfo']>[0],
  tenantId: string,
  batches: number,
): Promise<void> {
  await waitFor(
    async () => {
      const i = await kit.consumerInfo(consumer);
      // A message nak'ed with a delay is neither pending nor ack-pending while it waits.
      return (
        i.num_pending === 0 && i.num_ack_pending === 0 && (await kit.unique(tenantId)).length === batches
      );
    },
    { timeoutMs: 20_000, what: 'the backlog to be deduplicated after Redis returned' },
  );
}

describe('deduplicator when Redis goes away', () => {
  it('fails closed while Redis is down or hung, reports not ready, then resumes by itself with exactly-once output', async () => {
    // Two outages and their recoveries: longer than the default timeout on a loaded CI machine.
    const { tenantId, consumer } = await kit.tenant();
    dedup = await startDedup(consumer, { env: { REDIS_URL: redis.url, DEDUP_REDIS_TIMEOUT_MS: '1000' } });
    const d = dedup;
    expect((await d.ready()).status).toBe(200);

    const s1 = await kit.publishRaw(tenantId, [event('a'), event('b')]);
    await waitFor(async () => (await kit.unique(tenantId)).length === 1, { what: 'the first batch' });

    // 1. Redis crashes.
    await redis.stop();
    const s2 = await kit.publishRaw(tenantId, [event('c'), event('d')]);
    const s3 = await kit.publishRaw(tenantId, [event('d'), event('e')]);

    // Fail closed: the batch is nak'ed, consumption pauses, readiness drops, nothing acked.
    await waitFor(() => d.service.stats.paused && d.service.stats.consumer.retried > 0, {
      timeoutMs: 15_000,
      what: 'the deduplicator to nak and pause',
    });
    const notReady = await d.ready();
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks.redis!.status).toBe('down');
    const info = await kit.consumerInfo(consumer);
    // Both still held by the durable (a nak'ed message may count as pending and ack-pending).
    expect(info.num_pending + info.num_ack_pending).toBeGreaterThanOrEqual(2);
    // Nothing of s2 and s3 acked or published by this service. (Its own counters, not the
    // stream: a production deduplicator elsewhere on this NATS server may see these subjects.)
    expect(d.service.stats).toMatchObject({ messages: 1, unique: 2 });
    expect(d.lines.some((l) => String(l.msg).startsWith('redis unavailable'))).toBe(true);
    // While paused it does not pull, so it does not burn delivery attempts: the backlog waits.
    const retriedWhilePaused = d.service.stats.consumer.retried;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(d.service.stats.consumer.retried).toBe(retriedWhilePaused);

    // Redis comes back (empty: this one has no persistence); the service resumes without help.
    await redis.start();
    await drained(consumer, tenantId, 3);
    expect((await d.ready()).status).toBe(200);
    expect(d.service.stats.paused).toBe(false);
    expect(d.lines.some((l) => l.msg === 'redis answers again: consumption resumed')).toBe(true);
    let unique = await kit.unique(tenantId);
    // s2 and s3 both carry d. Batches run concurrently (DEDUP_CONCURRENCY), as replicas do, so
    // either may claim it first: it is published exactly once, by one of them.
    const idsOf = (seq: number) => unique.find((u) => u.rawSequence === seq)?.events.map((e) => e.id) ?? [];
    expect(unique.map((u) => u.rawSequence)).toEqual([s1, s2, s3]);
    expect(idsOf(s1)).toEqual(['a', 'b']);
    expect([...idsOf(s2), ...idsOf(s3)].sort()).toEqual(['c', 'd', 'e']);
    expect(idsOf(s2)).toContain('c');
    expect(idsOf(s3)).toContain('e');

    // 2. Redis hangs (keys intact): the round trip times out, same fail-closed path.
    redis.freeze();
    const s4 = await kit.publishRaw(tenantId, [event('e'), event('f')]);
    await waitFor(() => d.service.stats.paused, { timeoutMs: 15_000, what: 'a pause on the hung Redis' });
    expect(d.service.stats).toMatchObject({ messages: 3, unique: 5 });
    // s4 still held by the durable (a nak'ed message may count as pending and ack-pending).
    const hung = await kit.consumerInfo(consumer);
    expect(hung.num_ack_pending + hung.num_pending).toBeGreaterThanOrEqual(1);
    redis.thaw();
    await drained(consumer, tenantId, 4);

    unique = await kit.unique(tenantId);
    expect(unique.map((u) => u.rawSequence)).toEqual([s1, s2, s3, s4]);
    expect(idsOf(s4)).toEqual(['f']);
    expect(unique.flatMap((u) => u.events.map((e) => e.id)).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(d.service.stats).toMatchObject({
      messages: 4,
      received: 8,
      unique: 6,
      duplicates: 2,
      conflicts: 0,
    });
    expect(d.service.stats.redisFailures).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
