import { Inject, Injectable } from '@nestjs/common';
import type { CouponRow } from '@mu/billing';
import { Dec } from '@mu/pricing';
import { newId } from '@mu/platform';
import { DB, isUniqueViolation, type Db } from '../db/db.module';
import { ConflictError, NotFoundError, ValidationFailedError, type FieldIssue } from '../http/errors';
import { minorUnitIssues, money } from '../http/money';
import { toPage, type Page, type PageQuery } from '../http/pagination';
import type { CouponDto, CreateCouponDto } from './coupon.dto';

const ID_PREFIX = 'cpn_';

/**
 * Coupons: a percentage or a fixed amount off, for one period, a number of periods or forever.
 * They are applied to subscriptions (DiscountsService) and turned into discount lines by
 * libs/billing when a period is invoiced.
 */
@Injectable()
export class CouponsService {
  constructor(@Inject(DB) private readonly db: Db) {}

  async create(tenantId: string, input: CreateCouponDto): Promise<CouponDto> {
    const issues = couponRules(input, new Date());
    if (input.plans) {
      const known = new Set(
        (
          await this.db
            .selectFrom('plans')
            .select('key')
            .where('tenant_id', '=', tenantId)
            .where('key', 'in', input.plans)
            .execute()
        ).map((p) => p.key),
      );
      input.plans.forEach((key, i) => {
        if (!known.has(key)) issues.push({ path: `plans.${i}`, message: `no plan with key ${key}` });
      });
    }
    if (issues.length) throw new ValidationFailedError(issues, 'invalid coupon');
    const id = newId('cpn');
    try {
      await this.db
        .insertInto('coupons')
        .values({
          id,
          tenant_id: tenantId,
          code: input.code,
          name: input.name,
          percent_off: input.percentOff ?? null,
          amount_off: input.amountOff !== undefined ? money(input.amountOff, input.currency!) : null,
          currency: input.amountOff !== undefined ? input.currency! : null,
          duration: input.duration,
          duration_periods: input.duration === 'repeating' ? input.durationPeriods! : null,
          max_redemptions: input.maxRedemptions ?? null,
          redeem_by: input.redeemBy ? new Date(input.redeemBy) : null,
          plan_keys: input.plans ?? null,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError('COUPON_EXISTS', `a coupon with code ${input.code} already exists`);
      throw err;
    }
    return this.get(tenantId, id);
  }

  /** By id (`cpn_...`) or by code. */
  async get(tenantId: string, idOrCode: string): Promise<CouponDto> {
    const row = await this.row(tenantId, idOrCode);
    const used = await redemptions(this.db, tenantId, [row.id]);
    return couponDto(row, used.get(row.id) ?? 0);
  }

  async list(tenantId: string, page: PageQuery): Promise<Page<CouponDto>> {
    let q = this.db.selectFrom('coupons').selectAll().where('tenant_id', '=', tenantId);
    if (page.cursor) q = q.where('id', '>', page.cursor);
    const p = toPage(
      await q
        .orderBy('id')
        .limit(page.limit + 1)
        .execute(),
      page.limit,
      (r) => r,
    );
    const used = await redemptions(
      this.db,
      tenantId,
      p.data.map((r) => r.id),
    );
    return { data: p.data.map((r) => couponDto(r, used.get(r.id) ?? 0)), nextCursor: p.nextCursor };
  }

  /** Archived coupons cannot be applied again; the subscriptions that have one keep it. */
  async archive(tenantId: string, idOrCode: string): Promise<CouponDto> {
    const row = await this.row(tenantId, idOrCode);
    await this.db
      .updateTable('coupons')
      .set({ archived_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', row.id)
      .where('archived_at', 'is', null)
      .execute();
    return this.get(tenantId, row.id);
  }

  async row(tenantId: string, idOrCode: string): Promise<CouponRow> {
    const row = await this.db
      .selectFrom('coupons')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where(idOrCode.startsWith(ID_PREFIX) ? 'id' : 'code', '=', idOrCode)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('coupon', idOrCode);
    return row;
  }
}

/** How many times each coupon was applied, removed applications included. */
export async function redemptions(
  db: Db,
  tenantId: string,
  couponIds: string[],
): Promise<Map<string, number>> {
  if (couponIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('subscription_discounts')
    .select(['coupon_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('tenant_id', '=', tenantId)
    .where('coupon_id', 'in', couponIds)
    .groupBy('coupon_id')
    .execute();
  return new Map(rows.map((r) => [r.coupon_id, Number(r.n)]));
}

/** The rules between fields (each field's own format is checked by the DTO). */
function couponRules(c: CreateCouponDto, now: Date): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (c.redeemBy !== undefined && new Date(c.redeemBy) <= now)
    issues.push({
      path: 'redeemBy',
      message: `redeemBy must be in the future (now is ${now.toISOString()})`,
    });
  if (c.code.startsWith(ID_PREFIX))
    issues.push({ path: 'code', message: `a code may not start with ${ID_PREFIX} (coupon ids do)` });
  if (c.percentOff !== undefined && c.amountOff !== undefined)
    issues.push({ path: 'percentOff', message: 'give percentOff or amountOff, not both' });
  else if (c.percentOff === undefined && c.amountOff === undefined)
    issues.push({ path: 'percentOff', message: 'percentOff or amountOff (with currency) is required' });
  if (c.percentOff !== undefined && new Dec(c.percentOff).gt(100))
    issues.push({ path: 'percentOff', message: 'percentOff must be at most 100' });
  if (c.amountOff !== undefined) {
    if (c.currency === undefined)
      issues.push({ path: 'currency', message: 'currency is required with amountOff' });
    else issues.push(...minorUnitIssues('amountOff', c.amountOff, c.currency));
  } else if (c.currency !== undefined) {
    issues.push({ path: 'currency', message: 'currency goes with amountOff only (a percentage has none)' });
  }
  if (c.duration === 'repeating' && c.durationPeriods === undefined)
    issues.push({ path: 'durationPeriods', message: 'durationPeriods is required for a repeating coupon' });
  if (c.duration !== 'repeating' && c.durationPeriods !== undefined)
    issues.push({
      path: 'durationPeriods',
      message: `a coupon with duration ${c.duration} takes no durationPeriods`,
    });
  return issues;
}

export function couponDto(r: CouponRow, timesRedeemed: number): CouponDto {
  const currency = r.currency?.trim() ?? null;
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    percentOff: r.percent_off,
    amountOff: r.amount_off !== null && currency ? money(r.amount_off, currency) : r.amount_off,
    currency,
    duration: r.duration,
    durationPeriods: r.duration_periods,
    createdAt: r.created_at.toISOString(),
    archivedAt: r.archived_at?.toISOString() ?? null,
    maxRedemptions: r.max_redemptions,
    timesRedeemed,
    redeemBy: r.redeem_by?.toISOString() ?? null,
    plans: r.plan_keys,
  };
}
