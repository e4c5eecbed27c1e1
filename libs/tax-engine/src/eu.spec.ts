import { EU_MEMBER_STATES } from './data/countries';
import { EU_VAT_RATES } from './data/eu-vat-rates';
import { describeCases, sale } from './test/cases';

const FR_BUSINESS = { country: 'FR', taxId: 'FR40303265045' };

describeCases('EU VAT: domestic supplies', [
  {
    name: 'DE seller, DE consumer: 19%',
    request: sale(),
    lines: [
      {
        rate: '19',
        jurisdiction: 'DE',
        treatment: 'standard',
        netAmount: '100.00',
        taxAmount: '19.00',
        grossAmount: '119.00',
        rateSource: 'dataset',
      },
    ],
    totals: { net: '100.00', tax: '19.00', gross: '119.00' },
    breakdown: [
      {
        jurisdiction: 'DE',
        rate: '19',
        treatment: 'standard',
        netAmount: '100.00',
        taxAmount: '19.00',
        lineIds: ['l1'],
      },
    ],
    noteContains: 'Domestic supply: DE VAT',
  },
  {
    name: 'DE seller, DE business with a valid VAT ID: still 19% (no reverse charge at home)',
    request: sale({ buyer: { country: 'DE', taxId: 'DE 136 695 976' } }),
    lines: [{ rate: '19', treatment: 'standard' }],
  },
  {
    name: 'FR seller, FR consumer: 20%',
    request: sale({ seller: { country: 'FR', taxId: 'FR40303265045' }, buyer: { country: 'FR' } }),
    lines: [{ rate: '20', jurisdiction: 'FR', taxAmount: '20.00' }],
  },
  {
    name: 'ebook at the reduced rate: DE 7%',
    request: sale({ line: { taxCode: 'ebook' } }),
    lines: [{ rate: '7', treatment: 'reduced', taxAmount: '7.00' }],
    noteContains: 'reduced rate for ebook',
  },
  {
    name: 'ebook zero-rated: IE 0% from 2025',
    request: sale({
      seller: { country: 'IE', taxId: 'IE6433435F' },
      buyer: { country: 'IE' },
      line: { taxCode: 'ebook' },
    }),
    lines: [{ rate: '0', treatment: 'reduced', taxAmount: '0.00' }],
    noteContains: 'zero rate for ebook',
  },
  {
    name: 'ebook in DK: no reduced rate, standard 25%',
    request: sale({
      seller: { country: 'DK', taxId: 'DK13585628' },
      buyer: { country: 'DK' },
      line: { taxCode: 'ebook' },
    }),
    lines: [{ rate: '25', treatment: 'standard' }],
  },
  {
    name: 'a line without a tax code is saas',
    request: sale({ lines: [{ id: 'a', amount: '10.00', taxBehavior: 'exclusive' }] }),
    lines: [{ taxCode: 'saas', rate: '19' }],
  },
  {
    name: 'Monaco is taxed as France',
    request: sale({ seller: { country: 'FR', taxId: 'FR40303265045' }, buyer: { country: 'MC' } }),
    lines: [{ rate: '20', jurisdiction: 'FR', treatment: 'standard' }],
  },
]);

