/**
 * What the renderer needs to draw one invoice or credit note. The invoicer maps its own records to
 * this shape; nothing here is computed again: every amount is printed exactly as given.
 *
 * Money, quantities and rates are decimal strings in plain notation (`'1250000'`, `'123.40'`,
 * `'0.19'`), never JS numbers, so no digit changes between the ledger and the paper.
 */

export interface PdfAddress {
  line1?: string;
  line2?: string;
  city?: string;
  postalCode?: string;
  region?: string;
  /** ISO 3166 alpha-2; printed as the country's name in the document's locale. */
  country?: string;
}

export interface PdfTaxId {
  /** e.g. `eu_vat`, `gb_vat`, `us_ein`, `au_abn`. */
  type: string;
  value: string;
  /** Printed before the value; defaults to a label for `type` (`eu_vat` -> `VAT ID`). */
  label?: string;
}

export interface PdfParty {
  name: string;
  address?: PdfAddress;
  taxIds?: PdfTaxId[];
  email?: string;
}

export interface PdfLine {
  /** e.g. `API calls`. */
  description: string;
  /** ISO instants, end exclusive (as billing periods are); printed as the dates served. */
  period?: { start: string; end: string };
  /** Decimal string, e.g. `'1250000'`. */
  quantity: string;
  /** e.g. `calls`. */
  unit?: string;
  /** Decimal string in currency units; null or absent when tiered (the details explain the amount). */
  unitPrice?: string | null;
  /** Decimal string in currency units, already rounded to minor units, e.g. `'123.40'`. */
  amount: string;
  /** Pricing breakdown lines, printed as given in smaller type, e.g. `'0 – 1,000 calls × 0.00 = 0.00'`. */
  details?: string[];
  /** e.g. `'0.19'`; null or absent prints a dash. */
  taxRate?: string | null;
}

export interface PdfTaxLine {
  /** e.g. `VAT DE 19%`. */
  label: string;
  /** e.g. `'0.19'`. */
  rate: string;
  /** The amount the rate applies to, in currency units. */
  taxable: string;
  amount: string;
  reverseCharge?: boolean;
}

export interface InvoicePdfDocument {
  kind: 'invoice' | 'credit_note';
  /** Null for a draft, which is marked DRAFT on every page. */
  number: string | null;
  status: 'draft' | 'finalized' | 'void' | 'paid' | 'uncollectible' | 'issued';
  /** ISO date (`2026-02-01`); also the PDF's creation date, so the same input gives the same bytes. */
  issueDate: string;
  dueDate?: string | null;
  /** ISO instants (end exclusive) or ISO dates (end inclusive, printed as given). */
  periodStart?: string;
  periodEnd?: string;
  /** ISO 4217; amounts are printed with its minor units. */
  currency: string;
  /** Number and date formatting, default `en-US`. The labels are English. */
  locale?: string;
  /** IANA zone in which instants (periods) are turned into dates, default `UTC`: the customer's billing zone. */
  timeZone?: string;
  /** Paper, default `A4`. */
  pageSize?: 'A4' | 'LETTER';
  seller: PdfParty;
  buyer: PdfParty;
  lines: PdfLine[];
  subtotal: string;
  /** Positive amounts, printed as negatives. */
  discounts?: { label: string; amount: string }[];
  /** Prepaid credits applied after tax (positive amount, printed as a negative): amountDue = total − credits. */
  credits?: string | null;
  taxes: PdfTaxLine[];
  taxTotal: string;
  total: string;
  /** Printed as the amount due; when absent, an invoice without credits is due its total. */
  amountDue?: string;
  /** e.g. the reverse-charge note; printed below the totals. */
  notes?: string[];
  /** How to pay (bank account, reference), printed below the notes. */
  paymentInstructions?: string[];
  /** e.g. a credit note's `Credits invoice` `MU-2026-000123`; printed with the number and dates. */
  references?: { label: string; value: string }[];
  /** One line of small print in every page's footer (registered office, company register). */
  footer?: string;
}
