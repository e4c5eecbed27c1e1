import { describeCases, sale } from './test/cases';

const gbSeller = { country: 'GB', taxId: 'GB980780684' };
const chSeller = { country: 'CH', taxId: 'CHE-107.787.577 MWST' };
const auSeller = { country: 'AU', taxId: '83914571673' };
const caSeller = { country: 'CA', taxId: '123456782RT0001' };
const deSeller = { country: 'DE', taxId: 'DE136695976' };

describeCases('UK VAT', [
  {
    name: 'GB seller, GB consumer: 20%',
    request: sale({ seller: gbSeller, buyer: { country: 'GB' }, currency: 'GBP' }),
    lines: [{ rate: '20', jurisdiction: 'GB', treatment: 'standard', taxAmount: '20.00' }],
    noteContains: 'Domestic supply: GB VAT',
  },
  {
    name: 'GB seller, GB business: 20% (domestic B2B is charged)',
    request: sale({ seller: gbSeller, buyer: { country: 'GB', taxId: 'GB980780684' }, currency: 'GBP' }),
    lines: [{ rate: '20', treatment: 'standard' }],
  },
  {
    name: 'GB ebook: zero-rated',
    request: sale({ seller: gbSeller, buyer: { country: 'GB' }, line: { taxCode: 'ebook' } }),
    lines: [{ rate: '0', treatment: 'reduced', taxAmount: '0.00' }],
  },
  {
    name: 'Isle of Man is taxed as the UK',
    request: sale({ seller: gbSeller, buyer: { country: 'IM' } }),
    lines: [{ rate: '20', jurisdiction: 'GB' }],
  },
  {
    name: 'DE seller, GB business with a valid VAT number: reverse charge',
    request: sale({ seller: deSeller, buyer: { country: 'GB', taxId: 'GB 980 7806 84' } }),
    lines: [{ rate: '0', jurisdiction: 'GB', treatment: 'reverse_charge' }],
    noteContains: 'customer to account for the VAT to HMRC',
  },
  {
    name: 'DE seller registered in GB, GB consumer, non-digital service: out of scope',
    request: sale({
      seller: { ...deSeller, registrations: ['GB'] },
      buyer: { country: 'GB' },
      line: { taxCode: 'services' },
    }),
    lines: [{ rate: '0', treatment: 'out_of_scope' }],
  },
  {
    name: 'GB seller, FR consumer, registered in the EU (OSS, non-Union scheme): FR 20%',
    request: sale({ seller: { ...gbSeller, registrations: ['EU'] }, buyer: { country: 'FR' } }),
    lines: [{ rate: '20', jurisdiction: 'FR', treatment: 'standard' }],
    noteContains: 'registered in the OSS scheme',
  },
  {
    name: 'GB seller registered in FR itself, FR consumer: FR 20%',
    request: sale({ seller: { ...gbSeller, registrations: ['FR'] }, buyer: { country: 'FR' } }),
    lines: [{ rate: '20', jurisdiction: 'FR' }],
    noteContains: 'registered in FR',
  },
  {
    name: 'GB seller, FR consumer, not registered in the EU: out of scope, warned',
    request: sale({ seller: gbSeller, buyer: { country: 'FR' } }),
    lines: [{ treatment: 'out_of_scope', jurisdiction: 'FR' }],
    warnings: ['SELLER_NOT_REGISTERED'],
  },
  {
    name: 'GB seller, FR business: reverse charge with the EU note',
    request: sale({ seller: gbSeller, buyer: { country: 'FR', taxId: 'FR40303265045' } }),
    lines: [{ treatment: 'reverse_charge', jurisdiction: 'FR' }],
    noteContains: 'Article 196',
  },
]);