describeCases('EU VAT: cross-border within the EU', [
  {
    name: 'B2C digital service DE -> FR: the buyer country rate (OSS)',
    request: sale({ buyer: { country: 'FR' } }),
    lines: [{ rate: '20', jurisdiction: 'FR', treatment: 'standard', taxAmount: '20.00' }],
    noteContains: 'OSS',
  },
  {
    name: 'B2C ebook DE -> FR: the buyer country reduced rate',
    request: sale({ buyer: { country: 'FR' }, line: { taxCode: 'ebook' } }),
    lines: [{ rate: '5.5', jurisdiction: 'FR', treatment: 'reduced', taxAmount: '5.50' }],
  },
  {
    name: 'B2C non-digital service DE -> FR: the supplier country rate (Article 45)',
    request: sale({ buyer: { country: 'FR' }, line: { taxCode: 'services' } }),
    lines: [{ rate: '19', jurisdiction: 'DE', treatment: 'standard' }],
    noteContains: 'Article 45',
  },
  {
    name: 'B2B with a valid VAT ID: reverse charge, 0, with the legal note',
    request: sale({ buyer: FR_BUSINESS }),
    lines: [
      {
        rate: '0',
        jurisdiction: 'FR',
        treatment: 'reverse_charge',
        taxAmount: '0.00',
        grossAmount: '100.00',
        rateSource: 'none',
      },
    ],
    breakdown: [
      { jurisdiction: 'FR', rate: '0', treatment: 'reverse_charge', netAmount: '100.00', taxAmount: '0.00' },
    ],
    noteContains:
      'Reverse charge: VAT to be accounted for by the customer (Article 196, Council Directive 2006/112/EC). Customer VAT ID FR40303265045',
  },
  {
    name: 'B2B non-digital service: reverse charge too',
    request: sale({ buyer: FR_BUSINESS, line: { taxCode: 'services' } }),
    lines: [{ treatment: 'reverse_charge' }],
  },
  {
    name: 'Greek VAT IDs carry the EL prefix; GR is accepted and normalised',
    request: sale({ buyer: { country: 'GR', taxId: 'GR094259216' } }),
    lines: [{ treatment: 'reverse_charge', jurisdiction: 'GR' }],
    noteContains: 'Customer VAT ID EL094259216',
  },
  {
    name: 'a VAT ID without its prefix is accepted (AT)',
    request: sale({ buyer: { country: 'AT', taxId: 'U13585627' } }),
    lines: [{ treatment: 'reverse_charge' }],
    noteContains: 'ATU13585627',
  },
  {
    name: 'invalid VAT ID (checksum): treated as B2C, with a warning',
    request: sale({ buyer: { country: 'FR', taxId: 'FR40303265046' } }),
    lines: [{ rate: '20', jurisdiction: 'FR', treatment: 'standard' }],
    warnings: ['INVALID_TAX_ID'],
  },
  {
    name: 'a VAT ID of another country: treated as B2C, with a warning',
    request: sale({ buyer: { country: 'FR', taxId: 'DE136695976' } }),
    lines: [{ rate: '20', treatment: 'standard' }],
    warnings: ['INVALID_TAX_ID'],
  },
  {
    name: 'an invalid seller VAT ID is warned about, the tax does not change',
    request: sale({ seller: { country: 'DE', taxId: 'DE000000000' } }),
    lines: [{ rate: '19' }],
    warnings: ['INVALID_TAX_ID'],
  },
  {
    name: 'the Canary Islands are outside the EU VAT area (by postal code)',
    request: sale({ buyer: { country: 'ES', postalCode: '35001' } }),
    lines: [{ rate: '0', jurisdiction: 'ES', treatment: 'out_of_scope' }],
    noteContains: 'the Canary Islands',
  },
  {
    name: 'a mainland Spanish postal code is in the EU VAT area',
    request: sale({ buyer: { country: 'ES', postalCode: '28001' } }),
    lines: [{ rate: '21', jurisdiction: 'ES' }],
  },
]);

describeCases('EU VAT: buyers outside the EU', [
  {
    name: 'EU seller, consumer in JP: out of scope (Article 59)',
    request: sale({ buyer: { country: 'JP' } }),
    lines: [{ rate: '0', jurisdiction: 'JP', treatment: 'out_of_scope', rateSource: 'none' }],
    noteContains: 'Outside the scope of EU VAT: the place of supply (JP) is outside the EU (Article 59',
  },
  {
    name: 'EU seller, business in the US, not registered there: out of scope',
    request: sale({ buyer: { country: 'US', region: 'NY', taxId: '12-3456789' } }),
    lines: [{ rate: '0', jurisdiction: 'US-NY', treatment: 'out_of_scope' }],
  },
  {
    name: 'EU seller, business in JP (tax id given): out of scope (Article 44)',
    request: sale({ buyer: { country: 'JP', taxId: 'T1234567890123' } }),
    lines: [{ treatment: 'out_of_scope' }],
    noteContains: 'Article 44',
  },
  {
    name: 'US seller, consumer in JP: no rules for JP',
    request: sale({ seller: { country: 'US', region: 'NY', taxId: undefined }, buyer: { country: 'JP' } }),
    lines: [{ treatment: 'out_of_scope', jurisdiction: 'JP' }],
    noteContains: 'No tax charged: no tax rules for JP',
  },
  {
    name: 'EU seller registered in JP: still no rules for JP, with a warning',
    request: sale({ seller: { registrations: ['JP'] }, buyer: { country: 'JP' } }),
    lines: [{ treatment: 'out_of_scope' }],
    warnings: ['NO_TAX_RULES'],
  },
  {
    name: 'EU seller, UK consumer, registered in GB: UK VAT 20%',
    request: sale({ seller: { registrations: ['GB'] }, buyer: { country: 'GB' } }),
    lines: [{ rate: '20', jurisdiction: 'GB', treatment: 'standard' }],
  },
  {
    name: 'EU seller, UK consumer, not registered: out of scope with a warning',
    request: sale({ buyer: { country: 'GB' } }),
    lines: [{ rate: '0', jurisdiction: 'GB', treatment: 'out_of_scope' }],
    warnings: ['SELLER_NOT_REGISTERED'],
  },
]);

