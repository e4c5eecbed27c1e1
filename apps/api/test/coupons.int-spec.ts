import { customerBody, startApi, type Api, type Call } from './support';

let api: Api;
beforeAll(async () => {
  api = await startApi();
}, 60_000);
afterAll(async () => {
  await api.close();
});

/** The fields at fault, each once. */
const paths = (r: { body: { error: { details: { path: string }[] } } }) =>
  [...new Set(r.body.error.details.map((d) => d.path))].sort();

/** A monthly EUR plan and a customer (UTC) subscribed to it from `startAt`. */
async function subscribed(call: Call, startAt = '2026-01-01T00:00:00Z', extra: Record<string, unknown> = {}) {
  const plan = await call('GET', '/v1/plans/basic');
  if (plan.status === 404) {
    await call('POST', '/v1/plans', { key: 'basic', name: 'Basic' });
    const v = await call('POST', '/v1/plans/basic/versions', {
      currency: 'EUR',
      billingCadence: 'P1M',
      fixedFees: [{ key: 'platform', name: 'Platform fee', amount: '30.00', timing: 'in_arrears' }],
    });
    expect(v.status).toBe(201);
    expect((await call('POST', '/v1/plans/basic/versions/1/publish')).status).toBe(200);
  }
  const c = await call(
    'POST',
    '/v1/customers',
    customerBody(`c-${Math.random().toString(36).slice(2)}`, { timeZone: 'UTC' }),
  );
  expect(c.status).toBe(201);
  const s = await call('POST', '/v1/subscriptions', {
    customerId: c.body.id,
    plan: 'basic',
    startAt,
    ...extra,
  });
  expect(s.status).toBe(201);
  return { customerId: c.body.id as string, subscriptionId: s.body.id as string, sub: s.body };
}

const percent = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  name: `${code} offer`,
  percentOff: '20',
  duration: 'forever',
  ...extra,
});

