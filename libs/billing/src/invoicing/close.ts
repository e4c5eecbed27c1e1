import { newId } from '@mu/platform';
import { enqueueWebhook } from '@mu/webhooks';
import { sql, type Transaction } from 'kysely';
import { periodOfSubscriptionAt, type SubscriptionPeriod } from '../catalog';
import type { Database, InvoiceRow, SubscriptionRow } from '../schema';
import {
  billingSettings,
  computeInvoice,
  type BillingSettings,
  type ComputedInvoice,
  type InvoicingDeps,
  usableGrants,
} from './compute';
import { takeNumber } from './numbering';
import { currencyMinorUnits, Dec } from '@mu/pricing';

export type CloseAction = 'created' | 'refreshed' | 'finalized' | 'unchanged' | 'void';

export interface CloseResult {
  action: CloseAction;
  invoice: InvoiceRow | null;
}

export interface CloseOptions {
  /** Finalize now whatever the grace period says (`POST /v1/invoices/{id}/finalize`). */
  finalize?: boolean;
  /** A new draft for a period whose invoice was voided. */
  replacesId?: string;
  /** Test seam: runs inside the transaction after the lines are written. */
  beforeCommit?: () => Promise<void> | void;
}

/**
 * Closes one billing period of a subscription into its invoice, in one Postgres transaction:
 *
 * - no live invoice yet: a draft is created (and finalized at once when its grace period is
 *   already over). The partial unique index on (subscription, kind, period) makes a second
 *   closer, in this process or another replica, find the first one's invoice instead;
 * - a draft: recomputed from the usage store (late events during the grace period change it),
 *   and finalized once the grace period is over, taking the next gapless number;
 * - issued or void: left alone (a void period is regenerated only on request).
 *
 * The usage is read and the tax quoted before the transaction, so it holds no row lock
 * during ClickHouse queries or the tax service's reply. A crash anywhere leaves either the
 * previous state or the whole new one.
 */
