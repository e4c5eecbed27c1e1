import { locateFromRoot, runClickHouseMigrations } from '@mu/platform';
import { createTestClickHouse, type TestClickHouse } from '@mu/testing';
import { UsageWriter } from '@mu/usage';
import { customerBody, growthPlan, startApi, type Api, type Call } from './support';

let api: Api;
let ch: TestClickHouse;
let writer: UsageWriter;
let token = 0;

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

/** Meter values as the rater writes them. */
async function usage(
  tenantId: string,
  meterId: string,
  rows: { subject: string; time: string; id: string; value: string }[],
) {
  token += 1;
  await writer.insert(
    'meter_values',
    rows.map((r) => ({
      tenant_id: tenantId,
      meter_id: meterId,
      subject: r.subject,
      time: r.time.replace('T', ' ').replace('Z', ''),
      source: 'src',
      event_id: r.id,
      value: r.value,
      unique_value: '',
      dimensions: {},
    })),
    `test-${token}-${Date.now()}`,
  );
}

const catalog = (call: Call) => growthPlan(call);

describe('GET /v1/customers/{id}/current-charges', () => {
  it('prices the running period from deduplicated usage, counting events that came before the customer', async () => {
    const { tenantId, call } = await api.tenant();
    const meterId = await catalog(call);
    // Usage for a subject nobody owns yet: kept, and counted once the customer claims it.
    await usage(tenantId, meterId, [
      { subject: 'acme-prod', time: '2026-03-02T10:00:00.000Z', id: 'e1', value: '1' },
      { subject: 'acme-prod', time: '2026-03-03T10:00:00.000Z', id: 'e2', value: '1' },
      { subject: 'acme-prod', time: '2026-03-04T10:00:00.000Z', id: 'e3', value: '1' },
      // Last month: another period.
      { subject: 'acme-prod', time: '2026-02-27T10:00:00.000Z', id: 'old', value: '1' },
      // Someone else's.
      { subject: 'other', time: '2026-03-04T10:00:00.000Z', id: 'x1', value: '1' },
    ]);
    // The same events again (a redelivery in another block): still counted once.
    await usage(tenantId, meterId, [
      { subject: 'acme-prod', time: '2026-03-03T10:00:00.000Z', id: 'e2', value: '1' },
    ]);
    const c = await call(
      'POST',
      '/v1/customers',
      customerBody('acme', { subjectKeys: ['acme-prod', 'acme-staging'] }),
    );
    await usage(tenantId, meterId, [
      { subject: 'acme-staging', time: '2026-03-05T10:00:00.000Z', id: 'e4', value: '1' },
      { subject: 'acme-staging', time: '2026-03-20T10:00:00.000Z', id: 'after', value: '1' },
    ]);
    const s = await call('POST', '/v1/subscriptions', {
      customerId: c.body.id,
      plan: 'growth',
      startAt: '2026-03-01T00:00:00+01:00',
    });
    expect(s.status).toBe(201);

    const r = await call('GET', `/v1/customers/${c.body.id}/current-charges?at=2026-03-10T00:00:00Z`);
    expect(r.status).toBe(200);
    expect(r.body.subscriptions).toHaveLength(1);
    const sub = r.body.subscriptions[0];
    expect(sub).toMatchObject({
      subscriptionId: s.body.id,
      currency: 'EUR',
      period: { start: '2026-02-28T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z' },
      usageThrough: '2026-03-10T00:00:00.000Z',
    });
    const calls = sub.lines.find((l: { chargeKey: string }) => l.chargeKey === 'calls');
    // 4 events so far (e1..e4): 2 free, 2 x 0.015 = 0.03.
    expect(calls).toMatchObject({ type: 'usage', quantity: '4', amount: '0.03', meterKey: 'calls' });
    expect(calls.breakdown.length).toBeGreaterThan(0);
    expect(sub.lines.find((l: { chargeKey: string }) => l.chargeKey === 'platform')).toMatchObject({
      type: 'fixed',
      amount: '30.00',
    });
    expect(sub.total).toBe('30.03');

    // Later in the period the event of the 20th counts too.
    const later = await call('GET', `/v1/customers/${c.body.id}/current-charges?at=2026-03-25T00:00:00Z`);
    expect(later.body.subscriptions[0].lines[0]).toMatchObject({ quantity: '5', amount: '0.05' });
  }, 60_000);

  it('is scoped to the tenant, and refuses bad input', async () => {
    const a = await api.tenant();
    const b = await api.tenant();
    const c = await a.call('POST', '/v1/customers', customerBody('a1'));
    expect((await b.call('GET', `/v1/customers/${c.body.id}/current-charges`)).status).toBe(404);
    const bad = await a.call('GET', `/v1/customers/${c.body.id}/current-charges?at=yesterday`);
    expect(bad.status).toBe(400);
    const none = await a.call('GET', `/v1/customers/${c.body.id}/current-charges`);
    expect(none.body.subscriptions).toEqual([]);
  }, 60_000);
});
