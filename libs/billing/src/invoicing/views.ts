import type { TaxBreakdownEntryV1, TaxQuotedLineV1, TaxWarningV1 } from '@mu/contracts';
import { currencyMinorUnits, Dec, roundMoney } from '@mu/pricing';
import type {
  BuyerSnapshot,
  CreditNoteLine,
  CreditNoteRow,
  FxApplied,
  InvoiceKind,
  InvoiceLineRow,
  InvoiceRow,
  InvoiceStatus,
  SellerProfile,
} from '../schema';
import type { ComputedLine, InvoiceTax } from './compute';

/**
 * Invoices and credit notes as the API answers them and as webhooks carry them: one mapping,
 * so `invoice.voided` and `GET /v1/invoices/{id}` show the same object. Amounts are the
 * ledger's decimal strings, as stored.
 */

export interface InvoiceLineTaxView {
  /** Percent, as the tax service quotes it (`"19"`). */
  rate: string;
  jurisdiction: string;
  treatment: string;
  note: string;
}

/** A stored line: what the computation made of it, where it sits, its tax decision and credits. */
export interface InvoiceLineView extends ComputedLine {
  id: string;
  position: number;
  /** The tax service's decision for this line, when tax was calculated. */
  tax: InvoiceLineTaxView | null;
  /** Credited on this line by credit notes so far (net of tax). */
  credited: string;
}

export interface InvoiceTaxView {
  status: 'calculated' | 'not_calculated';
  /** Why no tax was calculated (no seller country, no tax service...). */
  reason: string | null;
  date: string | null;
  rounding: string | null;
  /** One entry per jurisdiction, rate and treatment. */
  breakdown: TaxBreakdownEntryV1[];
  warnings: TaxWarningV1[];
}

export interface CreditNoteView {
  id: string;
  invoiceId: string;
  invoiceNumber: string | null;
  customerId: string;
  number: string;
  reason: string;
  currency: string;
  subtotal: string;
  taxTotal: string;
  total: string;
  lines: CreditNoteLine[];
  /** The prepaid credit grant the total went back to (`creditTo: balance`); null otherwise. */
  creditGrantId: string | null;
  createdAt: string;
}