export async function closePeriod(
  deps: InvoicingDeps,
  tenantId: string,
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
  now: Date,
  opts: CloseOptions = {},
): Promise<CloseResult> {
  const settings = await billingSettings(deps.db, tenantId);
  const existing = await liveInvoice(deps, tenantId, sub.id, period.start);
  if (existing && existing.status !== 'draft') return { action: 'unchanged', invoice: existing };
  if (!existing && !opts.replacesId) {
    const voided = await deps.db
      .selectFrom('invoices')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('subscription_id', '=', sub.id)
      .where('kind', '=', 'period')
      .where('period_start', '=', new Date(period.start))
      .where('status', '=', 'void')
      .executeTakeFirst();
    if (voided) return { action: 'void', invoice: null };
  }
  const computed = await computeInvoice(deps, tenantId, sub, period, {
    excludeInvoiceId: existing?.id,
    settings,
  });
  const graceUntil =
    existing?.grace_until ?? (await graceEnd(deps, tenantId, sub, period, settings, now, opts));
  const finalize = opts.finalize === true || now >= graceUntil;

  return deps.db.transaction().execute(async (tx) => {
    let invoice: InvoiceRow | undefined;
    let action: CloseAction;
    if (existing) {
      invoice = await tx
        .selectFrom('invoices')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', existing.id)
        .forUpdate()
        .executeTakeFirst();
      // Finalized or voided by someone else since we read it.
      if (!invoice || invoice.status !== 'draft')
        return { action: 'unchanged' as const, invoice: invoice ?? null };
      await tx
        .deleteFrom('invoice_lines')
        .where('tenant_id', '=', tenantId)
        .where('invoice_id', '=', invoice.id)
        .execute();
      invoice = await tx
        .updateTable('invoices')
        .set({ ...totals(computed), computed_at: now, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', invoice.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      action = 'refreshed';
    } else {
      invoice = await insertDraft(tx, computed, graceUntil, now, opts.replacesId);
      if (!invoice) {
        // Another closer created it first: theirs stands.
        return {
          action: 'unchanged' as const,
          invoice: (await liveInvoice({ db: tx }, tenantId, sub.id, period.start)) ?? null,
        };
      }
      action = 'created';
      await enqueueWebhook(tx, {
        tenantId,
        type: 'invoice.created',
        id: `invoice.created:${invoice.id}`,
        payload: invoiceEventPayload(invoice),
      });
    }
    await writeLines(tx, tenantId, invoice.id, computed);
    if (finalize) {
      invoice = await finalizeInTx(tx, invoice, settings, now);
      action = 'finalized';
    }
    await opts.beforeCommit?.();
    return { action, invoice };
  });
}

/** Finalizes a draft now (before its grace period ends), recomputing it first. */
export async function finalizeInvoice(
  deps: InvoicingDeps,
  tenantId: string,
  invoiceId: string,
  now: Date,
): Promise<CloseResult> {
  const { sub, period, invoice } = await invoiceContext(deps, tenantId, invoiceId);
  if (invoice.status !== 'draft') return { action: 'unchanged', invoice };
  return closePeriod(deps, tenantId, sub, period, now, { finalize: true });
}

/** A new draft for the period of a void invoice (none other live for it). */
export async function regenerateInvoice(
  deps: InvoicingDeps,
  tenantId: string,
  voidInvoiceId: string,
  now: Date,
): Promise<CloseResult> {
  const { sub, period, invoice } = await invoiceContext(deps, tenantId, voidInvoiceId);
  if (invoice.status !== 'void') return { action: 'unchanged', invoice };
  return closePeriod(deps, tenantId, sub, period, now, { replacesId: invoice.id });
}

export async function invoiceContext(
  deps: Pick<InvoicingDeps, 'db'>,
  tenantId: string,
  invoiceId: string,
): Promise<{ invoice: InvoiceRow; sub: SubscriptionRow; period: SubscriptionPeriod }> {
  const invoice = await deps.db
    .selectFrom('invoices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', invoiceId)
    .executeTakeFirstOrThrow();
  const sub = await deps.db
    .selectFrom('subscriptions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', invoice.subscription_id)
    .executeTakeFirstOrThrow();
  const period = await periodOfSubscriptionAt(deps.db, tenantId, sub, invoice.period_start);
  if (!period || period.start !== invoice.period_start.toISOString()) {
    throw new Error(`invoice ${invoiceId}: its period no longer matches the subscription's schedule`);
  }
  return { invoice, sub, period };
}

export async function liveInvoice(
  deps: Pick<InvoicingDeps, 'db'>,
  tenantId: string,
  subscriptionId: string,
  periodStart: string,
): Promise<InvoiceRow | undefined> {
  return deps.db
    .selectFrom('invoices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('subscription_id', '=', subscriptionId)
    .where('kind', '=', 'period')
    .where('period_start', '=', new Date(periodStart))
    .where('status', '<>', 'void')
    .executeTakeFirst();
}

/** The webhook payload of invoice events: enough to act on without a second call. */
export function invoiceEventPayload(i: InvoiceRow): Record<string, unknown> {
  return {
    invoiceId: i.id,
    number: i.number,
    status: i.status,
    customerId: i.customer_id,
    subscriptionId: i.subscription_id,
    periodStart: i.period_start.toISOString(),
    periodEnd: i.period_end.toISOString(),
    currency: i.currency.trim(),
    subtotal: i.subtotal,
    taxTotal: i.tax_total,
    total: i.total,
    dueAt: i.due_at?.toISOString() ?? null,
  };
}

async function graceEnd(
  deps: InvoicingDeps,
  tenantId: string,
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
  settings: BillingSettings,
  now: Date,
  opts: CloseOptions,
): Promise<Date> {
  const customer = await deps.db
    .selectFrom('customers')
    .select('grace_period_hours')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', sub.customer_id)
    .executeTakeFirstOrThrow();
  const hours = customer.grace_period_hours ?? settings.gracePeriodHours;
  // A regenerated draft gets a fresh grace period to be reviewed in.
  const from = opts.replacesId ? now.getTime() : Date.parse(period.end);
  return new Date(from + hours * 3_600_000);
}

function totals(c: ComputedInvoice) {
  return {
    currency: c.currency,
    subtotal: c.subtotal,
    tax_total: c.taxTotal,
    total: c.total,
    fx: c.fx ? JSON.stringify(c.fx) : null,
    credits_applied: c.creditsApplied,
    amount_due: c.amountDue,
    tax: JSON.stringify(c.tax),
    seller: JSON.stringify(c.seller),
    buyer: JSON.stringify(c.buyer),
  };
}

export async function insertDraft(
  tx: Transaction<Database>,
  c: ComputedInvoice,
  graceUntil: Date,
  now: Date,
  replacesId: string | undefined,
): Promise<InvoiceRow | undefined> {
  return (
    tx
      .insertInto('invoices')
      .values({
        id: newId('inv'),
        tenant_id: c.tenantId,
        customer_id: c.customerId,
        subscription_id: c.subscriptionId,
        kind: c.kind,
        period_start: c.period.start,
        period_end: c.period.end,
        usage_through: c.through,
        status: 'draft',
        number: null,
        ...totals(c),
        computed_at: now,
        grace_until: graceUntil,
        replaces_id: replacesId ?? null,
        updated_at: now,
      })
      // The partial unique index invoices_one_per_period.
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'subscription_id', 'kind', 'period_start', 'usage_through'])
          .where(sql.ref('status'), '<>', sql.lit('void'))
          .doNothing(),
      )
      .returningAll()
      .executeTakeFirst()
  );
}

