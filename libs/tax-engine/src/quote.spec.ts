import { quoteTax } from './quote';
import { parseTaxQuoteRequest } from './request';
import { describeCases, runCase, sale } from './test/cases';

const line = (id: string, amount: string, extra: object = {}) => ({
  id,
  amount,
  taxBehavior: 'exclusive',
  taxCode: 'saas',
  ...extra,
});

describeCases('inclusive prices', [
  {
    name: 'gross 119.00 at 19%: net 100.00, tax 19.00',
    request: sale({ line: { amount: '119.00', taxBehavior: 'inclusive' } }),
    lines: [{ netAmount: '100.00', taxAmount: '19.00', grossAmount: '119.00' }],
  },
  {
    name: 'gross 10.00 at 19%: net round(8.403...) = 8.40, tax 1.60, gross unchanged',
    request: sale({ line: { amount: '10.00', taxBehavior: 'inclusive' } }),
    lines: [{ netAmount: '8.40', taxAmount: '1.60', grossAmount: '10.00' }],
  },
  {
    name: 'inclusive, reverse charge: nothing to take out',
    request: sale({
      buyer: { country: 'FR', taxId: 'FR40303265045' },
      line: { amount: '10.00', taxBehavior: 'inclusive' },
    }),
    lines: [{ netAmount: '10.00', taxAmount: '0.00', grossAmount: '10.00', treatment: 'reverse_charge' }],
  },
  {
    name: 'JPY has no minor unit: 1000 inclusive at 19% -> net 840',
    request: sale({ currency: 'JPY', line: { amount: '1000', taxBehavior: 'inclusive' } }),
    lines: [{ netAmount: '840', taxAmount: '160', grossAmount: '1000' }],
  },
]);

describeCases('rounding', [
  {
    name: 'per line, half away from zero: 0.05 x 19% = 0.0095 -> 0.01',
    request: sale({ line: { amount: '0.05' } }),
    lines: [{ taxAmount: '0.01' }],
  },
  {
    name: 'per line, a tie: 2.50 x 20% ... 0.125 -> 0.13 (FR, amount 0.625)',
    request: sale({ buyer: { country: 'FR' }, currency: 'BHD', line: { amount: '0.625' } }),
    lines: [{ taxAmount: '0.125' }],
  },
  {
    name: 'per line, a credit: -0.05 x 19% = -0.0095 -> -0.01 (away from zero)',
    request: sale({ line: { amount: '-0.05' } }),
    lines: [{ netAmount: '-0.05', taxAmount: '-0.01', grossAmount: '-0.06' }],
  },
  {
    name: 'per line: three lines of 0.05 at 19% round to 0.01 each (0.03)',
    request: sale({ lines: [line('a', '0.05'), line('b', '0.05'), line('c', '0.05')] }),
    totals: { net: '0.15', tax: '0.03', gross: '0.18' },
    breakdown: [
      { jurisdiction: 'DE', rate: '19', netAmount: '0.15', taxAmount: '0.03', lineIds: ['a', 'b', 'c'] },
    ],
  },
  {
    name: 'per invoice per rate: the same lines round once, 0.0285 -> 0.03, shared out by remainder',
    request: sale({ lines: [line('a', '0.05'), line('b', '0.05'), line('c', '0.05')] }),
    context: { rounding: 'per_invoice_per_rate' },
    lines: [{ taxAmount: '0.01' }, { taxAmount: '0.01' }, { taxAmount: '0.01' }],
    totals: { net: '0.15', tax: '0.03', gross: '0.18' },
  },
  {
    name: 'per invoice per rate: ten lines of 0.02 at 19% -> 0.038 -> 0.04 instead of 0.00 per line',
    request: sale({ lines: Array.from({ length: 10 }, (_, i) => line(`l${i}`, '0.02')) }),
    context: { rounding: 'per_invoice_per_rate' },
    totals: { net: '0.20', tax: '0.04', gross: '0.24' },
    lines: [
      { taxAmount: '0.01' },
      { taxAmount: '0.01' },
      { taxAmount: '0.01' },
      { taxAmount: '0.01' },
      ...Array.from({ length: 6 }, () => ({ taxAmount: '0.00' })),
    ],
  },
  {
    name: 'per line: the same ten lines give 0.00',
    request: sale({ lines: Array.from({ length: 10 }, (_, i) => line(`l${i}`, '0.02')) }),
    totals: { net: '0.20', tax: '0.00', gross: '0.20' },
  },
  {
    name: 'per invoice per rate: inclusive and exclusive lines of one rate share one rounding (1.5966 + 0.0057 -> 1.60)',
    request: sale({ lines: [line('a', '10.00', { taxBehavior: 'inclusive' }), line('b', '0.03')] }),
    context: { rounding: 'per_invoice_per_rate' },
    lines: [
      { netAmount: '8.40', taxAmount: '1.60', grossAmount: '10.00' },
      { netAmount: '0.03', taxAmount: '0.00', grossAmount: '0.03' },
    ],
  },
  {
    name: 'per invoice per rate: a credit and a charge in one group',
    request: sale({ lines: [line('a', '-0.05'), line('b', '0.10')] }),
    context: { rounding: 'per_invoice_per_rate' },
    totals: { net: '0.05', tax: '0.01', gross: '0.06' },
  },
]);

