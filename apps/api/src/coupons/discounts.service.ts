import { Inject, Injectable } from '@nestjs/common';
import {
  periodOfSubscriptionAt,
  planOfVersion,
  type CouponRow,
  type SubscriptionDiscountsTable,
  type SubscriptionRow,
} from '@mu/billing';
import { newId } from '@mu/platform';
import type { Selectable } from 'kysely';
import { DB, type Db } from '../db/db.module';
import {
  ConflictError,
  NotFoundError,
  StateError,
  ValidationFailedError,
  type FieldIssue,
} from '../http/errors';
import { toPage, type Page, type PageQuery } from '../http/pagination';
import type { ApplyDiscountDto, DiscountDto } from './coupon.dto';
import { couponDto, CouponsService, redemptions } from './coupons.service';

type DiscountRow = Selectable<SubscriptionDiscountsTable>;

/**
 * Coupons applied to subscriptions. A discount covers the periods that start at or after its
 * `appliesFrom`, for the coupon's duration counted in periods from there; libs/billing turns it
 * into discount lines (before tax) when those periods are invoiced.
 */
@Injectable()
export class DiscountsService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly coupons: CouponsService,
  ) {}

  async apply(tenantId: string, subscriptionId: string, input: ApplyDiscountDto): Promise<DiscountDto> {
    const sub = await this.subscription(tenantId, subscriptionId);
    if (sub.status === 'canceled')
      throw new StateError('SUBSCRIPTION_CANCELED', `subscription ${sub.id} is canceled`);
    const issues: FieldIssue[] = [];
    let coupon: CouponRow | undefined;
    try {
      coupon = await this.coupons.row(tenantId, input.coupon);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      issues.push({ path: 'coupon', message: `coupon ${input.coupon} not found` });
    }
    if (coupon?.archived_at)
      issues.push({ path: 'coupon', message: `coupon ${coupon.code} is archived and cannot be applied` });
    const now = new Date();
    if (coupon?.redeem_by && coupon.redeem_by <= now)
      issues.push({
        path: 'coupon',
        message: `coupon ${coupon.code} could be applied until ${coupon.redeem_by.toISOString()}`,
      });
    const from = await this.appliesFrom(tenantId, sub, input.appliesFrom, issues);
    if (coupon && from) {
      const plan = await this.planAt(tenantId, sub, from);
      if (coupon.amount_off && coupon.currency?.trim() !== plan.currency)
        issues.push({
          path: 'coupon',
          message: `coupon ${coupon.code} takes ${coupon.amount_off} ${coupon.currency?.trim()} off, but the subscription is billed in ${plan.currency}`,
        });
      if (coupon.plan_keys && !coupon.plan_keys.includes(plan.key))
        issues.push({
          path: 'coupon',
          message: `coupon ${coupon.code} is for plans ${coupon.plan_keys.join(', ')}; from ${from.toISOString()} the subscription is on plan ${plan.key}`,
        });
    }
    if (issues.length) throw new ValidationFailedError(issues, 'coupon not applied');

    const id = newId('sdc');
    await this.db.transaction().execute(async (tx) => {
      // One live application of a coupon per subscription; the lock makes concurrent requests queue.
      await tx
        .selectFrom('subscriptions')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', sub.id)
        .forUpdate()
        .execute();
      const live = await tx
        .selectFrom('subscription_discounts')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('subscription_id', '=', sub.id)
        .where('coupon_id', '=', coupon!.id)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (live)
        throw new ConflictError(
          'COUPON_ALREADY_APPLIED',
          `coupon ${coupon!.code} is already applied to subscription ${sub.id} (discount ${live.id})`,
        );
      if (coupon!.max_redemptions !== null) {
        // The coupon's row lock makes applications to different subscriptions queue, so the
        // count cannot be overtaken (subscription first, then coupon: one order, no deadlock).
        await tx
          .selectFrom('coupons')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', coupon!.id)
          .forUpdate()
          .execute();
        const used = (await redemptions(tx, tenantId, [coupon!.id])).get(coupon!.id) ?? 0;
        if (used >= coupon!.max_redemptions)
          throw new ConflictError(
            'COUPON_REDEEMED_OUT',
            `coupon ${coupon!.code} was applied ${used} times, its maximum (maxRedemptions ${coupon!.max_redemptions})`,
          );
      }
      await tx
        .insertInto('subscription_discounts')
        .values({
          id,
          tenant_id: tenantId,
          subscription_id: sub.id,
          coupon_id: coupon!.id,
          applies_from: from!,
        })
        .execute();
    });
    return this.get(tenantId, sub.id, id);
  }

  async list(tenantId: string, subscriptionId: string, page: PageQuery): Promise<Page<DiscountDto>> {
    const sub = await this.subscription(tenantId, subscriptionId);
    let q = this.db
      .selectFrom('subscription_discounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('subscription_id', '=', sub.id);
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

  /**
   * Stops the discount for invoices computed from now on. Finalized invoices are immutable and
   * keep their discount lines; a draft still in its grace period loses it when recomputed.
   */
  async remove(tenantId: string, subscriptionId: string, discountId: string): Promise<DiscountDto> {
    const sub = await this.subscription(tenantId, subscriptionId);
    const row = await this.row(tenantId, sub.id, discountId);
    await this.db
      .updateTable('subscription_discounts')
      .set({ removed_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', row.id)
      .where('removed_at', 'is', null)
      .execute();
    return this.get(tenantId, sub.id, row.id);
  }

  private async get(tenantId: string, subscriptionId: string, id: string): Promise<DiscountDto> {
    const [dto] = await this.toDtos(tenantId, [await this.row(tenantId, subscriptionId, id)]);
    return dto!;
  }

  private async row(tenantId: string, subscriptionId: string, id: string): Promise<DiscountRow> {
    const row = await this.db
      .selectFrom('subscription_discounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('subscription_id', '=', subscriptionId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('discount', id);
    return row;
  }

  private async subscription(tenantId: string, id: string): Promise<SubscriptionRow> {
    const sub = await this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!sub) throw new NotFoundError('subscription', id);
    return sub;
  }

  /**
   * The start of the first period the discount covers. Default: the period running now (the
   * subscription's start before it begins). An instant inside a period means the next one: the
   * invoicer discounts periods starting at or after `applies_from` and counts the coupon's
   * duration in periods from there, so storing a period start keeps both rules in step.
   */
  private async appliesFrom(
    tenantId: string,
    sub: SubscriptionRow,
    requested: string | undefined,
    issues: FieldIssue[],
  ): Promise<Date | null> {
    if (requested === undefined) {
      const now = new Date();
      if (now < sub.start_at) return sub.start_at;
      const current = await periodOfSubscriptionAt(this.db, tenantId, sub, now);
      if (!current)
        throw new StateError(
          'SUBSCRIPTION_ENDED',
          `subscription ${sub.id} ended at ${sub.end_at?.toISOString()}; give appliesFrom to discount an earlier period`,
        );
      return new Date(current.start);
    }
    const at = new Date(requested);
    if (at < sub.start_at) {
      issues.push({
        path: 'appliesFrom',
        message: `the subscription starts at ${sub.start_at.toISOString()}; appliesFrom may not be earlier`,
      });
      return null;
    }
    const period =
      sub.end_at && at >= sub.end_at ? null : await periodOfSubscriptionAt(this.db, tenantId, sub, at);
    if (!period) {
      issues.push({
        path: 'appliesFrom',
        message: `the subscription ends at ${sub.end_at?.toISOString()}; appliesFrom must be before`,
      });
      return null;
    }
    if (period.start === at.toISOString()) return at;
    if (sub.end_at && period.end === sub.end_at.toISOString()) {
      issues.push({
        path: 'appliesFrom',
        message: `no period starts at or after ${requested}: the last one starts at ${period.start}`,
      });
      return null;
    }
    return new Date(period.end);
  }

  /** The plan (key) and its currency at `at` (the currency is the same for every version a subscription can move to). */
  private async planAt(
    tenantId: string,
    sub: SubscriptionRow,
    at: Date,
  ): Promise<{ key: string; currency: string }> {
    const period = await periodOfSubscriptionAt(this.db, tenantId, sub, at);
    if (!period) throw new Error(`subscription ${sub.id}: no plan version at ${at.toISOString()}`);
    return planOfVersion(this.db, tenantId, period.planVersionId);
  }

  private async toDtos(tenantId: string, rows: DiscountRow[]): Promise<DiscountDto[]> {
    if (!rows.length) return [];
    const coupons = await this.db
      .selectFrom('coupons')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where(
        'id',
        'in',
        rows.map((r) => r.coupon_id),
      )
      .execute();
    const byId = new Map(coupons.map((c) => [c.id, c]));
    const used = await redemptions(
      this.db,
      tenantId,
      coupons.map((c) => c.id),
    );
    return rows.map((r) => ({
      id: r.id,
      subscriptionId: r.subscription_id,
      coupon: couponDto(byId.get(r.coupon_id)!, used.get(r.coupon_id) ?? 0),
      appliesFrom: r.applies_from.toISOString(),
      createdAt: r.created_at.toISOString(),
      removedAt: r.removed_at?.toISOString() ?? null,
    }));
  }
}