describe('coupons', () => {
  it('creates, reads by id or code, lists and archives coupons', async () => {
    const { call } = await api.tenant();
    const pct = await call(
      'POST',
      '/v1/coupons',
      percent('LAUNCH20', { duration: 'repeating', durationPeriods: 3 }),
    );
    expect(pct.status).toBe(201);
    expect(pct.body).toEqual({
      id: expect.stringMatching(/^cpn_/),
      code: 'LAUNCH20',
      name: 'LAUNCH20 offer',
      percentOff: '20',
      amountOff: null,
      currency: null,
      duration: 'repeating',
      durationPeriods: 3,
      createdAt: expect.any(String),
      archivedAt: null,
      maxRedemptions: null,
      timesRedeemed: 0,
      redeemBy: null,
      plans: null,
    });
    const fixed = await call('POST', '/v1/coupons', {
      code: 'FIFTEEN',
      name: '15 off once',
      amountOff: '15',
      currency: 'EUR',
      duration: 'once',
    });
    expect(fixed.status).toBe(201);
    // Money in the currency's minor units, as on invoices.
    expect(fixed.body).toMatchObject({
      amountOff: '15.00',
      currency: 'EUR',
      percentOff: null,
      durationPeriods: null,
    });
    const yen = await call('POST', '/v1/coupons', {
      code: 'YEN500',
      name: '500 yen off',
      amountOff: '500',
      currency: 'JPY',
      duration: 'forever',
    });
    expect(yen.body).toMatchObject({ amountOff: '500', currency: 'JPY' });

    expect((await call('GET', '/v1/coupons/LAUNCH20')).body).toEqual(pct.body);
    expect((await call('GET', `/v1/coupons/${pct.body.id}`)).body).toEqual(pct.body);
    expect((await call('GET', '/v1/coupons/NOPE')).status).toBe(404);

    const page1 = await call('GET', '/v1/coupons?limit=2');
    expect(page1.body.data.map((c: { code: string }) => c.code)).toEqual(['LAUNCH20', 'FIFTEEN']);
    const page2 = await call('GET', `/v1/coupons?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toEqual({ data: [yen.body], nextCursor: null });

    const dup = await call('POST', '/v1/coupons', percent('LAUNCH20'));
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('COUPON_EXISTS');

    const archived = await call('DELETE', '/v1/coupons/FIFTEEN');
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toEqual(expect.any(String));
    // Archiving again keeps the first date; an archived code stays taken.
    const again = await call('DELETE', `/v1/coupons/${fixed.body.id}`);
    expect(again.body.archivedAt).toBe(archived.body.archivedAt);
    expect((await call('POST', '/v1/coupons', percent('FIFTEEN'))).status).toBe(409);
    expect((await call('DELETE', '/v1/coupons/NOPE')).status).toBe(404);
  });

  it('says what is wrong with a coupon, field by field', async () => {
    const { call } = await api.tenant();
    const post = async (body: Record<string, unknown>) => {
      const r = await call('POST', '/v1/coupons', body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      return paths(r);
    };
    expect(await post(percent('A', { percentOff: '100.5' }))).toEqual(['percentOff']);
    expect(await post(percent('A', { percentOff: '0' }))).toEqual(['percentOff']);
    expect(await post(percent('A', { percentOff: '-5' }))).toEqual(['percentOff']);
    expect(await post(percent('A', { percentOff: 20 }))).toEqual(['percentOff']);
    expect(await post(percent('A', { amountOff: '5', currency: 'EUR' }))).toEqual(['percentOff']);
    expect(await post({ code: 'A', name: 'a', duration: 'once' })).toEqual(['percentOff']);
    expect(await post(percent('A', { duration: 'repeating' }))).toEqual(['durationPeriods']);
    expect(await post(percent('A', { duration: 'once', durationPeriods: 2 }))).toEqual(['durationPeriods']);
    expect(await post(percent('A', { duration: 'repeating', durationPeriods: 0 }))).toEqual([
      'durationPeriods',
    ]);
    expect(await post(percent('A', { duration: 'weekly' }))).toEqual(['duration']);
    expect(await post(percent('A', { currency: 'EUR' }))).toEqual(['currency']);
    const fixed = (amountOff: unknown, currency?: string) => ({
      code: 'F',
      name: 'f',
      amountOff,
      ...(currency ? { currency } : {}),
      duration: 'once',
    });
    expect(await post(fixed('5'))).toEqual(['currency']);
    expect(await post(fixed('5', 'ABC'))).toEqual(['currency']);
    expect(await post(fixed('5', 'eur'))).toEqual(['currency']);
    expect(await post(fixed('5.005', 'EUR'))).toEqual(['amountOff']);
    expect(await post(fixed('5.5', 'JPY'))).toEqual(['amountOff']);
    expect(await post(fixed('1e3', 'EUR'))).toEqual(['amountOff']);
    expect(await post(percent('cpn_01ABC'))).toEqual(['code']);
    expect(await post(percent('two words'))).toEqual(['code']);
    // Every bad field at once.
    expect(await post({ code: '', name: '', percentOff: 'x', duration: 'x', durationPeriods: 'x' })).toEqual([
      'code',
      'duration',
      'durationPeriods',
      'name',
      'percentOff',
    ]);
    expect(await post(percent('A', { unknown: true }))).toEqual(['unknown']);
    // Limits: a positive count, an instant in the future, plan keys that exist.
    expect(await post(percent('A', { maxRedemptions: 0 }))).toEqual(['maxRedemptions']);
    expect(await post(percent('A', { maxRedemptions: 1.5 }))).toEqual(['maxRedemptions']);
    expect(await post(percent('A', { redeemBy: '2020-01-01T00:00:00Z' }))).toEqual(['redeemBy']);
    expect(await post(percent('A', { redeemBy: 'tomorrow' }))).toEqual(['redeemBy']);
    expect(await post(percent('A', { plans: [] }))).toEqual(['plans']);
    expect(await post(percent('A', { plans: ['a', 'a'] }))).toEqual(['plans']);
    expect(await post(percent('A', { plans: ['no-such-plan'] }))).toEqual(['plans.0']);
    expect((await call('GET', '/v1/coupons')).body.data).toEqual([]);
  });
});

describe('discounts on subscriptions', () => {
  it('applies coupons from a period start, lists them and removes them', async () => {
    const { call } = await api.tenant();
    const { subscriptionId } = await subscribed(call);
    await call('POST', '/v1/coupons', percent('TEN', { percentOff: '10' }));
    const five = await call('POST', '/v1/coupons', {
      code: 'FIVE',
      name: '5 off',
      amountOff: '5.00',
      currency: 'EUR',
      duration: 'once',
    });

    // Default: the start of the period running now.
    const [current] = (await call('GET', `/v1/subscriptions/${subscriptionId}/periods`)).body.data;
    const ten = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, { coupon: 'TEN' });
    expect(ten.status).toBe(201);
    expect(ten.body).toEqual({
      id: expect.stringMatching(/^sdc_/),
      subscriptionId,
      coupon: expect.objectContaining({ code: 'TEN', percentOff: '10' }),
      appliesFrom: current.start,
      createdAt: expect.any(String),
      removedAt: null,
    });
    // By id; an instant inside a period means the next period (the invoicer discounts whole periods).
    const byId = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, {
      coupon: five.body.id,
      appliesFrom: '2026-03-15T12:00:00Z',
    });
    expect(byId.status).toBe(201);
    expect(byId.body.appliesFrom).toBe('2026-04-01T00:00:00.000Z');
    expect(byId.body.coupon.id).toBe(five.body.id);

    // The same coupon twice is a mistake.
    const twice = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, { coupon: 'TEN' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('COUPON_ALREADY_APPLIED');

    const list = await call('GET', `/v1/subscriptions/${subscriptionId}/discounts`);
    expect(list.body).toEqual({ data: [ten.body, byId.body], nextCursor: null });

    const removed = await call('DELETE', `/v1/subscriptions/${subscriptionId}/discounts/${ten.body.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.removedAt).toEqual(expect.any(String));
    const listed = (await call('GET', `/v1/subscriptions/${subscriptionId}/discounts`)).body.data;
    expect(listed[0]).toEqual(removed.body);
    // Removed, it can be applied again, from an exact period start.
    const back = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, {
      coupon: 'TEN',
      appliesFrom: '2027-01-01T00:00:00Z',
    });
    expect(back.status).toBe(201);
    expect(back.body.appliesFrom).toBe('2027-01-01T00:00:00.000Z');

    expect((await call('DELETE', `/v1/subscriptions/${subscriptionId}/discounts/sdc_nope`)).status).toBe(404);
    expect((await call('GET', '/v1/subscriptions/sub_nope/discounts')).status).toBe(404);
    expect((await call('POST', '/v1/subscriptions/sub_nope/discounts', { coupon: 'TEN' })).status).toBe(404);

    // Not started yet: from its start.
    const later = await subscribed(call, '2031-05-10T08:00:00Z');
    const early = await call('POST', `/v1/subscriptions/${later.subscriptionId}/discounts`, {
      coupon: 'TEN',
    });
    expect(early.body.appliesFrom).toBe('2031-05-10T08:00:00.000Z');
  });

  it("keeps to a coupon's limits: redemptions in all, a last day, and plans", async () => {
    const { call } = await api.tenant();
    const a = await subscribed(call);
    const b = await subscribed(call);
    const c = await subscribed(call);
    await call('POST', '/v1/plans', { key: 'other', name: 'Other' });
    await call('POST', '/v1/plans/other/versions', {
      currency: 'EUR',
      billingCadence: 'P1M',
      fixedFees: [{ key: 'platform', name: 'Platform fee', amount: '50.00', timing: 'in_arrears' }],
    });
    expect((await call('POST', '/v1/plans/other/versions/1/publish')).status).toBe(200);
    const otherCustomer = await call('POST', '/v1/customers', customerBody('on-other', { timeZone: 'UTC' }));
    const onOther = await call('POST', '/v1/subscriptions', {
      customerId: otherCustomer.body.id,
      plan: 'other',
      startAt: '2026-01-01T00:00:00Z',
    });
    expect(onOther.status).toBe(201);
    const apply = (subscriptionId: string, coupon: string) =>
      call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, { coupon });

    const created = await call(
      'POST',
      '/v1/coupons',
      percent('TWICE', { maxRedemptions: 2, redeemBy: '2099-01-01T00:00:00Z', plans: ['basic'] }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      maxRedemptions: 2,
      timesRedeemed: 0,
      redeemBy: '2099-01-01T00:00:00.000Z',
      plans: ['basic'],
    });
    // A removed application still counts: two in all.
    const first = await apply(a.subscriptionId, 'TWICE');
    expect(first.status).toBe(201);
    expect(first.body.coupon.timesRedeemed).toBe(1);
    await call('DELETE', `/v1/subscriptions/${a.subscriptionId}/discounts/${first.body.id}`);
    expect((await apply(b.subscriptionId, 'TWICE')).status).toBe(201);
    const third = await apply(c.subscriptionId, 'TWICE');
    expect([third.status, third.body.error.code]).toEqual([409, 'COUPON_REDEEMED_OUT']);
    expect(third.body.error.message).toContain('maxRedemptions 2');
    expect((await call('GET', '/v1/coupons/TWICE')).body.timesRedeemed).toBe(2);

    // Applications racing for the last redemption: exactly one gets it.
    await call('POST', '/v1/coupons', percent('ONCE', { maxRedemptions: 1 }));
    const subs = [a, b, c, await subscribed(call)];
    const raced = await Promise.all(subs.map((x) => apply(x.subscriptionId, 'ONCE')));
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);

    // Another plan: refused, saying which plans it is for.
    await call('POST', '/v1/coupons', percent('BASIC', { plans: ['basic'] }));
    const wrongPlan = await apply(onOther.body.id, 'BASIC');
    expect([wrongPlan.status, paths(wrongPlan)]).toEqual([400, ['coupon']]);
    expect(wrongPlan.body.error.details[0].message).toContain('is for plans basic');
    expect((await apply(a.subscriptionId, 'BASIC')).status).toBe(201);

    // Past its last day: refused; what was applied before keeps working.
    await api.db.pool.query(
      `UPDATE coupons SET redeem_by = now() - interval '1 minute' WHERE code = 'TWICE'`,
    );
    await call(
      'POST',
      '/v1/coupons',
      percent('LATE', { redeemBy: new Date(Date.now() + 60_000).toISOString() }),
    );
    await api.db.pool.query(`UPDATE coupons SET redeem_by = now() - interval '1 second' WHERE code = 'LATE'`);
    const late = await apply(c.subscriptionId, 'LATE');
    expect([late.status, paths(late)]).toEqual([400, ['coupon']]);
    expect(late.body.error.details[0].message).toContain('could be applied until');
    const kept = (await call('GET', `/v1/subscriptions/${b.subscriptionId}/discounts`)).body.data;
    expect(kept.find((d: { coupon: { code: string } }) => d.coupon.code === 'TWICE')).toMatchObject({
      removedAt: null,
    });
  });

  it('refuses unknown, archived and wrong-currency coupons and impossible dates, saying where', async () => {
    const { call } = await api.tenant();
    const { subscriptionId } = await subscribed(call, '2026-01-01T00:00:00Z', {
      endAt: '2026-06-15T00:00:00Z',
    });
    await call('POST', '/v1/coupons', percent('OLD'));
    await call('POST', '/v1/coupons', {
      code: 'USD5',
      name: '$5',
      amountOff: '5',
      currency: 'USD',
      duration: 'once',
    });
    await call('POST', '/v1/coupons', percent('OK'));
    const apply = async (body: Record<string, unknown>) => {
      const r = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, body);
      expect(r.status).toBe(400);
      return paths(r);
    };

    // Applied before it was archived: keeps working (listed, live); cannot be applied anew.
    const kept = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, {
      coupon: 'OLD',
      appliesFrom: '2026-02-01T00:00:00Z',
    });
    expect(kept.status).toBe(201);
    await call('DELETE', '/v1/coupons/OLD');
    const other = await subscribed(call);
    const archived = await call('POST', `/v1/subscriptions/${other.subscriptionId}/discounts`, {
      coupon: 'OLD',
    });
    expect(archived.status).toBe(400);
    expect(paths(archived)).toEqual(['coupon']);
    expect(archived.body.error.details[0].message).toContain('archived');
    const live = (await call('GET', `/v1/subscriptions/${subscriptionId}/discounts`)).body.data;
    expect(live).toEqual([expect.objectContaining({ id: kept.body.id, removedAt: null })]);

    const usd = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, {
      coupon: 'USD5',
      appliesFrom: '2026-02-01T00:00:00Z',
    });
    expect(paths(usd)).toEqual(['coupon']);
    expect(usd.body.error.details[0].message).toContain('EUR');
    expect(await apply({ coupon: 'NOPE', appliesFrom: '2026-02-01T00:00:00Z' })).toEqual(['coupon']);
    expect(await apply({ coupon: 'OK', appliesFrom: '2025-12-01T00:00:00Z' })).toEqual(['appliesFrom']);
    expect(await apply({ coupon: 'OK', appliesFrom: '2026-07-01T00:00:00Z' })).toEqual(['appliesFrom']);
    // Inside the last period: no period starts after it.
    expect(await apply({ coupon: 'OK', appliesFrom: '2026-06-10T00:00:00Z' })).toEqual(['appliesFrom']);
    expect(await apply({ coupon: 'OK', appliesFrom: 'tomorrow' })).toEqual(['appliesFrom']);
    expect(await apply({})).toEqual(['coupon']);
    expect(await apply({ coupon: 'NOPE', appliesFrom: '2025-01-01T00:00:00Z' })).toEqual([
      'appliesFrom',
      'coupon',
    ]);

    // Ended (its end is past): no current period to default to.
    const ended = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, { coupon: 'OK' });
    expect(ended.status).toBe(409);
    expect(ended.body.error.code).toBe('SUBSCRIPTION_ENDED');

    const canceled = await subscribed(call);
    await call('POST', `/v1/subscriptions/${canceled.subscriptionId}/cancel`, { at: 'now' });
    const refused = await call('POST', `/v1/subscriptions/${canceled.subscriptionId}/discounts`, {
      coupon: 'OK',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SUBSCRIPTION_CANCELED');
  });
});