describeCases('several lines, several rates', [
  {
    name: 'saas and ebook to a DE consumer: one breakdown entry per rate',
    request: sale({
      lines: [line('a', '100.00'), line('b', '20.00', { taxCode: 'ebook' }), line('c', '50.00')],
    }),
    totals: { net: '170.00', tax: '29.90', gross: '199.90' },
    breakdown: [
      {
        jurisdiction: 'DE',
        rate: '19',
        treatment: 'standard',
        netAmount: '150.00',
        taxAmount: '28.50',
        grossAmount: '178.50',
        lineIds: ['a', 'c'],
      },
      {
        jurisdiction: 'DE',
        rate: '7',
        treatment: 'reduced',
        netAmount: '20.00',
        taxAmount: '1.40',
        grossAmount: '21.40',
        lineIds: ['b'],
      },
    ],
  },
  {
    name: 'saas and services to a FR consumer: FR (OSS) and DE (Article 45)',
    request: sale({
      buyer: { country: 'FR' },
      lines: [line('a', '100.00'), line('b', '100.00', { taxCode: 'services' })],
    }),
    breakdown: [
      { jurisdiction: 'FR', rate: '20', taxAmount: '20.00' },
      { jurisdiction: 'DE', rate: '19', taxAmount: '19.00' },
    ],
  },
  {
    name: 'EU exempt buyer: 0 with the exemption reference',
    request: sale({ buyer: { country: 'DE', exempt: true, exemptionId: 'Art. 151 cert 2025/17' } }),
    lines: [{ treatment: 'exempt', rate: '0', jurisdiction: 'DE' }],
    noteContains: 'Art. 151 cert 2025/17',
  },
  {
    name: 'an exempt buyer does not change a reverse charge',
    request: sale({ buyer: { country: 'FR', taxId: 'FR40303265045', exempt: true, exemptionId: 'x' } }),
    lines: [{ treatment: 'reverse_charge' }],
  },
  {
    name: 'a zero amount line',
    request: sale({ line: { amount: '0' } }),
    lines: [{ netAmount: '0.00', taxAmount: '0.00', grossAmount: '0.00' }],
  },
]);

describe('the quote', () => {
  it('states its date, currency and rounding', () => {
    const { quote } = runCase({ name: '', request: sale(), context: { rounding: 'per_invoice_per_rate' } });
    expect([quote.date, quote.currency, quote.rounding]).toEqual([
      '2025-03-01',
      'EUR',
      'per_invoice_per_rate',
    ]);
  });

  it('rounds per line when no context is given', () => {
    expect(quoteTax(parseTaxQuoteRequest(sale())).rounding).toBe('per_line');
  });

  it('warns once for the same problem on many lines', () => {
    const { quote } = runCase({
      name: '',
      request: sale({
        buyer: { country: 'FR', taxId: 'FR1' },
        lines: [line('a', '1.00'), line('b', '2.00')],
      }),
    });
    expect(quote.warnings.map((w) => [w.code, w.path])).toEqual([['INVALID_TAX_ID', 'buyer.taxId']]);
    expect(quote.warnings[0]!.message).toContain('FR1 is not a valid FR VAT ID');
  });
});
