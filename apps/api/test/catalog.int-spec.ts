import { startApi, type Api, type Call } from './support';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

const meter = (key: string, extra: Record<string, unknown> = {}) => ({
  key,
  name: 'API calls',
  eventType: 'api.call',
  aggregation: 'sum',
  valuePath: '$.requests',
  groupBy: { region: '$.region' },
  filters: [{ path: '$.status', op: 'in', values: ['200', '201'] }],
  unit: 'request',
  ...extra,
});

const graduated = (currency = 'EUR') => ({
  currency,
  model: 'graduated',
  tiers: [
    { upTo: '1000', unitAmount: '0' },
    { upTo: null, unitAmount: '0.002' },
  ],
});

async function planWithVersion(call: Call, key: string) {
  await call('POST', '/v1/meters', meter(`${key}-calls`));
  const plan = await call('POST', '/v1/plans', { key, name: key });
  const v = await call('POST', `/v1/plans/${key}/versions`, {
    currency: 'EUR',
    billingCadence: 'P1M',
    fixedFees: [{ key: 'platform', name: 'Platform fee', amount: '49.00', timing: 'in_advance' }],
    usageCharges: [
      {
        key: 'calls',
        name: 'API calls',
        meter: `${key}-calls`,
        price: graduated(),
        dimensions: { region: ['eu'] },
      },
    ],
    trialDays: 14,
  });
  return { plan, v };
}

describe('meters', () => {
  it('create, get by id and key, update what may change, archive', async () => {
    const { call } = await api.tenant();
    const m = await call('POST', '/v1/meters', meter('calls'));
    expect(m.status).toBe(201);
    expect(m.body).toMatchObject({
      key: 'calls',
      aggregation: 'sum',
      valuePath: '$.requests',
      groupBy: { region: '$.region' },
    });
    expect((await call('GET', '/v1/meters/calls')).body.id).toBe(m.body.id);
    const u = await call('PATCH', '/v1/meters/calls', { name: 'Requests', unit: 'req' });
    expect(u.body).toMatchObject({ name: 'Requests', unit: 'req', aggregation: 'sum' });
    const a = await call('DELETE', `/v1/meters/${m.body.id}`);
    expect(a.body.archivedAt).not.toBeNull();
    expect((await call('POST', '/v1/meters', meter('calls'))).body.error.code).toBe('METER_EXISTS');
  });

  it('refuses to change what gives recorded usage its meaning, saying why', async () => {
    const { call } = await api.tenant();
    await call('POST', '/v1/meters', meter('fixed'));
    const r = await call('PATCH', '/v1/meters/fixed', { aggregation: 'max', valuePath: '$.x', name: 'ok' });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'aggregation', message: expect.stringContaining('cannot change once a meter exists') },
        { path: 'valuePath', message: expect.stringContaining('cannot change once a meter exists') },
      ]),
    );
    // The database refuses it too, whatever the code path.
    await expect(
      api.db.pool.query("UPDATE meters SET aggregation = 'max' WHERE key = 'fixed'"),
    ).rejects.toThrow(/cannot change/);
  });

  it('checks aggregation, value path, filters and dimensions together', async () => {
    const { call } = await api.tenant();
    const r = await call(
      'POST',
      '/v1/meters',
      meter('bad', {
        aggregation: 'sum',
        valuePath: undefined,
        filters: [{ path: '$.a', op: 'eq' }],
        groupBy: { 'bad name': '$.x' },
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'filters.0.value',
      'groupBy.bad name',
      'valuePath',
    ]);
    const c = await call('POST', '/v1/meters', {
      key: 'n',
      name: 'n',
      eventType: 'e',
      aggregation: 'count',
      valuePath: '$.x',
    });
    expect(c.body.error.details).toEqual([
      { path: 'valuePath', message: 'count counts events and takes no valuePath' },
    ]);
  });

  it('isolates meters by tenant', async () => {
    const a = await api.tenant('a');
    const b = await api.tenant('b');
    const m = await a.call('POST', '/v1/meters', meter('mine'));
    for (const ref of [m.body.id, 'mine']) {
      expect((await b.call('GET', `/v1/meters/${ref}`)).status).toBe(404);
      expect((await b.call('PATCH', `/v1/meters/${ref}`, { name: 'x' })).status).toBe(404);
      expect((await b.call('DELETE', `/v1/meters/${ref}`)).status).toBe(404);
    }
    expect((await b.call('GET', '/v1/meters')).body.data).toEqual([]);
  });
});

