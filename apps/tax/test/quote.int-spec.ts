import {
  FxConvertReply,
  FxConvertRequest,
  Subjects,
  TaxQuoteReply,
  TaxQuoteRequest,
  type FxConvertReplyV1,
  type FxConvertRequestV1,
  type TaxQuoteBodyV1,
  type TaxQuoteReplyV1,
} from '@mu/contracts';
import {
  loadConfig,
  locateFromRoot,
  requestReply,
  runPostgresMigrations,
  startService,
  type ServiceHandle,
} from '@mu/platform';
import {
  captureLogger,
  createTestDatabase,
  installInMemoryTracing,
  requireServices,
  uniqueId,
  type TestDatabase,
} from '@mu/testing';
import { connect, type NatsConnection } from 'nats';
import { AppModule } from '../src/app.module';
import { TaxEnv } from '../src/config';

// The service runs in this process against a fresh database. It answers on subjects under a prefix
// of its own, so another tax service on the same NATS server (a demo, a parallel run) cannot take
// these requests; process.int-spec.ts covers the real subjects with the built service.
let db: TestDatabase;
let nc: NatsConnection;
let service: ServiceHandle;
let prefix: string;
let tracing: ReturnType<typeof installInMemoryTracing>;
const log = captureLogger('debug');
const tenantA = uniqueId('acme');
const tenantB = uniqueId('globex');

function configFor(overrides: Record<string, string> = {}) {
  return loadConfig('tax', TaxEnv, { ...process.env, DATABASE_URL: db.url, PORT: '0', ...overrides });
}

async function start(
  subjectPrefix: string,
  overrides: Record<string, string> = {},
  logger = log.logger,
): Promise<ServiceHandle> {
  const config = configFor(overrides);
  return startService(AppModule.forRoot(config, { logger, subjectPrefix }), config);
}

function body(p: Partial<TaxQuoteBodyV1> = {}): TaxQuoteBodyV1 {
  return {
    date: '2025-03-01',
    currency: 'EUR',
    seller: { country: 'DE', taxId: 'DE136695976' },
    buyer: { country: 'DE' },
    lines: [{ id: 'l1', amount: '100.00', taxBehavior: 'exclusive', taxCode: 'saas' }],
    ...p,
  };
}

function quote(tenantId: string, request: TaxQuoteBodyV1, at = prefix): Promise<TaxQuoteReplyV1> {
  return requestReply(
    nc,
    `${at}.${Subjects.taxQuote}`,
    TaxQuoteRequest,
    { tenantId, request },
    TaxQuoteReply,
    { timeoutMs: 5_000 },
  );
}

function fx(req: FxConvertRequestV1): Promise<FxConvertReplyV1> {
  return requestReply(nc, `${prefix}.${Subjects.fxConvert}`, FxConvertRequest, req, FxConvertReply, {
    timeoutMs: 5_000,
  });
}

/** Raw bytes, for payloads the typed client would refuse to send. */
async function raw(subject: string, payload: string): Promise<Record<string, unknown>> {
  const msg = await nc.request(`${prefix}.${subject}`, Buffer.from(payload), { timeout: 5_000 });
  return JSON.parse(Buffer.from(msg.data).toString('utf8')) as Record<string, unknown>;
}

beforeAll(async () => {
  const { nats } = await requireServices('nats', 'postgres');
  tracing = installInMemoryTracing();
  db = await createTestDatabase();
  await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
  prefix = uniqueId('taxtest');
  service = await start(prefix, { TAX_REQUEST_TIMEOUT_MS: '500' });
  nc = await connect({ servers: nats, name: 'tax-int-spec' });
});

afterAll(async () => {
  await nc?.drain();
  await service?.close();
  await db?.drop();
  await tracing?.uninstall();
});

