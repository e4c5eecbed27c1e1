import { customerBody, startApi, type Api, type Call } from './support';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

async function catalog(call: Call) {
  await call('POST', '/v1/meters', {
    key: 'gb',
    name: 'Storage',
    eventType: 'storage',
    aggregation: 'time_weighted_sum',
    valuePath: '$.gb',
  });
  await call('POST', '/v1/plans', { key: 'basic', name: 'Basic' });
  await call('POST', '/v1/plans', { key: 'pro', name: 'Pro' });
  const version = (fee: string) => ({
    currency: 'EUR',
    billingCadence: 'P1M',
    fixedFees: [{ key: 'platform', name: 'Platform fee', amount: fee, timing: 'in_advance' }],
    usageCharges: [
      {
        key: 'storage',
        name: 'Storage',
        meter: 'gb',
        price: { currency: 'EUR', model: 'unit', unitAmount: '0.0001' },
      },
    ],
  });
  const basic = await call('POST', '/v1/plans/basic/versions', version('10.00'));
  const pro = await call('POST', '/v1/plans/pro/versions', { ...version('40.00'), trialDays: 7 });
  await call('POST', '/v1/plans/basic/versions/1/publish');
  await call('POST', '/v1/plans/pro/versions/1/publish');
  return { basic: basic.body.id as string, pro: pro.body.id as string };
}

