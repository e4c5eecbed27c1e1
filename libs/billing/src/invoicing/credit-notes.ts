import { newId } from '@mu/platform';
import { currencyMinorUnits, Dec, roundMoney } from '@mu/pricing';
import { enqueueWebhook } from '@mu/webhooks';
import type { Kysely, Transaction } from 'kysely';
import type { BillingDb } from '../catalog';
import type { CreditNoteLine, CreditNoteRow, Database, InvoiceLineRow, InvoiceRow } from '../schema';
import { billingSettings } from './compute';
import {
  InvoiceStateError,
  InvoicingInputError,
  InvoicingNotFoundError,
  type InvoicingIssue,
} from './errors';
import { takeNumber } from './numbering';
import { creditedByLine, creditNoteView } from './views';

/**
 * Credit notes: documents that take back part or all of an issued invoice. A credit note never
 * changes (a trigger refuses it), is numbered from its own gapless sequence in the transaction
 * that issues it, and announces itself with `credit_note.created` in that same transaction.
 *
 * The math, in decimal strings and never floats:
 * - a line can be credited up to its amount minus what earlier credit notes took from it;
 * - its tax is credited in proportion (tax_amount x credited / amount), rounded half away from
 *   zero to the currency's minor units; the credit that empties a line takes exactly the tax left
 *   on it, so crediting a line in parts never drifts from its tax by a cent;
 * - all credit notes of an invoice together never exceed its total.
 */

export interface CreditRequestLine {
  invoiceLineId: string;
  /** Net amount to credit, a positive decimal string in the invoice currency. */
  amount: string;
}

export interface CreditNotePlan {
  lines: CreditNoteLine[];
  subtotal: string;
  taxTotal: string;
  total: string;
}

/** Statuses a partial credit note may be issued against. */
export const CREDITABLE_STATUSES = ['finalized', 'paid'] as const;

const POSITIVE_DECIMAL = /^\d+(?:\.\d+)?$/;

type PlanInvoice = Pick<InvoiceRow, 'id' | 'currency' | 'total' | 'subtotal' | 'tax_total'>;
type PlanLine = Pick<InvoiceLineRow, 'id' | 'description' | 'amount' | 'tax_amount' | 'position'>;
type PlanNote = Pick<CreditNoteRow, 'lines' | 'total' | 'subtotal' | 'tax_total'>;

/**
 * The credit note a request asks for, or every reason it cannot be issued (with the request's
 * field paths). Pure: the caller reads the invoice, its lines and earlier notes under a lock.
 */
export function planCreditNote(
  invoice: PlanInvoice,
  lines: readonly PlanLine[],
  previous: readonly PlanNote[],
  request: readonly CreditRequestLine[],
): CreditNotePlan {
  const minor = currencyMinorUnits(invoice.currency);
  const money = (d: Dec) => roundMoney(d, minor, 'half_away_from_zero');
  const byId = new Map(lines.map((l) => [l.id, l]));
  const credited = creditedByLine(previous);
  const issues: InvoicingIssue[] = [];
  const seen = new Set<string>();
  const out: CreditNoteLine[] = [];
  if (request.length === 0) issues.push({ path: 'lines', message: 'name at least one line to credit' });

  request.forEach((r, i) => {
    const line = byId.get(r.invoiceLineId);
    if (!line) {
      issues.push({
        path: `lines.${i}.invoiceLineId`,
        message: `${r.invoiceLineId} is not a line of invoice ${invoice.id}`,
      });
      return;
    }
    if (seen.has(line.id)) {
      issues.push({ path: `lines.${i}.invoiceLineId`, message: `line ${line.id} is named twice` });
      return;
    }
    seen.add(line.id);
    const amount = moneyIn(r.amount, minor);
    if (typeof amount === 'string') {
      issues.push({ path: `lines.${i}.amount`, message: amount });
      return;
    }
    const taken = credited.get(line.id) ?? { amount: new Dec(0), tax: new Dec(0) };
    const remaining = new Dec(line.amount).minus(taken.amount);
    if (amount.gt(remaining)) {
      issues.push({
        path: `lines.${i}.amount`,
        message: remaining.lte(0)
          ? `nothing is left to credit on line ${line.id} (amount ${line.amount}, credited ${money(taken.amount)})`
          : `at most ${money(remaining)} can be credited on line ${line.id} (amount ${line.amount}, credited ${money(taken.amount)})`,
      });
      return;
    }
    const taxLeft = new Dec(line.tax_amount).minus(taken.tax);
    let tax = amount.eq(remaining)
      ? taxLeft
      : new Dec(
          roundMoney(new Dec(line.tax_amount).times(amount).div(line.amount), minor, 'half_away_from_zero'),
        );
    // Earlier rounding can have left slightly less than the proportion: never credit more tax
    // than the line has left, nor a negative tax.
    if (tax.gt(taxLeft)) tax = taxLeft;
    if (tax.lt(0)) tax = new Dec(0);
    out.push({
      invoiceLineId: line.id,
      description: line.description,
      amount: roundMoney(amount, minor, 'half_away_from_zero'),
      taxAmount: roundMoney(tax, minor, 'half_away_from_zero'),
    });
  });
  if (issues.length) throw new InvoicingInputError(issues);

  const plan = totals(out, minor);
  const already = previous.reduce((s, n) => s.plus(n.total), new Dec(0));
  const left = new Dec(invoice.total).minus(already);
  if (new Dec(plan.total).gt(left)) {
    throw new InvoicingInputError([
      {
        path: 'lines',
        message: `the credit comes to ${plan.total} with tax; invoice ${invoice.id} totals ${invoice.total} and ${money(already)} is credited already, so at most ${money(Dec.max(left, 0))} more can be`,
      },
    ]);
  }
  return plan;
}

