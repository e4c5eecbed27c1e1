import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIo } from '../command';
import { runCli } from '../main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

const request = (p: Record<string, unknown> = {}) => ({
  date: '2025-03-01',
  currency: 'EUR',
  seller: { country: 'DE', taxId: 'DE136695976' },
  buyer: { country: 'FR' },
  lines: [
    { id: 'saas', amount: '100.00', taxBehavior: 'exclusive', taxCode: 'saas' },
    { id: 'book', amount: '10.55', taxBehavior: 'inclusive', taxCode: 'ebook' },
  ],
  ...p,
});

describe('mu tax quote', () => {
  let dir: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  async function mu(...argv: string[]) {
    const c = capture();
    const code = await runCli(['tax', 'quote', ...argv], c.io);
    return { code, out: c.out(), err: c.err() };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mu-tax-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the quote as JSON: lines, totals, breakdown and warnings', async () => {
    const r = await mu('--request', file('req.json', request()));
    expect([r.code, r.err]).toEqual([0, '']);
    const q = JSON.parse(r.out) as Record<string, unknown>;
    expect(q).toMatchObject({
      currency: 'EUR',
      rounding: 'per_line',
      netTotal: '110.00',
      taxTotal: '20.55',
      grossTotal: '130.55',
      lines: [
        {
          id: 'saas',
          rate: '20',
          jurisdiction: 'FR',
          treatment: 'standard',
          netAmount: '100.00',
          taxAmount: '20.00',
          grossAmount: '120.00',
        },
        {
          id: 'book',
          rate: '5.5',
          jurisdiction: 'FR',
          treatment: 'reduced',
          netAmount: '10.00',
          taxAmount: '0.55',
          grossAmount: '10.55',
        },
      ],
      breakdown: [
        { jurisdiction: 'FR', rate: '20', treatment: 'standard', taxAmount: '20.00' },
        { jurisdiction: 'FR', rate: '5.5', treatment: 'reduced', taxAmount: '0.55' },
      ],
      warnings: [],
    });
  });

  it('applies a tenant rates file (overrides, rounding)', async () => {
    const rates = file('rates.json', {
      rateOverrides: [{ country: 'FR', rate: '21', validFrom: '2025-01-01', note: 'what if' }],
      rounding: 'per_invoice_per_rate',
    });
    const r = await mu('--request', file('req2.json', request()), '--tenant-rates', rates);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      rounding: 'per_invoice_per_rate',
      lines: [{ rate: '21', rateSource: 'tenant' }, { rate: '5.5' }],
    });
  });

  it('names every bad field of the request on stderr and exits 2', async () => {
    const path = file(
      'bad.json',
      request({
        currency: 'EUX',
        buyer: { country: 'XX' },
        lines: [{ id: 'a', amount: '1,00', taxBehavior: 'exclusive' }],
      }),
    );
    const r = await mu('--request', path);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toContain(`mu tax quote: ${path}: invalid tax quote request: 3 issues`);
    expect(r.err).toContain('currency: EUX is not an ISO 4217 currency code [iso4217]');
    expect(r.err).toContain('buyer.country: XX is not an ISO 3166-1 country code [iso3166]');
    expect(r.err).toContain(
      'lines[0].amount: must be a decimal string such as "12.50", not "1,00" [decimal_string]',
    );
  });

  it('names a date no rate covers', async () => {
    const r = await mu('--request', file('old.json', request({ date: '2019-06-01' })));
    expect(r.code).toBe(2);
    expect(r.err).toContain('date: no FR rate on 2019-06-01');
  });

  it('names every bad field of the tenant rates file', async () => {
    const rates = file('badrates.json', {
      rateOverrides: [{ country: 'DE', rate: 'high', validFrom: '2025-01-01' }],
      rounding: 'sometimes',
    });
    const r = await mu('--request', file('req3.json', request()), '--tenant-rates', rates);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toContain(`${rates}: invalid tax configuration: 2 issues`);
    expect(r.err).toContain('rateOverrides[0].rate: must be a decimal string');
    expect(r.err).toContain('rounding: must be one of "per_line", "per_invoice_per_rate"');
  });

  it.each([
    [
      'no --request',
      [],
      'mu tax quote: --request is required\nusage: mu tax quote --request FILE [--tenant-rates FILE]\n',
    ],
    [
      'a missing file',
      ['--request', '/nonexistent/req.json'],
      'mu tax quote: cannot read --request /nonexistent/req.json: ENOENT\n',
    ],
    [
      'a stray argument',
      ['--request', 'x.json', 'extra'],
      "mu tax quote: unexpected argument 'extra'\nusage: mu tax quote --request FILE [--tenant-rates FILE]\n",
    ],
    ['an unknown option', ['--requets', 'x.json'], "Unknown option '--requets'"],
  ])('refuses %s (exit 2)', async (_name, argv, message) => {
    const r = await mu(...argv);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toContain(message);
  });

  it('refuses files that are not JSON (exit 2)', async () => {
    let r = await mu('--request', file('broken.json', '{"date": '));
    expect(r.code).toBe(2);
    expect(r.err).toContain('is not valid JSON');
    r = await mu('--request', file('req4.json', request()), '--tenant-rates', file('broken2.json', 'nope'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--tenant-rates');
    r = await mu('--request', file('req5.json', request()), '--tenant-rates', join(dir, 'missing.json'));
    expect(r.err).toContain('cannot read --tenant-rates');
  });
});
