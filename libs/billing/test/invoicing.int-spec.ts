import {
  closePeriod,
  computeInvoice,
  periodOfSubscriptionAt,
  periodsOfSubscription,
  type Database,
  type InvoicingDeps,
  type SubscriptionRow,
  PeriodCloser,
} from '../src';
import {
  createKysely,
  createTenantWithKey,
  locateFromRoot,
  runClickHouseMigrations,
  runPostgresMigrations,
} from '@mu/platform';
import {
  createTestClickHouse,
  createTestDatabase,
  requireServices,
  seedMeters,
  seedPlanVersion,
  seedSubscription,
  uniqueId,
  type TestClickHouse,
  type TestDatabase,
} from '@mu/testing';
import { UsageWriter } from '@mu/usage';

let db: TestDatabase;
let ch: TestClickHouse;
let writer: UsageWriter;
let deps: InvoicingDeps;
let token = 0;

beforeAll(async () => {
  await requireServices('postgres', 'clickhouse');
  db = await createTestDatabase();
  await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
  ch = await createTestClickHouse();
  await runClickHouseMigrations(ch.client, db.pool, locateFromRoot('db/clickhouse'), {
    database: ch.database,
  });
  writer = new UsageWriter(ch.client);
  deps = { db: createKysely<Database>(db.pool), ch: ch.client };
}, 60_000);
afterAll(async () => {
  await ch.drop();
  await db.drop();
});

const OCT = new Date('2026-10-01T00:00:00Z');
const NOV = new Date('2026-11-01T00:00:00Z');
const DEC = new Date('2026-12-01T00:00:00Z');
const silent = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  error: () => undefined,
} as never;

/** A tenant with a `calls` meter (count) on a plan: 0.01 per call after 100 free, 20.00 a month in advance. */
async function tenant(grace = 24) {
  const { tenantId } = await createTenantWithKey(db.pool, uniqueId('inv'));
  await db.pool.query(`INSERT INTO tenant_billing_settings (tenant_id, grace_period_hours) VALUES ($1, $2)`, [
    tenantId,
    grace,
  ]);
  const meters = await seedMeters(db.pool, tenantId, [{ key: 'calls', aggregation: 'count' }]);
  const versionId = await seedPlanVersion(db.pool, tenantId, meters, {
    charges: [
      {
        key: 'calls',
        name: 'API calls',
        meter: 'calls',
        price: {
          currency: 'EUR',
          model: 'graduated',
          tiers: [
            { upTo: '100', unitAmount: '0' },
            { upTo: null, unitAmount: '0.01' },
          ],
        },
      },
    ],
    fixedFees: [{ key: 'platform', name: 'Platform', amount: '20.00', timing: 'in_advance' }],
  });
  return { tenantId, meterId: meters.calls!, versionId };
}

async function calls(
  tenantId: string,
  meterId: string,
  subject: string,
  at: string,
  n: number,
  prefix: string,
) {
  token += 1;
  await writer.insert(
    'meter_values',
    Array.from({ length: n }, (_, i) => ({
      tenant_id: tenantId,
      meter_id: meterId,
      subject,
      time: at.replace('T', ' ').replace('Z', ''),
      source: 'src',
      event_id: `${prefix}-${i}`,
      value: '1',
      unique_value: '',
      dimensions: {},
    })),
    `inv-test-${token}-${Date.now()}`,
  );
}

