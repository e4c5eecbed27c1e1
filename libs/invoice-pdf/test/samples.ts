import type { InvoicePdfDocument, PdfLine, PdfParty } from '../src/index';

export const REVERSE_CHARGE_NOTE =
  'Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)';

const seller: PdfParty = {
  name: 'Mu Cloud GmbH',
  address: { line1: 'Friedrichstraße 123', city: 'Berlin', postalCode: '10117', country: 'DE' },
  taxIds: [{ type: 'eu_vat', value: 'DE123456789' }],
  email: 'billing@mu-cloud.example',
};

const SELLER_FOOTER =
  'Mu Cloud GmbH · Friedrichstraße 123, 10117 Berlin · Amtsgericht Charlottenburg HRB 123456 B · Managing director: Jana Müller';

/**
 * EU B2B: a German seller, a Polish business customer. The cloud services are reverse-charged
 * (the customer accounts for Polish VAT); admission to a workshop in Berlin is taxed where it
 * takes place, at 19 % German VAT. Prepaid credits are applied after tax.
 */
export function euReverseChargeInvoice(): InvoicePdfDocument {
  return {
    kind: 'invoice',
    number: 'MU-2026-000123',
    status: 'finalized',
    issueDate: '2026-02-01',
    dueDate: '2026-03-03',
    periodStart: '2026-01-01T00:00:00Z',
    periodEnd: '2026-02-01T00:00:00Z',
    currency: 'EUR',
    seller,
    buyer: {
      name: 'Łódź Analytics sp. z o.o.',
      address: {
        line1: 'ul. Piotrkowska 17',
        line2: 'lok. 4',
        city: 'Łódź',
        postalCode: '90-406',
        country: 'PL',
      },
      taxIds: [{ type: 'eu_vat', value: 'PL7251234567' }],
      email: 'faktury@lodz-analytics.example',
    },
    lines: [
      {
        description: 'API calls',
        period: { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' },
        quantity: '1250000',
        unit: 'calls',
        unitPrice: null,
        amount: '435.00',
        details: [
          '0 – 100,000 calls × €0.00 = €0.00',
          '100,000 – 1,000,000 calls × €0.0004 = €360.00',
          '1,000,000 – 1,250,000 calls × €0.0003 = €75.00',
        ],
        taxRate: '0',
      },
      {
        description: 'Pro plan, monthly platform fee',
        period: { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' },
        quantity: '1',
        unitPrice: '499.00',
        amount: '499.00',
        taxRate: '0',
      },
      {
        description: 'Event storage',
        period: { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' },
        quantity: '312.5',
        unit: 'GB-months',
        unitPrice: '0.12',
        amount: '37.50',
        taxRate: '0',
      },
      {
        description: 'Onboarding workshop, Berlin, 12 January 2026 (admission, 2 seats)',
        quantity: '2',
        unit: 'seats',
        unitPrice: '350.00',
        amount: '700.00',
        taxRate: '0.19',
      },
    ],
    subtotal: '1671.50',
    discounts: [{ label: 'Annual commitment, 10% off the platform fee', amount: '49.90' }],
    taxes: [
      { label: 'VAT PL, reverse charge', rate: '0', taxable: '921.60', amount: '0.00', reverseCharge: true },
      { label: 'VAT DE 19%', rate: '0.19', taxable: '700.00', amount: '133.00' },
    ],
    taxTotal: '133.00',
    total: '1754.60',
    credits: '200.00',
    amountDue: '1554.60',
    notes: [REVERSE_CHARGE_NOTE],
    paymentInstructions: [
      'Bank transfer to Mu Cloud GmbH, IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX. Please quote MU-2026-000123.',
    ],
    footer: SELLER_FOOTER,
  };
}

/** A domestic German credit note against the invoice above, in German number and date formats. */
export function creditNote(): InvoicePdfDocument {
  return {
    kind: 'credit_note',
    number: 'MU-CN-2026-000007',
    status: 'issued',
    issueDate: '2026-02-10',
    currency: 'EUR',
    locale: 'de-DE',
    timeZone: 'Europe/Berlin',
    seller,
    buyer: {
      name: 'Müller & Söhne GmbH',
      address: { line1: 'Leopoldstraße 8', city: 'München', postalCode: '80802', country: 'DE' },
      taxIds: [{ type: 'eu_vat', value: 'DE811234567' }],
    },
    lines: [
      {
        description: 'Service credit: API outage on 14 January 2026 (SLA 99.9%)',
        period: { start: '2026-01-13T23:00:00Z', end: '2026-01-14T23:00:00Z' },
        quantity: '1',
        unitPrice: '120.00',
        amount: '120.00',
        taxRate: '0.19',
      },
      {
        description: 'API calls billed twice (corrected meter)',
        quantity: '25000',
        unit: 'calls',
        unitPrice: '0.0004',
        amount: '10.00',
        taxRate: '0.19',
      },
    ],
    subtotal: '130.00',
    taxes: [{ label: 'USt. DE 19%', rate: '0.19', taxable: '130.00', amount: '24.70' }],
    taxTotal: '24.70',
    total: '154.70',
    references: [{ label: 'Credits invoice', value: 'MU-2026-000098' }],
    notes: ['The amount will be applied to your next invoice.'],
    footer: SELLER_FOOTER,
  };
}

/** A draft on US Letter: no number yet, a Danish customer, US dollars. */
export function draftInvoice(): InvoicePdfDocument {
  return {
    kind: 'invoice',
    number: null,
    status: 'draft',
    issueDate: '2026-03-01',
    dueDate: '2026-03-31',
    periodStart: '2026-02-01T00:00:00Z',
    periodEnd: '2026-03-01T00:00:00Z',
    currency: 'USD',
    pageSize: 'LETTER',
    seller: {
      ...seller,
      name: 'Mu Cloud Inc.',
      address: {
        line1: '500 Market St',
        city: 'San Francisco',
        region: 'CA',
        postalCode: '94105',
        country: 'US',
      },
      taxIds: [{ type: 'us_ein', value: '12-3456789' }],
    },
    buyer: {
      name: 'Ørsted Ærø ApS',
      address: { line1: 'Vestergade 3', city: 'Ærøskøbing', postalCode: '5970', country: 'DK' },
    },
    lines: [
      { description: 'Starter plan', quantity: '1', unitPrice: '49.00', amount: '49.00' },
      {
        description: 'Events ingested',
        quantity: '84210',
        unit: 'events',
        unitPrice: '0.0001',
        amount: '8.42',
      },
    ],
    subtotal: '57.42',
    taxes: [],
    taxTotal: '0.00',
    total: '57.42',
  };
}

/** `n` usage lines: enough for several pages. */
export function longInvoice(n: number): InvoicePdfDocument {
  const lines: PdfLine[] = Array.from({ length: n }, (_, i) => ({
    description: `Meter ${String(i + 1).padStart(2, '0')}: requests to region ${['eu-central', 'us-east', 'ap-south'][i % 3]}`,
    period: { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' },
    quantity: String(1000 * (i + 1)),
    unit: 'requests',
    unitPrice: '0.001',
    amount: (i + 1).toFixed(2),
    taxRate: '0.19',
    ...(i % 10 === 4 ? { details: ['first 1,000 requests free', 'then €0.001 per request'] } : {}),
  }));
  const base = euReverseChargeInvoice();
  return {
    ...base,
    number: 'MU-2026-000124',
    lines,
    subtotal: '1830.00',
    discounts: [],
    taxes: [{ label: 'VAT DE 19%', rate: '0.19', taxable: '1830.00', amount: '347.70' }],
    taxTotal: '347.70',
    total: '2177.70',
    credits: null,
    amountDue: '2177.70',
    notes: [],
  };
}
