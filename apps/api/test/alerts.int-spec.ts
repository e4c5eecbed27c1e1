import { newId } from '@mu/platform';
import { customerBody, startApi, type Api, type Call } from './support';

let api: Api;
beforeAll(async () => {
  api = await startApi();
}, 60_000);
afterAll(async () => {
  await api.close();
});

async function subscribed(call: Call) {
  await call('POST', '/v1/meters', {
    key: 'calls',
    name: 'API calls',
    eventType: 'api.call',
    aggregation: 'count',
  });
  await call('POST', '/v1/plans', { key: 'api', name: 'API' });
  await call('POST', '/v1/plans/api/versions', {
    currency: 'EUR',
    billingCadence: 'P1M',
    usageCharges: [
      {
        key: 'calls',
        name: 'API calls',
        meter: 'calls',
        price: { currency: 'EUR', model: 'graduated', tiers: [{ upTo: null, unitAmount: '0.01' }] },
      },
    ],
  });
  await call('POST', '/v1/plans/api/versions/1/publish');
  const c = await call('POST', '/v1/customers', customerBody('acme'));
  const s = await call('POST', '/v1/subscriptions', {
    customerId: c.body.id,
    plan: 'api',
    startAt: '2026-11-01T00:00:00Z',
  });
  expect(s.status).toBe(201);
  return { customerId: c.body.id as string, subscriptionId: s.body.id as string };
}

const paths = (r: { body: { error: { details: { path: string }[] } } }) =>
  r.body.error.details.map((d) => d.path).sort();

describe('alerts API', () => {
  it('defines usage and spend alerts, lists, updates and deletes them, and lists their firings', async () => {
    const { tenantId, call } = await api.tenant();
    const { customerId, subscriptionId } = await subscribed(call);

    const usage = await call('POST', '/v1/alerts', {
      subscriptionId,
      name: '1M calls',
      metric: 'usage',
      meter: 'calls',
      threshold: '1000000',
    });
    expect(usage.status).toBe(201);
    expect(usage.body).toMatchObject({
      customerId,
      subscriptionId,
      metric: 'usage',
      meterId: expect.stringMatching(/^mtr_/),
      threshold: '1000000',
      budget: null,
      effectiveThreshold: '1000000',
      enabled: true,
    });
    const spend = await call('POST', '/v1/alerts', {
      subscriptionId,
      name: '80% of budget',
      metric: 'spend',
      budget: '250.00',
      percent: '80',
    });
    expect(spend.status).toBe(201);
    expect(spend.body).toMatchObject({
      threshold: null,
      budget: '250.00',
      percent: '80',
      effectiveThreshold: '200',
    });

    const list = await call('GET', `/v1/alerts?customer=${customerId}`);
    expect(list.body.data.map((a: { id: string }) => a.id)).toEqual([usage.body.id, spend.body.id]);
    expect((await call('GET', '/v1/alerts?customer=cus_nobody')).body.data).toEqual([]);

    const patched = await call('PATCH', `/v1/alerts/${spend.body.id}`, { enabled: false, threshold: '150' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      enabled: false,
      threshold: '150',
      budget: null,
      effectiveThreshold: '150',
    });

    // A firing, as the rater records it.
    await api.db.pool.query(
      `INSERT INTO alert_firings (id, tenant_id, alert_id, customer_id, subscription_id, period_start, period_end, value, threshold)
       VALUES ($1, $2, $3, $4, $5, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', '1000012', '1000000')`,
      [newId('alf'), tenantId, usage.body.id, customerId, subscriptionId],
    );
    const firings = await call('GET', `/v1/alerts/${usage.body.id}/firings`);
    expect(firings.status).toBe(200);
    expect(firings.body.data).toEqual([
      expect.objectContaining({
        alertId: usage.body.id,
        periodStart: '2026-11-01T00:00:00.000Z',
        periodEnd: '2026-12-01T00:00:00.000Z',
        value: '1000012',
        threshold: '1000000',
        publishedAt: null,
      }),
    ]);

    const del = await call('DELETE', `/v1/alerts/${usage.body.id}`);
    expect(del.status).toBe(200);
    expect((await call('GET', `/v1/alerts/${usage.body.id}`)).status).toBe(404);
  });

  it('says what is wrong with an alert, field by field', async () => {
    const { call } = await api.tenant();
    const { subscriptionId } = await subscribed(call);
    const post = (body: Record<string, unknown>) =>
      call('POST', '/v1/alerts', { subscriptionId, name: 'a', ...body });

    expect(paths(await post({ metric: 'usage', threshold: '5' }))).toEqual(['meter']);
    expect(paths(await post({ metric: 'spend', meter: 'calls', threshold: '5' }))).toEqual(['meter']);
    expect(paths(await post({ metric: 'spend' }))).toEqual(['threshold']);
    expect(paths(await post({ metric: 'spend', threshold: '5', budget: '10', percent: '50' }))).toEqual([
      'threshold',
    ]);
    expect(paths(await post({ metric: 'spend', budget: '10' }))).toEqual(['percent']);
    expect(paths(await post({ metric: 'spend', threshold: '0' }))).toEqual(['threshold']);
    expect(paths(await post({ metric: 'spend', threshold: '-3' }))).toEqual(['threshold']);
    expect(paths(await post({ metric: 'spend', budget: '10', percent: '2000' }))).toEqual(['percent']);
    expect(paths(await post({ metric: 'usage', meter: 'nope', threshold: '5' }))).toEqual(['meter']);
    expect(paths(await post({ metric: 'bytes', threshold: '5' }))).toEqual(['metric']);
    const missing = await call('POST', '/v1/alerts', {
      subscriptionId: 'sub_missing',
      name: 'a',
      metric: 'spend',
      threshold: '1',
    });
    expect(missing.status).toBe(400);
    expect(paths(missing)).toEqual(['subscriptionId']);
  });

  it("keeps tenants apart: another tenant's alerts and subscriptions do not exist for you", async () => {
    const a = await api.tenant();
    const { subscriptionId } = await subscribed(a.call);
    const alert = await a.call('POST', '/v1/alerts', {
      subscriptionId,
      name: 'x',
      metric: 'spend',
      threshold: '1',
    });
    const b = await api.tenant();
    expect((await b.call('GET', `/v1/alerts/${alert.body.id}`)).status).toBe(404);
    expect((await b.call('PATCH', `/v1/alerts/${alert.body.id}`, { enabled: false })).status).toBe(404);
    expect((await b.call('DELETE', `/v1/alerts/${alert.body.id}`)).status).toBe(404);
    expect((await b.call('GET', `/v1/alerts/${alert.body.id}/firings`)).status).toBe(404);
    expect((await b.call('GET', '/v1/alerts')).body.data).toEqual([]);
    const steal = await b.call('POST', '/v1/alerts', {
      subscriptionId,
      name: 'x',
      metric: 'spend',
      threshold: '1',
    });
    expect(steal.status).toBe(400);
    expect(paths(steal)).toEqual(['subscriptionId']);
  });
});
