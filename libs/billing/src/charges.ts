import {
  currencyMinorUnits,
  Dec,
  describeLine,
  parsePriceSpec,
  rate,
  roundMoney,
  type BreakdownLine,
} from '@mu/pricing';
import type { ClickHouseClient } from '@mu/platform';
import { meterQuantity, queryUsage } from '@mu/usage';
import {
  customerSubjects,
  periodOfSubscriptionAt,
  planVersion,
  type BillingDb,
  type SubscriptionPeriod,
} from './catalog';
import type { PlanVersionRow, PriceOverride, SubscriptionRow, UsageCharge } from './schema';

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
  /** The fee for a full period, and the share of the period billed (1 = all of it). */
  fullAmount: string;
  fraction: string;
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
export const MAX_PERCENTAGE_EVENTS = 100_000;

export interface ChargesContext {
  db: BillingDb;
  ch: ClickHouseClient;
}

/**
 * The running period's charges of a customer's active subscriptions, or null when the customer
 * does not exist. Quantities come from ClickHouse deduped by event key and are priced with
 * libs/pricing: the code the invoicer uses at period close, so the preview and the invoice agree.
 */
export async function currentCharges(
  ctx: ChargesContext,
  tenantId: string,
  customerId: string,
  at = new Date(),
): Promise<CurrentCharges | null> {
  const customer = await ctx.db
    .selectFrom('customers')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!customer) return null;
  const subjects = await customerSubjects(ctx.db, tenantId, customerId);
  const subs = await ctx.db
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
    const period = await periodOfSubscriptionAt(ctx.db, tenantId, sub, at);
    if (!period) continue;
    const through = new Date(Math.min(at.getTime(), Date.parse(period.end)));
    out.push(await chargesForPeriod(ctx, tenantId, sub, period, subjects, through));
  }
  return { customerId, at: at.toISOString(), subscriptions: out };
}

/** Every usage charge and fixed fee of one period, usage counted from its start to `through`. */
export async function chargesForPeriod(
  ctx: ChargesContext,
  tenantId: string,
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
  subjects: readonly string[],
  through: Date,
): Promise<SubscriptionCharges> {
  const version = await planVersion(ctx.db, tenantId, period.planVersionId);
  if (!version) throw new Error(`plan version ${period.planVersionId} not found`);
  const overrides = new Map<string, PriceOverride>(sub.price_overrides.map((o) => [o.chargeKey, o]));
  const range = { from: period.start, to: through.toISOString() };
  const lines: (UsageLine | FixedLine)[] = [];
  for (const charge of version.usage_charges) {
    const price = overrides.get(charge.key)?.price ?? charge.price;
    lines.push(await usageLine(ctx, tenantId, charge, price, subjects, range));
  }
  lines.push(...fixedFeeLines(version, sub, period));
  const minor = currencyMinorUnits(version.currency);
  return {
    subscriptionId: sub.id,
    planVersionId: period.planVersionId,
    currency: version.currency,
    period: { start: period.start, end: period.end, partial: period.partial },
    usageThrough: range.to,
    lines,
    total: roundMoney(
      lines.reduce((sum, l) => sum.plus(l.amount), new Dec(0)),
      minor,
      'half_away_from_zero',
    ),
  };
}

/** A version's fixed fees for one period, prorated to the share of it the subscription covers. */
export function fixedFeeLines(
  version: Pick<PlanVersionRow, 'currency' | 'fixed_fees'>,
  sub: Pick<SubscriptionRow, 'price_overrides'>,
  period: Pick<SubscriptionPeriod, 'fraction'>,
): FixedLine[] {
  const overrides = new Map<string, PriceOverride>(sub.price_overrides.map((o) => [o.chargeKey, o]));
  const minor = currencyMinorUnits(version.currency);
  const fraction = new Dec(period.fraction);
  return version.fixed_fees.map((fee) => {
    const amount = new Dec(overrides.get(fee.key)?.amount ?? fee.amount);
    return {
      type: 'fixed',
      chargeKey: fee.key,
      name: fee.name,
      timing: fee.timing,
      fullAmount: amount.toFixed(),
      fraction: period.fraction,
      amount: roundMoney(fraction.eq(1) ? amount : amount.times(fraction), minor, 'half_away_from_zero'),
    };
  });
}

async function usageLine(
  ctx: ChargesContext,
  tenantId: string,
  charge: UsageCharge,
  price: unknown,
  subjects: readonly string[],
  range: { from: string; to: string },
): Promise<UsageLine> {
  const spec = parsePriceSpec(price);
  const meter = await ctx.db
    .selectFrom('meters')
    .select(['id', 'key', 'aggregation'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', charge.meterId)
    .executeTakeFirstOrThrow();
  const result =
    spec.model.name === 'percentage'
      ? rate(spec, { values: await eventValues(ctx, tenantId, meter.id, subjects, charge, range) })
      : rate(spec, {
          quantity: (await chargeQuantity(ctx, tenantId, meter, subjects, charge, range)) ?? '0',
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

/** A charge's quantity over a range: its meter's aggregation, restricted to its dimensions. */
export async function chargeQuantity(
  ctx: ChargesContext,
  tenantId: string,
  meter: { id: string; aggregation: Parameters<typeof meterQuantity>[1]['aggregation'] },
  subjects: readonly string[],
  charge: Pick<UsageCharge, 'dimensions'>,
  range: { from: string; to: string },
): Promise<string | null> {
  // Nothing counted yet (a preview at the very start of a period).
  if (Date.parse(range.to) <= Date.parse(range.from)) return null;
  if (!charge.dimensions || Object.keys(charge.dimensions).length === 0) {
    return meterQuantity(ctx.ch, {
      tenantId,
      meterId: meter.id,
      aggregation: meter.aggregation,
      subjects: [...subjects],
      ...range,
    });
  }
  if (subjects.length === 0) return null;
  const rows = await queryUsage(ctx.ch, {
    tenantId,
    meterId: meter.id,
    aggregation: meter.aggregation,
    subjects: [...subjects],
    filter: charge.dimensions,
    ...range,
  });
  return rows[0]?.value ?? null;
}

/** The values of the period's events, in time order, for a `percentage` charge. */
async function eventValues(
  ctx: ChargesContext,
  tenantId: string,
  meterId: string,
  subjects: readonly string[],
  charge: UsageCharge,
  range: { from: string; to: string },
): Promise<string[]> {
  if (subjects.length === 0 || Date.parse(range.to) <= Date.parse(range.from)) return [];
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
  const rs = await ctx.ch.query({
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
