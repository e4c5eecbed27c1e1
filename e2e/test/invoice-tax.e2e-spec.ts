import {
  closePeriod,
  periodOfSubscriptionAt,
  type Database,
  type InvoicingDeps,
  type SubscriptionRow,
} from '@mu/billing';
import {
  FxConvertReply,
  FxConvertRequest,
  Subjects,
  TaxQuoteReply,
  TaxQuoteRequest,
  type FxConvertRequestV1,
  type TaxQuoteRequestV1,
} from '@mu/contracts';
import {
  createKysely,
  createTenantWithKey,
  loadConfig,
  locateFromRoot,
  requestReply,
  RpcError,
  runClickHouseMigrations,
  runPostgresMigrations,
  startService,
  type ServiceHandle,
} from '@mu/platform';
import { Dec } from '@mu/pricing';
import {
  captureLogger,
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
import { connect, type NatsConnection } from 'nats';
import { AppModule as TaxModule } from '../../apps/tax/src/app.module';
import { TaxEnv } from '../../apps/tax/src/config';

// Period close with the real tax service (in this process, on subjects under a prefix of its
// own so no other tax service on the shared NATS answers), Postgres and ClickHouse.
let db: TestDatabase;
let ch: TestClickHouse;
let nc: NatsConnection;
let tax: ServiceHandle;
let deps: InvoicingDeps;
const prefix = uniqueId('invtax');

beforeAll(async () => {
  const { nats } = await requireServices('nats', 'postgres', 'clickhouse');
  db = await createTestDatabase();
  await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
  ch = await createTestClickHouse();
  await runClickHouseMigrations(ch.client, db.pool, locateFromRoot('db/clickhouse'), {
    database: ch.database,
  });
  nc = await connect({ servers: nats, name: 'mu-invoice-tax-test' });
  const config = loadConfig('tax', TaxEnv, { ...process.env, DATABASE_URL: db.url, PORT: '0' });
  tax = await startService(
    TaxModule.forRoot(config, { logger: captureLogger('warn').logger, subjectPrefix: prefix }),
    config,
  );
  deps = {
    db: createKysely<Database>(db.pool),
    ch: ch.client,
    quoteTax: async (req: TaxQuoteRequestV1) => {
      const reply = await requestReply(
        nc,
        `${prefix}.${Subjects.taxQuote}`,
        TaxQuoteRequest,
        req,
        TaxQuoteReply,
        {
          timeoutMs: 10_000,
        },
      );
      if (!reply.ok) throw RpcError.fromReply(Subjects.taxQuote, reply.error!);
      return reply.quote!;
    },
    convertFx: async (req: FxConvertRequestV1) => {
      const reply = await requestReply(
        nc,
        `${prefix}.${Subjects.fxConvert}`,
        FxConvertRequest,
        req,
        FxConvertReply,
        {
          timeoutMs: 10_000,
        },
      );
      if (!reply.ok) throw RpcError.fromReply(Subjects.fxConvert, reply.error!);
      return reply.conversion!;
    },
  };
}, 60_000);
afterAll(async () => {
  await tax?.close();
  await nc?.drain();
  await ch?.drop();
  await db?.drop();
});

const OCT = new Date('2026-10-01T00:00:00Z');

async function seller(tenantId: string) {
  await db.pool.query(
    `INSERT INTO tenant_billing_settings (tenant_id, grace_period_hours, seller) VALUES ($1, 0, $2)`,
    [
      tenantId,
      JSON.stringify({
        name: 'Mu Seller GmbH',
        address: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
        taxIds: [{ type: 'eu_vat', value: 'DE136695976' }],
      }),
    ],
  );
}

describe('period close with the tax service', () => {
  it('adds VAT for a German consumer and reverse-charges an Austrian business', async () => {
    const { tenantId } = await createTenantWithKey(db.pool, uniqueId('tax'));
    await seller(tenantId);
    const meters = await seedMeters(db.pool, tenantId, [{ key: 'calls', aggregation: 'count' }]);
    const version = await seedPlanVersion(db.pool, tenantId, meters, {
      fixedFees: [{ key: 'base', name: 'Base', amount: '100.00', timing: 'in_arrears' }],
    });
    const de = await seedSubscription(db.pool, tenantId, version, OCT, {
      billingAddress: { country: 'DE', city: 'Hamburg', postalCode: '20095' },
    });
    const at = await seedSubscription(db.pool, tenantId, version, OCT, {
      billingAddress: { country: 'AT', city: 'Wien', postalCode: '1010' },
      taxIds: [{ type: 'eu_vat', value: 'ATU13585627' }],
    });
    const close = async (subscriptionId: string) => {
      const sub = await deps.db
        .selectFrom('subscriptions')
        .selectAll()
        .where('id', '=', subscriptionId)
        .executeTakeFirstOrThrow();
      const period = (await periodOfSubscriptionAt(deps.db, tenantId, sub, OCT))!;
      return (await closePeriod(deps, tenantId, sub, period, new Date('2026-11-01T00:00:00Z'))).invoice!;
    };
    const deInvoice = await close(de.subscriptionId);
    expect(deInvoice).toMatchObject({
      status: 'finalized',
      subtotal: '100.00',
      tax_total: '19.00',
      total: '119.00',
    });
    const atInvoice = await close(at.subscriptionId);
    expect(atInvoice).toMatchObject({ subtotal: '100.00', tax_total: '0.00', total: '100.00' });
    const quote = atInvoice.tax as { status: string; quote: { lines: { treatment: string }[] } };
    expect(quote.status).toBe('calculated');
    expect(quote.quote.lines.map((l) => l.treatment)).toEqual(['reverse_charge']);
  });

  it("bills a customer in its own currency: every line converted at the period's rate, then taxed", async () => {
    const { tenantId } = await createTenantWithKey(db.pool, uniqueId('fx'));
    await seller(tenantId);
    await db.pool.query(
      `INSERT INTO fx_rates (tenant_id, base, quote, effective_date, rate, source)
       VALUES ($1, 'EUR', 'USD', '2026-10-28', 1.1, 'test'), ($1, 'EUR', 'USD', '2026-11-01', 2, 'test (after the period)')`,
      [tenantId],
    );
    const meters = await seedMeters(db.pool, tenantId, [{ key: 'calls', aggregation: 'count' }]);
    const version = await seedPlanVersion(db.pool, tenantId, meters, {
      fixedFees: [{ key: 'base', name: 'Base', amount: '100.00', timing: 'in_arrears' }],
    });
    const c = await seedSubscription(db.pool, tenantId, version, OCT, {
      currency: 'USD',
      billingAddress: { country: 'DE', city: 'Hamburg', postalCode: '20095' },
    });
    const sub = await deps.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', c.subscriptionId)
      .executeTakeFirstOrThrow();
    const period = (await periodOfSubscriptionAt(deps.db, tenantId, sub, OCT))!;
    const inv = (await closePeriod(deps, tenantId, sub, period, new Date('2026-11-01T00:00:00Z'))).invoice!;
    // 100.00 EUR at October's 1.1 (not November's rate) = 110.00 USD, then 19 % VAT.
    expect(inv).toMatchObject({ currency: 'USD', subtotal: '110.00', tax_total: '20.90', total: '130.90' });
    expect(inv.fx).toMatchObject({ from: 'EUR', to: 'USD', rate: '1.1', effectiveDate: '2026-10-28' });
  });

  it('property: for every invoice, the lines add up to the subtotal and subtotal + tax = total', async () => {
    const { tenantId } = await createTenantWithKey(db.pool, uniqueId('prop'));
    await seller(tenantId);
    const meters = await seedMeters(db.pool, tenantId, [
      { key: 'gb', aggregation: 'sum', valuePath: '$.gb' },
    ]);
    const version = await seedPlanVersion(db.pool, tenantId, meters, {
      charges: [
        {
          key: 'gb',
          meter: 'gb',
          price: {
            currency: 'EUR',
            model: 'graduated',
            tiers: [
              { upTo: '10', unitAmount: '0.333' },
              { upTo: null, unitAmount: '0.0777' },
            ],
          },
        },
      ],
      fixedFees: [
        { key: 'seat', name: 'Seat', amount: '9.99', timing: 'in_arrears' },
        { key: 'support', name: 'Support', amount: '4.45', timing: 'in_advance' },
      ],
    });
    // Deterministic pseudo-random usage and buyers (EU consumers and businesses, non-EU).
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const countries = ['DE', 'FR', 'IT', 'NL', 'GB', 'CH', 'AU'];
    const writer = new UsageWriter(ch.client);
    const subs: { subscriptionId: string }[] = [];
    for (let i = 0; i < 25; i++) {
      const start = new Date(OCT.getTime() + Math.floor(rnd() * 20) * 86_400_000);
      const c = await seedSubscription(db.pool, tenantId, version, start, {
        billingAddress: { country: countries[i % countries.length]!, city: 'X', postalCode: '1000' },
      });
      subs.push(c);
      const n = 1 + Math.floor(rnd() * 30);
      await writer.insert(
        'meter_values',
        Array.from({ length: n }, (_, k) => ({
          tenant_id: tenantId,
          meter_id: meters.gb!,
          subject: c.subjects[0]!,
          time: '2026-10-25 12:00:00.000',
          source: 'src',
          event_id: `e${i}-${k}`,
          value: (rnd() * 5).toFixed(3),
          unique_value: '',
          dimensions: {},
        })),
        `prop-${tenantId}-${i}`,
      );
    }
    for (const c of subs) {
      const sub: SubscriptionRow = await deps.db
        .selectFrom('subscriptions')
        .selectAll()
        .where('id', '=', c.subscriptionId)
        .executeTakeFirstOrThrow();
      const period = (await periodOfSubscriptionAt(
        deps.db,
        tenantId,
        sub,
        new Date('2026-10-31T00:00:00Z'),
      ))!;
      const inv = (await closePeriod(deps, tenantId, sub, period, new Date('2026-11-01T00:00:00Z'))).invoice!;
      const lines = await deps.db
        .selectFrom('invoice_lines')
        .selectAll()
        .where('invoice_id', '=', inv.id)
        .execute();
      const sum = (xs: string[]) => xs.reduce((a, x) => a.plus(x), new Dec(0));
      expect(sum(lines.map((l) => l.amount)).eq(inv.subtotal)).toBe(true);
      expect(new Dec(inv.subtotal).plus(inv.tax_total).eq(inv.total)).toBe(true);
      expect(sum(lines.map((l) => l.tax_amount)).eq(inv.tax_total)).toBe(true);
      // Every amount is in whole cents.
      for (const v of [inv.subtotal, inv.tax_total, inv.total, ...lines.map((l) => l.amount)]) {
        expect(new Dec(v).decimalPlaces()).toBeLessThanOrEqual(2);
      }
    }
  }, 120_000);
});
