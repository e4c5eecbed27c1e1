import { FxCsvError, FxRateNotFoundError, FxRequestError, TaxConfigError } from './errors';
import { checkFxRequest, convert, parseFxCsv, parseFxRates, type FxRate } from './fx';

const ecb = (quote: string, rate: string, effectiveDate: string): FxRate => ({
  base: 'EUR',
  quote,
  rate,
  effectiveDate,
  source: 'ECB',
});

const TABLE: FxRate[] = [
  ecb('USD', '1.0500', '2025-02-27'),
  ecb('USD', '1.0400', '2025-02-28'),
  ecb('JPY', '157.00', '2025-02-28'),
  ecb('GBP', '0.8300', '2025-02-28'),
  ecb('USD', '1.0800', '2025-03-03'),
  { base: 'USD', quote: 'CAD', rate: '1.44', effectiveDate: '2025-02-28', source: 'tenant' },
];

function caught(fn: () => unknown): {
  code?: string;
  issues?: { path: string; rule: string }[];
  message?: string;
} {
  try {
    fn();
  } catch (err) {
    return err as { code: string };
  }
  throw new Error('expected an error');
}

describe('convert', () => {
  it.each([
    [
      'direct EUR -> USD, the latest rate on or before the date',
      '100.00',
      'EUR',
      'USD',
      '2025-03-02',
      { amount: '104.00', rate: '1.04', method: 'direct', effectiveDate: '2025-02-28' },
    ],
    [
      'direct on the effective date itself',
      '100.00',
      'EUR',
      'USD',
      '2025-03-03',
      { amount: '108.00', rate: '1.08' },
    ],
    [
      'inverse USD -> EUR: 1 / 1.04, to 15 significant digits',
      '104.00',
      'USD',
      'EUR',
      '2025-03-01',
      { amount: '100.00', rate: '0.961538461538462', method: 'inverse' },
    ],
    [
      'cross USD -> JPY through EUR: 157 / 1.04',
      '10.00',
      'USD',
      'JPY',
      '2025-03-01',
      { amount: '1510', rate: '150.961538461538', method: 'cross', via: 'EUR' },
    ],
    [
      'cross GBP -> USD',
      '83.00',
      'GBP',
      'USD',
      '2025-02-28',
      { amount: '104.00', method: 'cross', via: 'EUR' },
    ],
    [
      'a direct rate under another base (USD -> CAD)',
      '10.00',
      'USD',
      'CAD',
      '2025-03-01',
      { amount: '14.40', method: 'direct', source: 'tenant' },
    ],
    [
      'identity: same currency, rate 1, rounded to its units',
      '12.345',
      'EUR',
      'EUR',
      '2025-03-01',
      { amount: '12.35', rate: '1', method: 'identity', legs: [] },
    ],
    ['a credit rounds away from zero', '-0.005', 'EUR', 'EUR', '2025-03-01', { amount: '-0.01' }],
    [
      'half away from zero on the converted amount: 0.0625 x 1.04 = 0.065 -> 0.07',
      '0.0625',
      'EUR',
      'USD',
      '2025-03-01',
      { amount: '0.07' },
    ],
    ['JPY has no minor unit: 0.25 x 157 = 39.25 -> 39', '0.25', 'EUR', 'JPY', '2025-02-28', { amount: '39' }],
  ] as const)('%s', (_name, amount, from, to, date, expected) => {
    expect(convert(amount, from, to, TABLE, date)).toMatchObject(expected);
  });

  it('records the rates it used, so an invoice can show them', () => {
    expect(convert('10.00', 'USD', 'JPY', TABLE, '2025-03-01')).toEqual({
      date: '2025-03-01',
      from: 'USD',
      to: 'JPY',
      sourceAmount: '10.00',
      amount: '1510',
      rate: '150.961538461538',
      method: 'cross',
      via: 'EUR',
      effectiveDate: '2025-02-28',
      source: 'ECB',
      legs: [ecb('USD', '1.0400', '2025-02-28'), ecb('JPY', '157.00', '2025-02-28')],
      rounding: 'half_away_from_zero',
    });
  });

  it('prefers the newest rate, then direct over inverse over cross, then EUR as the common base', () => {
    const table: FxRate[] = [
      { base: 'USD', quote: 'JPY', rate: '150', effectiveDate: '2025-02-27', source: 'old direct' },
      { base: 'JPY', quote: 'USD', rate: '0.0066', effectiveDate: '2025-02-28', source: 'inverse' },
      ecb('USD', '1.04', '2025-02-28'),
      ecb('JPY', '157', '2025-02-28'),
      { base: 'CHF', quote: 'USD', rate: '1.1', effectiveDate: '2025-02-28', source: 'chf' },
      { base: 'CHF', quote: 'JPY', rate: '165', effectiveDate: '2025-02-28', source: 'chf' },
      { base: 'AUD', quote: 'USD', rate: '0.6', effectiveDate: '2025-02-28', source: 'aud' },
      { base: 'AUD', quote: 'JPY', rate: '95', effectiveDate: '2025-02-28', source: 'aud' },
    ];
    expect(convert('1', 'USD', 'JPY', table, '2025-03-01')).toMatchObject({
      method: 'inverse',
      source: 'inverse',
    });
    expect(convert('1', 'USD', 'JPY', table.slice(2), '2025-03-01')).toMatchObject({
      method: 'cross',
      via: 'EUR',
    });
    expect(convert('1', 'USD', 'JPY', table.slice(4), '2025-03-01')).toMatchObject({
      method: 'cross',
      via: 'AUD',
    });
    expect(convert('1', 'USD', 'JPY', table.slice(0, 1), '2025-03-01')).toMatchObject({
      method: 'direct',
      rate: '150',
    });
    expect(
      convert('1', 'USD', 'JPY', [table[0]!, { ...table[1]!, effectiveDate: '2025-02-27' }], '2025-03-01'),
    ).toMatchObject({ method: 'direct' });
  });

  it('a cross rate is as old as its older leg', () => {
    const table = [ecb('USD', '1.04', '2025-02-26'), ecb('JPY', '157', '2025-02-28')];
    expect(convert('1', 'USD', 'JPY', table, '2025-03-01').effectiveDate).toBe('2025-02-26');
    expect(convert('1', 'JPY', 'USD', [table[1]!, table[0]!], '2025-03-01').effectiveDate).toBe('2025-02-26');
  });

  it('names the source of each leg when they differ', () => {
    const table = [
      ecb('USD', '1.04', '2025-02-28'),
      { ...ecb('JPY', '157', '2025-02-28'), source: 'tenant' },
    ];
    expect(convert('1', 'USD', 'JPY', table, '2025-03-01').source).toBe('ECB; tenant');
  });

  it('refuses a pair it has no rate for, and a stale rate', () => {
    const none = caught(() => convert('1', 'EUR', 'CHF', TABLE, '2025-03-01'));
    expect(none).toBeInstanceOf(FxRateNotFoundError);
    expect(none).toMatchObject({ code: 'FX_RATE_NOT_FOUND', issues: [{ path: 'date', rule: 'coverage' }] });
    expect(none.message).toContain('no EUR/CHF rate on or before 2025-03-01');
    expect(caught(() => convert('1', 'EUR', 'USD', TABLE, '2025-02-01')).message).toContain(
      'no EUR/USD rate on or before 2025-02-01',
    );
    const stale = caught(() => convert('1', 'EUR', 'USD', TABLE, '2025-03-20'));
    expect(stale.message).toContain('from 2025-03-03, 17 days old (at most 7 allowed)');
    expect(convert('1', 'EUR', 'USD', TABLE, '2025-03-20', { maxAgeDays: 31 }).rate).toBe('1.08');
  });

  it('checks a request before any rate is looked up', () => {
    expect(checkFxRequest('10.5', 'EUR', 'USD', '2025-03-01').toFixed()).toBe('10.5');
    expect(caught(() => checkFxRequest('x', 'EUR', 'USD', '2025-03-01')).issues).toEqual([
      expect.objectContaining({ path: 'amount' }),
    ]);
  });

  it('names every malformed field', () => {
    const e = caught(() => convert('1,5', 'eur', 'XXX', TABLE, '2025-02-30', { maxAgeDays: -1 }));
    expect(e).toBeInstanceOf(FxRequestError);
    expect(e.issues!.map((i) => [i.path, i.rule])).toEqual([
      ['amount', 'decimal_string'],
      ['from', 'iso4217'],
      ['to', 'iso4217'],
      ['date', 'date'],
      ['maxAgeDays', 'range'],
    ]);
    expect(caught(() => convert('1', 7 as unknown as string, 'EUR', TABLE, '2025-01-01')).issues).toEqual([
      { path: 'from', rule: 'iso4217', message: 'must be an ISO 4217 currency code, not number 7' },
    ]);
  });
});

