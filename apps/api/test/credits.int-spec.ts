import {
  closePeriod,
  computeInvoice,
  periodOfSubscriptionAt,
  voidInvoice,
  type Database,
  type InvoicingDeps,
  type SubscriptionRow,
} from '@mu/billing';
import { createKysely, locateFromRoot, runClickHouseMigrations, type Kysely } from '@mu/platform';
import { createTestClickHouse, type TestClickHouse } from '@mu/testing';
import { UsageWriter } from '@mu/usage';
import { customerBody, growthPlan, startApi, type Api, type Call } from './support';

let api: Api;
let ch: TestClickHouse;
let writer: UsageWriter;
let db: Kysely<Database>;
let token = 0;

beforeAll(async () => {
  ch = await createTestClickHouse();
  api = await startApi({ env: { CLICKHOUSE_DATABASE: ch.database } });
  await runClickHouseMigrations(ch.client, api.db.pool, locateFromRoot('db/clickhouse'), {
    database: ch.database,
  });
  writer = new UsageWriter(ch.client);
  db = createKysely<Database>(api.db.pool);
}, 60_000);
afterAll(async () => {
  await api.close();
  await ch.drop();
});

/** The fields at fault, each once. */
const paths = (r: { body: { error: { details: { path: string }[] } } }) =>
  [...new Set(r.body.error.details.map((d) => d.path))].sort();

async function customer(call: Call, key = 'acme') {
  const c = await call(
    'POST',
    '/v1/customers',
    customerBody(key, { timeZone: 'UTC', subjectKeys: [`${key}-prod`] }),
  );
  expect(c.status).toBe(201);
  return c.body.id as string;
}

/** The customer's usable credit in one currency, as the API answers it. */
const balances = async (call: Call, customerId: string, currency: string) =>
  (await call('GET', `/v1/customers/${customerId}/credit-balance?currency=${currency}`)).body.balances;

/** The payloads of the tenant's webhook events of one type, as enqueued. */
const webhooks = (tenantId: string, type: string) =>
  api.db.pool.query(`SELECT payload FROM webhook_events WHERE tenant_id = $1 AND type = $2`, [
    tenantId,
    type,
  ]);

const grant = (call: Call, customerId: string, body: Record<string, unknown>) =>
  call('POST', `/v1/customers/${customerId}/credit-grants`, { name: 'Prepaid', currency: 'EUR', ...body });

/** Tenant's growth plan (30.00 a month in arrears), a customer on it from January 2026, and what the invoicing functions take. */
async function onGrowthFromJanuary(tenantId: string, call: Call) {
  await growthPlan(call, { feeTiming: 'in_arrears', tiers: [{ upTo: null, unitAmount: '0.10' }] });
  const customerId = await customer(call);
  const s = await call('POST', '/v1/subscriptions', {
    customerId,
    plan: 'growth',
    startAt: '2026-01-01T00:00:00Z',
  });
  expect(s.status).toBe(201);
  const subscriptionId = s.body.id as string;
  const sub: SubscriptionRow = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', subscriptionId)
    .executeTakeFirstOrThrow();
  const deps: InvoicingDeps = { db, ch: ch.client };
  const periodAt = async (at: Date) => (await periodOfSubscriptionAt(db, tenantId, sub, at))!;
  return { customerId, subscriptionId, sub, deps, periodAt };
}