describeCases('Switzerland (and Liechtenstein)', [
  {
    name: 'CH domestic: 8.1% from 2024',
    request: sale({ seller: chSeller, buyer: { country: 'CH' }, currency: 'CHF' }),
    lines: [{ rate: '8.1', jurisdiction: 'CH', taxAmount: '8.10' }],
  },
  {
    name: 'CH domestic: 7.7% in 2023',
    request: sale({ seller: chSeller, buyer: { country: 'CH' }, currency: 'CHF', date: '2023-12-31' }),
    lines: [{ rate: '7.7' }],
  },
  {
    name: 'CH ebook: reduced 2.6%',
    request: sale({ seller: chSeller, buyer: { country: 'CH' }, line: { taxCode: 'ebook' } }),
    lines: [{ rate: '2.6', treatment: 'reduced' }],
  },
  {
    name: 'Liechtenstein is in the Swiss VAT area',
    request: sale({ seller: chSeller, buyer: { country: 'LI' } }),
    lines: [{ rate: '8.1', jurisdiction: 'CH' }],
  },
  {
    name: 'DE seller registered in CH, CH business: Swiss VAT is charged (no reverse charge)',
    request: sale({
      seller: { ...deSeller, registrations: ['CH'] },
      buyer: { country: 'CH', taxId: 'CHE-116.281.710 MWST' },
    }),
    lines: [{ rate: '8.1', treatment: 'standard' }],
    noteContains: 'charged by a supplier registered in CH',
  },
  {
    name: 'DE seller not registered in CH, CH business: reverse charge (Bezugsteuer)',
    request: sale({ seller: deSeller, buyer: { country: 'CH', taxId: 'CHE116281710MWST' } }),
    lines: [{ rate: '0', treatment: 'reverse_charge' }],
    noteContains: 'Bezugsteuer',
  },
  {
    name: 'DE seller registered in CH, CH consumer, non-digital service: taxed in CH',
    request: sale({
      seller: { ...deSeller, registrations: ['CH'] },
      buyer: { country: 'CH' },
      line: { taxCode: 'services' },
    }),
    lines: [{ rate: '8.1', treatment: 'standard' }],
  },
]);

describeCases('Norway', [
  {
    name: 'DE seller registered in NO (VOEC), NO consumer: 25%',
    request: sale({
      seller: { ...deSeller, registrations: ['NO'] },
      buyer: { country: 'NO' },
      currency: 'NOK',
    }),
    lines: [{ rate: '25', jurisdiction: 'NO', taxAmount: '25.00' }],
  },
  {
    name: 'NO ebook: zero rate',
    request: sale({
      seller: { ...deSeller, registrations: ['NO'] },
      buyer: { country: 'NO' },
      line: { taxCode: 'ebook' },
    }),
    lines: [{ rate: '0', treatment: 'reduced' }],
  },
  {
    name: 'NO business with an MVA number: reverse charge',
    request: sale({
      seller: { ...deSeller, registrations: ['NO'] },
      buyer: { country: 'NO', taxId: 'NO 995 525 828 MVA' },
    }),
    lines: [{ treatment: 'reverse_charge' }],
    noteContains: 'Customer tax ID NO995525828MVA',
  },
  {
    name: 'NO business with a bad MVA number: taxed as a consumer, warned',
    request: sale({
      seller: { ...deSeller, registrations: ['NO'] },
      buyer: { country: 'NO', taxId: 'NO995525829MVA' },
    }),
    lines: [{ rate: '25', treatment: 'standard' }],
    warnings: ['INVALID_TAX_ID'],
  },
]);

