import { Inject, Injectable } from '@nestjs/common';
import {
  currencyMinorUnits,
  describeLine,
  Dec,
  parsePriceSpec,
  rate,
  roundMoney,
  type BreakdownLine,
} from '@mu/pricing';
import { CLICKHOUSE, type ClickHouseClient } from '@mu/platform';
import { meterQuantity, queryUsage, type Aggregation } from '@mu/usage';
import { DB, type Db } from '../db/db.module';
import type { PriceOverride, UsageCharge } from '../db/schema';
import { NotFoundError } from '../http/errors';
import { PlansService } from '../plans/plans.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';

export interface UsageLine {
  type: 'usage';
  chargeKey: string;
  name: string;
  meterId: string;
  meterKey: string;
  quantity: string;
  amount: string;
  exactAmount: string;
  breakdown: readonly BreakdownLine[];
  description: string[];
}

export interface FixedLine {
  type: 'fixed';
  chargeKey: string;
  name: string;
  timing: 'in_advance' | 'in_arrears';
  /** The fee prorated to the part of the period the subscription covers. */
  amount: string;
}

export interface SubscriptionCharges {
  subscriptionId: string;
  planVersionId: string;
  currency: string;
  period: { start: string; end: string; partial: boolean };
  /** Usage is counted from the period's start up to this instant. */
  usageThrough: string;
  lines: (UsageLine | FixedLine)[];
  /** Sum of the lines' rounded amounts, before tax, discounts and credits. */
  total: string;
}

export interface CurrentCharges {
  customerId: string;
  at: string;
  subscriptions: SubscriptionCharges[];
}

/** Most event values priced one by one for a `percentage` charge in one period. */
const MAX_PERCENTAGE_EVENTS = 100_000;

/**
 * The running period's charges of a customer, computed on request from ClickHouse (deduped by
 * event key) and priced with libs/pricing: the same quantities and code the invoicer uses at
 * period close, so the preview and the invoice agree. Fresh as soon as the rater's insert is in.
 */
