import { Inject, Injectable } from '@nestjs/common';
import {
  Dec,
  parsePriceSpec,
  periodAt,
  periodsBetween,
  PricingError,
  prorate,
  type BillingPeriod,
} from '@mu/pricing';
import { newId } from '@mu/platform';
import type { Transaction } from 'kysely';
import { DB, rowOr404, type Db } from '../db/db.module';
import {
  loadSchedule,
  neverStarted,
  phaseAt,
  toSubscriptionPeriod,
  type Database,
  type PlanRow,
  type PlanVersionRow,
  type PriceOverride,
  type SubscriptionRow,
} from '@mu/billing';
import { CatalogEvents } from '../http/catalog-events';
import { NotFoundError, StateError, ValidationFailedError, type FieldIssue } from '../http/errors';
import { minorUnitIssues, money } from '../http/money';
import { toPage, type Page, type PageQuery } from '../http/pagination';
import { PlansService } from '../plans/plans.service';
import type {
  CancelSubscriptionDto,
  ChangePlanDto,
  CreateSubscriptionDto,
  MinimumCommitmentDto,
  PeriodDto,
  PlanRefDto,
  SubscriptionDto,
} from './subscription.dto';

const DAY_MS = 86_400_000;

export interface ProrationLine {
  chargeKey: string;
  description: string;
  planVersionId: string;
  from: string;
  to: string;
  fraction: string;
  /** Exact, unrounded; negative is a credit. The invoicer rounds once on the invoice. */
  amount: string;
}