export async function writeLines(
  tx: Transaction<Database>,
  tenantId: string,
  invoiceId: string,
  c: ComputedInvoice,
) {
  if (c.lines.length === 0) return;
  await tx
    .insertInto('invoice_lines')
    .values(
      c.lines.map((l, i) => ({
        id: newId('inl'),
        tenant_id: tenantId,
        invoice_id: invoiceId,
        position: i,
        type: l.type,
        charge_key: l.chargeKey,
        description: l.description,
        period_start: l.periodStart,
        period_end: l.periodEnd,
        quantity: l.quantity,
        unit_price: l.unitPrice,
        amount: l.amount,
        tax_rate: l.taxRate,
        tax_amount: l.taxAmount,
        meter_id: l.meterId,
        breakdown: JSON.stringify(l.breakdown),
        details: JSON.stringify(l.details),
        adjusts_invoice_id: l.adjustsInvoiceId,
      })),
    )
    .execute();
}

export async function finalizeInTx(
  tx: Transaction<Database>,
  invoice: InvoiceRow,
  settings: BillingSettings,
  now: Date,
): Promise<InvoiceRow> {
  const number = await takeNumber(tx, invoice.tenant_id, 'invoice', settings.invoiceNumberFormat, now);
  const credits = await spendCredits(tx, invoice, now);
  const minor = currencyMinorUnits(invoice.currency.trim());
  const finalized = await tx
    .updateTable('invoices')
    .set({
      status: 'finalized',
      number,
      issued_at: now,
      finalized_at: now,
      due_at: new Date(now.getTime() + settings.netTermsDays * 86_400_000),
      credits_applied: credits.toFixed(minor),
      amount_due: new Dec(invoice.total).minus(credits).toFixed(minor),
      updated_at: now,
    })
    .where('tenant_id', '=', invoice.tenant_id)
    .where('id', '=', invoice.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await enqueueWebhook(tx, {
    tenantId: invoice.tenant_id,
    type: 'invoice.finalized',
    id: `invoice.finalized:${invoice.id}`,
    payload: invoiceEventPayload(finalized),
  });
  return finalized;
}

/**
 * Spends the customer's prepaid credit on a finalizing invoice, soonest expiry first. The grants
 * are locked for the transaction, so two invoices finalizing at once never spend the same
 * credit; the ledger (credit_grant_applications) and `remaining` move together.
 */
async function spendCredits(tx: Transaction<Database>, invoice: InvoiceRow, now: Date): Promise<Dec> {
  let left = new Dec(invoice.total);
  if (left.lte(0)) return new Dec(0);
  const grants = await usableGrants(
    tx,
    invoice.tenant_id,
    invoice.customer_id,
    invoice.currency.trim(),
    invoice.period_end < now ? invoice.period_end : now,
  )
    .forUpdate()
    .execute();
  let spent = new Dec(0);
  for (const g of grants) {
    if (left.lte(0)) break;
    const take = Dec.min(left, g.remaining);
    if (take.lte(0)) continue;
    await tx
      .insertInto('credit_grant_applications')
      .values({
        tenant_id: invoice.tenant_id,
        grant_id: g.id,
        invoice_id: invoice.id,
        amount: take.toFixed(),
      })
      .execute();
    await tx
      .updateTable('credit_grants')
      .set({ remaining: new Dec(g.remaining).minus(take).toFixed() })
      .where('tenant_id', '=', invoice.tenant_id)
      .where('id', '=', g.id)
      .execute();
    spent = spent.plus(take);
    left = left.minus(take);
  }
  return spent;
}
