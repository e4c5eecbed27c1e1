import type { InvoiceVerification } from '@mu/billing';
import type { CommandIo } from '../command';
import { runCli } from '../main';
import { invoiceVerifyCommand, renderVerification } from './invoice';

const verification = (matches: boolean): InvoiceVerification => ({
  invoiceId: 'inv_1',
  number: 'MU-2026-000001',
  status: 'finalized',
  currency: 'EUR',
  periodStart: '2026-01-01T00:00:00.000Z',
  periodEnd: '2026-02-01T00:00:00.000Z',
  matches,
  lines: [
    {
      type: 'usage',
      chargeKey: 'calls',
      description: 'API calls',
      periodStart: '2026-01-01T00:00:00.000Z',
      periodEnd: '2026-02-01T00:00:00.000Z',
      stored: { quantity: '4', amount: '0.03' },
      adjustedLater: matches ? { quantity: '1', amount: '0.02' } : null,
      computed: { quantity: '5', amount: '0.05' },
      matches,
    },
  ],
  differences: matches
    ? []
    : [
        {
          chargeKey: 'calls',
          type: 'usage',
          periodStart: '2026-01-01T00:00:00.000Z',
          field: 'quantity',
          stored: '4',
          computed: '5',
          message: 'usage line calls: quantity stored 4, recomputed 5',
        },
      ],
  subtotal: { stored: '30.03', computed: '30.05' },
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const sink: CommandIo = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  return { sink, out: () => out.join(''), err: () => err.join('') };
}

describe('mu invoice verify', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
    jest.restoreAllMocks();
  });

  it('prints stored (with later adjustments) beside recomputed, line by line', () => {
    const text = renderVerification(verification(true));
    expect(text).toContain('invoice MU-2026-000001 inv_1 finalized');
    expect(text).toMatch(
      /usage\s+calls\s+2026-01-01\.\.2026-02-01\s+4\s+0\.03 \(\+1 \/ \+0\.02 later\)\s+5\s+0\.05\s+ok/,
    );
    expect(text).toContain('the invoice matches its events');
  });

  it('asks GET /v1/invoices/{id}/verify and exits 1 on a difference', async () => {
    process.env.MU_API_URL = 'http://mu.test';
    process.env.MU_API_KEY = 'mu_sk_test';
    const fetchMock = jest
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(new Response(JSON.stringify(verification(false)), { status: 200 }));
    const o = io();
    expect(await runCli(['invoice', 'verify', 'inv_1'], o.sink, [invoiceVerifyCommand])).toBe(1);
    expect(fetchMock).toHaveBeenCalledWith('http://mu.test/v1/invoices/inv_1/verify', expect.anything());
    expect(o.out()).toMatch(/DIFFERS/);
    expect(o.out()).toContain('difference: usage line calls: quantity stored 4, recomputed 5');
    expect(o.err()).toBe('mu invoice verify: 1 difference between invoice MU-2026-000001 and its events\n');

    fetchMock.mockResolvedValue(new Response(JSON.stringify(verification(true)), { status: 200 }));
    const ok = io();
    expect(await runCli(['invoice', 'verify', 'inv_1', '--json'], ok.sink, [invoiceVerifyCommand])).toBe(0);
    expect(JSON.parse(ok.out())).toMatchObject({ matches: true });
  });

  it('refuses a missing or odd id (exit 2)', async () => {
    const o = io();
    expect(await runCli(['invoice', 'verify'], o.sink, [invoiceVerifyCommand])).toBe(2);
    expect(await runCli(['invoice', 'verify', '../x'], o.sink, [invoiceVerifyCommand])).toBe(2);
    expect(o.err()).toContain('../x is not an invoice id');
  });
});