describeCases('Australia GST', [
  {
    name: 'AU domestic: 10%',
    request: sale({ seller: auSeller, buyer: { country: 'AU' }, currency: 'AUD' }),
    lines: [{ rate: '10', jurisdiction: 'AU', taxAmount: '10.00' }],
  },
  {
    name: 'AU domestic business: 10% (domestic B2B is charged)',
    request: sale({ seller: auSeller, buyer: { country: 'AU', taxId: '51 824 753 556' } }),
    lines: [{ rate: '10' }],
  },
  {
    name: 'foreign seller, AU business with an ABN: reverse charge',
    request: sale({
      seller: { ...deSeller, registrations: ['AU'] },
      buyer: { country: 'AU', taxId: '51824753556' },
    }),
    lines: [{ treatment: 'reverse_charge' }],
    noteContains: 'Division 84',
  },
  {
    name: 'foreign seller registered in AU, consumer, non-digital service: taxed (imported services)',
    request: sale({
      seller: { ...deSeller, registrations: ['AU'] },
      buyer: { country: 'AU' },
      line: { taxCode: 'services' },
    }),
    lines: [{ rate: '10', treatment: 'standard' }],
  },
  {
    name: 'foreign seller not registered in AU, consumer: out of scope, warned',
    request: sale({ seller: deSeller, buyer: { country: 'AU' } }),
    lines: [{ treatment: 'out_of_scope' }],
    warnings: ['SELLER_NOT_REGISTERED'],
  },
]);

describeCases('Canadian GST/HST by province', [
  {
    name: 'CA seller, ON consumer: HST 13%',
    request: sale({ seller: caSeller, buyer: { country: 'CA', region: 'ON' }, currency: 'CAD' }),
    lines: [{ rate: '13', jurisdiction: 'CA-ON', taxAmount: '13.00' }],
    noteContains: 'CA-ON HST',
  },
  {
    name: 'CA seller, AB consumer: GST 5%',
    request: sale({ seller: caSeller, buyer: { country: 'CA', region: 'AB' } }),
    lines: [{ rate: '5', jurisdiction: 'CA-AB' }],
    noteContains: 'CA-AB GST',
  },
  {
    name: 'CA seller, QC consumer: GST 5% (QST is not in the shipped table)',
    request: sale({ seller: caSeller, buyer: { country: 'CA', region: 'QC' } }),
    lines: [{ rate: '5', jurisdiction: 'CA-QC' }],
  },
  {
    name: 'QST added as a tenant override: 5% + 9.975% = 14.975%',
    request: sale({ seller: caSeller, buyer: { country: 'CA', region: 'QC' } }),
    context: {
      rateOverrides: [
        { country: 'CA', region: 'QC', rate: '14.975', validFrom: '2021-01-01', note: 'GST + QST' },
      ],
    },
    lines: [{ rate: '14.975', rateSource: 'tenant', taxAmount: '14.98' }],
  },
  {
    name: 'NS HST 15% until 2025-03-31',
    request: sale({ seller: caSeller, buyer: { country: 'CA', region: 'NS' }, date: '2025-03-31' }),
    lines: [{ rate: '15' }],
  },
  {
    name: 'NS HST 14% from 2025-04-01',
    request: sale({ seller: caSeller, buyer: { country: 'CA', region: 'NS' }, date: '2025-04-01' }),
    lines: [{ rate: '14' }],
  },
  {
    name: 'CA seller, CA business: charged (domestic)',
    request: sale({ seller: caSeller, buyer: { country: 'CA', region: 'BC', taxId: '123456782RT0001' } }),
    lines: [{ rate: '5', treatment: 'standard' }],
  },
  {
    name: 'foreign seller registered in CA, GST-registered business: not charged',
    request: sale({
      seller: { ...deSeller, registrations: ['CA'] },
      buyer: { country: 'CA', region: 'ON', taxId: '123456782 RT 0001' },
    }),
    lines: [{ treatment: 'reverse_charge', jurisdiction: 'CA-ON' }],
    noteContains: 'GST/HST not charged',
  },
  {
    name: 'foreign seller registered in CA, consumer in NB: HST 15%',
    request: sale({ seller: { ...deSeller, registrations: ['CA'] }, buyer: { country: 'CA', region: 'NB' } }),
    lines: [{ rate: '15', jurisdiction: 'CA-NB' }],
  },
]);
