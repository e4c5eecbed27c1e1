import { waitFor } from '@mu/testing';
import { event, RaterTestKit } from './support';

let kit: RaterTestKit;
beforeAll(async () => {
  kit = await RaterTestKit.create();
}, 60_000);
afterAll(async () => {
  await kit.cleanup();
});

interface ValueRow {
  meter_id: string;
  event_id: string;
  subject: string;
  value: string;
  unique_value: string;
  dimensions: Record<string, string>;
}

/** Meter values as billing reads them: deduplicated by event key. */
function values(tenantId: string) {
  return kit.query<ValueRow>(
    `SELECT meter_id, event_id, subject, toString(value) AS value, unique_value, dimensions
       FROM meter_values FINAL WHERE tenant_id = {t:String} ORDER BY meter_id, event_id`,
    { t: tenantId },
  );
}

async function countRows(table: string, tenantId: string, final = true): Promise<number> {
  const [r] = await kit.query<{ n: string }>(
    `SELECT count() AS n FROM ${table} ${final ? 'FINAL' : ''} WHERE tenant_id = {t:String}`,
    { t: tenantId },
  );
  return Number(r!.n);
}

describe('rater (real NATS, Postgres and ClickHouse)', () => {
  it('writes every event, a meter value per matching meter, and records values it cannot read', async () => {
    const t = await kit.tenant([
      { key: 'calls', aggregation: 'count' },
      { key: 'tokens', aggregation: 'sum', valuePath: '$.tokens', groupBy: { model: '$.model' } },
      {
        key: 'eu_tokens',
        aggregation: 'sum',
        valuePath: '$.tokens',
        filters: [{ path: '$.region', op: 'eq', value: 'eu' }],
      },
      { key: 'storage', eventType: 'storage.gauge', aggregation: 'time_weighted_sum', valuePath: '$.gb' },
    ]);
    const rater = await kit.start(t);
    try {
      await kit.publishUnique(t.tenantId, [
        event('e1', { tokens: 10, model: 'large', region: 'eu' }),
        event('e2', { tokens: '2.5', region: 'us' }),
        event('e3', { tokens: 'lots' }),
        event('e4', { gb: 3 }, { type: 'storage.gauge' }),
        event('e5', { anything: true }, { type: 'unmetered.kind' }),
      ]);
      await waitFor(async () => (await countRows('events', t.tenantId)) === 5, {
        what: '5 events',
        timeoutMs: 15_000,
      });
      const rows = await values(t.tenantId);
      const { calls, tokens, eu_tokens: eu, storage } = t.meterIds;
      const of = (meter: string) =>
        rows.filter((r) => r.meter_id === meter).map((r) => [r.event_id, r.value]);
      expect(of(calls!)).toEqual([
        ['e1', '1'],
        ['e2', '1'],
        ['e3', '1'],
      ]);
      expect(of(tokens!)).toEqual([
        ['e1', '10'],
        ['e2', '2.5'],
      ]);
      expect(rows.find((r) => r.meter_id === tokens && r.event_id === 'e1')!.dimensions).toEqual({
        model: 'large',
      });
      expect(of(eu!)).toEqual([['e1', '10']]);
      expect(of(storage!)).toEqual([['e4', '3']]);

      await waitFor(async () => (await countRows('rejected_events', t.tenantId)) === 1, {
        what: 'the rejection of e3',
      });
      const [rejection] = await kit.query<{
        stage: string;
        code: string;
        meter_id: string;
        event_id: string;
      }>(`SELECT stage, code, meter_id, event_id FROM rejected_events FINAL WHERE tenant_id = {t:String}`, {
        t: t.tenantId,
      });
      expect(rejection).toMatchObject({ stage: 'rater', meter_id: tokens, event_id: 'e3' });
      expect(rejection!.code).toMatch(/NOT_NUMERIC/);
      expect(rater.service.stats.consumer.acked).toBe(1);
    } finally {
      await rater.handle.close();
    }
  }, 60_000);

  it('never counts twice: a crash between insert and ack, and the same events in a later message', async () => {
    const t = await kit.tenant([{ key: 'calls', aggregation: 'count' }]);
    let crashes = 0;
    const rater = await kit.start(t, {
      faults: {
        afterInsert: () => {
          if (crashes++ === 0) throw new Error('simulated crash after the insert, before the ack');
        },
      },
    });
    try {
      const batch = Array.from({ length: 50 }, (_, i) => event(`c${i}`, {}));
      await kit.publishUnique(t.tenantId, batch);
      await waitFor(() => rater.service.stats.consumer.acked === 1, {
        what: 'the redelivery acked',
        timeoutMs: 15_000,
      });
      expect(crashes).toBe(2);
      // Beyond the deduplicator's window the same events could come again in another message.
      await kit.publishUnique(t.tenantId, batch.slice(0, 20));
      await waitFor(() => rater.service.stats.consumer.acked === 2, {
        what: 'the repeat acked',
        timeoutMs: 15_000,
      });
      expect(await countRows('meter_values', t.tenantId)).toBe(50);
      expect(await countRows('events', t.tenantId)).toBe(50);
      const [sum] = await kit.query<{ n: string }>(
        `SELECT sum(value) AS n FROM meter_values FINAL WHERE tenant_id = {t:String}`,
        { t: t.tenantId },
      );
      expect(Number(sum!.n)).toBe(50);
    } finally {
      await rater.handle.close();
    }
  }, 60_000);

  it('keeps tenants apart: the same event ids in two tenants are two events', async () => {
    const a = await kit.tenant([{ key: 'calls', aggregation: 'count' }]);
    const b = await kit.tenant([{ key: 'calls', aggregation: 'count' }]);
    const ra = await kit.start(a);
    const rb = await kit.start(b);
    try {
      await kit.publishUnique(a.tenantId, [event('same', {}), event('only-a', {})]);
      await kit.publishUnique(b.tenantId, [event('same', {})]);
      await waitFor(async () => (await countRows('meter_values', a.tenantId)) === 2, { what: "a's values" });
      await waitFor(async () => (await countRows('meter_values', b.tenantId)) === 1, { what: "b's values" });
      expect((await values(b.tenantId)).map((r) => r.meter_id)).toEqual([b.meterIds.calls]);
    } finally {
      await ra.handle.close();
      await rb.handle.close();
    }
  }, 60_000);

  it('stores a late event in the month it happened, and events with no meter yet', async () => {
    const t = await kit.tenant([]);
    const rater = await kit.start(t);
    try {
      await kit.publishUnique(t.tenantId, [event('late', { n: 1 }, { time: '2026-09-30T23:59:59.999Z' })]);
      await waitFor(async () => (await countRows('events', t.tenantId)) === 1, { what: 'the late event' });
      const [row] = await kit.query<{ partition_id: string; time: string; data: string }>(
        `SELECT _partition_id AS partition_id, toString(time) AS time, data FROM events FINAL WHERE tenant_id = {t:String}`,
        { t: t.tenantId },
      );
      expect(row).toEqual({ partition_id: '202609', time: '2026-09-30 23:59:59.999', data: '{"n":1}' });
      expect(await countRows('meter_values', t.tenantId)).toBe(0);
    } finally {
      await rater.handle.close();
    }
  }, 60_000);

  it('keeps what the collector and the deduplicator turned away, once each', async () => {
    const t = await kit.tenant([]);
    const rater = await kit.start(t);
    try {
      await kit.publishRejected(t.tenantId, 'INVALID_TIME', {
        id: 'bad-1',
        source: 'app',
        time: 'yesterday',
      });
      await kit.publishRejected(t.tenantId, 'DUPLICATE_CONFLICT', { id: 'dup-1', source: 'app' });
      await waitFor(async () => (await countRows('rejected_events', t.tenantId)) === 2, {
        what: 'two rejections',
      });
      const rows = await kit.query<{ stage: string; code: string; event_id: string; source: string }>(
        `SELECT stage, code, event_id, source FROM rejected_events FINAL WHERE tenant_id = {t:String} ORDER BY event_id`,
        { t: t.tenantId },
      );
      expect(rows).toEqual([
        { stage: 'collector', code: 'INVALID_TIME', event_id: 'bad-1', source: 'app' },
        { stage: 'deduplicator', code: 'DUPLICATE_CONFLICT', event_id: 'dup-1', source: 'app' },
      ]);
    } finally {
      await rater.handle.close();
    }
  }, 60_000);
});
