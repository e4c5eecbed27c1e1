import type { TaxQuotedLineV1 } from '@mu/contracts';
import type { InvoicePdfDocument, PdfLine, PdfParty, PdfTaxLine } from '@mu/invoice-pdf';
import { currencyMinorUnits, Dec, roundMoney } from '@mu/pricing';
import type {
  BillingAddress,
  BuyerSnapshot,
  CreditNoteRow,
  InvoiceLineRow,
  InvoiceRow,
  SellerProfile,
  TaxId,
} from '../schema';
import { creditedTotal, invoiceTaxOf, quotedLine } from './views';

/**
 * Invoices and credit notes as the PDF renderer draws them. Nothing is computed again: every
 * amount is the ledger's string. Tax rates are percent in the ledger (`"19"`) and a fraction on
 * paper (`"0.19"`), the one conversion made here (exact, in decimals).
 */

/** Printed when a line is reverse-charged and the tax service gave no wording of its own. */
export const REVERSE_CHARGE_NOTE = 'Reverse charge: VAT to be accounted for by the recipient.';

export interface PdfDocumentOptions {
  /** IANA zone in which dates are printed: the customer's billing zone. Default UTC. */
  timeZone?: string;
  locale?: string;
  /** A unit per meter id (`calls`, `GB-months`), printed beside quantities. */
  units?: Readonly<Record<string, string | null>>;
}

export function invoicePdfDocument(
  invoice: InvoiceRow,
  lines: readonly InvoiceLineRow[],
  creditNotes: readonly CreditNoteRow[] = [],
  opts: PdfDocumentOptions = {},
): InvoicePdfDocument {
  const tax = invoiceTaxOf(invoice);
  const zone = opts.timeZone ?? 'UTC';
  const sorted = [...lines].sort((a, b) => a.position - b.position);
  const credited = new Dec(creditedTotal(creditNotes, invoice.currency));
  const quoted = sorted.map((l) => quotedLine(tax, l)).filter((q): q is TaxQuotedLineV1 => q !== undefined);
  const breakdown = tax?.status === 'calculated' ? tax.quote.breakdown : [];
  return {
    kind: 'invoice',
    number: invoice.number,
    status: invoice.status,
    issueDate: dateIn(invoice.issued_at ?? invoice.finalized_at ?? invoice.computed_at, zone),
    dueDate: invoice.due_at ? dateIn(invoice.due_at, zone) : null,
    periodStart: invoice.period_start.toISOString(),
    periodEnd: invoice.period_end.toISOString(),
    currency: invoice.currency,
    ...(opts.locale ? { locale: opts.locale } : {}),
    timeZone: zone,
    seller: sellerParty(invoice.seller),
    buyer: buyerParty(invoice.buyer),
    lines: sorted.map((l) => pdfLine(l, opts.units)),
    subtotal: invoice.subtotal,
    taxes: breakdown.map((b) => ({
      label: taxLabel(b.jurisdiction, b.rate, b.treatment),
      rate: fraction(b.rate),
      taxable: b.netAmount,
      amount: b.taxAmount,
      ...(b.treatment === 'reverse_charge' ? { reverseCharge: true } : {}),
    })),
    taxTotal: invoice.tax_total,
    total: invoice.total,
    ...(new Dec(invoice.credits_applied).gt(0) ? { credits: invoice.credits_applied } : {}),
    ...amountDue(invoice, credited),
    notes: [
      ...taxNotes(
        quoted,
        breakdown.some((b) => b.treatment === 'reverse_charge'),
      ),
      ...(invoice.fx
        ? [
            `Converted from ${invoice.fx.from} at ${invoice.fx.rate} ${invoice.fx.to} per ${invoice.fx.from} (${invoice.fx.source}, ${invoice.fx.effectiveDate}).`,
          ]
        : []),
      ...(invoice.kind === 'interim'
        ? [
            `Interim invoice: usage up to ${invoice.usage_through.toISOString()}, deducted from the period's invoice.`,
          ]
        : []),
    ],
    references: creditNotes.map((n) => ({ label: 'Credited by', value: n.number })),
  };
}

