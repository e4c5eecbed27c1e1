import { enqueueWebhook } from '@mu/webhooks';
import { currencyMinorUnits, Dec } from '@mu/pricing';
import type { Transaction } from 'kysely';
import type { BillingDb } from '../catalog';
import type { CreditNoteRow, Database, InvoiceRow, InvoiceStatus } from '../schema';
import { creditNotesOf, insertCreditNote, invoiceLines, lockInvoice, planFullCredit } from './credit-notes';
import { InvoiceStateError, isCheckViolation } from './errors';
import { invoiceEventPayload } from './close';
import { grantsInSpendingOrder } from './compute';

/**
 * What happens to an invoice after it is issued. The database has the last word: its trigger
 * allows only finalized -> paid | void | uncollectible and uncollectible -> paid | void, and
 * nothing but the status and its timestamps may change. Each transition locks the invoice,
 * checks the status here first (for a clear error), and maps a refusal by the trigger, which
 * only a bug could reach past that check, to the same InvoiceStateError.
 *
 *   draft ──finalize──> finalized ──mark-paid──────────> paid
 *                          │  └──mark-uncollectible──> uncollectible ──mark-paid──> paid
 *                          └──void──> void <──void──────────┘
 */

export const VOIDABLE_STATUSES = ['finalized', 'uncollectible'] as const;
export const PAYABLE_STATUSES = ['finalized', 'uncollectible'] as const;
export const UNCOLLECTIBLE_FROM = ['finalized'] as const;

export interface VoidResult {
  invoice: InvoiceRow;
  /** The credit note for what was not yet credited; null when nothing was left. */
  creditNote: CreditNoteRow | null;
  /** The prepaid credit the invoice had spent, given back to its grants (decimal string). */
  creditsReinstated: string;
}

/**
 * Void a finalized or uncollectible invoice, in one transaction: the status, the reason, a credit
 * note for everything not credited yet (numbered from the credit note sequence), the prepaid
 * credit it spent given back to its grants, and the `invoice.voided` and `credit_note.created`
 * webhooks. Its period can then be invoiced again (`regenerateInvoice`): the one-live-invoice-
 * per-period rule ignores void invoices, and the new invoice can spend the same credit again.
 */
export async function voidInvoice(
  db: BillingDb,
  tenantId: string,
  invoiceId: string,
  input: { reason: string },
  now = new Date(),
): Promise<VoidResult> {
  return db.transaction().execute(async (tx) => {
    const current = await lockInvoice(tx, tenantId, invoiceId);
    requireStatus(current, 'void', VOIDABLE_STATUSES);
    const lines = await invoiceLines(tx, tenantId, current.id);
    const previous = await creditNotesOf(tx, tenantId, current.id);
    const invoice = await transition(tx, current, 'void', {
      status: 'void',
      voided_at: now,
      void_reason: input.reason,
    });
    const plan = planFullCredit(invoice, lines, previous);
    const creditNote = plan
      ? await insertCreditNote(tx, tenantId, invoice, `Void: ${input.reason}`, plan, now)
      : null;
    const creditsReinstated = (await reinstateCredits(tx, invoice, now)).toFixed(
      currencyMinorUnits(invoice.currency.trim()),
    );
    await enqueueWebhook(tx, {
      tenantId,
      type: 'invoice.voided',
      id: `invoice.voided:${invoice.id}`,
      // The shape of the other invoice.* events, and what the void added.
      payload: {
        ...invoiceEventPayload(invoice),
        voidedAt: now.toISOString(),
        voidReason: input.reason,
        creditNoteId: creditNote?.id ?? null,
        creditNoteNumber: creditNote?.number ?? null,
        creditsReinstated,
      },
    });
    return { invoice, creditNote, creditsReinstated };
  });
}

/**
 * Gives the prepaid credit a voided invoice spent back to the grants it came from: each
 * application is marked reinstated (kept, so the ledger shows the spend and its return) and
 * its amount goes back to the grant's `remaining`. A grant that expired or was voided meanwhile
 * gets it back too, but cannot spend it (its status says so); for the invoice's own period,
 * which is what a regenerated invoice bills, it was usable, so that invoice can spend it again.
 * The grants are locked in the order finalization locks them (`grantsInSpendingOrder`), so a
 * void and a finalization spending from the same grants queue instead of deadlocking.
 */
async function reinstateCredits(tx: Transaction<Database>, invoice: InvoiceRow, now: Date): Promise<Dec> {
  const applications = await tx
    .updateTable('credit_grant_applications')
    .set({ reinstated_at: now })
    .where('tenant_id', '=', invoice.tenant_id)
    .where('invoice_id', '=', invoice.id)
    .where('reinstated_at', 'is', null)
    .returning(['grant_id', 'amount'])
    .execute();
  if (applications.length === 0) return new Dec(0);
  const grants = await grantsInSpendingOrder(tx, invoice.tenant_id)
    .where(
      'id',
      'in',
      applications.map((a) => a.grant_id),
    )
    .forUpdate()
    .execute();
  let total = new Dec(0);
  for (const g of grants) {
    const back = new Dec(applications.find((a) => a.grant_id === g.id)!.amount);
    await tx
      .updateTable('credit_grants')
      .set({ remaining: new Dec(g.remaining).plus(back).toFixed() })
      .where('tenant_id', '=', invoice.tenant_id)
      .where('id', '=', g.id)
      .execute();
    total = total.plus(back);
  }
  return total;
}

/** Record the payment of a finalized or uncollectible invoice (`paidAt`, default now). */
export async function markInvoicePaid(
  db: BillingDb,
  tenantId: string,
  invoiceId: string,
  input: { paidAt?: Date } = {},
  now = new Date(),
): Promise<InvoiceRow> {
  return db.transaction().execute(async (tx) => {
    const current = await lockInvoice(tx, tenantId, invoiceId);
    requireStatus(current, 'mark-paid', PAYABLE_STATUSES);
    return transition(tx, current, 'mark-paid', { status: 'paid', paid_at: input.paidAt ?? now });
  });
}

/** Give up collecting a finalized invoice; it can still be paid or voided later. */
export async function markInvoiceUncollectible(
  db: BillingDb,
  tenantId: string,
  invoiceId: string,
  now = new Date(),
): Promise<InvoiceRow> {
  return db.transaction().execute(async (tx) => {
    const current = await lockInvoice(tx, tenantId, invoiceId);
    requireStatus(current, 'mark-uncollectible', UNCOLLECTIBLE_FROM);
    return transition(tx, current, 'mark-uncollectible', { status: 'uncollectible', uncollectible_at: now });
  });
}

function requireStatus(invoice: InvoiceRow, action: string, allowed: readonly InvoiceStatus[]): void {
  if (!allowed.includes(invoice.status))
    throw new InvoiceStateError(invoice.id, invoice.status, action, allowed);
}

async function transition(
  tx: Transaction<Database>,
  current: InvoiceRow,
  action: string,
  set: {
    status: InvoiceStatus;
    paid_at?: Date;
    voided_at?: Date;
    uncollectible_at?: Date;
    void_reason?: string;
  },
): Promise<InvoiceRow> {
  try {
    return await tx
      .updateTable('invoices')
      .set({ ...set, updated_at: new Date() })
      .where('tenant_id', '=', current.tenant_id)
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (isCheckViolation(err)) throw new InvoiceStateError(current.id, current.status, action, []);
    throw err;
  }
}
