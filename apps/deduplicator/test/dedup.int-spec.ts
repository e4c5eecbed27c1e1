import { UsageRawBatch } from '@mu/contracts';
import { waitFor } from '@mu/testing';
import { DedupTestKit, event, startDedup, type RunningDedup } from './support';

let kit: DedupTestKit;
const running: RunningDedup[] = [];

beforeAll(async () => {
  kit = await DedupTestKit.create();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await kit.cleanup();
});

async function start(...args: Parameters<typeof startDedup>): Promise<RunningDedup> {
  const r = await startDedup(...args);
  running.push(r);
  return r;
}

/** Wait until the durable has nothing pending or unacked. */
async function drained(consumer: Parameters<DedupTestKit['consumerInfo']>[0]): Promise<void> {
  await waitFor(
    async () => {
      const info = await kit.consumerInfo(consumer);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { timeoutMs: 20_000, what: 'the raw backlog to be acked' },
  );
}

describe('deduplicator (real NATS and Redis)', () => {
  it('publishes new events once, drops repeats within a batch, and keeps a conflict as rejected', async () => {
    const { tenantId, consumer } = await kit.tenant();
    const dedup = await start(consumer);
    const seq = await kit.publishRaw(tenantId, [
      event('a'),
      event('b'),
      event('a'), // identical repeat: dropped
      event('b', { tokens: 99 }), // same id, other payload: conflict, the first wins
    ]);
    await drained(consumer);

    const unique = await kit.unique(tenantId);
    expect(unique).toHaveLength(1);
    expect(unique[0]).toMatchObject({ tenantId, rawSequence: seq });
    expect(unique[0]!.events.map((e) => [e.id, e.data])).toEqual([
      ['a', { tokens: 1 }],
      ['b', { tokens: 1 }],
    ]);
    const rejected = await kit.rejected(tenantId);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.msgId).toBe(`raw-${seq}-conflict-3`);
    expect(rejected[0]!.record).toMatchObject({
      tenantId,
      stage: 'deduplicator',
      code: 'DUPLICATE_CONFLICT',
      eventId: 'b',
    });
    expect(JSON.parse(rejected[0]!.record.raw)).toMatchObject({ id: 'b', data: { tokens: 99 } });
    expect(dedup.service.stats).toMatchObject({
      messages: 1,
      received: 4,
      unique: 2,
      duplicates: 1,
      conflicts: 1,
    });
  });

  it('drops duplicates across batches, acks an all-duplicate batch without publishing, and detects conflicts', async () => {
    const { tenantId, consumer } = await kit.tenant();
    const dedup = await start(consumer);
    const s1 = await kit.publishRaw(tenantId, [event('a'), event('b')]);
    // Same ids, keys in another order inside data: still the same payload.
    const s2 = await kit.publishRaw(tenantId, [event('b'), event('c', { nested: { y: 2, x: 1 } })]);
    const s3 = await kit.publishRaw(tenantId, [event('a'), event('c', { nested: { x: 1, y: 2 } })]);
    const s4 = await kit.publishRaw(tenantId, [event('a', { tokens: 5 }), event('d')]);
    // Same id from another source is another event.
    const s5 = await kit.publishRaw(tenantId, [event('a', { tokens: 1 }, 'other/source')]);
    await drained(consumer);

    const unique = await kit.unique(tenantId);
    expect(unique.map((u) => [u.rawSequence, u.events.map((e) => e.id)])).toEqual([
      [s1, ['a', 'b']],
      [s2, ['c']],
      [s4, ['d']],
      [s5, ['a']],
    ]);
    expect(unique.map((u) => u.rawSequence)).not.toContain(s3);
    const rejected = await kit.rejected(tenantId);
    expect(rejected.map((r) => [r.msgId, r.record.code, r.record.eventId])).toEqual([
      [`raw-${s4}-conflict-0`, 'DUPLICATE_CONFLICT', 'a'],
    ]);
    expect(rejected[0]!.record.message).toContain(`raw message ${s1}`);
    expect(dedup.service.stats).toMatchObject({
      messages: 5,
      received: 9,
      unique: 5,
      duplicates: 3,
      conflicts: 1,
    });
  });

  it('shares one durable between two replicas with every event in USAGE_UNIQUE exactly once', async () => {
    const { tenantId, consumer } = await kit.tenant();
    const env = { DEDUP_BATCH_SIZE: '3' };
    const [r1, r2] = [await start(consumer, { env }), await start(consumer, { env })];
    const ids = new Set<string>();
    const publishes: Promise<number>[] = [];
    for (let b = 0; b < 60; b++) {
      // Overlapping ids across batches: every id appears in several batches.
      const batch = [0, 1, 2, 3].map((k) => `e${(b * 7 + k * 13) % 50}`);
      batch.forEach((id) => ids.add(id));
      publishes.push(
        kit.publishRaw(
          tenantId,
          batch.map((id) => event(id)),
        ),
      );
    }
    await Promise.all(publishes);
    await drained(consumer);

    expect(await kit.uniqueEventIds(tenantId)).toEqual([...ids].sort());
    const [a, b] = [r1.service.stats, r2.service.stats];
    expect(a.messages + b.messages).toBe(60);
    expect(a.unique + b.unique).toBe(ids.size);
    expect(a.unique + b.unique + a.duplicates + b.duplicates).toBe(240);
    expect(a.messages).toBeGreaterThan(0);
    expect(b.messages).toBeGreaterThan(0);
  });

  it('a crash after the Redis write and before the publish loses nothing: the redelivery reads its own sequence', async () => {
    const { tenantId, consumer } = await kit.tenant();
    const crashed: number[] = [];
    const dedup = await start(consumer, {
      faults: {
        afterClaim: (d) => {
          if (d.deliveryCount === 1) {
            crashed.push(d.streamSequence);
            throw new Error('simulated crash after the Redis write');
          }
        },
      },
    });
    const s1 = await kit.publishRaw(tenantId, [event('a'), event('b')]);
    const s2 = await kit.publishRaw(tenantId, [event('b'), event('c')]);
    await drained(consumer);

    expect(crashed.sort()).toEqual([s1, s2]);
    expect(await kit.uniqueEventIds(tenantId)).toEqual(['a', 'b', 'c']);
    const unique = await kit.unique(tenantId);
    expect(unique.map((u) => u.rawSequence)).toEqual([s1, s2]);
    expect(dedup.service.stats).toMatchObject({ messages: 2, unique: 3, duplicates: 1 });
    expect(dedup.service.stats.consumer.retried).toBe(2);
  });

  it('a crash after the publish and before the ack republishes under raw-S, which JetStream drops', async () => {
    const { tenantId, consumer } = await kit.tenant();
    const crashed: number[] = [];
    const dedup = await start(consumer, {
      faults: {
        afterPublish: (d) => {
          if (d.deliveryCount === 1) {
            crashed.push(d.streamSequence);
            throw new Error('simulated crash after the PubAck');
          }
        },
      },
    });
    const s1 = await kit.publishRaw(tenantId, [event('a'), event('b')]);
    const s2 = await kit.publishRaw(tenantId, [event('c'), event('a', { tokens: 2 })]);
    await drained(consumer);

    expect(crashed.sort()).toEqual([s1, s2]);
    // Two deliveries each, two publishes each: the stream holds each once.
    const unique = await kit.unique(tenantId);
    expect(unique.map((u) => u.rawSequence)).toEqual([s1, s2]);
    expect(await kit.uniqueEventIds(tenantId)).toEqual(['a', 'b', 'c']);
    const rejected = await kit.rejected(tenantId);
    expect(rejected.map((r) => r.msgId)).toEqual([`raw-${s2}-conflict-1`]);
    expect(dedup.service.stats).toMatchObject({ messages: 2, unique: 3, conflicts: 1 });
  });

  it('dead-letters a raw batch whose subject and tenant disagree', async () => {
    const { tenantId, consumer } = await kit.tenant();
    const dedup = await start(consumer);
    await kit.publisher.publish(
      `usage.raw.v1.${tenantId}`,
      UsageRawBatch,
      {
        batchId: `bad-${tenantId}`,
        tenantId: 'someone_else',
        receivedAt: new Date().toISOString(),
        events: [event('x')],
      },
      { msgId: `bad-${tenantId}` },
    );
    await drained(consumer);
    expect(await kit.unique(tenantId)).toEqual([]);
    expect(dedup.service.stats.consumer.deadLettered).toBe(1);
  });
});
