import { Dec } from '@mu/pricing';
import { enqueueWebhook } from '@mu/webhooks';
import { sql } from 'kysely';
import { periodOfSubscriptionAt } from '../catalog';
import type { InvoiceRow, SubscriptionRow } from '../schema';
import { finalizeInTx, insertDraft, invoiceEventPayload, writeLines } from './close';
import { billingSettings, computeInvoice, type InvoicingDeps } from './compute';

/**
 * Progressive billing: when the usage of a subscription's running period that no interim
 * invoice billed yet reaches its `progressive_billing_threshold` (before tax, in the plan's
 * currency), an interim invoice bills that usage now and is finalized at once. The period's
 * invoice later deducts what interim invoices billed, charge by charge.
 *
 * Several invoicer replicas may look at once: the transaction takes an advisory lock on the
 * subscription and computes again inside it, so one crossing yields one interim invoice.
 */
export async function issueInterimInvoiceIfDue(
  deps: InvoicingDeps,
  tenantId: string,
  sub: SubscriptionRow,
  now: Date,
): Promise<InvoiceRow | null> {
  if (!sub.progressive_billing_threshold) return null;
  const period = await periodOfSubscriptionAt(deps.db, tenantId, sub, now);
  if (!period) return null;
  const threshold = new Dec(sub.progressive_billing_threshold);
  const due = async () => {
    const c = await computeInvoice(deps, tenantId, sub, period, { through: now, kind: 'interim' });
    const unbilled = c.lines.reduce((sum, l) => sum.plus(l.amount), new Dec(0));
    return unbilled.gte(threshold) ? c : null;
  };
  if (!(await due())) return null;
  const settings = await billingSettings(deps.db, tenantId);
  return deps.db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`interim:${tenantId}:${sub.id}`}))`.execute(tx);
    // Again under the lock: another replica may have just billed it.
    const c = await due();
    if (!c) return null;
    const draft = await insertDraft(tx, c, now, now, undefined);
    if (!draft) return null;
    await writeLines(tx, tenantId, draft.id, c);
    await enqueueWebhook(tx, {
      tenantId,
      type: 'invoice.created',
      id: `invoice.created:${draft.id}`,
      payload: invoiceEventPayload(draft),
    });
    return finalizeInTx(tx, draft, settings, now);
  });
}