describe('plans and versions', () => {
  it('numbers versions, edits drafts, publishes, and then never changes a published version', async () => {
    const { call } = await api.tenant();
    const { plan, v } = await planWithVersion(call, 'pro');
    expect(plan.status).toBe(201);
    expect(v.status).toBe(201);
    expect(v.body).toMatchObject({
      version: 1,
      status: 'draft',
      currency: 'EUR',
      billingCadence: 'P1M',
      trialDays: 14,
    });
    expect(v.body.usageCharges[0]).toMatchObject({
      key: 'calls',
      meterKey: 'pro-calls',
      dimensions: { region: ['eu'] },
    });

    const edited = await call('PUT', '/v1/plans/pro/versions/1', {
      currency: 'EUR',
      billingCadence: 'P1M',
      fixedFees: [{ key: 'platform', name: 'Platform', amount: '59.00', timing: 'in_advance' }],
    });
    expect(edited.body.fixedFees[0].amount).toBe('59.00');

    const pub = await call('POST', '/v1/plans/pro/versions/1/publish');
    expect(pub.status).toBe(200);
    expect(pub.body.status).toBe('published');
    expect(pub.body.publishedAt).not.toBeNull();

    const put = await call('PUT', '/v1/plans/pro/versions/1', { currency: 'EUR', billingCadence: 'P1M' });
    expect(put.status).toBe(409);
    expect(put.body.error.code).toBe('PLAN_VERSION_IMMUTABLE');
    expect((await call('DELETE', '/v1/plans/pro/versions/1')).body.error.code).toBe('PLAN_VERSION_IMMUTABLE');
    expect((await call('POST', '/v1/plans/pro/versions/1/publish')).body.error.code).toBe(
      'PLAN_VERSION_NOT_DRAFT',
    );
    await expect(
      api.db.pool.query("UPDATE plan_versions SET fixed_fees = '[]' WHERE id = $1", [pub.body.id]),
    ).rejects.toThrow(/cannot be changed/);
    await expect(api.db.pool.query('DELETE FROM plan_versions WHERE id = $1', [pub.body.id])).rejects.toThrow(
      /cannot be deleted/,
    );

    const v2 = await call('POST', '/v1/plans/pro/versions', {
      currency: 'EUR',
      billingCadence: 'P1M',
      fixedFees: [{ key: 'platform', name: 'Platform', amount: '69.00', timing: 'in_advance' }],
    });
    expect(v2.body.version).toBe(2);
    expect((await call('POST', `/v1/plans/pro/versions/${v2.body.id}/publish`)).status).toBe(200);
    expect((await call('POST', '/v1/plans/pro/versions/1/archive')).body.status).toBe('archived');
    const full = await call('GET', '/v1/plans/pro');
    expect(
      full.body.versions.map((x: { version: number; status: string }) => `${x.version}:${x.status}`),
    ).toEqual(['1:archived', '2:published']);
  });

  it('validates prices with the pricing engine, naming each bad field', async () => {
    const { call } = await api.tenant();
    await call('POST', '/v1/meters', meter('m1'));
    await call('POST', '/v1/plans', { key: 'p', name: 'p' });
    const r = await call('POST', '/v1/plans/p/versions', {
      currency: 'JPY',
      billingCadence: 'PT1H',
      fixedFees: [{ key: 'f', name: 'f', amount: '10.50', timing: 'in_advance' }],
      usageCharges: [
        {
          key: 'c1',
          name: 'c',
          meter: 'm1',
          price: {
            currency: 'JPY',
            model: 'graduated',
            tiers: [
              { upTo: '10', unitAmount: '1' },
              { upTo: '5', unitAmount: '1' },
              { upTo: null, unitAmount: '1' },
            ],
          },
        },
        { key: 'c2', name: 'c', meter: 'nope', price: graduated('EUR') },
        { key: 'f', name: 'c', meter: 'm1', price: graduated('JPY'), dimensions: { color: ['red'] } },
      ],
    });
    expect(r.status).toBe(400);
    const paths = r.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['billingCadence']));
    const second = await call('POST', '/v1/plans/p/versions', {
      currency: 'JPY',
      billingCadence: 'P1M',
      fixedFees: [{ key: 'f', name: 'f', amount: '10.50', timing: 'in_advance' }],
      usageCharges: [
        {
          key: 'c1',
          name: 'c',
          meter: 'm1',
          price: {
            currency: 'JPY',
            model: 'graduated',
            tiers: [
              { upTo: '10', unitAmount: '1' },
              { upTo: '5', unitAmount: '1' },
              { upTo: null, unitAmount: '1' },
            ],
          },
        },
        { key: 'c2', name: 'c', meter: 'nope', price: graduated('EUR') },
        { key: 'f', name: 'c', meter: 'm1', price: graduated('JPY'), dimensions: { color: ['red'] } },
      ],
    });
    expect(second.status).toBe(400);
    expect(second.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      [
        'fixedFees.0.amount',
        'usageCharges.0.price.tiers.1.upTo',
        'usageCharges.1.meter',
        'usageCharges.1.price.currency',
        'usageCharges.2.dimensions.color',
        'usageCharges.2.key',
      ].sort(),
    );
  });

  it("cannot use another tenant's meter, nor see its plans", async () => {
    const a = await api.tenant('a');
    const b = await api.tenant('b');
    const { plan } = await planWithVersion(a.call, 'secret-plan');
    await b.call('POST', '/v1/plans', { key: 'mine', name: 'mine' });
    const r = await b.call('POST', '/v1/plans/mine/versions', {
      currency: 'EUR',
      billingCadence: 'P1M',
      usageCharges: [{ key: 'x', name: 'x', meter: 'secret-plan-calls', price: graduated() }],
    });
    expect(r.body.error.details).toEqual([
      { path: 'usageCharges.0.meter', message: 'meter secret-plan-calls does not exist' },
    ]);
    for (const ref of [plan.body.id, 'secret-plan']) {
      expect((await b.call('GET', `/v1/plans/${ref}`)).status).toBe(404);
      expect((await b.call('POST', `/v1/plans/${ref}/versions/1/publish`)).status).toBe(404);
      expect(
        (await b.call('POST', `/v1/plans/${ref}/versions`, { currency: 'EUR', billingCadence: 'P1M' }))
          .status,
      ).toBe(404);
    }
    expect((await b.call('GET', '/v1/plans')).body.data.map((p: { key: string }) => p.key)).toEqual(['mine']);
  });
});