describe('parseFxCsv', () => {
  it('reads the ECB history file (ISO dates, N/A, trailing comma), skipping withdrawn currencies', () => {
    const csv = 'Date,USD,JPY,CYP,\n2025-02-28,1.0400,157.00,N/A,\n2025-02-27,1.0500,158.50,N/A,\n';
    const r = parseFxCsv(csv);
    expect(r.currencies).toEqual(['USD', 'JPY']);
    expect(r.skipped).toEqual(['CYP']);
    expect([r.firstDate, r.lastDate]).toEqual(['2025-02-27', '2025-02-28']);
    expect(r.rates).toEqual([
      {
        base: 'EUR',
        quote: 'USD',
        rate: '1.04',
        effectiveDate: '2025-02-28',
        source: 'ECB euro foreign exchange reference rates',
      },
      {
        base: 'EUR',
        quote: 'JPY',
        rate: '157',
        effectiveDate: '2025-02-28',
        source: 'ECB euro foreign exchange reference rates',
      },
      {
        base: 'EUR',
        quote: 'USD',
        rate: '1.05',
        effectiveDate: '2025-02-27',
        source: 'ECB euro foreign exchange reference rates',
      },
      {
        base: 'EUR',
        quote: 'JPY',
        rate: '158.5',
        effectiveDate: '2025-02-27',
        source: 'ECB euro foreign exchange reference rates',
      },
    ]);
  });

  it('reads the ECB daily file ("05 March 2025", spaces, CRLF, BOM) with a chosen base and source', () => {
    const csv = '\uFEFFDate, USD, JPY, \r\n05 March 2025, 1.0694, 159.35, \r\n';
    const r = parseFxCsv(csv, { source: 'ECB daily', base: 'EUR' });
    expect(r.rates.map((x) => [x.quote, x.rate, x.effectiveDate, x.source])).toEqual([
      ['USD', '1.0694', '2025-03-05', 'ECB daily'],
      ['JPY', '159.35', '2025-03-05', 'ECB daily'],
    ]);
    expect(parseFxCsv('Date,EUR\n2025-01-02,0.96', { base: 'USD' }).rates[0]).toMatchObject({
      base: 'USD',
      quote: 'EUR',
    });
  });

  it('skips empty cells and blank lines', () => {
    expect(parseFxCsv('Date,USD,JPY\n\n2025-01-02,,160\n').rates).toHaveLength(1);
    expect(parseFxCsv('Date,USD,JPY\n2025-01-02,1.04').rates).toHaveLength(1);
  });

  it('names the line and column of every problem', () => {
    const csv = [
      'Date,USD,usd,EUR,USD',
      '2025-01-02,abc,1,1,1',
      '02 Smarch 2025,1',
      '2025-01-02,1',
      '2025-01-03,0',
    ].join('\n');
    const e = caught(() => parseFxCsv(csv));
    expect(e).toBeInstanceOf(FxCsvError);
    expect(e.code).toBe('INVALID_FX_CSV');
    expect(e.issues!.map((i) => [i.path, i.rule])).toEqual([
      ['line 1, column 3', 'csv'],
      ['line 1, EUR', 'csv'],
      ['line 1, USD', 'csv'],
      ['line 2, USD', 'csv'],
      ['line 3, Date', 'date'],
      ['line 4, Date', 'unique'],
      ['line 5, USD', 'csv'],
    ]);
  });

  it('refuses a file without a Date header, without rates, or with a bad base', () => {
    expect(caught(() => parseFxCsv('USD,JPY\n1,2')).issues).toEqual([
      expect.objectContaining({ path: 'line 1' }),
    ]);
    expect(caught(() => parseFxCsv('')).issues).toEqual([expect.objectContaining({ path: 'line 1' })]);
    expect(caught(() => parseFxCsv('Date,USD\n')).issues).toEqual([
      expect.objectContaining({ path: '', message: 'has no rates' }),
    ]);
    expect(caught(() => parseFxCsv('Date,USD\n2025-01-02,1', { base: 'EURO' })).issues).toEqual([
      expect.objectContaining({ path: 'base' }),
    ]);
    expect(caught(() => parseFxCsv('Date,USD\n31 February 2025,1')).issues).toEqual([
      expect.objectContaining({ path: 'line 2, Date' }),
    ]);
    expect(caught(() => parseFxCsv('Date,USD\nyesterday,1')).issues).toEqual([
      expect.objectContaining({ path: 'line 2, Date' }),
    ]);
  });

  it('stops at 50 problems', () => {
    const csv = [
      'Date,USD',
      ...Array.from({ length: 80 }, (_, i) => `2024-01-${String((i % 28) + 1).padStart(2, '0')},x`),
    ].join('\n');
    expect(caught(() => parseFxCsv(csv)).issues).toHaveLength(50);
  });
});

describe('parseFxRates', () => {
  it('accepts stored rates', () => {
    expect(parseFxRates([ecb('USD', '1.04', '2025-02-28')])).toEqual([ecb('USD', '1.04', '2025-02-28')]);
  });

  it('names every bad field', () => {
    const e = caught(() =>
      parseFxRates([
        { base: 'EUR', quote: 'EUR', rate: '0', effectiveDate: '2025-02-30', source: '' },
        { base: 'EUX', rate: 'x', effectiveDate: '2025-01-01', source: 's', extra: 1 },
        'row',
      ]),
    );
    expect(e).toBeInstanceOf(TaxConfigError);
    expect(e.issues!.map((i) => [i.path, i.rule])).toEqual([
      ['[0].quote', 'range'],
      ['[0].rate', 'range'],
      ['[0].effectiveDate', 'date'],
      ['[0].source', 'type'],
      ['[1].extra', 'unknown_field'],
      ['[1].base', 'iso4217'],
      ['[1].quote', 'required'],
      ['[1].rate', 'decimal_string'],
      ['[2]', 'type'],
    ]);
    expect(caught(() => parseFxRates({})).issues).toEqual([
      expect.objectContaining({ path: '', rule: 'type' }),
    ]);
  });
});