@Injectable()
export class CurrentChargesService {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
    private readonly subscriptions: SubscriptionsService,
    private readonly plans: PlansService,
  ) {}

  async forCustomer(tenantId: string, customerId: string, at = new Date()): Promise<CurrentCharges> {
    const customer = await this.db
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    if (!customer) throw new NotFoundError('customer', customerId);
    const subjects = (
      await this.db
        .selectFrom('customer_subjects')
        .select('subject_key')
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customerId)
        .execute()
    ).map((r) => r.subject_key);
    const subs = await this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .where('start_at', '<=', at)
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', at)]))
      .orderBy('start_at')
      .execute();

    const out: SubscriptionCharges[] = [];
    for (const sub of subs) {
      const [period] = await this.subscriptions.periods(tenantId, sub.id, { at: at.toISOString() });
      if (!period) continue;
      const { version } = await this.plans.versionById(tenantId, period.planVersionId);
      const through = new Date(Math.min(at.getTime(), Date.parse(period.end)));
      const overrides = new Map<string, PriceOverride>(sub.price_overrides.map((o) => [o.chargeKey, o]));
      const lines: (UsageLine | FixedLine)[] = [];
      for (const charge of version.usage_charges) {
        lines.push(
          await this.usageLine(tenantId, charge, overrides.get(charge.key)?.price ?? charge.price, subjects, {
            from: period.start,
            to: through.toISOString(),
          }),
        );
      }
      const minor = currencyMinorUnits(version.currency);
      for (const fee of version.fixed_fees) {
        const amount = overrides.get(fee.key)?.amount ?? fee.amount;
        lines.push({
          type: 'fixed',
          chargeKey: fee.key,
          name: fee.name,
          timing: fee.timing,
          amount: roundMoney(
            new Dec(period.fraction).eq(1) ? new Dec(amount) : new Dec(amount).times(period.fraction),
            minor,
            'half_away_from_zero',
          ),
        });
      }
      out.push({
        subscriptionId: sub.id,
        planVersionId: period.planVersionId,
        currency: version.currency,
        period: { start: period.start, end: period.end, partial: period.partial },
        usageThrough: through.toISOString(),
        lines,
        total: roundMoney(
          lines.reduce((sum, l) => sum.plus(l.amount), new Dec(0)),
          minor,
          'half_away_from_zero',
        ),
      });
    }
    return { customerId, at: at.toISOString(), subscriptions: out };
  }

  private async usageLine(
    tenantId: string,
    charge: UsageCharge,
    price: unknown,
    subjects: string[],
    range: { from: string; to: string },
  ): Promise<UsageLine> {
    const spec = parsePriceSpec(price);
    const meter = await this.db
      .selectFrom('meters')
      .select(['id', 'key', 'aggregation'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', charge.meterId)
      .executeTakeFirstOrThrow();
    const aggregation = meter.aggregation;
    const result =
      spec.model.name === 'percentage'
        ? rate(spec, { values: await this.eventValues(tenantId, meter.id, subjects, charge, range) })
        : rate(spec, {
            quantity: (await this.quantity(tenantId, meter.id, aggregation, subjects, charge, range)) ?? '0',
          });
    return {
      type: 'usage',
      chargeKey: charge.key,
      name: charge.name,
      meterId: meter.id,
      meterKey: meter.key,
      quantity: result.quantity,
      amount: result.amount,
      exactAmount: result.exactAmount,
      breakdown: result.breakdown,
      description: result.breakdown.map((l) => describeLine(l)),
    };
  }

  private async quantity(
    tenantId: string,
    meterId: string,
    aggregation: Aggregation,
    subjects: string[],
    charge: UsageCharge,
    range: { from: string; to: string },
  ): Promise<string | null> {
    if (!charge.dimensions || Object.keys(charge.dimensions).length === 0) {
      return meterQuantity(this.ch, { tenantId, meterId, aggregation, subjects, ...range });
    }
    if (subjects.length === 0) return null;
    const rows = await queryUsage(this.ch, {
      tenantId,
      meterId,
      aggregation,
      subjects,
      filter: charge.dimensions,
      ...range,
    });
    return rows[0]?.value ?? null;
  }

  /** The values of the period's events, in time order, for a `percentage` charge. */
  private async eventValues(
    tenantId: string,
    meterId: string,
    subjects: string[],
    charge: UsageCharge,
    range: { from: string; to: string },
  ): Promise<string[]> {
    if (subjects.length === 0) return [];
    const dims = Object.entries(charge.dimensions ?? {});
    const params: Record<string, unknown> = {
      t: tenantId,
      m: meterId,
      s: subjects,
      from: range.from,
      to: range.to,
      limit: MAX_PERCENTAGE_EVENTS + 1,
    };
    dims.forEach(([k, v], i) => {
      params[`dk${i}`] = k;
      params[`dv${i}`] = v;
    });
    const rs = await this.ch.query({
      query: `SELECT toString(value) AS v FROM meter_values FINAL
               WHERE tenant_id = {t:String} AND meter_id = {m:String} AND subject IN {s:Array(String)}
                 AND time >= parseDateTime64BestEffort({from:String}, 3, 'UTC')
                 AND time < parseDateTime64BestEffort({to:String}, 3, 'UTC')
                 ${dims.map((_, i) => `AND dimensions[{dk${i}:String}] IN {dv${i}:Array(String)}`).join(' ')}
               ORDER BY time, source, event_id
               LIMIT {limit:UInt32}`,
      query_params: params,
      format: 'JSONEachRow',
    });
    const values = (await rs.json<{ v: string }>()).map((r) => r.v);
    if (values.length > MAX_PERCENTAGE_EVENTS) {
      throw new Error(
        `percentage charge ${charge.key}: more than ${MAX_PERCENTAGE_EVENTS} events this period; not previewable`,
      );
    }
    return values;
  }
}