@Injectable()
export class SubscriptionsService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly plans: PlansService,
    private readonly events: CatalogEvents,
  ) {}

  async create(tenantId: string, input: CreateSubscriptionDto): Promise<SubscriptionDto> {
    const customer = await this.db
      .selectFrom('customers')
      .select(['id', 'currency', 'archived_at'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', input.customerId)
      .executeTakeFirst();
    if (!customer) throw new NotFoundError('customer', input.customerId);
    const issues: FieldIssue[] = [];
    if (customer.archived_at)
      issues.push({ path: 'customerId', message: `customer ${customer.id} is archived` });
    const { plan, version } = await this.resolvePlan(tenantId, input);
    const startAt = input.startAt ? new Date(input.startAt) : new Date();
    const endAt = input.endAt ? new Date(input.endAt) : null;
    if (endAt && endAt <= startAt) issues.push({ path: 'endAt', message: 'endAt must be after startAt' });
    issues.push(...overrideIssues(version, input.priceOverrides ?? []));
    const minimum = input.minimumCommitment ?? null;
    if (minimum !== null) issues.push(...minorUnitIssues('minimumCommitment', minimum, version.currency));
    if (issues.length) throw new ValidationFailedError(issues, 'invalid subscription');

    const id = newId('sub');
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('subscriptions')
        .values({
          id,
          tenant_id: tenantId,
          customer_id: customer.id,
          status: 'active',
          billing_alignment: input.billingAlignment ?? 'calendar',
          start_at: startAt,
          end_at: endAt,
          trial_end_at:
            version.trial_days > 0 ? new Date(startAt.getTime() + version.trial_days * DAY_MS) : null,
          price_overrides: JSON.stringify(input.priceOverrides ?? []),
          minimum_commitment: minimum === null ? null : money(minimum, version.currency),
          metadata: JSON.stringify(input.metadata ?? {}),
          updated_at: new Date(),
        })
        .execute();
      await tx
        .insertInto('subscription_phases')
        .values({
          id: newId('sph'),
          tenant_id: tenantId,
          subscription_id: id,
          plan_version_id: version.id,
          start_at: startAt,
          end_at: endAt,
          reason: 'created',
        })
        .execute();
    });
    this.events.announce(tenantId, 'subscription', id, 'created');
    void plan;
    return this.get(tenantId, id);
  }

  async get(tenantId: string, id: string): Promise<SubscriptionDto> {
    const sub = await this.row(tenantId, id);
    const [dto] = await this.toDtos(tenantId, [sub]);
    return dto!;
  }

  async list(
    tenantId: string,
    page: PageQuery,
    filter: { customerId?: string; status?: string },
  ): Promise<Page<SubscriptionDto>> {
    let q = this.db.selectFrom('subscriptions').selectAll().where('tenant_id', '=', tenantId);
    if (filter.customerId) q = q.where('customer_id', '=', filter.customerId);
    if (filter.status === 'active' || filter.status === 'canceled') q = q.where('status', '=', filter.status);
    if (page.cursor) q = q.where('id', '>', page.cursor);
    const p = toPage(
      await q
        .orderBy('id')
        .limit(page.limit + 1)
        .execute(),
      page.limit,
      (r) => r,
    );
    return { data: await this.toDtos(tenantId, p.data), nextCursor: p.nextCursor };
  }

  /** The billing periods of a subscription: the one containing `at`, or all overlapping [from, to). */
  async periods(
    tenantId: string,
    id: string,
    q: { at?: string; from?: string; to?: string },
  ): Promise<PeriodDto[]> {
    const sub = await this.row(tenantId, id);
    if (neverStarted(sub)) return [];
    const { schedule, phases } = await loadSchedule(this.db, tenantId, sub);
    let periods: BillingPeriod[];
    if (q.from || q.to) {
      if (!q.from || !q.to)
        throw new ValidationFailedError([
          { path: q.from ? 'to' : 'from', message: 'from and to go together' },
        ]);
      const from = new Date(q.from);
      const to = new Date(q.to);
      if (to <= from) throw new ValidationFailedError([{ path: 'to', message: 'to must be after from' }]);
      try {
        periods = periodsBetween(schedule, from, to);
      } catch (err) {
        throw asValidation(err);
      }
    } else {
      let p: BillingPeriod | null;
      try {
        p = periodAt(schedule, q.at ? new Date(q.at) : new Date());
      } catch (err) {
        throw asValidation(err);
      }
      periods = p ? [p] : [];
    }
    return periods.map((p) => toSubscriptionPeriod(p, phases));
  }

  async cancel(tenantId: string, id: string, input: CancelSubscriptionDto): Promise<SubscriptionDto> {
    const sub = await this.row(tenantId, id);
    if (sub.status === 'canceled')
      throw new StateError('SUBSCRIPTION_CANCELED', `subscription ${id} is already canceled`);
    const now = new Date();
    // Before it starts, any cancellation is immediate: it ends where it would have begun.
    const immediate = (input.at ?? 'period_end') === 'now' || now < sub.start_at;
    let endAt = now < sub.start_at ? sub.start_at : now;
    if (!immediate) {
      const { schedule } = await loadSchedule(this.db, tenantId, sub);
      endAt = periodAt(schedule, endAt)?.end ?? sub.start_at;
    }
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('subscriptions')
        .set({
          ...(immediate ? { status: 'canceled' as const } : { cancel_at_period_end: true }),
          end_at: endAt,
          canceled_at: now,
          updated_at: now,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      // The first phase stays even when the subscription never started, for its history.
      await cutPhasesAt(tx, id, endAt, sub.start_at);
    });
    this.events.announce(tenantId, 'subscription', id, 'updated');
    return this.get(tenantId, id);
  }

  /**
   * Sets or removes (null) the minimum spend per period. It applies to every period invoiced
   * from now on, drafts still in their grace period included; finalized invoices do not change.
   */
  async setMinimumCommitment(
    tenantId: string,
    id: string,
    input: MinimumCommitmentDto,
  ): Promise<SubscriptionDto> {
    const sub = await this.row(tenantId, id);
    if (sub.status === 'canceled')
      throw new StateError('SUBSCRIPTION_CANCELED', `subscription ${id} is canceled`);
    let amount: string | null = null;
    if (input.amount !== null) {
      // Every version a subscription can move to has the same currency (changePlan).
      const { phases } = await loadSchedule(this.db, tenantId, sub);
      const { version } = await this.plans.versionById(tenantId, phases[phases.length - 1]!.plan_version_id);
      const issues = minorUnitIssues('amount', input.amount, version.currency);
      if (issues.length) throw new ValidationFailedError(issues, 'invalid minimum commitment');
      amount = money(input.amount, version.currency);
    }
    await this.db
      .updateTable('subscriptions')
      .set({ minimum_commitment: amount, updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sub.id)
      .execute();
    this.events.announce(tenantId, 'subscription', sub.id, 'updated');
    return this.get(tenantId, sub.id);
  }

  /**
   * Upgrades (higher recurring fixed fees) apply now: the current period splits, and the
   * fixed fees of both versions are prorated over their parts. Downgrades apply at the end
   * of the current period. Either can be forced with `effective`. Currency and cadence
   * must stay the same (a different cadence is a new subscription).
   */
  async changePlan(
    tenantId: string,
    id: string,
    input: ChangePlanDto,
  ): Promise<SubscriptionDto & { proration: ProrationLine[] }> {
    const sub = await this.row(tenantId, id);
    if (sub.status === 'canceled')
      throw new StateError('SUBSCRIPTION_CANCELED', `subscription ${id} is canceled`);
    const { schedule, phases } = await loadSchedule(this.db, tenantId, sub);
    const now = new Date();
    const at = now < sub.start_at ? sub.start_at : now;
    const currentPhase = phaseAt(phases, at) ?? phases[phases.length - 1]!;
    const { version: oldVersion } = await this.plans.versionById(tenantId, currentPhase.plan_version_id);
    const { version: newVersion } = await this.resolvePlan(tenantId, input);
    const issues: FieldIssue[] = [];
    if (newVersion.id === oldVersion.id)
      issues.push({ path: 'planVersionId', message: 'the subscription is already on this version' });
    if (newVersion.currency !== oldVersion.currency)
      issues.push({
        path: 'planVersionId',
        message: `currency ${newVersion.currency} differs from ${oldVersion.currency}`,
      });
    if (newVersion.billing_cadence !== oldVersion.billing_cadence) {
      issues.push({
        path: 'planVersionId',
        message: `billing cadence ${newVersion.billing_cadence} differs from ${oldVersion.billing_cadence}; start a new subscription`,
      });
    }
    issues.push(...overrideIssues(newVersion, sub.price_overrides));
    if (issues.length) throw new ValidationFailedError(issues, 'plan change refused');

    const diff = recurringFees(newVersion).minus(recurringFees(oldVersion));
    const reason = diff.gt(0) ? 'upgrade' : diff.lt(0) ? 'downgrade' : 'change';
    const effective = input.effective ?? (reason === 'downgrade' ? 'period_end' : 'now');
    const period = periodAt(schedule, at);
    const effectiveAt = effective === 'now' || !period ? at : period.end;
    if (sub.end_at && effectiveAt >= sub.end_at)
      throw new StateError(
        'SUBSCRIPTION_ENDING',
        `subscription ${id} ends at ${sub.end_at.toISOString()}, before the change would apply`,
      );

    await this.db.transaction().execute(async (tx) => {
      // A change replaces any change scheduled after it (e.g. a pending downgrade).
      await cutPhasesAt(tx, id, effectiveAt);
      await tx
        .insertInto('subscription_phases')
        .values({
          id: newId('sph'),
          tenant_id: tenantId,
          subscription_id: id,
          plan_version_id: newVersion.id,
          start_at: effectiveAt,
          end_at: sub.end_at,
          reason,
        })
        .execute();
      await tx.updateTable('subscriptions').set({ updated_at: new Date() }).where('id', '=', id).execute();
    });
    this.events.announce(tenantId, 'subscription', id, 'updated');
    const proration =
      period && effectiveAt > period.start && effectiveAt < period.end
        ? prorationLines(period, effectiveAt, oldVersion, newVersion)
        : [];
    return { ...(await this.get(tenantId, id)), proration };
  }

  private row(tenantId: string, id: string): Promise<SubscriptionRow> {
    return rowOr404(this.db, 'subscriptions', tenantId, id, 'subscription');
  }

  private async resolvePlan(
    tenantId: string,
    ref: PlanRefDto,
  ): Promise<{ plan: PlanRow; version: PlanVersionRow }> {
    let found: { plan: PlanRow; version: PlanVersionRow };
    if (ref.planVersionId) {
      found = await this.plans.versionById(tenantId, ref.planVersionId);
    } else if (ref.plan) {
      const plan = await this.plans.planRow(tenantId, ref.plan);
      let q = this.db
        .selectFrom('plan_versions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('plan_id', '=', plan.id);
      q =
        ref.version !== undefined
          ? q.where('version', '=', ref.version)
          : q.where('status', '=', 'published').orderBy('version', 'desc').limit(1);
      const version = await q.executeTakeFirst();
      if (!version)
        throw new ValidationFailedError([
          {
            path: 'plan',
            message: `plan ${plan.key} has no ${ref.version !== undefined ? `version ${ref.version}` : 'published version'}`,
          },
        ]);
      found = { plan, version };
    } else {
      throw new ValidationFailedError([
        { path: 'planVersionId', message: 'give planVersionId, or plan (and optionally version)' },
      ]);
    }
    if (found.version.status !== 'published') {
      throw new ValidationFailedError([
        {
          path: ref.planVersionId ? 'planVersionId' : 'version',
          message: `plan version ${found.version.version} is ${found.version.status}; only published versions take subscriptions`,
        },
      ]);
    }
    return found;
  }

  private async toDtos(tenantId: string, subs: SubscriptionRow[]): Promise<SubscriptionDto[]> {
    if (!subs.length) return [];
    const ids = subs.map((s) => s.id);
    const phases = await this.db
      .selectFrom('subscription_phases as p')
      .innerJoin('plan_versions as v', 'v.id', 'p.plan_version_id')
      .innerJoin('plans as pl', 'pl.id', 'v.plan_id')
      .select([
        'p.subscription_id',
        'p.plan_version_id',
        'p.start_at',
        'p.end_at',
        'p.reason',
        'v.version',
        'v.billing_cadence',
        'pl.key as plan_key',
      ])
      .where('p.tenant_id', '=', tenantId)
      .where('p.subscription_id', 'in', ids)
      .orderBy('p.start_at')
      .execute();
    const customers = await this.db
      .selectFrom('customers')
      .select(['id', 'time_zone'])
      .where('tenant_id', '=', tenantId)
      .where(
        'id',
        'in',
        subs.map((s) => s.customer_id),
      )
      .execute();
    return subs.map((s) => {
      const own = phases.filter((p) => p.subscription_id === s.id);
      return {
        id: s.id,
        customerId: s.customer_id,
        status: s.status,
        billingAlignment: s.billing_alignment,
        billingCadence: own[0]?.billing_cadence ?? '',
        timeZone: customers.find((c) => c.id === s.customer_id)?.time_zone ?? 'UTC',
        startAt: s.start_at.toISOString(),
        endAt: s.end_at?.toISOString() ?? null,
        trialEndAt: s.trial_end_at?.toISOString() ?? null,
        cancelAtPeriodEnd: s.cancel_at_period_end,
        canceledAt: s.canceled_at?.toISOString() ?? null,
        priceOverrides: s.price_overrides as SubscriptionDto['priceOverrides'],
        phases: own.map((p) => ({
          planVersionId: p.plan_version_id,
          planKey: p.plan_key,
          version: p.version,
          startAt: p.start_at.toISOString(),
          endAt: p.end_at?.toISOString() ?? null,
          reason: p.reason,
        })),
        minimumCommitment: s.minimum_commitment,
        metadata: s.metadata,
        createdAt: s.created_at.toISOString(),
      };
    });
  }
}

/**
 * End the phase in force at `at` there, and drop the phases that would start at or after it
 * (a change or cancellation replaces what was scheduled later). `keepStartingAt`: a phase
 * starting exactly then survives (the first phase of a subscription canceled before it began).
 */
async function cutPhasesAt(
  tx: Transaction<Database>,
  subscriptionId: string,
  at: Date,
  keepStartingAt?: Date,
): Promise<void> {
  let drop = tx
    .deleteFrom('subscription_phases')
    .where('subscription_id', '=', subscriptionId)
    .where('start_at', '>=', at);
  if (keepStartingAt) drop = drop.where('start_at', '<>', keepStartingAt);
  await drop.execute();
  await tx
    .updateTable('subscription_phases')
    .set({ end_at: at })
    .where('subscription_id', '=', subscriptionId)
    .where('start_at', '<=', at)
    .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', at)]))
    .execute();
}

/** The sum of a version's in-advance and in-arrears fixed fees per period. */
function recurringFees(v: PlanVersionRow): Dec {
  return v.fixed_fees.reduce((sum, f) => sum.plus(f.amount), new Dec(0));
}

/** Credit the old version's fixed fees for the rest of the period, charge the new one's. */
function prorationLines(
  period: BillingPeriod,
  at: Date,
  oldV: PlanVersionRow,
  newV: PlanVersionRow,
): ProrationLine[] {
  const fraction = prorate(period.start, period.end, at, period.end);
  const line = (v: PlanVersionRow, sign: 1 | -1) =>
    v.fixed_fees.map((f) => ({
      chargeKey: f.key,
      description: `${sign < 0 ? 'Unused' : 'Remaining'} ${f.name} (${fraction.toFixed(6)} of the period)`,
      planVersionId: v.id,
      from: at.toISOString(),
      to: period.end.toISOString(),
      fraction: fraction.toFixed(),
      amount: new Dec(f.amount).times(fraction).times(sign).toFixed(),
    }));
  return [...line(oldV, -1), ...line(newV, 1)];
}

function overrideIssues(version: PlanVersionRow, overrides: PriceOverride[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  overrides.forEach((o, i) => {
    const fee = version.fixed_fees.find((f) => f.key === o.chargeKey);
    const usage = version.usage_charges.find((c) => c.key === o.chargeKey);
    if (!fee && !usage)
      issues.push({
        path: `priceOverrides.${i}.chargeKey`,
        message: `plan version ${version.version} has no charge ${o.chargeKey}`,
      });
    if (fee && (o.amount === undefined || o.price !== undefined))
      issues.push({ path: `priceOverrides.${i}`, message: `${o.chargeKey} is a fixed fee: give amount` });
    if (usage) {
      if (o.price === undefined || o.amount !== undefined)
        issues.push({ path: `priceOverrides.${i}`, message: `${o.chargeKey} is a usage charge: give price` });
      else {
        try {
          const spec = parsePriceSpec(o.price);
          if (spec.currency !== version.currency)
            issues.push({
              path: `priceOverrides.${i}.price.currency`,
              message: `must be ${version.currency}`,
            });
        } catch (err) {
          if (!(err instanceof PricingError)) throw err;
          for (const issue of err.issues)
            issues.push({
              path: `priceOverrides.${i}.price${issue.path ? `.${issue.path.replace(/\[(\d+)\]/g, '.$1')}` : ''}`,
              message: issue.message,
            });
        }
      }
    }
  });
  return issues;
}

function asValidation(err: unknown): unknown {
  if (err instanceof PricingError)
    return new ValidationFailedError(err.issues.map((i) => ({ path: i.path, message: i.message })));
  return err;
}
