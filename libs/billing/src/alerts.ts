import { Dec } from '@mu/pricing';
import { newId } from '@mu/platform';
import { enqueueWebhook } from '@mu/webhooks';
import { customerSubjects, periodOfSubscriptionAt, type SubscriptionPeriod } from './catalog';
import { chargeQuantity, chargesForPeriod, type ChargesContext, type SubscriptionCharges } from './charges';
import type { AlertFiringRow, AlertRow, SubscriptionRow } from './schema';

/** The threshold an alert fires at: absolute, or `percent` % of `budget`. */
export function alertThreshold(alert: Pick<AlertRow, 'threshold' | 'budget' | 'percent'>): Dec {
  if (alert.threshold !== null) return new Dec(alert.threshold);
  if (alert.budget === null || alert.percent === null) {
    throw new Error('an alert has a threshold, or a budget and a percent');
  }
  return new Dec(alert.budget).times(alert.percent).div(100);
}

/** Reaching the threshold fires: 100 % of a budget of 50 fires at a spend of exactly 50. */
export function crosses(value: string, threshold: Dec): boolean {
  return new Dec(value).gte(threshold);
}

/**
 * Evaluates the enabled alerts of some customers at `at` and records a firing for each one
 * whose running period crossed its threshold and has not fired in that period. Returns the
 * firings this call inserted; a firing another evaluator inserted first (another rater replica)
 * is not returned, so each is announced by the one that won the unique key.
 *
 * Only the running period is watched: usage that arrives late for a closed period changes its
 * invoice (a draft, or an adjustment on the next one), not an alert.
 */
export async function evaluateAlerts(
  ctx: ChargesContext,
  tenantId: string,
  customerIds: readonly string[],
  at = new Date(),
): Promise<AlertFiringRow[]> {
  if (customerIds.length === 0) return [];
  const alerts = await ctx.db
    .selectFrom('alerts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('customer_id', 'in', [...customerIds])
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
  if (alerts.length === 0) return [];

  const subs = new Map<string, { row: SubscriptionRow | undefined; period: SubscriptionPeriod | null }>();
  const subjects = new Map<string, string[]>();
  const spend = new Map<string, SubscriptionCharges>();
  const fired: AlertFiringRow[] = [];

  for (const alert of alerts) {
    let sub = subs.get(alert.subscription_id);
    if (!sub) {
      const row = await ctx.db
        .selectFrom('subscriptions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', alert.subscription_id)
        .executeTakeFirst();
      sub = { row, period: row ? await periodOfSubscriptionAt(ctx.db, tenantId, row, at) : null };
      subs.set(alert.subscription_id, sub);
    }
    const { row, period } = sub;
    if (!row || !period) continue;
    const already = await ctx.db
      .selectFrom('alert_firings')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('alert_id', '=', alert.id)
      .where('period_start', '=', new Date(period.start))
      .executeTakeFirst();
    if (already) continue;

    let keys = subjects.get(alert.customer_id);
    if (!keys)
      subjects.set(alert.customer_id, (keys = await customerSubjects(ctx.db, tenantId, alert.customer_id)));
    const through = new Date(Math.min(at.getTime(), Date.parse(period.end)));
    let value: string;
    let currency: string | null = null;
    if (alert.metric === 'spend') {
      let charges = spend.get(row.id);
      if (!charges)
        spend.set(row.id, (charges = await chargesForPeriod(ctx, tenantId, row, period, keys, through)));
      value = charges.total;
      currency = charges.currency;
    } else {
      const meter = await ctx.db
        .selectFrom('meters')
        .select(['id', 'aggregation'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', alert.meter_id!)
        .executeTakeFirstOrThrow();
      value =
        (await chargeQuantity(
          ctx,
          tenantId,
          meter,
          keys,
          {},
          { from: period.start, to: through.toISOString() },
        )) ?? '0';
    }
    const threshold = alertThreshold(alert);
    if (!crosses(value, threshold)) continue;
    // The firing and its webhook (outbox) commit together: a firing always has its webhook.
    const inserted = await ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('alert_firings')
        .values({
          id: newId('alf'),
          tenant_id: tenantId,
          alert_id: alert.id,
          customer_id: alert.customer_id,
          subscription_id: alert.subscription_id,
          period_start: period.start,
          period_end: period.end,
          value,
          threshold: threshold.toFixed(),
          currency,
          fired_at: at,
        })
        .onConflict((oc) => oc.columns(['alert_id', 'period_start']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row) {
        await enqueueWebhook(tx, {
          tenantId,
          type: 'alert.triggered',
          id: `alert.triggered:${row.id}`,
          // The webhook body carries no tenant id (an endpoint belongs to one tenant).
          payload: { alert: withoutTenant(alertPayload(row, alert)) },
        });
      }
      return row;
    });
    if (inserted) fired.push(inserted);
  }
  return fired;
}

/** Firings not yet announced (their publish failed or the process died before it). */
export async function unpublishedFirings(
  ctx: Pick<ChargesContext, 'db'>,
  olderThan: Date,
  limit = 100,
): Promise<(AlertFiringRow & { name: string; metric: AlertRow['metric']; meter_id: string | null })[]> {
  return ctx.db
    .selectFrom('alert_firings as f')
    .innerJoin('alerts as a', (j) =>
      j.onRef('a.id', '=', 'f.alert_id').onRef('a.tenant_id', '=', 'f.tenant_id'),
    )
    .selectAll('f')
    .select(['a.name', 'a.metric', 'a.meter_id'])
    .where('f.published_at', 'is', null)
    .where('f.fired_at', '<', olderThan)
    .orderBy('f.fired_at')
    .limit(limit)
    .execute();
}

export async function markFiringPublished(
  ctx: Pick<ChargesContext, 'db'>,
  tenantId: string,
  id: string,
): Promise<void> {
  await ctx.db
    .updateTable('alert_firings')
    .set({ published_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** What an alert firing announces: the billing.alert.triggered.v1 payload and the webhook data. */
export function alertPayload(
  f: AlertFiringRow,
  alert: Pick<AlertRow, 'name' | 'metric' | 'meter_id'>,
): {
  firingId: string;
  tenantId: string;
  alertId: string;
  name: string;
  customerId: string;
  subscriptionId: string;
  metric: AlertRow['metric'];
  meterId?: string;
  value: string;
  threshold: string;
  currency?: string;
  periodStart: string;
  periodEnd: string;
  firedAt: string;
} {
  return {
    firingId: f.id,
    tenantId: f.tenant_id,
    alertId: f.alert_id,
    name: alert.name,
    customerId: f.customer_id,
    subscriptionId: f.subscription_id,
    metric: alert.metric,
    ...(alert.meter_id ? { meterId: alert.meter_id } : {}),
    value: f.value,
    threshold: f.threshold,
    ...(f.currency ? { currency: f.currency } : {}),
    periodStart: f.period_start.toISOString(),
    periodEnd: f.period_end.toISOString(),
    firedAt: f.fired_at.toISOString(),
  };
}

function withoutTenant<T extends { tenantId: string }>(p: T): Omit<T, 'tenantId'> {
  const { tenantId: _tenant, ...rest } = p;
  return rest;
}