describe('subscriptions', () => {
  it('subscribes a customer to the latest published version, with its trial', async () => {
    const { call } = await api.tenant();
    const { pro } = await catalog(call);
    const c = await call('POST', '/v1/customers', customerBody('c1'));
    const s = await call('POST', '/v1/subscriptions', {
      customerId: c.body.id,
      plan: 'pro',
      startAt: '2026-03-10T09:30:00Z',
    });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({
      status: 'active',
      billingAlignment: 'calendar',
      billingCadence: 'P1M',
      timeZone: 'Europe/Berlin',
      startAt: '2026-03-10T09:30:00.000Z',
      trialEndAt: '2026-03-17T09:30:00.000Z',
      phases: [{ planVersionId: pro, planKey: 'pro', version: 1, reason: 'created', endAt: null }],
    });
    expect(
      (await call('GET', `/v1/subscriptions?customerId=${c.body.id}`)).body.data.map(
        (x: { id: string }) => x.id,
      ),
    ).toEqual([s.body.id]);
  });

  it('refuses drafts, unknown charges in overrides, and bad dates, listing each', async () => {
    const { call } = await api.tenant();
    await catalog(call);
    await call('POST', '/v1/plans/pro/versions', { currency: 'EUR', billingCadence: 'P1M' });
    const c = await call('POST', '/v1/customers', customerBody('c1'));
    const draft = await call('POST', '/v1/subscriptions', { customerId: c.body.id, plan: 'pro', version: 2 });
    expect(draft.status).toBe(400);
    expect(draft.body.error.details[0].message).toContain(
      'is draft; only published versions take subscriptions',
    );
    const bad = await call('POST', '/v1/subscriptions', {
      customerId: c.body.id,
      plan: 'basic',
      startAt: '2026-05-01T00:00:00Z',
      endAt: '2026-04-01T00:00:00Z',
      priceOverrides: [
        { chargeKey: 'nope', amount: '1.00' },
        { chargeKey: 'platform', price: {} },
        { chargeKey: 'storage', price: { currency: 'USD', model: 'unit', unitAmount: '1' } },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'endAt',
      'priceOverrides.0.chargeKey',
      'priceOverrides.1',
      'priceOverrides.2.price.currency',
    ]);
  });

  it("computes periods in the customer's time zone (calendar), with a partial first period", async () => {
    const { call } = await api.tenant();
    await catalog(call);
    const c = await call('POST', '/v1/customers', customerBody('tokyo', { timeZone: 'Asia/Tokyo' }));
    const s = await call('POST', '/v1/subscriptions', {
      customerId: c.body.id,
      plan: 'basic',
      startAt: '2026-01-15T00:00:00Z',
    });
    const feb = await call('GET', `/v1/subscriptions/${s.body.id}/periods?at=2026-02-10T00:00:00Z`);
    expect(feb.body.data).toEqual([
      {
        index: 1,
        start: '2026-01-31T15:00:00.000Z',
        end: '2026-02-28T15:00:00.000Z',
        partial: false,
        fraction: '1',
        planVersionId: s.body.phases[0].planVersionId,
      },
    ]);
    const all = await call(
      'GET',
      `/v1/subscriptions/${s.body.id}/periods?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`,
    );
    expect(all.body.data.map((p: { start: string; partial: boolean }) => [p.start, p.partial])).toEqual([
      ['2026-01-15T00:00:00.000Z', true],
      ['2026-01-31T15:00:00.000Z', false],
      ['2026-02-28T15:00:00.000Z', false],
    ]);
    expect(Number(all.body.data[0].fraction)).toBeCloseTo((16 * 24 + 15) / (31 * 24), 10);
  });

  it('keeps anniversary periods on the anchor day through a leap February', async () => {
    const { call } = await api.tenant();
    await catalog(call);
    const c = await call('POST', '/v1/customers', customerBody('utc', { timeZone: 'UTC' }));
    const s = await call('POST', '/v1/subscriptions', {
      customerId: c.body.id,
      plan: 'basic',
      startAt: '2028-01-31T12:00:00Z',
      billingAlignment: 'anniversary',
    });
    const r = await call(
      'GET',
      `/v1/subscriptions/${s.body.id}/periods?from=2028-01-31T12:00:00Z&to=2028-04-01T00:00:00Z`,
    );
    expect(r.body.data.map((p: { start: string }) => p.start)).toEqual([
      '2028-01-31T12:00:00.000Z',
      '2028-02-29T12:00:00.000Z',
      '2028-03-31T12:00:00.000Z',
    ]);
  });

  it('cancels at period end or at once, and only once', async () => {
    const { call } = await api.tenant();
    await catalog(call);
    const c = await call('POST', '/v1/customers', customerBody('c', { timeZone: 'UTC' }));
    const s1 = await call('POST', '/v1/subscriptions', {
      customerId: c.body.id,
      plan: 'basic',
      startAt: '2026-01-01T00:00:00Z',
    });
    const atEnd = await call('POST', `/v1/subscriptions/${s1.body.id}/cancel`, { at: 'period_end' });
    const current = await call('GET', `/v1/subscriptions/${s1.body.id}/periods`);
    expect(atEnd.body).toMatchObject({
      status: 'active',
      cancelAtPeriodEnd: true,
      endAt: current.body.data[0].end,
    });
    expect((await call('POST', `/v1/subscriptions/${s1.body.id}/cancel`, { at: 'now' })).status).toBe(200);
    const again = await call('POST', `/v1/subscriptions/${s1.body.id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SUBSCRIPTION_CANCELED');
    const customerArchive = await call('DELETE', `/v1/customers/${c.body.id}`);
    expect(customerArchive.status).toBe(200);
  });

  it('cancels a subscription that has not started yet: it never has a period', async () => {
    const { call } = await api.tenant();
    await catalog(call);
    const c = await call('POST', '/v1/customers', customerBody('future', { timeZone: 'UTC' }));
    const s = await call('POST', '/v1/subscriptions', {
      customerId: c.body.id,
      plan: 'basic',
      startAt: '2099-01-01T00:00:00Z',
    });
    const canceled = await call('POST', `/v1/subscriptions/${s.body.id}/cancel`, {});
    expect(canceled.body).toMatchObject({ status: 'canceled', endAt: '2099-01-01T00:00:00.000Z' });
    expect(
      (await call('GET', `/v1/subscriptions/${s.body.id}/periods?at=2099-02-01T00:00:00Z`)).body.data,
    ).toEqual([]);
    const bad = await call('GET', `/v1/subscriptions/${s.body.id}/periods?at=yesterday`);
    expect(bad.status).toBe(400);
  });

  it('upgrades now with prorated fixed fees, and downgrades at period end', async () => {
    const { call } = await api.tenant();
    const { basic, pro } = await catalog(call);
    const c = await call('POST', '/v1/customers', customerBody('c', { timeZone: 'UTC' }));
    const s = await call('POST', '/v1/subscriptions', {
      customerId: c.body.id,
      plan: 'basic',
      startAt: '2026-01-01T00:00:00Z',
    });
    const up = await call('POST', `/v1/subscriptions/${s.body.id}/change-plan`, { plan: 'pro' });
    expect(up.status).toBe(200);
    expect(
      up.body.phases.map((p: { planVersionId: string; reason: string }) => [p.planVersionId, p.reason]),
    ).toEqual([
      [basic, 'created'],
      [pro, 'upgrade'],
    ]);
    const [credit, charge] = up.body.proration as { amount: string; fraction: string; chargeKey: string }[];
    const fraction = Number(credit!.fraction);
    expect(fraction).toBeGreaterThan(0);
    expect(fraction).toBeLessThan(1);
    expect(Number(credit!.amount)).toBeCloseTo(-10 * fraction, 8);
    expect(Number(charge!.amount)).toBeCloseTo(40 * fraction, 8);

    const down = await call('POST', `/v1/subscriptions/${s.body.id}/change-plan`, { plan: 'basic' });
    const period = await call('GET', `/v1/subscriptions/${s.body.id}/periods`);
    expect(down.body.proration).toEqual([]);
    expect(down.body.phases.at(-1)).toMatchObject({
      planVersionId: basic,
      reason: 'downgrade',
      startAt: period.body.data[0].end,
    });
    expect(down.body.phases.at(-2)).toMatchObject({ planVersionId: pro, endAt: period.body.data[0].end });
  });

  it('isolates subscriptions by tenant', async () => {
    const a = await api.tenant('a');
    const b = await api.tenant('b');
    await catalog(a.call);
    await catalog(b.call);
    const c = await a.call('POST', '/v1/customers', customerBody('c'));
    const s = await a.call('POST', '/v1/subscriptions', { customerId: c.body.id, plan: 'basic' });
    expect((await b.call('POST', '/v1/subscriptions', { customerId: c.body.id, plan: 'basic' })).status).toBe(
      404,
    );
    const attempts = [
      ['GET', '', undefined],
      ['GET', '/periods', undefined],
      ['POST', '/cancel', {}],
      ['POST', '/change-plan', { plan: 'pro' }],
    ] as const;
    for (const [method, path, body] of attempts) {
      expect((await b.call(method, `/v1/subscriptions/${s.body.id}${path}`, body)).status).toBe(404);
    }
    expect((await b.call('GET', '/v1/subscriptions')).body.data).toEqual([]);
  });
});