describe('tax.quote.v1 over NATS', () => {
  it('answers a quote: DE seller, FR consumer, digital service -> FR 20% (OSS)', async () => {
    const reply = await quote(tenantA, body({ buyer: { country: 'FR' } }));
    expect(reply.ok).toBe(true);
    expect(reply.quote).toMatchObject({
      currency: 'EUR',
      netTotal: '100.00',
      taxTotal: '20.00',
      grossTotal: '120.00',
      lines: [{ id: 'l1', rate: '20', jurisdiction: 'FR', treatment: 'standard', rateSource: 'dataset' }],
      breakdown: [
        { jurisdiction: 'FR', rate: '20', treatment: 'standard', taxAmount: '20.00', lineIds: ['l1'] },
      ],
      warnings: [],
    });
  });

  it('answers a reverse charge with its note, and an invalid VAT ID with a warning', async () => {
    const b2b = await quote(tenantA, body({ buyer: { country: 'FR', taxId: 'FR40303265045' } }));
    expect(b2b.quote!.lines[0]).toMatchObject({
      treatment: 'reverse_charge',
      rate: '0',
      note: expect.stringContaining('Article 196') as unknown,
    });
    const invalid = await quote(tenantA, body({ buyer: { country: 'FR', taxId: 'FR00000000000' } }));
    expect(invalid.quote!.lines[0]).toMatchObject({ treatment: 'standard', rate: '20' });
    expect(invalid.quote!.warnings).toEqual([
      expect.objectContaining({ code: 'INVALID_TAX_ID', path: 'buyer.taxId' }),
    ]);
  });

  it('carries the trace context: the service span is a child of the caller span', async () => {
    tracing.exporter.reset();
    await quote(tenantA, body());
    const spans = tracing.exporter.getFinishedSpans();
    const client = spans.find((s) => s.name === `request ${prefix}.${Subjects.taxQuote}`);
    const server = spans.find((s) => s.name === `handle ${Subjects.taxQuote}`);
    expect(client).toBeDefined();
    expect(server).toBeDefined();
    expect(server!.spanContext().traceId).toBe(client!.spanContext().traceId);
    expect(server!.parentSpanContext?.spanId).toBe(client!.spanContext().spanId);
    expect(server!.attributes['mu.tenant_id']).toBe(tenantA);
  });
});

describe('error replies', () => {
  it('refuses bytes that are not JSON, with CONTRACT_VIOLATION', async () => {
    const reply = await raw(Subjects.taxQuote, 'not json');
    expect(reply).toMatchObject({ ok: false, error: { code: 'CONTRACT_VIOLATION' } });
  });

  it('names the field of a payload that breaks the contract', async () => {
    const bad = {
      tenantId: tenantA,
      request: { ...body(), lines: [{ id: 'l1', amount: '12,50', taxBehavior: 'exclusive' }] },
    };
    const reply = await raw(Subjects.taxQuote, JSON.stringify(bad));
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'CONTRACT_VIOLATION', issues: [{ path: 'request.lines.0.amount' }] },
    });
  });

  it('answers INVALID_TAX_REQUEST with every engine issue and its path', async () => {
    const reply = await quote(
      tenantA,
      body({
        currency: 'EUX',
        buyer: { country: 'XX' },
        lines: [{ id: 'l1', amount: '1.234', taxBehavior: 'exclusive' }],
      }),
    );
    expect(reply.ok).toBe(false);
    expect(reply.error!.code).toBe('INVALID_TAX_REQUEST');
    expect(reply.error!.issues.map((i) => [i.path, i.rule])).toEqual([
      ['currency', 'iso4217'],
      ['buyer.country', 'iso3166'],
    ]);
    expect(reply.error!.message).toContain('buyer.country: XX is not an ISO 3166-1 country code');
  });

  it('answers a date before the shipped rates with the coverage issue', async () => {
    const reply = await quote(tenantA, body({ date: '2019-01-01' }));
    expect(reply.error).toMatchObject({
      code: 'INVALID_TAX_REQUEST',
      issues: [{ path: 'date', rule: 'coverage' }],
    });
  });

  it('keeps answering after bad requests', async () => {
    expect((await quote(tenantA, body())).ok).toBe(true);
  });

  it("answers INVALID_TAX_CONFIG when a tenant's stored configuration is unusable", async () => {
    const tenant = uniqueId('broken');
    // Allowed by the table (region '' = whole country), refused by the engine: US rates are per state.
    await db.pool.query(
      `INSERT INTO tax_rate_overrides (tenant_id, country, rate, valid_from) VALUES ($1, 'US', 5, '2025-01-01')`,
      [tenant],
    );
    const reply = await quote(tenant, body());
    expect(reply.error).toMatchObject({
      code: 'INVALID_TAX_CONFIG',
      issues: [{ path: 'rateOverrides[0].region', rule: 'required' }],
    });
  });

  it('answers TIMEOUT when the database is slower than the service deadline', async () => {
    const locker = await db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tax_rate_overrides IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const reply = await quote(tenantA, body());
      expect(reply.error).toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
  });
});