/**
 * Everything not yet credited: each line's amount and tax minus earlier credits, and a balancing
 * line if the invoice's totals and its lines' remainders differ (e.g. tax rounded per invoice).
 * Null when nothing is left (a zero invoice, or one credited in full already).
 */
export function planFullCredit(
  invoice: PlanInvoice,
  lines: readonly PlanLine[],
  previous: readonly PlanNote[],
): CreditNotePlan | null {
  const minor = currencyMinorUnits(invoice.currency);
  const money = (d: Dec) => roundMoney(d, minor, 'half_away_from_zero');
  const credited = creditedByLine(previous);
  const out: CreditNoteLine[] = [];
  for (const line of [...lines].sort((a, b) => a.position - b.position)) {
    const taken = credited.get(line.id) ?? { amount: new Dec(0), tax: new Dec(0) };
    const amount = new Dec(line.amount).minus(taken.amount);
    const tax = new Dec(line.tax_amount).minus(taken.tax);
    if (amount.isZero() && tax.isZero()) continue;
    out.push({
      invoiceLineId: line.id,
      description: line.description,
      amount: money(amount),
      taxAmount: money(tax),
    });
  }
  const sum = (f: (n: PlanNote) => string) => previous.reduce((s, n) => s.plus(f(n)), new Dec(0));
  const subtotalLeft = new Dec(invoice.subtotal).minus(sum((n) => n.subtotal));
  const taxLeft = new Dec(invoice.tax_total).minus(sum((n) => n.tax_total));
  const fromLines = totals(out, minor);
  const dAmount = subtotalLeft.minus(fromLines.subtotal);
  const dTax = taxLeft.minus(fromLines.taxTotal);
  if (!dAmount.isZero() || !dTax.isZero()) {
    out.push({ description: 'Balance of the invoice', amount: money(dAmount), taxAmount: money(dTax) });
  }
  const plan = totals(out, minor);
  // The table's checks: a credit note credits something, and neither part is negative.
  if (!new Dec(plan.total).gt(0) || new Dec(plan.subtotal).lt(0) || new Dec(plan.taxTotal).lt(0)) return null;
  return plan;
}

function totals(lines: readonly CreditNoteLine[], minor: number): CreditNotePlan {
  const subtotal = lines.reduce((s, l) => s.plus(l.amount), new Dec(0));
  const tax = lines.reduce((s, l) => s.plus(l.taxAmount), new Dec(0));
  return {
    lines: [...lines],
    subtotal: roundMoney(subtotal, minor, 'half_away_from_zero'),
    taxTotal: roundMoney(tax, minor, 'half_away_from_zero'),
    total: roundMoney(subtotal.plus(tax), minor, 'half_away_from_zero'),
  };
}

/** A positive amount with at most the currency's minor digits, or why not. */
function moneyIn(value: string, minor: number): Dec | string {
  if (typeof value !== 'string' || !POSITIVE_DECIMAL.test(value))
    return `must be a positive decimal string such as "12.50", not ${JSON.stringify(value)}`;
  const decimals = value.includes('.') ? value.length - value.indexOf('.') - 1 : 0;
  if (decimals > minor && !/^0+$/.test(value.slice(value.indexOf('.') + 1 + minor)))
    return `has more decimal places than the currency's ${minor}`;
  const d = new Dec(value);
  if (!d.gt(0)) return 'must be greater than 0';
  return d;
}

