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
    const issues = couponRules(input);
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
    return couponDto(await this.row(tenantId, idOrCode));
  }

  async list(tenantId: string, page: PageQuery): Promise<Page<CouponDto>> {
    let q = this.db.selectFrom('coupons').selectAll().where('tenant_id', '=', tenantId);
    if (page.cursor) q = q.where('id', '>', page.cursor);
    return toPage(
      await q
        .orderBy('id')
        .limit(page.limit + 1)
        .execute(),
      page.limit,
      couponDto,
    );
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

/** The rules between fields (each field's own format is checked by the DTO). */
function couponRules(c: CreateCouponDto): FieldIssue[] {
  const issues: FieldIssue[] = [];
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

export function couponDto(r: CouponRow): CouponDto {
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
  };
}