describeCases('EU VAT: rates are effective-dated', [
  {
    name: 'FI 24% until 2024-08-31',
    request: sale({ date: '2024-08-31', buyer: { country: 'FI' } }),
    lines: [{ rate: '24' }],
  },
  {
    name: 'FI 25.5% from 2024-09-01',
    request: sale({ date: '2024-09-01', buyer: { country: 'FI' } }),
    lines: [{ rate: '25.5', taxAmount: '25.50' }],
  },
  {
    name: 'IE 21% in February 2021',
    request: sale({ date: '2021-02-28', buyer: { country: 'IE' } }),
    lines: [{ rate: '21' }],
  },
  {
    name: 'IE 23% from March 2021',
    request: sale({ date: '2021-03-01', buyer: { country: 'IE' } }),
    lines: [{ rate: '23' }],
  },
  {
    name: 'LU 16% in 2023',
    request: sale({ date: '2023-06-30', buyer: { country: 'LU' } }),
    lines: [{ rate: '16' }],
  },
  {
    name: 'LU 17% again in 2024',
    request: sale({ date: '2024-01-01', buyer: { country: 'LU' } }),
    lines: [{ rate: '17' }],
  },
  {
    name: 'EE 22% in 2024',
    request: sale({ date: '2024-12-31', buyer: { country: 'EE' } }),
    lines: [{ rate: '22' }],
  },
  {
    name: 'EE 24% from 2025-07-01',
    request: sale({ date: '2025-07-01', buyer: { country: 'EE' } }),
    lines: [{ rate: '24' }],
  },
  {
    name: 'SK 20% in 2024',
    request: sale({ date: '2024-12-31', buyer: { country: 'SK' } }),
    lines: [{ rate: '20' }],
  },
  {
    name: 'SK 23% from 2025',
    request: sale({ date: '2025-01-01', buyer: { country: 'SK' } }),
    lines: [{ rate: '23' }],
  },
  {
    name: 'RO 19% until July 2025',
    request: sale({ date: '2025-07-31', buyer: { country: 'RO' } }),
    lines: [{ rate: '19' }],
  },
  {
    name: 'RO 21% from 2025-08-01',
    request: sale({ date: '2025-08-01', buyer: { country: 'RO' } }),
    lines: [{ rate: '21' }],
  },
  {
    name: 'a date before the shipped table is refused, naming the date',
    request: sale({ date: '2020-12-31' }),
    error: { code: 'INVALID_TAX_REQUEST', issues: [{ path: 'date', rule: 'coverage' }] },
  },
  {
    name: 'a tenant rate for one tax code (DE ebook 5%): reduced, from the tenant',
    request: sale({ line: { taxCode: 'ebook' } }),
    context: { rateOverrides: [{ country: 'DE', taxCode: 'ebook', rate: '5', validFrom: '2025-01-01' }] },
    lines: [{ rate: '5', treatment: 'reduced', rateSource: 'tenant' }],
  },
  {
    name: 'a tenant rate for one tax code at the standard rate is not reduced',
    request: sale({ line: { taxCode: 'ebook' } }),
    context: { rateOverrides: [{ country: 'DE', taxCode: 'ebook', rate: '19', validFrom: '2025-01-01' }] },
    lines: [{ rate: '19', treatment: 'standard', rateSource: 'tenant' }],
  },
  {
    name: 'a standard-rate override leaves code-specific shipped rates alone',
    request: sale({
      lines: [
        { id: 'a', amount: '100.00', taxBehavior: 'exclusive' },
        { id: 'b', amount: '100.00', taxBehavior: 'exclusive', taxCode: 'ebook' },
      ],
    }),
    context: { rateOverrides: [{ country: 'DE', rate: '20', validFrom: '2025-01-01' }] },
    lines: [
      { rate: '20', rateSource: 'tenant' },
      { rate: '7', rateSource: 'dataset', treatment: 'reduced' },
    ],
  },
  {
    name: 'the newest of several overrides in force wins; expired ones are ignored',
    request: sale(),
    context: {
      rateOverrides: [
        { country: 'DE', rate: '18', validFrom: '2024-01-01' },
        { country: 'DE', rate: '17', validFrom: '2025-02-01' },
        { country: 'DE', rate: '16', validFrom: '2023-01-01', validTo: '2025-02-28' },
        { country: 'DE', rate: '15', validFrom: '2025-03-02' },
        { country: 'FR', rate: '1', validFrom: '2025-01-01' },
      ],
    },
    lines: [{ rate: '17', rateSource: 'tenant' }],
  },
  {
    name: 'only a code-specific override before the shipped table: taxed at it, not called reduced',
    request: sale({ date: '2020-06-01', line: { taxCode: 'ebook' } }),
    context: { rateOverrides: [{ country: 'DE', taxCode: 'ebook', rate: '7', validFrom: '2020-01-01' }] },
    lines: [{ rate: '7', treatment: 'standard', rateSource: 'tenant' }],
  },
  {
    name: 'a tenant override covers a date before the shipped table',
    request: sale({ date: '2020-07-01' }),
    context: {
      rateOverrides: [{ country: 'DE', rate: '16', validFrom: '2020-07-01', validTo: '2020-12-31' }],
    },
    lines: [{ rate: '16', rateSource: 'tenant', taxAmount: '16.00' }],
  },
]);

// Every member state: a consumer there pays that state's standard rate (OSS) on a digital service.
describeCases(
  'EU VAT: OSS rate of all 27 member states',
  EU_MEMBER_STATES.map((country) => {
    const rate = EU_VAT_RATES[country].filter((p) => p.from <= '2025-03-01').at(-1)!.standard;
    return {
      name: `DE seller, consumer in ${country}: ${rate}%`,
      request: sale({ buyer: { country } }),
      lines: [{ rate, jurisdiction: country, treatment: 'standard' as const }],
    };
  }),
);