describe('tenant tables', () => {
  beforeAll(async () => {
    await db.pool.query(
      `INSERT INTO tax_rate_overrides (tenant_id, country, region, tax_code, rate, valid_from, valid_to, note) VALUES
         ($1, 'DE', '', '', 16, '2025-01-01', NULL, 'test override'),
         ($1, 'DE', '', 'ebook', 5, '2025-01-01', '2025-12-31', NULL),
         ($1, 'US', 'NY', '', 8.875, '2021-01-01', NULL, 'NYC combined')`,
      [tenantA],
    );
    await db.pool.query(
      `INSERT INTO tax_us_taxability (tenant_id, state, tax_code, taxable, taxable_portion, valid_from) VALUES ($1, 'CA', 'saas', true, NULL, '2021-01-01')`,
      [tenantA],
    );
    await db.pool.query(
      `INSERT INTO tax_tenant_settings (tenant_id, rounding) VALUES ($1, 'per_invoice_per_rate')`,
      [tenantA],
    );
  });

  it("applies a tenant's rate overrides to that tenant only", async () => {
    const lines = [
      { id: 'a', amount: '100.00', taxBehavior: 'exclusive' as const },
      { id: 'b', amount: '100.00', taxBehavior: 'exclusive' as const, taxCode: 'ebook' },
    ];
    const a = await quote(tenantA, body({ lines }));
    expect(a.quote!.lines.map((l) => [l.rate, l.rateSource])).toEqual([
      ['16', 'tenant'],
      ['5', 'tenant'],
    ]);
    const b = await quote(tenantB, body({ lines }));
    expect(b.quote!.lines.map((l) => [l.rate, l.rateSource])).toEqual([
      ['19', 'dataset'],
      ['7', 'dataset'],
    ]);
  });

  it('applies an override only within its dates', async () => {
    const a = await quote(tenantA, body({ date: '2024-12-31' }));
    expect(a.quote!.lines[0]).toMatchObject({ rate: '19', rateSource: 'dataset' });
  });

  it("applies a tenant's US rates and taxability, and its rounding choice", async () => {
    const usd = (region: string) =>
      body({
        currency: 'USD',
        seller: { country: 'US', region },
        buyer: { country: 'US', region },
        lines: [
          { id: 'a', amount: '0.02', taxBehavior: 'exclusive' },
          { id: 'b', amount: '0.02', taxBehavior: 'exclusive' },
        ],
      });
    const ny = await quote(tenantA, usd('NY'));
    expect(ny.quote).toMatchObject({
      rounding: 'per_invoice_per_rate',
      taxTotal: '0.00',
      lines: [{ rate: '8.875' }, { rate: '8.875' }],
    });
    const ca = await quote(tenantA, usd('CA'));
    expect(ca.quote!.lines[0]).toMatchObject({ rate: '7.25', treatment: 'standard' });
    const caB = await quote(tenantB, usd('CA'));
    expect(caB.quote).toMatchObject({
      rounding: 'per_line',
      lines: [{ treatment: 'exempt' }, { treatment: 'exempt' }],
    });
  });
});