/** The invoice, locked for the rest of the transaction (credit notes and transitions queue on it). */
export async function lockInvoice(
  tx: Transaction<Database>,
  tenantId: string,
  invoiceId: string,
): Promise<InvoiceRow> {
  const row = await tx
    .selectFrom('invoices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', invoiceId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new InvoicingNotFoundError('invoice', invoiceId);
  return row;
}

export async function invoiceLines(
  db: Kysely<Database>,
  tenantId: string,
  invoiceId: string,
): Promise<InvoiceLineRow[]> {
  return db
    .selectFrom('invoice_lines')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('invoice_id', '=', invoiceId)
    .orderBy('position')
    .execute();
}

/** The credit notes issued against an invoice, oldest first. */
export async function creditNotesOf(
  db: Kysely<Database>,
  tenantId: string,
  invoiceId: string,
): Promise<CreditNoteRow[]> {
  return db
    .selectFrom('credit_notes')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('invoice_id', '=', invoiceId)
    .orderBy('id')
    .execute();
}

/** Where a credit note's total goes: nowhere in Mu (the tenant refunds), or the customer's prepaid balance. */
export const CREDIT_DESTINATIONS = ['none', 'balance'] as const;
export type CreditDestination = (typeof CREDIT_DESTINATIONS)[number];

/**
 * Number, insert and announce a credit note in the caller's transaction (which holds the
 * invoice's lock). The number is taken last, just before the inserts, so nothing that can still
 * fail sits between them and a rollback returns it. With `creditTo: 'balance'` the total becomes
 * a prepaid credit grant of the invoice's customer (its currency, no expiry, named after the
 * credit note), which the credit note names.
 */
export async function insertCreditNote(
  tx: Transaction<Database>,
  tenantId: string,
  invoice: InvoiceRow,
  reason: string,
  plan: CreditNotePlan,
  now: Date,
  creditTo: CreditDestination = 'none',
): Promise<CreditNoteRow> {
  const settings = await billingSettings(tx, tenantId);
  const number = await takeNumber(tx, tenantId, 'credit_note', settings.creditNoteNumberFormat, now);
  let creditGrantId: string | null = null;
  if (creditTo === 'balance') {
    creditGrantId = newId('cgr');
    await tx
      .insertInto('credit_grants')
      .values({
        id: creditGrantId,
        tenant_id: tenantId,
        customer_id: invoice.customer_id,
        name: `Credit note ${number}`,
        currency: invoice.currency,
        amount: plan.total,
        remaining: plan.total,
        effective_at: now,
        expires_at: null,
      })
      .execute();
  }
  const row = await tx
    .insertInto('credit_notes')
    .values({
      id: newId('cn'),
      tenant_id: tenantId,
      invoice_id: invoice.id,
      number,
      reason,
      currency: invoice.currency,
      subtotal: plan.subtotal,
      tax_total: plan.taxTotal,
      total: plan.total,
      lines: JSON.stringify(plan.lines),
      credit_grant_id: creditGrantId,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await enqueueWebhook(tx, {
    tenantId,
    type: 'credit_note.created',
    id: `credit_note.created:${row.id}`,
    payload: { creditNote: creditNoteView(row, invoice) },
  });
  return row;
}

/**
 * A partial (or full) credit of a finalized or paid invoice, line by line. One transaction:
 * lock the invoice, check the request against the lines and earlier notes, number, insert,
 * enqueue `credit_note.created`. `creditTo: 'balance'` is for paid invoices only: on an unpaid
 * one the credit note already lowers what is due, and credit on top would pay the customer twice.
 */
export async function issueCreditNote(
  db: BillingDb,
  tenantId: string,
  invoiceId: string,
  input: { reason: string; lines: readonly CreditRequestLine[]; creditTo?: CreditDestination },
  now = new Date(),
): Promise<{ invoice: InvoiceRow; creditNote: CreditNoteRow }> {
  const creditTo = input.creditTo ?? 'none';
  return db.transaction().execute(async (tx) => {
    const invoice = await lockInvoice(tx, tenantId, invoiceId);
    if (!(CREDITABLE_STATUSES as readonly string[]).includes(invoice.status)) {
      throw new InvoiceStateError(invoice.id, invoice.status, 'a credit note', CREDITABLE_STATUSES);
    }
    if (creditTo === 'balance' && invoice.status !== 'paid') {
      throw new InvoiceStateError(invoice.id, invoice.status, "a credit note to the customer's balance", [
        'paid',
      ]);
    }
    const lines = await invoiceLines(tx, tenantId, invoice.id);
    const previous = await creditNotesOf(tx, tenantId, invoice.id);
    const plan = planCreditNote(invoice, lines, previous, input.lines);
    const creditNote = await insertCreditNote(tx, tenantId, invoice, input.reason, plan, now, creditTo);
    return { invoice, creditNote };
  });
}