export function creditNotePdfDocument(
  note: CreditNoteRow,
  invoice: InvoiceRow,
  invoiceLines: readonly InvoiceLineRow[],
  opts: PdfDocumentOptions = {},
): InvoicePdfDocument {
  const tax = invoiceTaxOf(invoice);
  const zone = opts.timeZone ?? 'UTC';
  const byId = new Map(invoiceLines.map((l) => [l.id, l]));
  const lines: PdfLine[] = [];
  const taxes = new Map<string, PdfTaxLine>();
  const quoted: TaxQuotedLineV1[] = [];
  for (const c of note.lines) {
    const source = c.invoiceLineId ? byId.get(c.invoiceLineId) : undefined;
    const whole = source !== undefined && new Dec(source.amount).eq(c.amount);
    lines.push({
      description: c.description,
      ...(source
        ? { period: { start: source.period_start.toISOString(), end: source.period_end.toISOString() } }
        : {}),
      quantity: whole ? source.quantity : '1',
      ...(whole && source.meter_id && opts.units?.[source.meter_id]
        ? { unit: opts.units[source.meter_id]! }
        : {}),
      unitPrice: whole ? source.unit_price : c.amount,
      amount: c.amount,
      ...(whole && source.details.length ? { details: source.details } : {}),
      taxRate: source?.tax_rate != null ? fraction(source.tax_rate) : null,
    });
    const q = source ? quotedLine(tax, source) : undefined;
    if (!q) continue;
    quoted.push(q);
    const key = `${q.jurisdiction}|${q.rate}|${q.treatment}`;
    const t = taxes.get(key) ?? {
      label: taxLabel(q.jurisdiction, q.rate, q.treatment),
      rate: fraction(q.rate),
      taxable: '0',
      amount: '0',
      ...(q.treatment === 'reverse_charge' ? { reverseCharge: true } : {}),
    };
    taxes.set(key, {
      ...t,
      taxable: money(new Dec(t.taxable).plus(c.amount), note.currency),
      amount: money(new Dec(t.amount).plus(c.taxAmount), note.currency),
    });
  }
  return {
    kind: 'credit_note',
    number: note.number,
    status: 'issued',
    issueDate: dateIn(note.created_at, zone),
    periodStart: invoice.period_start.toISOString(),
    periodEnd: invoice.period_end.toISOString(),
    currency: note.currency,
    ...(opts.locale ? { locale: opts.locale } : {}),
    timeZone: zone,
    seller: sellerParty(invoice.seller),
    buyer: buyerParty(invoice.buyer),
    lines,
    subtotal: note.subtotal,
    taxes: [...taxes.values()],
    taxTotal: note.tax_total,
    total: note.total,
    notes: [
      `Reason: ${note.reason}`,
      ...(note.credit_grant_id
        ? ['The total is credited to your prepaid balance and paid towards your next invoices.']
        : []),
      ...taxNotes(quoted, false),
    ],
    references: [{ label: 'Credits invoice', value: invoice.number ?? invoice.id }],
  };
}

/**
 * What is still due: the ledger's amount due (total less prepaid credit), less what credit notes
 * took back while the invoice is open. Absent when that is simply the total.
 */
function amountDue(invoice: InvoiceRow, credited: Dec): { amountDue?: string } {
  const open = invoice.status === 'finalized' || invoice.status === 'uncollectible';
  const due = new Dec(invoice.amount_due ?? invoice.total);
  if (open && credited.gt(0)) return { amountDue: money(Dec.max(due.minus(credited), 0), invoice.currency) };
  if (invoice.amount_due !== null && !due.eq(invoice.total)) return { amountDue: invoice.amount_due };
  return {};
}

