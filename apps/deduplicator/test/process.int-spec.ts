import { Streams } from '@mu/contracts';
import { requireServices, startServiceProcess, waitFor } from '@mu/testing';
import { DedupTestKit, event } from './support';

// The built entry point (dist/) on the production durable `deduplicator`: it may also take
// raw batches of other tests on this NATS server, which is harmless (same Redis, same
// Nats-Msg-Ids), so this test looks only at its own tenant.
let kit: DedupTestKit;

beforeAll(async () => {
  await requireServices('nats', 'redis');
  kit = await DedupTestKit.create();
});
afterAll(async () => {
  await kit.cleanup();
});

describe('deduplicator process', () => {
  it('deduplicates raw batches end to end and logs its counters when it drains', async () => {
    const { tenantId } = await kit.tenant();
    const p = await startServiceProcess('deduplicator', { DEDUP_WINDOW_HOURS: '1' });
    try {
      const s1 = await kit.publishRaw(tenantId, [event('a'), event('b')]);
      // A client retry after the collector's duplicate window: new batch id, same events.
      await kit.publishRaw(tenantId, [event('a'), event('b'), event('c')]);
      await waitFor(async () => (await kit.uniqueEventIds(tenantId)).length === 3, {
        timeoutMs: 20_000,
        what: 'three unique events',
      });
      const unique = await kit.unique(tenantId);
      expect(unique[0]).toMatchObject({ tenantId, rawSequence: s1 });
      expect(await kit.uniqueEventIds(tenantId)).toEqual(['a', 'b', 'c']);
      expect(p.logs.some((l) => l.msg === 'deduplicator consuming' && l.windowHours === 1)).toBe(true);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
    const final = p.logs.find((l) => l.msg === 'deduplicator stopped consuming');
    expect(final?.dedup).toMatchObject({ paused: false });
    expect((final?.dedup as { unique: number }).unique).toBeGreaterThanOrEqual(3);
  });

  it('killed (SIGKILL) mid-backlog and restarted, it loses nothing and publishes nothing twice', async () => {
    const { tenantId } = await kit.tenant();
    const ids = new Set<string>();
    const sequences: number[] = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      const publishes: Promise<number>[] = [];
      for (let b = chunk * 200; b < (chunk + 1) * 200; b++) {
        const batch = [0, 1, 2, 3, 4].map((k) => `e${(b * 3 + k * 101) % 3000}`);
        batch.forEach((id) => ids.add(id));
        publishes.push(
          kit.publishRaw(
            tenantId,
            batch.map((id) => event(id)),
          ),
        );
      }
      sequences.push(...(await Promise.all(publishes)));
    }

    // Its own shard (durable deduplicator_<tenant>): what other test files left on the shared
    // durable cannot delay or mix into this backlog.
    const shard = { DEDUP_ONLY_TENANT: tenantId };
    const first = await startServiceProcess('deduplicator', shard);
    await waitFor(async () => (await kit.unique(tenantId)).length > 0, { what: 'the first unique batch' });
    // Killed with batches in hand: claimed in Redis, maybe published, not acked.
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServiceProcess('deduplicator', shard);
    try {
      // Messages the killed process held come back after ackWait (30 s). Wait until every id
      // is there; whether any came twice is asserted below, so a double publish fails as such
      // rather than as a timeout.
      await waitFor(
        async () => {
          const got = new Set(await kit.uniqueEventIds(tenantId));
          return [...ids].every((id) => got.has(id));
        },
        {
          timeoutMs: 150_000,
          intervalMs: 500,
          what: 'every event of the backlog in USAGE_UNIQUE',
        },
      );
      // Time for a late redelivery to show up as a second copy, if there were one.
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
    await kit.deleteConsumer(Streams.USAGE_RAW.name, `deduplicator_${tenantId}`);

    const unique = await kit.unique(tenantId);
    const rawSeqs = unique.map((u) => u.rawSequence);
    expect(new Set(rawSeqs).size).toBe(rawSeqs.length);
    expect(rawSeqs.every((s) => sequences.includes(s))).toBe(true);
    const published = await kit.uniqueEventIds(tenantId);
    expect(published).toEqual([...ids].sort());
  }, 200_000);
});