async function sub(tenantId: string, id: string): Promise<SubscriptionRow> {
  return deps.db
    .selectFrom('subscriptions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function invoices(tenantId: string) {
  const rows = await deps.db
    .selectFrom('invoices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('period_start')
    .orderBy('created_at')
    .execute();
  const lines = await deps.db
    .selectFrom('invoice_lines')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({ ...r, lines: lines.filter((l) => l.invoice_id === r.id) }));
}

describe('period close (real Postgres and ClickHouse)', () => {
  it('drafts at period end, refreshes the draft with late usage during grace, then finalizes with a number', async () => {
    const t = await tenant(24);
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
    await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-10-10T10:00:00Z', 150, 'a');
    const s = await sub(t.tenantId, c.subscriptionId);
    const oct = (await periodOfSubscriptionAt(deps.db, t.tenantId, s, OCT))!;

    // One hour after the period: a draft.
    const r1 = await closePeriod(deps, t.tenantId, s, oct, new Date('2026-11-01T01:00:00Z'));
    expect(r1.action).toBe('created');
    expect(r1.invoice).toMatchObject({ status: 'draft', number: null, subtotal: '40.50', total: '40.50' });
    // 50 billable calls = 0.50; the first period pays its own platform fee and the next one's in advance.
    let [inv] = await invoices(t.tenantId);
    expect(inv!.lines.map((l) => [l.type, l.charge_key, l.quantity, l.amount])).toEqual([
      ['usage', 'calls', '150', '0.50'],
      ['fixed', 'platform', '1', '20.00'],
      ['fixed', 'platform', '1', '20.00'],
    ]);
    expect(inv!.lines[2]!.period_start.toISOString()).toBe(NOV.toISOString());

    // A late event during grace: the draft follows.
    await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-10-31T23:59:59Z', 10, 'late');
    const r2 = await closePeriod(deps, t.tenantId, s, oct, new Date('2026-11-01T12:00:00Z'));
    expect(r2.action).toBe('refreshed');
    expect(r2.invoice).toMatchObject({ status: 'draft', subtotal: '40.60' });

    // After grace: finalized, numbered, due in 30 days; a later close leaves it alone.
    const r3 = await closePeriod(deps, t.tenantId, s, oct, new Date('2026-11-02T00:00:00Z'));
    expect(r3.action).toBe('finalized');
    expect(r3.invoice).toMatchObject({ status: 'finalized', number: 'MU-2026-000001', total: '40.60' });
    expect(r3.invoice!.due_at!.toISOString()).toBe('2026-12-02T00:00:00.000Z');
    const r4 = await closePeriod(deps, t.tenantId, s, oct, new Date('2026-11-03T00:00:00Z'));
    expect(r4.action).toBe('unchanged');
    [inv] = await invoices(t.tenantId);
    expect(inv!.lines).toHaveLength(3);

    // The webhooks went out with it (outbox).
    const { rows } = await db.pool.query(
      `SELECT type FROM webhook_events WHERE tenant_id = $1 ORDER BY created_at`,
      [t.tenantId],
    );
    expect(rows.map((r) => r.type)).toEqual(['invoice.created', 'invoice.finalized']);

    // The database refuses any change to the finalized invoice, whoever asks.
    await expect(db.pool.query(`UPDATE invoices SET total = 1 WHERE id = $1`, [inv!.id])).rejects.toThrow(
      /cannot be changed/,
    );
    await expect(
      db.pool.query(`UPDATE invoice_lines SET amount = 0 WHERE invoice_id = $1`, [inv!.id]),
    ).rejects.toThrow(/cannot be changed/);
    await expect(db.pool.query(`DELETE FROM invoices WHERE id = $1`, [inv!.id])).rejects.toThrow(
      /cannot be deleted/,
    );
    await db.pool.query(`UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`, [inv!.id]);
    await expect(
      db.pool.query(`UPDATE invoices SET status = 'finalized' WHERE id = $1`, [inv!.id]),
    ).rejects.toThrow(/cannot be changed/);
  });

  it('bills usage that arrives after finalization as an adjustment on the next invoice, naming its period', async () => {
    const t = await tenant(0);
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
    const subject = c.subjects[0]!;
    await calls(t.tenantId, t.meterId, subject, '2026-10-05T00:00:00Z', 120, 'oct');
    const s = await sub(t.tenantId, c.subscriptionId);
    const [oct, nov] = await periodsOfSubscription(deps.db, t.tenantId, s, OCT, DEC);
    const first = await closePeriod(deps, t.tenantId, s, oct!, new Date('2026-11-01T00:00:00Z'));
    expect(first.invoice).toMatchObject({ status: 'finalized', subtotal: '40.20' });

    // 30 more October calls after its invoice was issued, and November's own.
    await calls(t.tenantId, t.meterId, subject, '2026-10-20T00:00:00Z', 30, 'oct-late');
    await calls(t.tenantId, t.meterId, subject, '2026-11-05T00:00:00Z', 101, 'nov');
    const second = await closePeriod(deps, t.tenantId, s, nov!, new Date('2026-12-01T00:00:00Z'));
    expect(second.invoice).toMatchObject({ status: 'finalized', number: 'MU-2026-000002' });
    const [, novInvoice] = await invoices(t.tenantId);
    const adj = novInvoice!.lines.find((l) => l.type === 'adjustment')!;
    expect(adj).toMatchObject({
      charge_key: 'calls',
      quantity: '30',
      amount: '0.30',
      adjusts_invoice_id: first.invoice!.id,
    });
    expect(adj.period_start.toISOString()).toBe(OCT.toISOString());
    expect(adj.description).toContain('2026-10-01');
    expect(adj.description).toContain('MU-2026-000001');
    // 101 November calls = 0.01, the December fee in advance, and the adjustment.
    expect(novInvoice!.subtotal).toBe('20.31');
    // Recomputing October's invoice now shows the late usage, and nothing is billed twice:
    // a later invoice sees the adjustment already made.
    const dec = (await periodOfSubscriptionAt(deps.db, t.tenantId, s, DEC))!;
    const preview = await computeInvoice(deps, t.tenantId, s, dec, { through: DEC });
    expect(preview.lines.filter((l) => l.type === 'adjustment')).toEqual([]);
  });

  it('prorates the fixed fee of a subscription that starts and ends mid-period', async () => {
    const t = await tenant(0);
    // 16 days of a 30-day November (Nov 15 -> Dec 1), then canceled on Dec 11 (10 of 31 days).
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, new Date('2026-11-15T00:00:00Z'), {
      end: new Date('2026-12-11T00:00:00Z'),
    });
    const s = await sub(t.tenantId, c.subscriptionId);
    const [nov, dec] = await periodsOfSubscription(
      deps.db,
      t.tenantId,
      s,
      NOV,
      new Date('2027-01-01T00:00:00Z'),
    );
    expect(nov!.partial).toBe(true);
    expect(nov!.fraction).toMatch(/^0\.5333333333/);
    const first = await computeInvoice(deps, t.tenantId, s, nov!);
    // 20.00 x 16/30 = 10.67 for November; December in advance: 20.00 x 10/31 = 6.45.
    expect(first.lines.map((l) => [l.type, l.periodStart.slice(0, 10), l.amount])).toEqual([
      ['usage', '2026-11-15', '0.00'],
      ['fixed', '2026-11-15', '10.67'],
      ['fixed', '2026-12-01', '6.45'],
    ]);
    const last = await computeInvoice(deps, t.tenantId, s, dec!);
    // The last period's fee was billed in advance; nothing follows it.
    expect(last.lines.map((l) => l.type)).toEqual(['usage']);
  });

  it('splits a period at an upgrade: each part priced by its plan, the in-advance fee credited and charged', async () => {
    const t = await tenant(0);
    const pro = await seedPlanVersion(
      db.pool,
      t.tenantId,
      { calls: t.meterId },
      {
        charges: [
          {
            key: 'calls',
            name: 'API calls',
            meter: 'calls',
            price: { currency: 'EUR', model: 'graduated', tiers: [{ upTo: null, unitAmount: '0.001' }] },
          },
        ],
        fixedFees: [{ key: 'platform', name: 'Platform', amount: '40.00', timing: 'in_advance' }],
      },
    );
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
    const upgrade = new Date('2026-11-16T00:00:00Z');
    await db.pool.query(`UPDATE subscription_phases SET end_at = $1 WHERE subscription_id = $2`, [
      upgrade,
      c.subscriptionId,
    ]);
    await db.pool.query(
      `INSERT INTO subscription_phases (id, tenant_id, subscription_id, plan_version_id, start_at, reason)
       VALUES ($1, $2, $3, $4, $5, 'upgrade')`,
      [`sph_${c.subscriptionId.slice(4)}`, t.tenantId, c.subscriptionId, pro, upgrade],
    );
    const subject = c.subjects[0]!;
    await calls(t.tenantId, t.meterId, subject, '2026-11-10T00:00:00Z', 150, 'before');
    await calls(t.tenantId, t.meterId, subject, '2026-11-20T00:00:00Z', 1000, 'after');
    const s = await sub(t.tenantId, c.subscriptionId);
    const nov = (await periodOfSubscriptionAt(deps.db, t.tenantId, s, NOV))!;
    const inv = await computeInvoice(deps, t.tenantId, s, nov);
    expect(inv.lines.map((l) => [l.type, l.periodStart.slice(0, 10), l.quantity, l.amount])).toEqual([
      // Nov 1-16 on the first plan: 150 calls, 100 free.
      ['usage', '2026-11-01', '150', '0.50'],
      // Nov 16-Dec 1 on the new plan: 1000 calls at 0.001; half the month of its fee charged,
      // and the same half of the old fee (billed in advance on October's invoice) credited.
      ['usage', '2026-11-16', '1000', '1.00'],
      ['fixed', '2026-11-16', '1', '20.00'],
      ['fixed', '2026-11-16', '-1', '-10.00'],
      // December in advance, on the new plan.
      ['fixed', '2026-12-01', '1', '40.00'],
    ]);
    expect(inv.subtotal).toBe('51.50');
    expect(inv.lines[1]!.description).toContain('from 2026-11-16');
    // Issued, then December's invoice: no adjustment, as November is recomputed part by part.
    await closePeriod(deps, t.tenantId, s, (await periodOfSubscriptionAt(deps.db, t.tenantId, s, OCT))!, NOV);
    await closePeriod(deps, t.tenantId, s, nov, DEC);
    const dec = (await periodOfSubscriptionAt(deps.db, t.tenantId, s, DEC))!;
    const next = await computeInvoice(deps, t.tenantId, s, dec);
    expect(next.lines.filter((l) => l.type === 'adjustment')).toEqual([]);
  });

  it('applies a downgrade at the period end: the next period, and its fee in advance, on the new plan', async () => {
    const t = await tenant(0);
    const basic = await seedPlanVersion(
      db.pool,
      t.tenantId,
      { calls: t.meterId },
      {
        fixedFees: [{ key: 'platform', name: 'Platform', amount: '5.00', timing: 'in_advance' }],
      },
    );
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
    await db.pool.query(`UPDATE subscription_phases SET end_at = $1 WHERE subscription_id = $2`, [
      NOV,
      c.subscriptionId,
    ]);
    await db.pool.query(
      `INSERT INTO subscription_phases (id, tenant_id, subscription_id, plan_version_id, start_at, reason)
       VALUES ($1, $2, $3, $4, $5, 'downgrade')`,
      [`sph_d${c.subscriptionId.slice(5)}`, t.tenantId, c.subscriptionId, basic, NOV],
    );
    await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-10-20T00:00:00Z', 300, 'o');
    await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-11-20T00:00:00Z', 300, 'n');
    const s = await sub(t.tenantId, c.subscriptionId);
    const [oct, nov] = await periodsOfSubscription(deps.db, t.tenantId, s, OCT, DEC);
    const first = await computeInvoice(deps, t.tenantId, s, oct!);
    // October whole on the old plan (200 billable calls = 2.00, its fee); November's fee in advance at the new price.
    expect(first.lines.map((l) => [l.type, l.periodStart.slice(0, 10), l.amount])).toEqual([
      ['usage', '2026-10-01', '2.00'],
      ['fixed', '2026-10-01', '20.00'],
      ['fixed', '2026-11-01', '5.00'],
    ]);
    // November on the new plan: no usage charge, December's fee in advance; no split, no credit.
    const second = await computeInvoice(deps, t.tenantId, s, nov!);
    expect(second.lines.map((l) => [l.type, l.periodStart.slice(0, 10), l.amount])).toEqual([
      ['fixed', '2026-12-01', '5.00'],
    ]);
  });

  it('applies a minimum commitment, coupons for their duration, and prepaid credit soonest-expiring first', async () => {
    const t = await tenant(0);
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
    await db.pool.query(`UPDATE subscriptions SET minimum_commitment = 50 WHERE id = $1`, [c.subscriptionId]);
    const coupon = async (
      code: string,
      cols: string,
      values: unknown[],
      duration: string,
      periods: number | null,
    ) => {
      const id = `cpn_${code}_${t.tenantId}`.slice(0, 60);
      await db.pool.query(
        `INSERT INTO coupons (id, tenant_id, code, name, ${cols}, duration, duration_periods)
         VALUES ($1, $2, $3, $3, ${values.map((_, i) => `$${i + 6}`).join(', ')}, $4, $5)`,
        [id, t.tenantId, code, duration, periods, ...values],
      );
      await db.pool.query(
        `INSERT INTO subscription_discounts (id, tenant_id, subscription_id, coupon_id, applies_from)
         VALUES ($1, $2, $3, $4, $5)`,
        [`sdc_${code}_${t.tenantId}`.slice(0, 60), t.tenantId, c.subscriptionId, id, OCT],
      );
    };
    await coupon('TENOFF', 'percent_off', ['10'], 'repeating', 2);
    await coupon('FIVE', 'amount_off, currency', ['5', 'EUR'], 'once', null);
    const grant = (id: string, amount: string, expires: string) =>
      db.pool.query(
        `INSERT INTO credit_grants (id, tenant_id, customer_id, name, currency, amount, remaining, effective_at, expires_at)
         VALUES ($1, $2, $3, $1, 'EUR', $4, $4, '2026-09-01', $5)`,
        [`${id}_${t.tenantId}`, t.tenantId, c.customerId, amount, expires],
      );
    await grant('big', '30', '2027-12-31');
    await grant('soon', '10', '2026-11-15');
    await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-10-10T00:00:00Z', 150, 'u');
    const s = await sub(t.tenantId, c.subscriptionId);
    const [oct, nov, dec] = await periodsOfSubscription(
      deps.db,
      t.tenantId,
      s,
      OCT,
      new Date('2027-01-01T00:00:00Z'),
    );

    const first = await closePeriod(deps, t.tenantId, s, oct!, new Date('2026-11-01T00:00:00Z'));
    const [inv] = await invoices(t.tenantId);
    // October's own charges (0.50 usage + 20.00 fee) fall 29.50 short of the 50.00 minimum;
    // November's fee in advance does not count toward October's minimum.
    expect(inv!.lines.map((l) => [l.type, l.charge_key, l.amount])).toEqual([
      ['usage', 'calls', '0.50'],
      ['fixed', 'platform', '20.00'],
      ['fixed', 'platform', '20.00'],
      ['true_up', 'minimum_commitment', '29.50'],
      ['discount', 'TENOFF', '-7.00'],
      ['discount', 'FIVE', '-5.00'],
    ]);
    // 58.00, of which 40.00 prepaid: the grant expiring first is spent first.
    expect(first.invoice).toMatchObject({ total: '58.00', credits_applied: '40.00', amount_due: '18.00' });
    const { rows: grants } = await db.pool.query(
      `SELECT g.name, g.remaining::text, a.amount::text AS spent FROM credit_grants g
         JOIN credit_grant_applications a ON a.grant_id = g.id WHERE g.tenant_id = $1 ORDER BY a.amount`,
      [t.tenantId],
    );
    expect(grants).toEqual([
      { name: `soon_${t.tenantId}`, remaining: '0', spent: '10' },
      { name: `big_${t.tenantId}`, remaining: '0', spent: '30' },
    ]);

    // November: its own charges are the 20.00 fee billed in advance in October (no usage), so
    // the true-up is 30.00; with December's fee 50.00, and the 10 % coupon's second and last
    // period: -5.00. The once-off coupon is used up and no credit is left.
    const second = await computeInvoice(deps, t.tenantId, s, nov!);
    expect(second.lines.filter((l) => l.type === 'true_up').map((l) => l.amount)).toEqual(['30.00']);
    expect(second.lines.filter((l) => l.type === 'discount').map((l) => [l.chargeKey, l.amount])).toEqual([
      ['TENOFF', '-5.00'],
    ]);
    expect(second).toMatchObject({ subtotal: '45.00', creditsApplied: '0.00', amountDue: '45.00' });
    const third = await computeInvoice(deps, t.tenantId, s, dec!);
    expect(third.lines.filter((l) => l.type === 'discount')).toEqual([]);
  });

  it('bills progressively: an interim invoice each time unbilled usage reaches the threshold, deducted at period end', async () => {
    const t = await tenant(0);
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
    await db.pool.query(`UPDATE subscriptions SET progressive_billing_threshold = 1 WHERE id = $1`, [
      c.subscriptionId,
    ]);
    const subject = c.subjects[0]!;
    const closer = () => new PeriodCloser(deps, silent, { draftRefreshMs: 3_600_000, concurrency: 4 });
    const interims = async () => (await invoices(t.tenantId)).filter((i) => i.kind === 'interim');

    // 150 calls = 0.50 billable: under the 1.00 threshold.
    await calls(t.tenantId, t.meterId, subject, '2026-10-02T00:00:00Z', 150, 'a');
    await closer().tick(new Date('2026-10-05T00:00:00Z'));
    expect(await interims()).toEqual([]);
    // 250 calls = 1.50: two replicas look at once, one interim invoice bills it, numbered.
    await calls(t.tenantId, t.meterId, subject, '2026-10-06T00:00:00Z', 100, 'b');
    await Promise.all([
      closer().tick(new Date('2026-10-07T00:00:00Z')),
      closer().tick(new Date('2026-10-07T00:00:00Z')),
    ]);
    let found = await interims();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ status: 'finalized', number: 'MU-2026-000001', total: '1.50' });
    expect(found[0]!.usage_through.toISOString()).toBe('2026-10-07T00:00:00.000Z');
    // 50 more (0.50 unbilled): not yet; 100 more (1.50 unbilled): a second one for those 150 calls.
    await calls(t.tenantId, t.meterId, subject, '2026-10-08T00:00:00Z', 50, 'c');
    await closer().tick(new Date('2026-10-09T00:00:00Z'));
    expect(await interims()).toHaveLength(1);
    await calls(t.tenantId, t.meterId, subject, '2026-10-10T00:00:00Z', 100, 'd');
    await closer().tick(new Date('2026-10-11T00:00:00Z'));
    found = await interims();
    expect(found).toHaveLength(2);
    expect(found[1]!.lines.map((l) => [l.quantity, l.amount])).toEqual([['150', '1.50']]);

    // Period end: 400 calls = 3.00, less 3.00 billed on the interim invoices, plus the fees.
    await closer().tick(new Date('2026-11-01T00:00:00Z'));
    const period = (await invoices(t.tenantId)).find((i) => i.kind === 'period')!;
    expect(period.lines.map((l) => [l.type, l.quantity, l.amount])).toEqual([
      ['usage', '400', '3.00'],
      ['fixed', '1', '20.00'],
      ['interim_deduction', '-400', '-3.00'],
      ['fixed', '1', '20.00'],
    ]);
    expect(period.lines[2]!.description).toContain('MU-2026-000001, MU-2026-000002');
    expect(period).toMatchObject({ status: 'finalized', number: 'MU-2026-000003', total: '40.00' });
    // The next period sees nothing late: what interim invoices billed is not billed again.
    const s = await sub(t.tenantId, c.subscriptionId);
    const nov = (await periodOfSubscriptionAt(deps.db, t.tenantId, s, NOV))!;
    expect((await computeInvoice(deps, t.tenantId, s, nov)).lines.map((l) => l.type)).toEqual([
      'usage',
      'fixed',
    ]);
  });

  it('closes a period whose only interim invoice was voided', async () => {
    const t = await tenant(0);
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
    await db.pool.query(`UPDATE subscriptions SET progressive_billing_threshold = 1 WHERE id = $1`, [
      c.subscriptionId,
    ]);
    await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-10-02T00:00:00Z', 300, 'v');
    const closer = new PeriodCloser(deps, silent, { draftRefreshMs: 3_600_000, concurrency: 2 });
    await closer.tick(new Date('2026-10-05T00:00:00Z'));
    const [interim] = await invoices(t.tenantId);
    expect(interim).toMatchObject({ kind: 'interim', total: '2.00' });
    await db.pool.query(`UPDATE invoices SET status = 'void', voided_at = now() WHERE id = $1`, [
      interim!.id,
    ]);
    await closer.tick(new Date('2026-11-01T00:00:00Z'));
    const period = (await invoices(t.tenantId)).find((i) => i.kind === 'period')!;
    // Nothing deducted: the void interim invoice billed nothing.
    expect(period.lines.map((l) => [l.type, l.amount])).toEqual([
      ['usage', '2.00'],
      ['fixed', '20.00'],
      ['fixed', '20.00'],
    ]);
  });

  it('closes periods in order and stops at a failure, so none is skipped', async () => {
    const t = await tenant(0);
    await db.pool.query(
      `UPDATE tenant_billing_settings SET seller = '{"address":{"country":"DE"}}' WHERE tenant_id = $1`,
      [t.tenantId],
    );
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, new Date('2026-09-01T00:00:00Z'), {
      billingAddress: { country: 'DE' },
    });
    await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-09-03T00:00:00Z', 150, 'sep');
    let quotes = 0;
    const failing: InvoicingDeps = {
      ...deps,
      quoteTax: () => {
        quotes += 1;
        return Promise.reject(new Error('tax service down'));
      },
    };
    const r1 = await new PeriodCloser(failing, silent, { draftRefreshMs: 60_000, concurrency: 4 }).tick(NOV);
    // September failed, so October was not tried.
    expect(r1).toMatchObject({ failed: 1, created: 0 });
    expect(quotes).toBe(1);
    expect(await invoices(t.tenantId)).toEqual([]);
    const r2 = await new PeriodCloser(deps, silent, { draftRefreshMs: 60_000, concurrency: 4 }).tick(NOV);
    expect(r2).toMatchObject({ failed: 0, finalized: 2 });
    const all = await invoices(t.tenantId);
    expect(all.map((i) => [i.period_start.toISOString().slice(0, 7), i.number])).toEqual([
      ['2026-09', 'MU-2026-000001'],
      ['2026-10', 'MU-2026-000002'],
    ]);
    expect(all[0]!.lines[0]).toMatchObject({ type: 'usage', quantity: '150' });
  });

  it('closes each period once: twice in a row and on two replicas at once', async () => {
    const t = await tenant(0);
    const subs = [];
    for (let i = 0; i < 12; i++) {
      const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
      await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-10-03T00:00:00Z', 100 + i, `c${i}`);
      subs.push(c);
    }
    const now = new Date('2026-11-01T00:00:01Z');
    const a = new PeriodCloser(deps, silent, { draftRefreshMs: 60_000, concurrency: 4 });
    const b = new PeriodCloser(deps, silent, { draftRefreshMs: 60_000, concurrency: 4 });
    const results = await Promise.all([a.tick(now), b.tick(now)]);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0);
    await a.tick(now);
    const all = await invoices(t.tenantId);
    expect(all).toHaveLength(12);
    expect(new Set(all.map((i) => i.subscription_id)).size).toBe(12);
    expect(all.every((i) => i.status === 'finalized')).toBe(true);
    // Gapless under concurrency: exactly 1..12.
    expect(all.map((i) => i.number).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `MU-2026-${String(i + 1).padStart(6, '0')}`),
    );
    for (const [i, c] of subs.entries()) {
      const inv = all.find((x) => x.subscription_id === c.subscriptionId)!;
      expect(inv.lines[0]).toMatchObject({ quantity: String(100 + i), amount: (i / 100).toFixed(2) });
    }
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1 AND type = 'invoice.created'`,
      [t.tenantId],
    );
    expect(rows[0].n).toBe(12);
  });

  it('writes nothing when a close fails midway, and closes fine afterwards', async () => {
    const t = await tenant(0);
    const c = await seedSubscription(db.pool, t.tenantId, t.versionId, OCT);
    await calls(t.tenantId, t.meterId, c.subjects[0]!, '2026-10-03T00:00:00Z', 5, 'x');
    const s = await sub(t.tenantId, c.subscriptionId);
    const oct = (await periodOfSubscriptionAt(deps.db, t.tenantId, s, OCT))!;
    const now = new Date('2026-11-02T00:00:00Z');
    await expect(
      closePeriod(deps, t.tenantId, s, oct, now, {
        beforeCommit: () => {
          throw new Error('simulated crash after the lines and the number, before the commit');
        },
      }),
    ).rejects.toThrow(/simulated crash/);
    expect(await invoices(t.tenantId)).toEqual([]);
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1`,
      [t.tenantId],
    );
    expect(rows[0].n).toBe(0);
    const ok = await closePeriod(deps, t.tenantId, s, oct, now);
    // The number the failed close took was given back: still the first.
    expect(ok.invoice).toMatchObject({ status: 'finalized', number: 'MU-2026-000001' });
    expect(await invoices(t.tenantId)).toHaveLength(1);
  });

  it('keeps tenants apart: the same customer subject in another tenant is not billed here', async () => {
    const a = await tenant(0);
    const b = await tenant(0);
    const ca = await seedSubscription(db.pool, a.tenantId, a.versionId, OCT, { subjects: ['shared'] });
    await seedSubscription(db.pool, b.tenantId, b.versionId, OCT, { subjects: ['shared'] });
    await calls(b.tenantId, b.meterId, 'shared', '2026-10-03T00:00:00Z', 500, 'b');
    await calls(a.tenantId, a.meterId, 'shared', '2026-10-03T00:00:00Z', 101, 'a');
    const s = await sub(a.tenantId, ca.subscriptionId);
    const oct = (await periodOfSubscriptionAt(deps.db, a.tenantId, s, OCT))!;
    const inv = await computeInvoice(deps, a.tenantId, s, oct);
    expect(inv.lines[0]).toMatchObject({ quantity: '101', amount: '0.01' });
  });
});
