import {
  ContractViolationError,
  type FxConversionV1,
  type TaxQuoteRequestV1,
  type TaxQuoteV1,
} from '@mu/contracts';
import {
  NatsError,
  type MsgHdrs,
  type NatsConnection,
  type RequestOptions as NatsRequestOptions,
} from 'nats';
import { RpcError, requestFxConversion, requestTaxQuote } from './request';

const request: TaxQuoteRequestV1 = {
  tenantId: 'acme',
  request: {
    date: '2025-03-01',
    currency: 'EUR',
    seller: { country: 'DE' },
    buyer: { country: 'FR' },
    lines: [{ id: 'l1', amount: '100.00', taxBehavior: 'exclusive' }],
  },
};

const quote: TaxQuoteV1 = {
  date: '2025-03-01',
  currency: 'EUR',
  rounding: 'per_line',
  lines: [
    {
      id: 'l1',
      taxCode: 'saas',
      taxBehavior: 'exclusive',
      netAmount: '100.00',
      taxAmount: '20.00',
      grossAmount: '120.00',
      rate: '20',
      jurisdiction: 'FR',
      treatment: 'standard',
      note: 'OSS',
      rateSource: 'dataset',
    },
  ],
  netTotal: '100.00',
  taxTotal: '20.00',
  grossTotal: '120.00',
  breakdown: [
    {
      jurisdiction: 'FR',
      rate: '20',
      treatment: 'standard',
      netAmount: '100.00',
      taxAmount: '20.00',
      grossAmount: '120.00',
      lineIds: ['l1'],
    },
  ],
  warnings: [],
};

/** A NatsConnection that answers `request` with `answer` and records what it was asked. */
function fakeNats(answer: unknown) {
  const calls: { subject: string; body: unknown; opts: NatsRequestOptions }[] = [];
  const nc = {
    request: (subject: string, data: Uint8Array, opts: NatsRequestOptions) => {
      calls.push({ subject, body: JSON.parse(Buffer.from(data).toString('utf8')), opts });
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve({
        data: Buffer.from(typeof answer === 'string' ? answer : JSON.stringify(answer)),
      });
    },
  } as unknown as NatsConnection;
  return { nc, calls };
}

async function failure(
  p: Promise<unknown>,
): Promise<Error & { code?: string; permanent?: boolean; issues?: unknown[] }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('requestTaxQuote', () => {
  it('sends the validated request with its contract header and timeout, and returns the quote', async () => {
    const { nc, calls } = fakeNats({ ok: true, quote });
    await expect(
      requestTaxQuote(nc, request, { timeoutMs: 1234, headers: { 'Mu-Tenant': 'acme' } }),
    ).resolves.toEqual(quote);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.subject).toBe('tax.quote.v1');
    expect(calls[0]!.body).toEqual(request);
    expect(calls[0]!.opts.timeout).toBe(1234);
    const h = calls[0]!.opts.headers as MsgHdrs;
    expect([h.get('Mu-Contract'), h.get('Mu-Tenant')]).toEqual(['tax.quote.request.v1', 'acme']);
  });

  it('refuses to send a request that breaks the contract', async () => {
    const { nc, calls } = fakeNats({ ok: true, quote });
    const bad = { ...request, tenantId: 'a.b', request: { ...request.request, lines: [] } };
    const err = await failure(requestTaxQuote(nc, bad));
    expect(err).toBeInstanceOf(ContractViolationError);
    expect(calls).toHaveLength(0);
  });

  it('turns an error reply into an RpcError with its code and issues; bad input is permanent', async () => {
    const issues = [
      { path: 'buyer.country', rule: 'iso3166', message: 'XX is not an ISO 3166-1 country code' },
    ];
    const { nc } = fakeNats({
      ok: false,
      error: { code: 'INVALID_TAX_REQUEST', message: 'invalid tax quote request: 1 issue', issues },
    });
    const err = await failure(requestTaxQuote(nc, request));
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: 'INVALID_TAX_REQUEST', permanent: true, issues });
    expect(err.message).toBe('tax.quote.v1: invalid tax quote request: 1 issue');
  });

  it('marks service-side failures as worth a retry', async () => {
    const { nc } = fakeNats({ ok: false, error: { code: 'TIMEOUT', message: 'took too long', issues: [] } });
    expect(await failure(requestTaxQuote(nc, request))).toMatchObject({ code: 'TIMEOUT', permanent: false });
  });

  it.each([
    [
      'a timeout',
      new NatsError('TIMEOUT', 'TIMEOUT'),
      'RPC_TIMEOUT',
      'tax.quote.v1: no reply within 5000 ms',
    ],
    [
      'no responders',
      new NatsError('503', '503'),
      'RPC_NO_RESPONDERS',
      'tax.quote.v1: no service is listening',
    ],
    [
      'a closed connection',
      new NatsError('CONNECTION_CLOSED', 'CONNECTION_CLOSED'),
      'RPC_FAILED',
      'tax.quote.v1: CONNECTION_CLOSED',
    ],
    ['anything else', new Error('boom'), 'RPC_FAILED', 'tax.quote.v1: boom'],
  ])('maps %s to a transient RpcError', async (_name, thrown, code, message) => {
    const { nc } = fakeNats(thrown);
    const err = await failure(requestTaxQuote(nc, request));
    expect(err).toMatchObject({ code, permanent: false, message });
  });

  it('refuses a reply that breaks the contract (both a result and an error, or garbage)', async () => {
    const both = fakeNats({ ok: true, quote, error: { code: 'X', message: '', issues: [] } });
    expect(await failure(requestTaxQuote(both.nc, request))).toBeInstanceOf(ContractViolationError);
    const none = fakeNats({ ok: false });
    expect(await failure(requestTaxQuote(none.nc, request))).toBeInstanceOf(ContractViolationError);
    const garbage = fakeNats('not json');
    expect(await failure(requestTaxQuote(garbage.nc, request))).toBeInstanceOf(ContractViolationError);
  });
});

describe('requestFxConversion', () => {
  const conversion: FxConversionV1 = {
    date: '2025-03-01',
    from: 'EUR',
    to: 'USD',
    sourceAmount: '100.00',
    amount: '104.00',
    rate: '1.04',
    method: 'direct',
    effectiveDate: '2025-02-28',
    source: 'ECB',
    legs: [{ base: 'EUR', quote: 'USD', rate: '1.04', effectiveDate: '2025-02-28', source: 'ECB' }],
    rounding: 'half_away_from_zero',
  };
  const fx = { tenantId: 'acme', amount: '100.00', from: 'EUR', to: 'USD', date: '2025-03-01' };

  it('returns the conversion with the rate used', async () => {
    const { nc, calls } = fakeNats({ ok: true, conversion });
    await expect(requestFxConversion(nc, fx)).resolves.toEqual(conversion);
    expect(calls[0]!.subject).toBe('fx.convert.v1');
  });

  it('throws the error reply', async () => {
    const { nc } = fakeNats({
      ok: false,
      error: {
        code: 'FX_RATE_NOT_FOUND',
        message: 'no rate',
        issues: [{ path: 'date', message: 'no rate' }],
      },
    });
    // A missing rate can be imported: worth retrying later, not dead-lettering at once.
    expect(await failure(requestFxConversion(nc, fx))).toMatchObject({
      code: 'FX_RATE_NOT_FOUND',
      permanent: false,
    });
  });
});
