import { periodAt, periodsBetween, prorate, type BillingPeriod, type BillingSchedule } from '@mu/pricing';
import type { Kysely } from 'kysely';
import type { Database, PhaseRow, PlanVersionRow, SubscriptionRow } from './schema';

export type BillingDb = Kysely<Database>;

/** One billing period of a subscription, as the api shows it and the invoicer closes it. */
export interface SubscriptionPeriod {
  index: number;
  start: string;
  end: string;
  /** Shorter than a full period (a start, end or plan change inside it). */
  partial: boolean;
  /** The covered share of the full period, a decimal string (fixed fees are prorated by it). */
  fraction: string;
  planVersionId: string;
}

/** The phase (plan version) in force at an instant. */
export function phaseAt(phases: readonly PhaseRow[], at: Date): PhaseRow | undefined {
  return phases.find((p) => p.start_at <= at && (p.end_at === null || at < p.end_at));
}

/** A subscription's billing schedule (cadence of its first version, the customer's time zone). */
export async function loadSchedule(
  db: BillingDb,
  tenantId: string,
  sub: SubscriptionRow,
): Promise<{ schedule: BillingSchedule; phases: PhaseRow[] }> {
  const phases = await db
    .selectFrom('subscription_phases')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('subscription_id', '=', sub.id)
    .orderBy('start_at')
    .execute();
  if (phases.length === 0) throw new Error(`subscription ${sub.id} has no phase`);
  const customer = await db
    .selectFrom('customers')
    .select('time_zone')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', sub.customer_id)
    .executeTakeFirstOrThrow();
  const first = await planVersion(db, tenantId, phases[0]!.plan_version_id);
  if (!first) throw new Error(`plan version ${phases[0]!.plan_version_id} not found`);
  return {
    phases,
    schedule: {
      startAt: sub.start_at,
      endAt: sub.end_at,
      cadence: first.billing_cadence,
      alignment: sub.billing_alignment,
      timeZone: customer.time_zone,
    },
  };
}

export function toSubscriptionPeriod(p: BillingPeriod, phases: readonly PhaseRow[]): SubscriptionPeriod {
  return {
    index: p.index,
    start: p.start.toISOString(),
    end: p.end.toISOString(),
    partial: p.partial,
    fraction: prorate(p.fullStart, p.fullEnd, p.start, p.end).toFixed(),
    planVersionId: phaseAt(phases, p.start)?.plan_version_id ?? phases[0]!.plan_version_id,
  };
}

/** Canceled before it began: it never had a period. */
export function neverStarted(sub: SubscriptionRow): boolean {
  return sub.end_at !== null && sub.end_at.getTime() === sub.start_at.getTime();
}

/** The period running at `at`, or null (not started, ended). */
export async function periodOfSubscriptionAt(
  db: BillingDb,
  tenantId: string,
  sub: SubscriptionRow,
  at: Date,
): Promise<SubscriptionPeriod | null> {
  if (neverStarted(sub)) return null;
  const { schedule, phases } = await loadSchedule(db, tenantId, sub);
  const p = periodAt(schedule, at);
  return p ? toSubscriptionPeriod(p, phases) : null;
}

/** The periods that overlap [from, to). */
export async function periodsOfSubscription(
  db: BillingDb,
  tenantId: string,
  sub: SubscriptionRow,
  from: Date,
  to: Date,
): Promise<SubscriptionPeriod[]> {
  if (neverStarted(sub)) return [];
  const { schedule, phases } = await loadSchedule(db, tenantId, sub);
  return periodsBetween(schedule, from, to).map((p) => toSubscriptionPeriod(p, phases));
}

export async function planVersion(
  db: BillingDb,
  tenantId: string,
  id: string,
): Promise<PlanVersionRow | undefined> {
  return db
    .selectFrom('plan_versions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The plan (key) a plan version belongs to, and the version's currency. */
export async function planOfVersion(
  db: BillingDb,
  tenantId: string,
  planVersionId: string,
): Promise<{ key: string; currency: string }> {
  const row = await db
    .selectFrom('plan_versions as v')
    .innerJoin('plans as p', (j) =>
      j.onRef('p.id', '=', 'v.plan_id').onRef('p.tenant_id', '=', 'v.tenant_id'),
    )
    .select(['p.key', 'v.currency'])
    .where('v.tenant_id', '=', tenantId)
    .where('v.id', '=', planVersionId)
    .executeTakeFirstOrThrow();
  return { key: row.key, currency: row.currency.trim() };
}

/** The subject keys through which a customer's usage events name it. */
export async function customerSubjects(
  db: BillingDb,
  tenantId: string,
  customerId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('customer_subjects')
    .select('subject_key')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .execute();
  return rows.map((r) => r.subject_key);
}
