import type { CreditNoteRow, InvoiceLineRow, InvoiceRow } from '../schema';
import {
  creditNotePdfDocument,
  dateIn,
  invoicePdfDocument,
  REVERSE_CHARGE_NOTE,
  taxLabel,
} from './pdf-document';

const at = (s: string) => new Date(s);

function invoice(over: Partial<InvoiceRow> = {}): InvoiceRow {
  return {
    id: 'inv_1',
    tenant_id: 't',
    customer_id: 'cus_1',
    subscription_id: 'sub_1',
    kind: 'period',
    usage_through: at('2026-02-01T00:00:00Z'),
    fx: null,
    period_start: at('2026-01-01T00:00:00Z'),
    period_end: at('2026-02-01T00:00:00Z'),
    status: 'finalized',
    number: 'MU-2026-000123',
    currency: 'EUR',
    subtotal: '130.00',
    tax_total: '19.00',
    total: '149.00',
    tax: {
      status: 'calculated',
      quote: {
        date: '2026-01-31',
        currency: 'EUR',
        rounding: 'per_line',
        lines: [
          q(
            '0',
            'PL',
            '0',
            'reverse_charge',
            'Reverse charge: VAT to be accounted for by the customer (Article 196).',
          ),
          q('1', 'DE', '19', 'standard', ''),
        ],
        netTotal: '130.00',
        taxTotal: '19.00',
        grossTotal: '149.00',
        breakdown: [
          b('PL', '0', 'reverse_charge', '30.00', '0.00', ['0']),
          b('DE', '19', 'standard', '100.00', '19.00', ['1']),
        ],
        warnings: [],
      },
    },
    seller: {
      name: 'Mu Cloud GmbH',
      address: { country: 'DE', city: 'Berlin' },
      taxIds: [{ type: 'eu_vat', value: 'DE1' }],
    },
    buyer: {
      customerId: 'cus_1',
      externalKey: 'lodz',
      name: null,
      email: null,
      address: null,
      country: 'PL',
      taxIds: [{ type: 'eu_vat', value: 'PL1' }],
      taxExempt: false,
      exemptionId: null,
    },
    computed_at: at('2026-02-01T01:00:00Z'),
    grace_until: at('2026-02-02T00:00:00Z'),
    issued_at: at('2026-02-01T23:30:00Z'),
    due_at: at('2026-03-03T23:30:00Z'),
    finalized_at: at('2026-02-01T23:30:00Z'),
    paid_at: null,
    voided_at: null,
    uncollectible_at: null,
    void_reason: null,
    replaces_id: null,
    credits_applied: '0.00',
    amount_due: '149.00',
    created_at: at('2026-02-01T01:00:00Z'),
    updated_at: at('2026-02-01T23:30:00Z'),
    ...over,
  };
}

function q(id: string, jurisdiction: string, rate: string, treatment: string, note: string) {
  return {
    id,
    taxCode: 'saas',
    taxBehavior: 'exclusive',
    netAmount: '0',
    taxAmount: '0',
    grossAmount: '0',
    rate,
    jurisdiction,
    treatment,
    note,
    rateSource: 'dataset',
  };
}

function b(j: string, rate: string, treatment: string, net: string, tax: string, lineIds: string[]) {
  return { jurisdiction: j, rate, treatment, netAmount: net, taxAmount: tax, grossAmount: net, lineIds };
}

function line(position: number, over: Partial<InvoiceLineRow> = {}): InvoiceLineRow {
  return {
    id: `inl_${position}`,
    tenant_id: 't',
    invoice_id: 'inv_1',
    position,
    type: 'usage',
    charge_key: `c${position}`,
    description: `Line ${position}`,
    period_start: at('2026-01-01T00:00:00Z'),
    period_end: at('2026-02-01T00:00:00Z'),
    quantity: '1250000',
    unit_price: null,
    amount: '30.00',
    tax_rate: '0',
    tax_amount: '0.00',
    meter_id: 'mtr_1',
    breakdown: [],
    details: ['0 – 100 × €0.00 = €0.00'],
    adjusts_invoice_id: null,
    ...over,
  };
}

const lines = [
  line(0),
  line(1, {
    type: 'fixed',
    quantity: '1',
    unit_price: '100.00',
    amount: '100.00',
    tax_rate: '19',
    tax_amount: '19.00',
    meter_id: null,
    details: [],
  }),
];