export interface InvoiceView {
  id: string;
  customerId: string;
  subscriptionId: string;
  /** `period` closes a billing period; `interim` bills usage early (progressive billing). */
  kind: InvoiceKind;
  status: InvoiceStatus;
  number: string | null;
  currency: string;
  periodStart: string;
  periodEnd: string;
  /** Usage is counted up to this instant (the period end, or the moment of an interim invoice). */
  usageThrough: string;
  /** The conversion into the customer's currency, when the plan's differs. */
  fx: FxApplied | null;
  subtotal: string;
  taxTotal: string;
  total: string;
  /** Prepaid credit spent on it at finalization. */
  creditsApplied: string;
  /** total - creditsApplied; null while a draft has not spent any credit yet. */
  amountDue: string | null;
  /** Credited by credit notes so far (tax included). */
  creditedTotal: string;
  tax: InvoiceTaxView;
  seller: SellerProfile;
  buyer: BuyerSnapshot;
  computedAt: string;
  graceUntil: string;
  issuedAt: string | null;
  dueAt: string | null;
  finalizedAt: string | null;
  paidAt: string | null;
  voidedAt: string | null;
  uncollectibleAt: string | null;
  voidReason: string | null;
  replacesId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface InvoiceDetailView extends InvoiceView {
  lines: InvoiceLineView[];
  creditNotes: CreditNoteView[];
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The stored `tax` column, read defensively: rows written before the quote existed hold `{}`. */
export function invoiceTaxOf(row: Pick<InvoiceRow, 'tax'>): InvoiceTax | null {
  const t = row.tax as Partial<InvoiceTax> | null;
  if (t?.status === 'calculated' && 'quote' in t && t.quote) return t as InvoiceTax;
  if (t?.status === 'not_calculated') return t as InvoiceTax;
  return null;
}

/** The quoted tax of an invoice line: the quote's line ids are the lines' positions. */
export function quotedLine(
  tax: InvoiceTax | null,
  line: Pick<InvoiceLineRow, 'position'>,
): TaxQuotedLineV1 | undefined {
  if (tax?.status !== 'calculated') return undefined;
  return tax.quote.lines.find((q) => q.id === String(line.position));
}

export function taxView(row: Pick<InvoiceRow, 'tax'>): InvoiceTaxView {
  return taxViewOf(invoiceTaxOf(row));
}

export function taxViewOf(tax: InvoiceTax | null): InvoiceTaxView {
  if (tax?.status === 'calculated') {
    return {
      status: 'calculated',
      reason: null,
      date: tax.quote.date,
      rounding: tax.quote.rounding,
      breakdown: tax.quote.breakdown,
      warnings: tax.quote.warnings,
    };
  }
  return {
    status: 'not_calculated',
    reason: tax?.status === 'not_calculated' ? tax.reason : null,
    date: null,
    rounding: null,
    breakdown: [],
    warnings: [],
  };
}

/** Sum of credit note totals, in the currency's minor units. */
export function creditedTotal(notes: readonly Pick<CreditNoteRow, 'total'>[], currency: string): string {
  return money(
    notes.reduce((s, n) => s.plus(n.total), new Dec(0)),
    currency,
  );
}

const money = (d: Dec, currency: string) =>
  roundMoney(d, currencyMinorUnits(currency), 'half_away_from_zero');

export function invoiceView(row: InvoiceRow, creditNotes: readonly CreditNoteRow[] = []): InvoiceView {
  return {
    id: row.id,
    customerId: row.customer_id,
    subscriptionId: row.subscription_id,
    kind: row.kind,
    status: row.status,
    number: row.number,
    currency: row.currency,
    periodStart: row.period_start.toISOString(),
    periodEnd: row.period_end.toISOString(),
    usageThrough: row.usage_through.toISOString(),
    fx: row.fx,
    subtotal: row.subtotal,
    taxTotal: row.tax_total,
    total: row.total,
    creditsApplied: row.credits_applied,
    amountDue: row.amount_due,
    creditedTotal: creditedTotal(creditNotes, row.currency),
    tax: taxView(row),
    seller: row.seller,
    buyer: row.buyer,
    computedAt: row.computed_at.toISOString(),
    graceUntil: row.grace_until.toISOString(),
    issuedAt: iso(row.issued_at),
    dueAt: iso(row.due_at),
    finalizedAt: iso(row.finalized_at),
    paidAt: iso(row.paid_at),
    voidedAt: iso(row.voided_at),
    uncollectibleAt: iso(row.uncollectible_at),
    voidReason: row.void_reason,
    replacesId: row.replaces_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function invoiceDetailView(
  row: InvoiceRow,
  lines: readonly InvoiceLineRow[],
  creditNotes: readonly CreditNoteRow[],
): InvoiceDetailView {
  const tax = invoiceTaxOf(row);
  const credited = creditedByLine(creditNotes);
  return {
    ...invoiceView(row, creditNotes),
    lines: [...lines]
      .sort((a, b) => a.position - b.position)
      .map((l) => {
        const q = quotedLine(tax, l);
        return {
          id: l.id,
          position: l.position,
          type: l.type,
          chargeKey: l.charge_key,
          description: l.description,
          periodStart: l.period_start.toISOString(),
          periodEnd: l.period_end.toISOString(),
          quantity: l.quantity,
          unitPrice: l.unit_price,
          amount: l.amount,
          taxRate: l.tax_rate,
          taxAmount: l.tax_amount,
          meterId: l.meter_id,
          breakdown: l.breakdown,
          details: l.details,
          adjustsInvoiceId: l.adjusts_invoice_id,
          tax: q
            ? { rate: q.rate, jurisdiction: q.jurisdiction, treatment: q.treatment, note: q.note }
            : null,
          credited: money(credited.get(l.id)?.amount ?? new Dec(0), row.currency),
        };
      }),
    creditNotes: creditNotes.map((n) => creditNoteView(n, row)),
  };
}

export function creditNoteView(
  row: CreditNoteRow,
  invoice: Pick<InvoiceRow, 'customer_id' | 'number'>,
): CreditNoteView {
  return {
    id: row.id,
    invoiceId: row.invoice_id,
    invoiceNumber: invoice.number,
    customerId: invoice.customer_id,
    number: row.number,
    reason: row.reason,
    currency: row.currency,
    subtotal: row.subtotal,
    taxTotal: row.tax_total,
    total: row.total,
    lines: row.lines,
    creditGrantId: row.credit_grant_id,
    createdAt: row.created_at.toISOString(),
  };
}

/** What credit notes took from each invoice line so far: net amount and tax. */
export function creditedByLine(
  notes: readonly Pick<CreditNoteRow, 'lines'>[],
): Map<string, { amount: Dec; tax: Dec }> {
  const out = new Map<string, { amount: Dec; tax: Dec }>();
  for (const n of notes) {
    for (const l of n.lines) {
      if (!l.invoiceLineId) continue;
      const s = out.get(l.invoiceLineId) ?? { amount: new Dec(0), tax: new Dec(0) };
      out.set(l.invoiceLineId, { amount: s.amount.plus(l.amount), tax: s.tax.plus(l.taxAmount) });
    }
  }
  return out;
}
