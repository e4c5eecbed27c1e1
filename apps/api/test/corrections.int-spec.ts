import type { UsageEventV1 } from '@mu/contracts';
import { compileMeter } from '@mu/metering';
import { locateFromRoot, runClickHouseMigrations } from '@mu/platform';
import { createTestClickHouse, type TestClickHouse } from '@mu/testing';
import { appendEventRows, UsageWriter, type UsageRows } from '@mu/usage';
import { startApi, type Api } from './support';

let api: Api;
let ch: TestClickHouse;
let writer: UsageWriter;
let seq = 0;

beforeAll(async () => {
  ch = await createTestClickHouse();
  api = await startApi({ env: { CLICKHOUSE_DATABASE: ch.database } });
  await runClickHouseMigrations(ch.client, api.db.pool, locateFromRoot('db/clickhouse'), {
    database: ch.database,
  });
  writer = new UsageWriter(ch.client);
}, 60_000);
afterAll(async () => {
  await api.close();
  await ch.drop();
});

/** A tenant with a `sum` meter on $.gb, and a way to rate events as the rater does. */
async function tenant() {
  const t = await api.tenant();
  const meter = await t.call('POST', '/v1/meters', {
    key: 'gb',
    name: 'GB',
    eventType: 'storage.write',
    aggregation: 'sum',
    valuePath: '$.gb',
  });
  expect(meter.status).toBe(201);
  const compiled = compileMeter({ ...meter.body, filters: [], groupBy: {} });
  const rate = async (events: UsageEventV1[]) => {
    const rows: UsageRows = { events: [], meterValues: [], rejected: [] };
    seq += 1;
    for (const e of events) {
      appendEventRows(rows, e, {
        tenantId: t.tenantId,
        tenant: { meters: [compiled], retentionDays: 3650, loadedAt: Date.now() },
        receivedAt: '2026-03-10 00:00:00.000',
        rawSequence: seq,
      });
    }
    await writer.write(rows, `test-${seq}-${Date.now()}`);
  };
  return { ...t, meterId: meter.body.id as string, rate };
}

const ev = (id: string, gb: number, extra: Partial<UsageEventV1> = {}): UsageEventV1 => ({
  id,
  source: 'disk',
  type: 'storage.write',
  subject: 'acme',
  time: '2026-03-05T10:00:00.000Z',
  data: { gb },
  ...extra,
});

/** What billing sees (FINAL), what is physically stored, and what the signed rollup says. */
async function state(tenantId: string) {
  const one = async (sql: string) => {
    const rs = await ch.client.query({ query: sql, query_params: { t: tenantId }, format: 'JSONEachRow' });
    return (await rs.json<Record<string, string>>())[0]!;
  };
  const billed = await one(
    `SELECT count() AS n, toString(sum(value)) AS total FROM meter_values FINAL WHERE tenant_id = {t:String} AND is_deleted = 0`,
  );
  const stored = await one(`SELECT count() AS n FROM meter_values WHERE tenant_id = {t:String}`);
  const rollup = await one(
    `SELECT toString(sumMerge(total)) AS total FROM meter_values_hourly WHERE tenant_id = {t:String}`,
  );
  const months = await ch.client.query({
    query: `SELECT toString(toStartOfMonth(time)) AS m, toString(sum(value)) AS total FROM meter_values FINAL
             WHERE tenant_id = {t:String} AND is_deleted = 0 GROUP BY m ORDER BY m`,
    query_params: { t: tenantId },
    format: 'JSONEachRow',
  });
  return {
    billed: Number(billed.n),
    total: Number(billed.total),
    stored: Number(stored.n),
    rollup: Number(rollup.total),
    months: (await months.json<{ m: string; total: string }>()).map((r) => [r.m, Number(r.total)]),
  };
}

describe('event corrections', () => {
  it('voids an event: it stops counting, its rows stay, and who, when and why is recorded', async () => {
    const t = await tenant();
    await t.rate([ev('a', 5), ev('b', 7)]);
    expect(await state(t.tenantId)).toMatchObject({ billed: 2, total: 12, stored: 2, rollup: 12 });

    const r = await t.call('POST', '/v1/events/a/void', { reason: 'test traffic' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ action: 'void', eventId: 'a', source: 'disk', reason: 'test traffic' });
    expect(r.body.actor).toMatch(/^key_/);
    expect(await state(t.tenantId)).toMatchObject({ billed: 1, total: 7, stored: 3, rollup: 7 });

    // Voiding again finds nothing live.
    expect((await t.call('POST', '/v1/events/a/void', { reason: 'again' })).status).toBe(404);
    const list = await t.call('GET', '/v1/events/a/corrections');
    expect(list.body.data.map((c: { action: string }) => c.action)).toEqual(['void']);
  }, 60_000);

  it('amends data and time: usage is recomputed, and moves to the month the event now belongs to', async () => {
    const t = await tenant();
    await t.rate([ev('x', 10)]);
    const data = await t.call('POST', '/v1/events/x/amend', { reason: 'meter misread', data: { gb: 4 } });
    expect(data.status).toBe(200);
    expect(data.body.changes).toEqual({ data: { from: { gb: 10 }, to: { gb: 4 } } });
    expect(await state(t.tenantId)).toMatchObject({ billed: 1, total: 4, rollup: 4 });

    const moved = await t.call('POST', '/v1/events/x/amend', {
      reason: 'clock skew on the agent',
      time: '2026-02-28T23:00:00Z',
    });
    expect(moved.status).toBe(200);
    expect(await state(t.tenantId)).toMatchObject({
      billed: 1,
      total: 4,
      rollup: 4,
      months: [['2026-02-01', 4]],
    });
    const list = await t.call('GET', '/v1/events/x/corrections?source=disk');
    expect(list.body.data.map((c: { action: string }) => c.action)).toEqual(['amend', 'amend']);
  }, 60_000);

  it('refuses what it cannot do, with a reason, and keeps tenants apart', async () => {
    const t = await tenant();
    const other = await tenant();
    await t.rate([ev('dup', 1), ev('dup', 2, { source: 'other-disk' }), ev('mine', 3)]);

    const ambiguous = await t.call('POST', '/v1/events/dup/void', { reason: 'x' });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error.code).toBe('AMBIGUOUS_EVENT_ID');
    expect((await t.call('POST', '/v1/events/dup/void', { reason: 'x', source: 'other-disk' })).status).toBe(
      200,
    );

    expect((await t.call('POST', '/v1/events/nope/void', { reason: 'x' })).status).toBe(404);
    expect((await t.call('POST', '/v1/events/mine/void', {})).status).toBe(400);
    const same = await t.call('POST', '/v1/events/mine/amend', { reason: 'x', data: { gb: 3 } });
    expect(same.status).toBe(409);
    expect(same.body.error.code).toBe('NOTHING_TO_AMEND');
    expect((await t.call('POST', '/v1/events/mine/amend', { reason: 'x', time: 'soon' })).status).toBe(400);

    // Another tenant cannot see or touch it.
    expect((await other.call('POST', '/v1/events/mine/void', { reason: 'x' })).status).toBe(404);
    expect(await state(t.tenantId)).toMatchObject({ billed: 2, total: 4 });
  }, 60_000);
});
