import { Subjects } from '@mu/contracts';
import {
  locateFromRoot,
  requestFxConversion,
  requestTaxQuote,
  RpcError,
  runPostgresMigrations,
} from '@mu/platform';
import {
  createTestDatabase,
  requireServices,
  startServiceProcess,
  uniqueId,
  type ServiceProcess,
  type TestDatabase,
} from '@mu/testing';
import { connect, type NatsConnection } from 'nats';

// The built service (dist/) on the real subjects, called through the typed client the invoicer uses.
// Any tax service on this NATS server may answer (queue group `tax`), so these requests depend on no
// tenant data: every replica gives the same answer.
let db: TestDatabase;
let nc: NatsConnection;
let tax: ServiceProcess;
const refusedTenant = uniqueId('t');

beforeAll(async () => {
  const { nats } = await requireServices('nats', 'postgres');
  db = await createTestDatabase();
  await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
  tax = await startServiceProcess('tax', { DATABASE_URL: db.url });
  nc = await connect({ servers: nats, name: 'tax-process-spec' });
});

afterAll(async () => {
  await nc?.drain();
  if (tax) {
    tax.child.kill('SIGTERM');
    await tax.exited;
  }
  await db?.drop();
});

describe('tax service process', () => {
  it(`answers ${Subjects.taxQuote} through requestTaxQuote`, async () => {
    const quote = await requestTaxQuote(nc, {
      tenantId: uniqueId('t'),
      request: {
        date: '2025-03-01',
        currency: 'EUR',
        seller: { country: 'DE', taxId: 'DE136695976' },
        buyer: { country: 'AT' },
        lines: [{ id: 'l1', amount: '119.00', taxBehavior: 'inclusive', taxCode: 'saas' }],
      },
    });
    expect(quote.lines[0]).toMatchObject({
      jurisdiction: 'AT',
      rate: '20',
      netAmount: '99.17',
      taxAmount: '19.83',
      grossAmount: '119.00',
    });
  });

  it('turns an error reply into an RpcError that a consumer will not retry', async () => {
    const err: unknown = await requestTaxQuote(nc, {
      tenantId: refusedTenant,
      request: {
        date: '2025-03-01',
        currency: 'EUR',
        seller: { country: 'DE' },
        buyer: { country: 'US' },
        lines: [{ id: 'l1', amount: '1', taxBehavior: 'exclusive' }],
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({
      code: 'INVALID_TAX_REQUEST',
      permanent: true,
      issues: [{ path: 'buyer.region', rule: 'required' }],
    });
  });

  it(`answers ${Subjects.fxConvert} through requestFxConversion`, async () => {
    const conversion = await requestFxConversion(nc, {
      tenantId: uniqueId('t'),
      amount: '10.005',
      from: 'USD',
      to: 'USD',
      date: '2025-03-01',
    });
    expect(conversion).toMatchObject({ amount: '10.01', method: 'identity' });
  });

  it('logs a refused request as structured JSON with its tenant and code', () => {
    expect(tax.logs.filter((l) => 'raw' in l)).toEqual([]);
    // Another tax service on this server may have taken the request; if this one did, it logged it.
    const refused = tax.logs.filter((l) => l.msg === 'request refused' && l.tenantId === refusedTenant);
    for (const line of refused)
      expect(line).toMatchObject({ subject: Subjects.taxQuote, code: 'INVALID_TAX_REQUEST' });
  });
});