describe('fx.convert.v1 over NATS', () => {
  beforeAll(async () => {
    await db.pool.query(
      `INSERT INTO fx_rates (tenant_id, base, quote, rate, effective_date, source) VALUES
         ($1, 'EUR', 'USD', 1.0500, '2025-02-27', 'ECB'),
         ($1, 'EUR', 'USD', 1.0400, '2025-02-28', 'ECB'),
         ($1, 'EUR', 'JPY', 157.00, '2025-02-28', 'ECB'),
         ($1, 'EUR', 'GBP', 0.83, '2025-01-02', 'ECB')`,
      [tenantA],
    );
    await db.pool.query(
      `INSERT INTO fx_rates (tenant_id, base, quote, rate, effective_date, source) VALUES ($1, 'EUR', 'USD', 2, '2025-02-28', 'B')`,
      [tenantB],
    );
  });

  it("converts with the tenant's latest rate on or before the date and records it", async () => {
    const reply = await fx({
      tenantId: tenantA,
      amount: '100.00',
      from: 'EUR',
      to: 'USD',
      date: '2025-03-02',
    });
    expect(reply.conversion).toEqual({
      date: '2025-03-02',
      from: 'EUR',
      to: 'USD',
      sourceAmount: '100.00',
      amount: '104.00',
      rate: '1.04',
      method: 'direct',
      effectiveDate: '2025-02-28',
      source: 'ECB',
      // The leg is the row as stored (numeric keeps the scale it was written with).
      legs: [{ base: 'EUR', quote: 'USD', rate: '1.0400', effectiveDate: '2025-02-28', source: 'ECB' }],
      rounding: 'half_away_from_zero',
    });
  });

  it('converts through a common base (USD -> JPY via EUR)', async () => {
    const reply = await fx({
      tenantId: tenantA,
      amount: '10.00',
      from: 'USD',
      to: 'JPY',
      date: '2025-03-01',
    });
    expect(reply.conversion).toMatchObject({
      amount: '1510',
      method: 'cross',
      via: 'EUR',
      rate: '150.961538461538',
    });
  });

  it("keeps tenants apart: B sees its own rate and none of A's", async () => {
    const own = await fx({ tenantId: tenantB, amount: '100.00', from: 'EUR', to: 'USD', date: '2025-03-01' });
    expect(own.conversion).toMatchObject({ amount: '200.00', source: 'B' });
    const none = await fx({ tenantId: tenantB, amount: '1', from: 'EUR', to: 'JPY', date: '2025-03-01' });
    expect(none.error).toMatchObject({
      code: 'FX_RATE_NOT_FOUND',
      issues: [{ path: 'date', rule: 'coverage' }],
    });
  });

  it('refuses a stale rate, saying how old it is; a request may allow older ones', async () => {
    const stale = await fx({ tenantId: tenantA, amount: '1', from: 'EUR', to: 'GBP', date: '2025-03-01' });
    expect(stale.error!.code).toBe('FX_RATE_NOT_FOUND');
    expect(stale.error!.message).toContain('is from 2025-01-02, 58 days old (at most 7 allowed)');
    const allowed = await fx({
      tenantId: tenantA,
      amount: '1.00',
      from: 'EUR',
      to: 'GBP',
      date: '2025-03-01',
      maxAgeDays: 60,
    });
    expect(allowed.conversion).toMatchObject({ amount: '0.83' });
  });

  it('converts a currency to itself without a table', async () => {
    const reply = await fx({
      tenantId: tenantB,
      amount: '5.555',
      from: 'EUR',
      to: 'EUR',
      date: '2025-03-01',
    });
    expect(reply.conversion).toMatchObject({ amount: '5.56', method: 'identity', rate: '1' });
  });

  it('names bad fields before touching the database', async () => {
    const reply = await fx({ tenantId: tenantA, amount: '1', from: 'EUX', to: 'USD', date: '2025-02-30' });
    expect(reply.error).toMatchObject({ code: 'INVALID_FX_REQUEST' });
    expect(reply.error!.issues.map((i) => i.path)).toEqual(['from', 'date']);
    const contract = await raw(
      Subjects.fxConvert,
      JSON.stringify({ tenantId: 'a b', amount: 1, from: 'EUR', to: 'USD', date: 'x' }),
    );
    expect(contract).toMatchObject({ ok: false, error: { code: 'CONTRACT_VIOLATION' } });
  });
});

describe('replicas and shutdown', () => {
  it('shares requests between replicas in the queue group', async () => {
    const shared = uniqueId('taxshared');
    const logs = [captureLogger('debug'), captureLogger('debug')];
    const replicas = await Promise.all(logs.map((l) => start(shared, {}, l.logger)));
    try {
      const replies = await Promise.all(Array.from({ length: 40 }, () => quote(tenantB, body(), shared)));
      expect(replies.every((r) => r.ok)).toBe(true);
      const answered = logs.map((l) => l.lines.filter((line) => line.msg === 'request answered').length);
      expect(answered[0]! + answered[1]!).toBe(40);
      expect(answered[0]).toBeGreaterThan(0);
      expect(answered[1]).toBeGreaterThan(0);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it('answers the requests in hand before it stops', async () => {
    const draining = uniqueId('taxdrain');
    const replica = await start(draining, { TAX_REQUEST_TIMEOUT_MS: '1500' });
    const locker = await db.pool.connect();
    let locked = false;
    const unlock = async () => {
      if (locked) await locker.query('ROLLBACK');
      locked = false;
    };
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tax_rate_overrides IN ACCESS EXCLUSIVE MODE');
      locked = true;
      const pending = quote(tenantA, body(), draining);
      await new Promise((r) => setTimeout(r, 200));
      const closed = replica.close();
      // The request in hand is answered (here: its deadline passes while the table is locked).
      expect((await pending).error).toMatchObject({ code: 'TIMEOUT' });
      // The service's pool closes once its last query ends, which the lock holds up.
      await unlock();
      await closed;
      // Nothing listens any more.
      await expect(quote(tenantA, body(), draining)).rejects.toMatchObject({ code: 'RPC_NO_RESPONDERS' });
    } finally {
      await unlock();
      locker.release();
    }
  });
});