describe('credit grants', () => {
  it('grants credit, lists it with its status, sums the usable balance per currency, and voids', async () => {
    const { call } = await api.tenant();
    const customerId = await customer(call);
    const before = Date.now();
    const first = await grant(call, customerId, { name: 'Q4 prepaid', amount: '500' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^cgr_/),
      customerId,
      name: 'Q4 prepaid',
      currency: 'EUR',
      amount: '500.00',
      remaining: '500.00',
      effectiveAt: expect.any(String),
      expiresAt: null,
      voidedAt: null,
      status: 'active',
      applications: [],
      createdAt: expect.any(String),
    });
    expect(Date.parse(first.body.effectiveAt)).toBeGreaterThanOrEqual(before - 1000);
    const promo = await grant(call, customerId, {
      name: 'Promo',
      amount: '25.50',
      expiresAt: '2099-01-01T00:00:00Z',
    });
    const usd = await grant(call, customerId, { amount: '40', currency: 'USD' });
    const scheduled = await grant(call, customerId, { amount: '1000', effectiveAt: '2099-01-01T00:00:00Z' });
    const expired = await grant(call, customerId, {
      amount: '70',
      effectiveAt: '2026-01-01T00:00:00Z',
      expiresAt: '2026-02-01T00:00:00Z',
    });
    expect(scheduled.body.status).toBe('scheduled');
    expect(expired.body.status).toBe('expired');

    const balance = await call('GET', `/v1/customers/${customerId}/credit-balance`);
    expect(balance.status).toBe(200);
    // Not yet effective and expired grants do not count.
    expect(balance.body).toEqual({
      customerId,
      at: expect.any(String),
      balances: [
        { currency: 'EUR', available: '525.50' },
        { currency: 'USD', available: '40.00' },
      ],
    });
    expect(await balances(call, customerId, 'GBP')).toEqual([{ currency: 'GBP', available: '0.00' }]);

    const list = await call('GET', `/v1/customers/${customerId}/credit-grants`);
    expect(list.body.data.map((g: { id: string }) => g.id)).toEqual([
      first.body.id,
      promo.body.id,
      usd.body.id,
      scheduled.body.id,
      expired.body.id,
    ]);
    expect(
      (await call('GET', `/v1/customers/${customerId}/credit-grants?currency=USD`)).body.data.map(
        (g: { id: string }) => g.id,
      ),
    ).toEqual([usd.body.id]);
    const page = await call('GET', `/v1/customers/${customerId}/credit-grants?limit=2`);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.nextCursor).toBe(promo.body.id);
    expect((await call('GET', `/v1/credit-grants/${promo.body.id}`)).body).toEqual(promo.body);

    const voided = await call('POST', `/v1/credit-grants/${first.body.id}/void`);
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({
      status: 'voided',
      remaining: '500.00',
      voidedAt: expect.any(String),
    });
    const again = await call('POST', `/v1/credit-grants/${first.body.id}/void`);
    expect(again.body.voidedAt).toBe(voided.body.voidedAt);
    expect(await balances(call, customerId, 'EUR')).toEqual([{ currency: 'EUR', available: '25.50' }]);

    expect((await call('GET', '/v1/credit-grants/cgr_nope')).status).toBe(404);
    expect((await call('POST', '/v1/credit-grants/cgr_nope/void')).status).toBe(404);
    expect((await grant(call, 'cus_nope', { amount: '1' })).status).toBe(404);
    expect((await call('GET', '/v1/customers/cus_nope/credit-grants')).status).toBe(404);
    expect((await call('GET', '/v1/customers/cus_nope/credit-balance')).status).toBe(404);
  });

  it('says what is wrong with a grant, field by field', async () => {
    const { call } = await api.tenant();
    const customerId = await customer(call);
    const post = async (body: Record<string, unknown>) => {
      const r = await grant(call, customerId, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      return paths(r);
    };
    expect(await post({ amount: '0' })).toEqual(['amount']);
    expect(await post({ amount: '-5' })).toEqual(['amount']);
    expect(await post({ amount: 12.5 })).toEqual(['amount']);
    expect(await post({ amount: '10.005' })).toEqual(['amount']);
    expect(await post({ amount: '10.5', currency: 'JPY' })).toEqual(['amount']);
    expect(await post({ amount: '10', currency: 'ABC' })).toEqual(['currency']);
    expect(await post({ amount: '10', name: '' })).toEqual(['name']);
    expect(await post({ amount: '10', expiresAt: 'soon' })).toEqual(['expiresAt']);
    expect(
      await post({ amount: '10', effectiveAt: '2026-05-01T00:00:00Z', expiresAt: '2026-04-01T00:00:00Z' }),
    ).toEqual(['expiresAt']);
    expect(await post({ amount: 'x', currency: 'x', name: 7, effectiveAt: 'x' })).toEqual([
      'amount',
      'currency',
      'effectiveAt',
      'name',
    ]);
    const bad = await call('GET', `/v1/customers/${customerId}/credit-balance?currency=ABC`);
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['currency']);
    expect((await call('GET', `/v1/customers/${customerId}/credit-grants`)).body.data).toEqual([]);
  });

  it("keeps tenants apart: another tenant's grants and customers do not exist for you", async () => {
    const a = await api.tenant();
    const b = await api.tenant();
    const customerId = await customer(a.call);
    const g = await grant(a.call, customerId, { amount: '100' });
    expect(g.status).toBe(201);
    expect((await b.call('GET', `/v1/credit-grants/${g.body.id}`)).status).toBe(404);
    expect((await b.call('POST', `/v1/credit-grants/${g.body.id}/void`)).status).toBe(404);
    expect((await grant(b.call, customerId, { amount: '1' })).status).toBe(404);
    expect((await b.call('GET', `/v1/customers/${customerId}/credit-grants`)).status).toBe(404);
    expect((await b.call('GET', `/v1/customers/${customerId}/credit-balance`)).status).toBe(404);
    const own = await customer(b.call);
    expect((await b.call('GET', `/v1/customers/${own}/credit-grants`)).body).toEqual({
      data: [],
      nextCursor: null,
    });
    expect((await b.call('GET', `/v1/customers/${own}/credit-balance`)).body.balances).toEqual([]);
    // a's grant is untouched.
    expect((await a.call('GET', `/v1/credit-grants/${g.body.id}`)).body).toMatchObject({
      status: 'active',
      remaining: '100.00',
    });
  });
});