describe('minimum commitments', () => {
  it('are set at creation or with PUT, in the plan currency, and removed with null', async () => {
    const { call } = await api.tenant();
    const { subscriptionId, sub } = await subscribed(call, '2026-01-01T00:00:00Z', {
      minimumCommitment: '100',
    });
    expect(sub.minimumCommitment).toBe('100.00');
    const plain = await subscribed(call);
    expect(plain.sub.minimumCommitment).toBeNull();

    const put = (body: unknown) =>
      call('PUT', `/v1/subscriptions/${subscriptionId}/minimum-commitment`, body);
    const set = await put({ amount: '250.5' });
    expect(set.status).toBe(200);
    expect(set.body.minimumCommitment).toBe('250.50');
    expect((await call('GET', `/v1/subscriptions/${subscriptionId}`)).body.minimumCommitment).toBe('250.50');
    const cleared = await put({ amount: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.minimumCommitment).toBeNull();

    for (const bad of [{}, { amount: '0' }, { amount: '-1' }, { amount: 12 }, { amount: '1.001' }]) {
      const r = await put(bad);
      expect(r.status).toBe(400);
      expect(paths(r)).toEqual(['amount']);
    }
    const c = await call('POST', '/v1/customers', customerBody('mc', { timeZone: 'UTC' }));
    for (const minimumCommitment of ['0', '10.005', 'ten']) {
      const r = await call('POST', '/v1/subscriptions', {
        customerId: c.body.id,
        plan: 'basic',
        minimumCommitment,
      });
      expect(r.status).toBe(400);
      expect(paths(r)).toEqual(['minimumCommitment']);
    }
    expect((await call('PUT', '/v1/subscriptions/sub_nope/minimum-commitment', { amount: '1' })).status).toBe(
      404,
    );
  });
});

describe('tenant isolation', () => {
  it("another tenant's coupons and discounts do not exist for you, and you cannot apply them", async () => {
    const a = await api.tenant();
    const b = await api.tenant();
    const mine = await subscribed(a.call);
    const coupon = await a.call('POST', '/v1/coupons', percent('SECRET'));
    const discount = await a.call('POST', `/v1/subscriptions/${mine.subscriptionId}/discounts`, {
      coupon: 'SECRET',
    });
    expect(discount.status).toBe(201);

    expect((await b.call('GET', `/v1/coupons/${coupon.body.id}`)).status).toBe(404);
    expect((await b.call('GET', '/v1/coupons/SECRET')).status).toBe(404);
    expect((await b.call('DELETE', `/v1/coupons/${coupon.body.id}`)).status).toBe(404);
    expect((await b.call('GET', '/v1/coupons')).body).toEqual({ data: [], nextCursor: null });
    expect((await b.call('GET', `/v1/subscriptions/${mine.subscriptionId}/discounts`)).status).toBe(404);
    expect(
      (await b.call('DELETE', `/v1/subscriptions/${mine.subscriptionId}/discounts/${discount.body.id}`))
        .status,
    ).toBe(404);
    expect(
      (await b.call('PUT', `/v1/subscriptions/${mine.subscriptionId}/minimum-commitment`, { amount: '1' }))
        .status,
    ).toBe(404);

    // b's subscription cannot take a's coupon, by code or id...
    const theirs = await subscribed(b.call);
    for (const ref of ['SECRET', coupon.body.id]) {
      const r = await b.call('POST', `/v1/subscriptions/${theirs.subscriptionId}/discounts`, { coupon: ref });
      expect(r.status).toBe(400);
      expect(paths(r)).toEqual(['coupon']);
    }
    // ...nor can b put its own coupon (same code: codes are per tenant) on a's subscription.
    expect((await b.call('POST', '/v1/coupons', percent('SECRET'))).status).toBe(201);
    expect(
      (await b.call('POST', `/v1/subscriptions/${mine.subscriptionId}/discounts`, { coupon: 'SECRET' }))
        .status,
    ).toBe(404);
    // a's discount is untouched.
    expect((await a.call('GET', `/v1/subscriptions/${mine.subscriptionId}/discounts`)).body.data).toEqual([
      discount.body,
    ]);
  });
});