describe('invoicePdfDocument', () => {
  it('maps the ledger to the document: rates as fractions, tax per rate, the legal notes', () => {
    const doc = invoicePdfDocument(invoice(), lines, [], {
      timeZone: 'Europe/Berlin',
      units: { mtr_1: 'calls' },
    });
    expect(doc).toMatchObject({
      kind: 'invoice',
      number: 'MU-2026-000123',
      status: 'finalized',
      issueDate: '2026-02-02', // 23:30 UTC is the next day in Berlin
      dueDate: '2026-03-04',
      timeZone: 'Europe/Berlin',
      seller: { name: 'Mu Cloud GmbH', taxIds: [{ type: 'eu_vat', value: 'DE1' }] },
      buyer: { name: 'lodz', address: { country: 'PL' } },
      subtotal: '130.00',
      taxTotal: '19.00',
      total: '149.00',
      taxes: [
        { label: 'VAT PL, reverse charge', rate: '0', taxable: '30.00', amount: '0.00', reverseCharge: true },
        { label: 'VAT DE 19%', rate: '0.19', taxable: '100.00', amount: '19.00' },
      ],
      notes: ['Reverse charge: VAT to be accounted for by the customer (Article 196).'],
      references: [],
    });
    expect(doc.lines).toEqual([
      expect.objectContaining({
        quantity: '1250000',
        unit: 'calls',
        unitPrice: null,
        taxRate: '0',
        details: lines[0]!.details,
      }),
      expect.objectContaining({ quantity: '1', unitPrice: '100.00', taxRate: '0.19' }),
    ]);
    expect(doc.amountDue).toBeUndefined();
  });

  it('adds the reverse-charge note when the quote gave none, and the amount still due after credits', () => {
    const i = invoice();
    const quote = (i.tax as { quote: { lines: { note: string }[] } }).quote;
    quote.lines[0]!.note = '';
    const cn = { number: 'CN-1', total: '11.90' } as CreditNoteRow;
    const doc = invoicePdfDocument(i, lines, [cn]);
    expect(doc.notes).toEqual([REVERSE_CHARGE_NOTE]);
    expect(doc.amountDue).toBe('137.10');
    expect(doc.references).toEqual([{ label: 'Credited by', value: 'CN-1' }]);
    expect(invoicePdfDocument(invoice({ status: 'paid' }), lines, [cn]).amountDue).toBeUndefined();
    // Prepaid credit spent at finalization: printed after the total, and the amount due is the rest.
    const prepaid = { credits_applied: '49.00', amount_due: '100.00' };
    expect(invoicePdfDocument(invoice(prepaid), lines)).toMatchObject({
      credits: '49.00',
      amountDue: '100.00',
    });
    expect(invoicePdfDocument(invoice(prepaid), lines, [cn]).amountDue).toBe('88.10');
  });

  it('prints a draft without tax as it is', () => {
    const doc = invoicePdfDocument(
      invoice({
        status: 'draft',
        number: null,
        issued_at: null,
        finalized_at: null,
        due_at: null,
        tax: { status: 'not_calculated', reason: 'x' },
      }),
      lines,
    );
    expect(doc).toMatchObject({
      number: null,
      status: 'draft',
      issueDate: '2026-02-01',
      dueDate: null,
      taxes: [],
      notes: [],
    });
  });
});

describe('creditNotePdfDocument', () => {
  it('credits lines with their tax, grouped per rate, and names the invoice', () => {
    const cn: CreditNoteRow = {
      id: 'cn_1',
      tenant_id: 't',
      invoice_id: 'inv_1',
      number: 'CN-2026-000007',
      reason: 'outage',
      currency: 'EUR',
      subtotal: '40.00',
      tax_total: '1.90',
      total: '41.90',
      lines: [
        { invoiceLineId: 'inl_0', description: 'Line 0', amount: '30.00', taxAmount: '0.00' },
        { invoiceLineId: 'inl_1', description: 'Line 1', amount: '10.00', taxAmount: '1.90' },
      ],
      credit_grant_id: null,
      created_at: at('2026-02-10T12:00:00Z'),
    };
    const doc = creditNotePdfDocument(cn, invoice(), lines);
    expect(doc).toMatchObject({
      kind: 'credit_note',
      number: 'CN-2026-000007',
      status: 'issued',
      issueDate: '2026-02-10',
      references: [{ label: 'Credits invoice', value: 'MU-2026-000123' }],
      taxes: [
        { label: 'VAT PL, reverse charge', taxable: '30.00', amount: '0.00', reverseCharge: true },
        { label: 'VAT DE 19%', rate: '0.19', taxable: '10.00', amount: '1.90' },
      ],
      total: '41.90',
    });
    // The whole line: its quantity; part of one: the amount credited.
    expect(doc.lines[0]).toMatchObject({ quantity: '1250000', amount: '30.00' });
    expect(doc.lines[1]).toMatchObject({
      quantity: '1',
      unitPrice: '10.00',
      amount: '10.00',
      taxRate: '0.19',
    });
    expect(doc.notes?.[0]).toBe('Reason: outage');
    expect(doc.notes?.join(' ')).not.toMatch(/prepaid balance/);
    // Credited to the customer's balance: the document says where the money went.
    const toBalance = creditNotePdfDocument({ ...cn, credit_grant_id: 'cgr_1' }, invoice(), lines);
    expect(toBalance.notes?.[1]).toMatch(/credited to your prepaid balance/);
  });
});

describe('labels and dates', () => {
  it.each([
    ['DE', '19', 'standard', 'VAT DE 19%'],
    ['FR', '5.5', 'reduced', 'VAT FR 5.5%'],
    ['US-TX', '5', 'standard', 'Sales tax US-TX 5%'],
    ['CA-ON', '13', 'standard', 'HST CA-ON 13%'],
    ['CA-AB', '5', 'standard', 'GST CA-AB 5%'],
    ['AU', '10', 'standard', 'GST AU 10%'],
    ['GB', '0', 'exempt', 'VAT GB, exempt'],
    ['JP', '0', 'out_of_scope', 'VAT JP, out of scope'],
  ])('%s %s%% %s is "%s"', (j, rate, treatment, label) => {
    expect(taxLabel(j, rate, treatment)).toBe(label);
  });

  it('takes the calendar day of an instant in a zone', () => {
    expect(dateIn(at('2026-12-31T23:30:00Z'), 'UTC')).toBe('2026-12-31');
    expect(dateIn(at('2026-12-31T23:30:00Z'), 'Asia/Tokyo')).toBe('2027-01-01');
    expect(dateIn(at('2026-01-01T03:00:00Z'), 'America/Los_Angeles')).toBe('2025-12-31');
  });
});