describe('on the invoice: minimum commitment, coupons and prepaid credit', () => {
  it('true-up, then discounts in the order applied, then credit soonest-expiring first, spent at finalization', async () => {
    const { tenantId, call } = await api.tenant();
    const meterId = await growthPlan(call, {
      feeTiming: 'in_arrears',
      tiers: [{ upTo: null, unitAmount: '0.10' }],
    });
    const customerId = await customer(call);
    const s = await call('POST', '/v1/subscriptions', {
      customerId,
      plan: 'growth',
      startAt: '2026-01-01T00:00:00Z',
      minimumCommitment: '100',
    });
    expect(s.status).toBe(201);
    const subscriptionId = s.body.id as string;

    // 50 calls in January (5.00, one sent twice), none later.
    token += 1;
    const row = (i: number) => ({
      tenant_id: tenantId,
      meter_id: meterId,
      subject: 'acme-prod',
      time: '2026-01-10 10:00:00.000',
      source: 'src',
      event_id: `jan-${i}`,
      value: '1',
      unique_value: '',
      dimensions: {},
    });
    await writer.insert(
      'meter_values',
      Array.from({ length: 50 }, (_, i) => row(i)),
      `credits-${token}`,
    );
    await writer.insert('meter_values', [row(7)], `credits-${token}-again`);

    // 10 % forever, then 5.00 once; FIVE is archived after it was applied and keeps working.
    await call('POST', '/v1/coupons', { code: 'TEN', name: 'Ten', percentOff: '10', duration: 'forever' });
    await call('POST', '/v1/coupons', {
      code: 'FIVE',
      name: 'Five',
      amountOff: '5',
      currency: 'EUR',
      duration: 'once',
    });
    const apply = (coupon: string) =>
      call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, {
        coupon,
        appliesFrom: '2026-01-01T00:00:00Z',
      });
    const ten = await apply('TEN');
    expect(ten.status).toBe(201);
    expect((await apply('FIVE')).status).toBe(201);
    await call('DELETE', '/v1/coupons/FIVE');

    // Created first but never expiring: spent after the one that expires.
    const later = await grant(call, customerId, {
      name: 'Later',
      amount: '100',
      effectiveAt: '2025-12-01T00:00:00Z',
    });
    const soon = await grant(call, customerId, {
      name: 'Soon',
      amount: '30',
      effectiveAt: '2025-12-01T00:00:00Z',
      expiresAt: '2099-01-01T00:00:00Z',
    });
    // None of these pays January: another currency, voided, effective only after the period.
    await grant(call, customerId, { amount: '50', currency: 'USD', effectiveAt: '2025-12-01T00:00:00Z' });
    const gone = await grant(call, customerId, { amount: '20', effectiveAt: '2025-12-01T00:00:00Z' });
    await call('POST', `/v1/credit-grants/${gone.body.id}/void`);
    await grant(call, customerId, { amount: '40', effectiveAt: '2026-03-15T00:00:00Z' });

    const deps: InvoicingDeps = { db, ch: ch.client };
    const sub = async (): Promise<SubscriptionRow> =>
      db
        .selectFrom('subscriptions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', subscriptionId)
        .executeTakeFirstOrThrow();
    const periodAt = async (at: string) =>
      (await periodOfSubscriptionAt(db, tenantId, await sub(), new Date(at)))!;

    // January: 5.00 usage + 30.00 fee = 35.00, 65.00 short of the minimum; 10 % of 100.00, then 5.00.
    const jan = await computeInvoice(deps, tenantId, await sub(), await periodAt('2026-01-15T00:00:00Z'));
    expect(jan.lines.map((l) => [l.type, l.chargeKey, l.amount])).toEqual([
      ['usage', 'calls', '5.00'],
      ['fixed', 'platform', '30.00'],
      ['true_up', 'minimum_commitment', '65.00'],
      ['discount', 'TEN', '-10.00'],
      ['discount', 'FIVE', '-5.00'],
    ]);
    // No tax configured; the credit covers the whole total, not more.
    expect(jan).toMatchObject({
      subtotal: '85.00',
      taxTotal: '0.00',
      total: '85.00',
      creditsApplied: '85.00',
      amountDue: '0.00',
    });

    // Finalizing spends it: "Soon" first (it expires), then 55.00 of "Later".
    const closed = await closePeriod(
      deps,
      tenantId,
      await sub(),
      await periodAt('2026-01-15T00:00:00Z'),
      new Date('2026-02-05T00:00:00Z'),
    );
    expect(closed.action).toBe('finalized');
    const invoice = closed.invoice!;
    expect(invoice).toMatchObject({ total: '85.00', credits_applied: '85.00', amount_due: '0.00' });
    const grants = (await call('GET', `/v1/customers/${customerId}/credit-grants?currency=EUR`)).body.data;
    const byId = new Map(grants.map((g: { id: string }) => [g.id, g]));
    expect(byId.get(soon.body.id)).toMatchObject({
      remaining: '0.00',
      status: 'depleted',
      applications: [
        {
          invoiceId: invoice.id,
          invoiceNumber: invoice.number,
          amount: '30.00',
          createdAt: expect.any(String),
        },
      ],
    });
    expect(byId.get(later.body.id)).toMatchObject({
      remaining: '45.00',
      status: 'active',
      applications: [
        {
          invoiceId: invoice.id,
          invoiceNumber: invoice.number,
          amount: '55.00',
          createdAt: expect.any(String),
        },
      ],
    });
    expect((await call('GET', `/v1/credit-grants/${gone.body.id}`)).body.applications).toEqual([]);
    expect(await balances(call, customerId, 'EUR')).toEqual([
      { currency: 'EUR', available: '85.00' }, // "Later" 45.00 and the March grant 40.00, both usable now
    ]);

    // February: no usage, so the true-up is 70.00; FIVE was for one period and is used up. Of
    // the credit, only what is left of "Later" is usable at February's end (not the March grant).
    const feb = await computeInvoice(deps, tenantId, await sub(), await periodAt('2026-02-15T00:00:00Z'));
    expect(feb.lines.map((l) => [l.type, l.chargeKey, l.amount])).toEqual([
      ['usage', 'calls', '0.00'],
      ['fixed', 'platform', '30.00'],
      ['true_up', 'minimum_commitment', '70.00'],
      ['discount', 'TEN', '-10.00'],
    ]);
    expect(feb).toMatchObject({ subtotal: '90.00', creditsApplied: '45.00', amountDue: '45.00' });

    // The running period, through the API.
    const upcoming = await call('GET', `/v1/customers/${customerId}/upcoming-invoice`);
    expect(upcoming.status).toBe(200);
    expect(
      upcoming.body.lines
        .filter((l: { type: string }) => l.type !== 'usage')
        .map((l: { type: string; amount: string }) => [l.type, l.amount]),
    ).toEqual([
      ['fixed', '30.00'],
      ['true_up', '70.00'],
      ['discount', '-10.00'],
    ]);
    expect(upcoming.body).toMatchObject({ total: '90.00', creditsApplied: '85.00', amountDue: '5.00' });

    // Removing the coupon and voiding the grant change what comes next (the running period), not
    // the finalized invoice nor periods that ended while the coupon was in force.
    await call('DELETE', `/v1/subscriptions/${subscriptionId}/discounts/${ten.body.id}`);
    await call('POST', `/v1/credit-grants/${later.body.id}/void`);
    const after = await computeInvoice(deps, tenantId, await sub(), await periodAt(new Date().toISOString()));
    expect(after.lines.filter((l) => l.type === 'discount')).toEqual([]);
    // Only the other grant's 40.00 is left to spend.
    expect(after).toMatchObject({ subtotal: '100.00', creditsApplied: '40.00', amountDue: '60.00' });
    const janNow = await call('GET', `/v1/invoices/${invoice.id}`);
    expect(
      janNow.body.lines
        .filter((l: { type: string }) => l.type === 'discount')
        .map((l: { chargeKey: string; amount: string }) => [l.chargeKey, l.amount]),
    ).toEqual([
      ['TEN', '-10.00'],
      ['FIVE', '-5.00'],
    ]);
    expect(janNow.body).toMatchObject({ creditsApplied: '85.00', amountDue: '0.00' });
    // Spent stays spent.
    expect((await call('GET', `/v1/credit-grants/${later.body.id}`)).body).toMatchObject({
      status: 'voided',
      remaining: '45.00',
      applications: [expect.objectContaining({ invoiceId: invoice.id, amount: '55.00' })],
    });
  }, 60_000);

  it("discounts only the periods that start on one of a coupon's plans", async () => {
    const { tenantId, call } = await api.tenant();
    const { subscriptionId, sub, deps, periodAt } = await onGrowthFromJanuary(tenantId, call);
    await call('POST', '/v1/plans', { key: 'other', name: 'Other' });
    const other = await call('POST', '/v1/plans/other/versions', {
      currency: 'EUR',
      billingCadence: 'P1M',
      fixedFees: [{ key: 'platform', name: 'Platform fee', amount: '50.00', timing: 'in_arrears' }],
    });
    expect((await call('POST', '/v1/plans/other/versions/1/publish')).status).toBe(200);
    await call('POST', '/v1/coupons', {
      code: 'GROWTH10',
      name: 'Growth 10 %',
      percentOff: '10',
      duration: 'repeating',
      durationPeriods: 3,
      plans: ['growth'],
    });
    const applied = await call('POST', `/v1/subscriptions/${subscriptionId}/discounts`, {
      coupon: 'GROWTH10',
      appliesFrom: '2026-01-01T00:00:00Z',
    });
    expect(applied.status).toBe(201);
    // On "other" for February only, back on "growth" from March.
    const feb = new Date('2026-02-01T00:00:00Z');
    const mar = new Date('2026-03-01T00:00:00Z');
    const growthVersion = (
      await api.db.pool.query(`SELECT plan_version_id FROM subscription_phases WHERE subscription_id = $1`, [
        subscriptionId,
      ])
    ).rows[0].plan_version_id;
    await api.db.pool.query(`UPDATE subscription_phases SET end_at = $1 WHERE subscription_id = $2`, [
      feb,
      subscriptionId,
    ]);
    await api.db.pool.query(
      `INSERT INTO subscription_phases (id, tenant_id, subscription_id, plan_version_id, start_at, end_at, reason)
       VALUES ($1, $2, $3, $4, $5, $6, 'change'), ($7, $2, $3, $8, $6, NULL, 'change')`,
      [
        `sph_o${subscriptionId.slice(4)}`,
        tenantId,
        subscriptionId,
        other.body.id,
        feb,
        mar,
        `sph_g${subscriptionId.slice(4)}`,
        growthVersion,
      ],
    );
    const discounts = async (at: string) => {
      const inv = await computeInvoice(deps, tenantId, sub, await periodAt(new Date(at)));
      return inv.lines.filter((l) => l.type === 'discount').map((l) => l.amount);
    };
    expect(await discounts('2026-01-15T00:00:00Z')).toEqual(['-3.00']);
    // February is on another plan: no discount, and it still uses up one of the three periods.
    expect(await discounts('2026-02-15T00:00:00Z')).toEqual([]);
    expect(await discounts('2026-03-15T00:00:00Z')).toEqual(['-3.00']);
    expect(await discounts('2026-04-15T00:00:00Z')).toEqual([]);
  }, 60_000);

  it('gives the credit a voided invoice spent back to its grants, and the regenerated invoice spends it again', async () => {
    const { tenantId, call } = await api.tenant();
    const { customerId, sub, deps, periodAt } = await onGrowthFromJanuary(tenantId, call);
    // Usable at January's end; expired by the time of the void.
    const soon = await grant(call, customerId, {
      name: 'Soon',
      amount: '10',
      effectiveAt: '2025-12-01T00:00:00Z',
      expiresAt: '2026-02-10T00:00:00Z',
    });
    const later = await grant(call, customerId, {
      name: 'Later',
      amount: '100',
      effectiveAt: '2025-12-01T00:00:00Z',
    });
    const jan = await periodAt(new Date('2026-01-15T00:00:00Z'));
    const closed = await closePeriod(deps, tenantId, sub, jan, new Date('2026-02-05T00:00:00Z'));
    const invoice = closed.invoice!;
    // The 30.00 fee, all prepaid: "Soon" first (it expires), then 20.00 of "Later".
    expect(invoice).toMatchObject({ status: 'finalized', total: '30.00', credits_applied: '30.00' });

    const voided = await call('POST', `/v1/invoices/${invoice.id}/void`, { reason: 'wrong plan' });
    expect(voided.status).toBe(200);
    // The invoice keeps what it had applied; the grants have it back, the spends marked reinstated.
    expect(voided.body).toMatchObject({ status: 'void', creditsApplied: '30.00' });
    const grantNow = async (id: string) => (await call('GET', `/v1/credit-grants/${id}`)).body;
    expect(await grantNow(soon.body.id)).toMatchObject({
      remaining: '10.00',
      status: 'expired',
      applications: [{ invoiceId: invoice.id, amount: '10.00', reinstatedAt: expect.any(String) }],
    });
    expect(await grantNow(later.body.id)).toMatchObject({
      remaining: '100.00',
      status: 'active',
      applications: [{ invoiceId: invoice.id, amount: '20.00', reinstatedAt: expect.any(String) }],
    });
    // Only what is usable now counts in the balance: the expired grant's 10.00 is not.
    expect(await balances(call, customerId, 'EUR')).toEqual([{ currency: 'EUR', available: '100.00' }]);
    const event = await webhooks(tenantId, 'invoice.voided');
    expect(event.rows[0].payload).toMatchObject({ invoiceId: invoice.id, creditsReinstated: '30.00' });

    // The period billed again: both grants were usable at its end, so the same credit pays it.
    const regen = await call('POST', `/v1/invoices/${invoice.id}/regenerate`);
    expect(regen.status).toBe(201);
    expect(regen.body).toMatchObject({
      status: 'draft',
      total: '30.00',
      creditsApplied: '30.00',
      amountDue: '0.00',
    });
    const final = await call('POST', `/v1/invoices/${regen.body.id}/finalize`);
    expect(final.body).toMatchObject({ status: 'finalized', creditsApplied: '30.00', amountDue: '0.00' });
    expect((await grantNow(soon.body.id)).remaining).toBe('0.00');
    expect((await grantNow(later.body.id)).applications).toEqual([
      expect.objectContaining({ invoiceId: invoice.id, amount: '20.00', reinstatedAt: expect.any(String) }),
      expect.objectContaining({ invoiceId: regen.body.id, amount: '20.00', reinstatedAt: null }),
    ]);
    // The ledger and the balances agree: remaining = amount - what stays spent.
    const ledger = await api.db.pool.query(
      `SELECT g.remaining::text AS remaining,
              (g.amount - COALESCE(SUM(a.amount) FILTER (WHERE a.reinstated_at IS NULL), 0))::text AS expected
         FROM credit_grants g LEFT JOIN credit_grant_applications a ON a.grant_id = g.id
        WHERE g.tenant_id = $1 GROUP BY g.id`,
      [tenantId],
    );
    for (const r of ledger.rows) expect(Number(r.remaining)).toBe(Number(r.expected));
    expect(ledger.rows).toHaveLength(2);
  }, 60_000);

  it("credits a paid invoice's credit note to the customer's balance, which the next invoice spends", async () => {
    const { tenantId, call } = await api.tenant();
    const { customerId, sub, deps, periodAt } = await onGrowthFromJanuary(tenantId, call);
    const jan = await periodAt(new Date('2026-01-15T00:00:00Z'));
    const invoice = (await closePeriod(deps, tenantId, sub, jan, new Date('2026-02-05T00:00:00Z'))).invoice!;
    expect(invoice).toMatchObject({ status: 'finalized', total: '30.00', credits_applied: '0.00' });
    const fee = (await call('GET', `/v1/invoices/${invoice.id}`)).body.lines.find(
      (l: { type: string }) => l.type === 'fixed',
    );
    const body = {
      reason: 'outage',
      lines: [{ invoiceLineId: fee.id, amount: '12.50' }],
      creditTo: 'balance',
    };

    // Unpaid, the credit note already lowers what is due: credit on top would pay twice.
    const unpaid = await call('POST', `/v1/invoices/${invoice.id}/credit-notes`, body);
    expect(unpaid.status).toBe(409);
    expect(unpaid.body.error).toMatchObject({ code: 'INVOICE_STATE' });
    expect(unpaid.body.error.message).toMatch(/balance is only for paid invoices/);
    const wrong = await call('POST', `/v1/invoices/${invoice.id}/credit-notes`, {
      ...body,
      creditTo: 'cash',
    });
    expect(wrong.status).toBe(400);
    expect(paths(wrong)).toEqual(['creditTo']);
    expect((await call('GET', `/v1/credit-notes?invoice=${invoice.id}`)).body.data).toEqual([]);

    expect((await call('POST', `/v1/invoices/${invoice.id}/mark-paid`)).status).toBe(200);
    const cn = await call('POST', `/v1/invoices/${invoice.id}/credit-notes`, body);
    expect(cn.status).toBe(201);
    expect(cn.body).toMatchObject({ total: '12.50', creditGrantId: expect.stringMatching(/^cgr_/) });
    const granted = (await call('GET', `/v1/credit-grants/${cn.body.creditGrantId}`)).body;
    expect(granted).toMatchObject({
      customerId,
      name: `Credit note ${cn.body.number}`,
      currency: 'EUR',
      amount: '12.50',
      remaining: '12.50',
      expiresAt: null,
      status: 'active',
    });
    expect(await balances(call, customerId, 'EUR')).toEqual([{ currency: 'EUR', available: '12.50' }]);
    const event = await webhooks(tenantId, 'credit_note.created');
    expect(event.rows[0].payload.creditNote).toMatchObject({ id: cn.body.id, creditGrantId: granted.id });
    // A credit note without creditTo gives nothing back, as before.
    const plain = await call('POST', `/v1/invoices/${invoice.id}/credit-notes`, {
      reason: 'goodwill',
      lines: [{ invoiceLineId: fee.id, amount: '1.00' }],
    });
    expect(plain.body).toMatchObject({ total: '1.00', creditGrantId: null });

    // The grant is usable from now on, so the next period that ends after now spends it: its
    // 30.00 is paid with the 12.50 first.
    const coming = await periodAt(new Date(Date.now() + 40 * 86_400_000));
    const closeAt = new Date(Date.parse(coming.end) + 5 * 86_400_000);
    const next = (await closePeriod(deps, tenantId, sub, coming, closeAt)).invoice!;
    expect(next).toMatchObject({ status: 'finalized', total: '30.00', credits_applied: '12.50' });
    expect((await call('GET', `/v1/credit-grants/${granted.id}`)).body).toMatchObject({
      remaining: '0.00',
      applications: [{ invoiceId: next.id, amount: '12.50', reinstatedAt: null }],
    });
  }, 60_000);

  it('voids and finalizations spending the same grants at once keep the ledger exact', async () => {
    const { tenantId, call } = await api.tenant();
    const { customerId, sub, deps, periodAt } = await onGrowthFromJanuary(tenantId, call);
    await grant(call, customerId, { name: 'A', amount: '40', effectiveAt: '2025-12-01T00:00:00Z' });
    await grant(call, customerId, {
      name: 'B',
      amount: '40',
      effectiveAt: '2025-12-01T00:00:00Z',
      expiresAt: '2099-01-01T00:00:00Z',
    });
    const close = async (month: number) => {
      const period = await periodAt(new Date(Date.UTC(2026, month - 1, 15)));
      return closePeriod(deps, tenantId, sub, period, new Date(Date.UTC(2026, month, 5)));
    };
    // Each round voids one month's invoice while the next month's is finalized: both lock the
    // same two grants, in one order (the finalization may or may not see the credit given back).
    let previous = (await close(1)).invoice!;
    for (let month = 2; month <= 4; month++) {
      const [, next] = await Promise.all([
        voidInvoice(db, tenantId, previous.id, { reason: `round ${month}` }),
        close(month),
      ]);
      expect(next.action).toBe('finalized');
      previous = next.invoice!;
    }
    // What stays spent is exactly what the live invoices applied, and each grant agrees with its ledger.
    const { rows } = await api.db.pool.query(
      `SELECT
         (SELECT COALESCE(SUM(credits_applied), 0) FROM invoices WHERE tenant_id = $1 AND status <> 'void')::text AS applied,
         (SELECT COALESCE(SUM(amount), 0) FROM credit_grant_applications WHERE tenant_id = $1 AND reinstated_at IS NULL)::text AS spent,
         (SELECT SUM(remaining) FROM credit_grants WHERE tenant_id = $1)::text AS remaining`,
      [tenantId],
    );
    expect(Number(rows[0].applied)).toBe(Number(rows[0].spent));
    expect(Number(rows[0].remaining)).toBe(80 - Number(rows[0].spent));
    expect(Number(rows[0].spent)).toBe(30); // one live invoice (April's), 30.00, all prepaid
  }, 60_000);
});