function pdfLine(l: InvoiceLineRow, units: PdfDocumentOptions['units']): PdfLine {
  const unit = l.meter_id ? units?.[l.meter_id] : undefined;
  return {
    description: l.description,
    period: { start: l.period_start.toISOString(), end: l.period_end.toISOString() },
    quantity: l.quantity,
    ...(unit ? { unit } : {}),
    unitPrice: l.unit_price,
    amount: l.amount,
    ...(l.details.length ? { details: l.details } : {}),
    taxRate: l.tax_rate != null ? fraction(l.tax_rate) : null,
  };
}

function sellerParty(s: SellerProfile): PdfParty {
  return {
    name: s.name ?? '',
    ...(s.address ? { address: address(s.address) } : {}),
    ...(s.taxIds?.length ? { taxIds: taxIds(s.taxIds) } : {}),
    ...(s.email ? { email: s.email } : {}),
  };
}

function buyerParty(b: BuyerSnapshot): PdfParty {
  return {
    name: b.name ?? b.externalKey,
    ...(b.address ? { address: address(b.address) } : b.country ? { address: { country: b.country } } : {}),
    ...(b.taxIds.length ? { taxIds: taxIds(b.taxIds) } : {}),
    ...(b.email ? { email: b.email } : {}),
  };
}

function address(a: BillingAddress): NonNullable<PdfParty['address']> {
  return {
    ...(a.line1 ? { line1: a.line1 } : {}),
    ...(a.line2 ? { line2: a.line2 } : {}),
    ...(a.city ? { city: a.city } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
    ...(a.region ? { region: a.region } : {}),
    ...(a.country ? { country: a.country } : {}),
  };
}

const taxIds = (ids: readonly TaxId[]) => ids.map((t) => ({ type: t.type, value: t.value }));

const money = (d: Dec, currency: string) =>
  roundMoney(d, currencyMinorUnits(currency), 'half_away_from_zero');

/** Percent (`"19"`) to the fraction the renderer prints (`"0.19"`), exactly. */
function fraction(percent: string): string {
  return new Dec(percent).div(100).toFixed();
}

const HST_PROVINCES = new Set(['CA-NB', 'CA-NL', 'CA-NS', 'CA-ON', 'CA-PE']);

/** The tax's everyday name where it is due: VAT, GST, HST or sales tax. */
export function taxName(jurisdiction: string): string {
  const country = jurisdiction.slice(0, 2);
  if (country === 'US') return 'Sales tax';
  if (country === 'CA') return HST_PROVINCES.has(jurisdiction) ? 'HST' : 'GST';
  if (country === 'AU' || country === 'NZ' || country === 'SG') return 'GST';
  return 'VAT';
}

/** `VAT DE 19%`, `VAT PL, reverse charge`, `Sales tax US-TX 5%`. */
export function taxLabel(jurisdiction: string, ratePercent: string, treatment: string): string {
  const name = taxName(jurisdiction);
  switch (treatment) {
    case 'reverse_charge':
      return `${name} ${jurisdiction}, reverse charge`;
    case 'exempt':
      return `${name} ${jurisdiction}, exempt`;
    case 'out_of_scope':
      return `${name} ${jurisdiction}, out of scope`;
    default:
      return `${name} ${jurisdiction} ${new Dec(ratePercent).toFixed()}%`;
  }
}

/**
 * The legal mentions the tax decisions call for (reverse charge, exemption, out of scope), once
 * each, with a reverse-charge note even when the tax service gave none.
 */
function taxNotes(quoted: readonly TaxQuotedLineV1[], breakdownReverseCharge: boolean): string[] {
  const notes: string[] = [];
  let reverseCharge = breakdownReverseCharge;
  let reverseChargeNoted = false;
  for (const q of quoted) {
    if (q.treatment === 'standard' || q.treatment === 'reduced') continue;
    if (q.treatment === 'reverse_charge') reverseCharge = true;
    const note = q.note.trim();
    if (!note || notes.includes(note)) continue;
    notes.push(note);
    if (q.treatment === 'reverse_charge') reverseChargeNoted = true;
  }
  if (reverseCharge && !reverseChargeNoted) notes.unshift(REVERSE_CHARGE_NOTE);
  return notes;
}

/** The calendar day of an instant in a zone, as an ISO date. */
export function dateIn(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}
