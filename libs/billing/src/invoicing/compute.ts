import type { FxConversionV1, FxConvertRequestV1, TaxQuoteRequestV1, TaxQuoteV1 } from '@mu/contracts';
import { currencyMinorUnits, Dec, roundMoney } from '@mu/pricing';
import type { ClickHouseClient } from '@mu/platform';
import { sql } from 'kysely';
import {
  customerSubjects,
  periodOfSubscriptionAt,
  periodsOfSubscription,
  planOfVersion,
  planVersion,
  type BillingDb,
  type SubscriptionPeriod,
} from '../catalog';
import { chargesForPeriod, fixedFeeLines, type FixedLine, type UsageLine } from '../charges';
import type {
  BuyerSnapshot,
  CustomerRow,
  FxApplied,
  InvoiceKind,
  InvoiceLineType,
  InvoiceRow,
  SellerProfile,
  SubscriptionRow,
  TenantBillingSettingsRow,
} from '../schema';

export interface InvoicingDeps {
  db: BillingDb;
  ch: ClickHouseClient;
  /** The tax service (tax.quote.v1); without it, invoices carry no tax and say so. */
  quoteTax?: (req: TaxQuoteRequestV1) => Promise<TaxQuoteV1>;
  /** FX (fx.convert.v1); needed only for customers whose currency differs from their plan's. */
  convertFx?: (req: FxConvertRequestV1) => Promise<FxConversionV1>;
}

export interface ComputedLine {
  type: InvoiceLineType;
  chargeKey: string;
  description: string;
  periodStart: string;
  periodEnd: string;
  quantity: string;
  unitPrice: string | null;
  amount: string;
  /** Percent (`"19"`), null when no tax was calculated. */
  taxRate: string | null;
  taxAmount: string;
  meterId: string | null;
  /** The pricing breakdown (tiers, packages) and its description line by line. */
  breakdown: unknown[];
  details: string[];
  adjustsInvoiceId: string | null;
}

/** The tax part of an invoice: the quote, or why there is none. */
export type InvoiceTax =
  { status: 'calculated'; quote: TaxQuoteV1 } | { status: 'not_calculated'; reason: string };

export interface ComputedInvoice {
  tenantId: string;
  customerId: string;
  subscriptionId: string;
  currency: string;
  period: { start: string; end: string };
  /** Usage was read up to this instant (the period end when closing it). */
  through: string;
  lines: ComputedLine[];
  subtotal: string;
  taxTotal: string;
  total: string;
  kind: InvoiceKind;
  /** The conversion into the customer's currency, when the plan's differs. */
  fx: FxApplied | null;
  /** Prepaid credit that pays part of the total (consumed when the invoice is finalized). */
  creditsApplied: string;
  amountDue: string;
  tax: InvoiceTax;
  seller: SellerProfile;
  buyer: BuyerSnapshot;
}

export interface BillingSettings {
  seller: SellerProfile;
  gracePeriodHours: number;
  invoiceNumberFormat: string;
  creditNoteNumberFormat: string;
  netTermsDays: number;
}

const DEFAULT_SETTINGS: BillingSettings = {
  seller: {},
  gracePeriodHours: 24,
  invoiceNumberFormat: 'MU-{YYYY}-{SEQ:6}',
  creditNoteNumberFormat: 'CN-{YYYY}-{SEQ:6}',
  netTermsDays: 30,
};

/** Usage that arrives up to this long after a period still changes it (the collector's window). */
export const LATE_ARRIVAL_DAYS = 35;

export async function billingSettings(db: BillingDb, tenantId: string): Promise<BillingSettings> {
  const row: TenantBillingSettingsRow | undefined = await db
    .selectFrom('tenant_billing_settings')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!row) return DEFAULT_SETTINGS;
  return {
    seller: row.seller,
    gracePeriodHours: row.grace_period_hours,
    invoiceNumberFormat: row.invoice_number_format,
    creditNoteNumberFormat: row.credit_note_number_format,
    netTermsDays: row.net_terms_days,
  };
}

export function buyerOf(c: CustomerRow): BuyerSnapshot {
  return {
    customerId: c.id,
    externalKey: c.external_key,
    name: c.name,
    email: c.email,
    address: c.billing_address,
    country: c.billing_address?.country ?? c.country,
    taxIds: c.tax_ids,
    taxExempt: c.tax_exempt,
    exemptionId: c.exemption_id,
  };
}

/**
 * An invoice for one period of a subscription, computed from the usage store and the catalog
 * alone, so it can be recomputed at any time (`mu invoice verify`):
 *
 * - usage charges: each charge's quantity over [period start, through) from `meter_values
 *   FINAL` (deduped by event key), priced with libs/pricing;
 * - fixed fees: in arrears for this period; in advance for the next period when the
 *   subscription goes on past this one, and for this period too when it is the first (no
 *   earlier invoice billed it); prorated to the share of the period covered;
 * - adjustments: for each earlier period whose invoice was already issued, usage that arrived
 *   after it (recomputed minus what it and earlier adjustments billed), naming that period;
 * - tax: one quote from the tax service for all lines (exclusive), dated at the period end.
 */
export async function computeInvoice(
  deps: InvoicingDeps,
  tenantId: string,
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
  opts: {
    through?: Date;
    excludeInvoiceId?: string;
    settings?: BillingSettings;
    /** `interim`: the period's usage so far not yet billed by earlier interim invoices, alone. */
    kind?: InvoiceKind;
  } = {},
): Promise<ComputedInvoice> {
  const through = opts.through && opts.through < new Date(period.end) ? opts.through : new Date(period.end);
  const customer = await deps.db
    .selectFrom('customers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', sub.customer_id)
    .executeTakeFirstOrThrow();
  const settings = opts.settings ?? (await billingSettings(deps.db, tenantId));
  const subjects = await customerSubjects(deps.db, tenantId, sub.customer_id);
  const segments = await phaseSegments(deps, tenantId, sub, period);
  const interim = opts.kind === 'interim';
  // The version a split period began on: its in-advance fees are credited for later parts.
  const firstVersion =
    segments.length > 1 ? await planVersion(deps.db, tenantId, segments[0]!.planVersionId) : undefined;
  const lines: ComputedLine[] = [];
  let currency = '';
  let periodOwn = new Dec(0);
  for (const [i, seg] of segments.entries()) {
    const segThrough = new Date(Math.min(through.getTime(), Date.parse(seg.end)));
    if (segThrough.getTime() <= Date.parse(seg.start) && i > 0) continue;
    const charges = await chargesForPeriod(deps, tenantId, sub, seg, subjects, segThrough);
    currency = charges.currency;
    // What this period costs, whichever invoice carries it (a fee in advance was on the last one).
    periodOwn = charges.lines.reduce((sum, l) => sum.plus(l.amount), periodOwn);
    const span = { periodStart: seg.start, periodEnd: seg.end };
    const suffix = segments.length > 1 ? ` (from ${seg.start.slice(0, 10)})` : '';
    for (const l of charges.lines) {
      if (l.type === 'usage') lines.push(named(usageInvoiceLine(l, span), suffix));
      else if (interim) continue;
      else if (l.timing === 'in_arrears' || period.index === 0)
        lines.push(named(fixedInvoiceLine(l, span), suffix));
      else if (i > 0) {
        // In advance, after a plan change inside the period: the previous invoice billed this
        // period's fee under the first version; credit that for this part, charge this one's.
        lines.push(named(fixedInvoiceLine(l, span), suffix));
        const old = firstVersion
          ? fixedFeeLines(firstVersion, sub, seg).find((f) => f.chargeKey === l.chargeKey)
          : undefined;
        if (old) lines.push(named(creditLine(old, span), suffix));
      }
    }
  }
  const billedInterim = await interimBilled(deps, tenantId, sub, period, opts.excludeInvoiceId);
  if (interim) {
    // Only what earlier interim invoices did not bill yet.
    for (const l of lines) {
      const b = billedInterim.byCharge.get(l.chargeKey);
      if (!b) continue;
      l.quantity = new Dec(l.quantity).minus(b.quantity).toFixed();
      l.amount = roundMoney(
        new Dec(l.amount).minus(b.amount),
        currencyMinorUnits(currency),
        'half_away_from_zero',
      );
      l.unitPrice = null;
      l.details = [...l.details, `less ${b.amount.toFixed()} billed on earlier interim invoices`];
    }
  } else {
    lines.push(...interimDeductionLines(billedInterim, period, currencyMinorUnits(currency)));
  }
  // In advance for the next period, when there is one.
  const next = interim ? null : await periodOfSubscriptionAt(deps.db, tenantId, sub, new Date(period.end));
  if (next && next.start === period.end) {
    const version = await planVersion(deps.db, tenantId, next.planVersionId);
    if (version) {
      for (const fee of fixedFeeLines(version, sub, next)) {
        if (fee.timing === 'in_advance') {
          lines.push(fixedInvoiceLine(fee, { periodStart: next.start, periodEnd: next.end }));
        }
      }
    }
  }
  if (!interim) {
    lines.push(...(await adjustmentLines(deps, tenantId, sub, period, subjects, opts.excludeInvoiceId)));
    const trueUp = trueUpLine(sub, period, currency, periodOwn);
    if (trueUp) lines.push(trueUp);
    lines.push(...(await discountLines(deps, tenantId, sub, period, currency, lines)));
  }
  // Into the customer's currency, when the plan's differs.
  let fx: FxApplied | null = null;
  if (customer.currency !== currency) {
    fx = await fxRate(deps, tenantId, currency, customer.currency, period, customer.time_zone);
    convertLines(lines, fx);
    currency = customer.currency;
  }
  const minor = currencyMinorUnits(currency);

  const subtotal = roundMoney(
    lines.reduce((sum, l) => sum.plus(l.amount), new Dec(0)),
    minor,
    'half_away_from_zero',
  );
  const buyer = buyerOf(customer);
  const tax = await quote(
    deps,
    tenantId,
    settings.seller,
    buyer,
    currency,
    period,
    lines,
    customer.time_zone,
  );
  let taxTotal = '0';
  if (tax.status === 'calculated') {
    taxTotal = tax.quote.taxTotal;
    const byId = new Map(tax.quote.lines.map((q) => [q.id, q]));
    lines.forEach((l, i) => {
      const q = byId.get(String(i));
      if (q) {
        l.taxRate = q.rate;
        l.taxAmount = q.taxAmount;
      }
    });
  }
  const total = roundMoney(new Dec(subtotal).plus(taxTotal), minor, 'half_away_from_zero');
  const available = await availableCredit(deps, tenantId, sub.customer_id, currency, new Date(period.end));
  const creditsApplied = roundMoney(Dec.max(0, Dec.min(total, available)), minor, 'half_away_from_zero');
  return {
    tenantId,
    customerId: sub.customer_id,
    subscriptionId: sub.id,
    currency,
    period: { start: period.start, end: period.end },
    kind: opts.kind ?? 'period',
    through: through.toISOString(),
    lines,
    subtotal,
    taxTotal: roundMoney(new Dec(taxTotal), minor, 'half_away_from_zero'),
    total,
    fx,
    creditsApplied,
    amountDue: roundMoney(new Dec(total).minus(creditsApplied), minor, 'half_away_from_zero'),
    tax,
    seller: settings.seller,
    buyer,
  };
}

/**
 * A minimum commitment (per period, prorated like fixed fees) that the period's own charges
 * fall short of: a true-up line for the difference. The period's own charges are its usage and
 * its fixed fees, wherever they are billed (a fee in advance was on the previous invoice), and
 * not adjustments of earlier periods nor the next period's fee in advance.
 */
function trueUpLine(
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
  currency: string,
  own: Dec,
): ComputedLine | null {
  if (!sub.minimum_commitment) return null;
  const minor = currencyMinorUnits(currency);
  const minimum = new Dec(
    roundMoney(new Dec(sub.minimum_commitment).times(period.fraction), minor, 'half_away_from_zero'),
  );
  if (own.gte(minimum)) return null;
  const amount = roundMoney(minimum.minus(own), minor, 'half_away_from_zero');
  return {
    type: 'true_up',
    chargeKey: 'minimum_commitment',
    description: 'Minimum commitment true-up',
    periodStart: period.start,
    periodEnd: period.end,
    quantity: '1',
    unitPrice: amount,
    amount,
    taxRate: null,
    taxAmount: '0',
    meterId: null,
    breakdown: [],
    details: [`minimum ${minimum.toFixed(minor)}, charges ${own.toFixed(minor)}`],
    adjustsInvoiceId: null,
  };
}

/**
 * The coupons applied to the subscription that cover this period, as negative lines before
 * tax: a percentage of what the invoice comes to so far, or a fixed amount (in the invoice's
 * currency), each capped so the invoice never goes below zero. A coupon covers the periods
 * starting at or after it was applied, for its duration in periods.
 */
async function discountLines(
  deps: InvoicingDeps,
  tenantId: string,
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
  currency: string,
  lines: readonly ComputedLine[],
): Promise<ComputedLine[]> {
  const applied = await deps.db
    .selectFrom('subscription_discounts as d')
    .innerJoin('coupons as c', (j) =>
      j.onRef('c.id', '=', 'd.coupon_id').onRef('c.tenant_id', '=', 'd.tenant_id'),
    )
    .select([
      'd.id',
      'd.applies_from',
      'c.code',
      'c.name',
      'c.percent_off',
      'c.amount_off',
      'c.currency',
      'c.duration',
      'c.duration_periods',
      'c.plan_keys',
    ])
    .where('d.tenant_id', '=', tenantId)
    .where('d.subscription_id', '=', sub.id)
    // A discount removed later still covers the periods that ended before its removal.
    .where((eb) => eb.or([eb('d.removed_at', 'is', null), eb('d.removed_at', '>=', new Date(period.end))]))
    .where('d.applies_from', '<=', new Date(period.start))
    .orderBy('d.created_at')
    .execute();
  if (applied.length === 0) return [];
  const minor = currencyMinorUnits(currency);
  // A percentage applies to the period's full value (usage billed on interim invoices too, which
  // had no discount); no discount takes the invoice below zero.
  let base = lines
    .filter((l) => l.type !== 'interim_deduction')
    .reduce((sum, l) => sum.plus(l.amount), new Dec(0));
  let room = lines.reduce((sum, l) => sum.plus(l.amount), new Dec(0));
  const out: ComputedLine[] = [];
  let planKey: string | undefined;
  for (const d of applied) {
    if (d.duration !== 'forever') {
      const limit = d.duration === 'once' ? 1 : d.duration_periods!;
      const before = await periodsOfSubscription(
        deps.db,
        tenantId,
        sub,
        d.applies_from,
        new Date(period.start),
      );
      // Periods it already covered: those starting at or after it applies, before this one.
      const from = d.applies_from.toISOString();
      if (before.filter((p) => p.start >= from && p.start < period.start).length >= limit) continue;
    }
    if (d.amount_off && d.currency?.trim() !== currency) continue;
    // A coupon for some plans discounts the periods that start on one of them (the period
    // still counts toward its duration otherwise, like a period that came to zero).
    if (d.plan_keys) {
      planKey ??= (await planOfVersion(deps.db, tenantId, period.planVersionId)).key;
      if (!d.plan_keys.includes(planKey)) continue;
    }
    if (base.lte(0) || room.lte(0)) break;
    const wanted = d.percent_off
      ? new Dec(roundMoney(base.times(d.percent_off).div(100), minor, 'half_away_from_zero'))
      : Dec.min(new Dec(d.amount_off!), base);
    const off = Dec.min(wanted, room);
    if (off.isZero()) continue;
    base = base.minus(off);
    room = room.minus(off);
    const amount = `-${off.toFixed(minor)}`;
    out.push({
      type: 'discount',
      chargeKey: d.code,
      description: `${d.name} (${d.percent_off ? `${new Dec(d.percent_off).toFixed()} % off` : `${d.amount_off} off`})`,
      periodStart: period.start,
      periodEnd: period.end,
      quantity: '1',
      unitPrice: amount,
      amount,
      taxRate: null,
      taxAmount: '0',
      meterId: null,
      breakdown: [],
      details: [],
      adjustsInvoiceId: null,
    });
  }
  return out;
}

/** Prepaid credit the customer can spend on an invoice in `currency` dated `at`. */
export async function availableCredit(
  deps: Pick<InvoicingDeps, 'db'>,
  tenantId: string,
  customerId: string,
  currency: string,
  at: Date,
): Promise<Dec> {
  const grants = await usableGrants(deps.db, tenantId, customerId, currency, at).execute();
  return grants.reduce((sum, g) => sum.plus(g.remaining), new Dec(0));
}

/** Grants usable at `at`, in the order they are spent: soonest expiry first, then oldest. */
export function usableGrants(
  db: BillingDb,
  tenantId: string,
  customerId: string,
  currency: string,
  at: Date,
) {
  return grantsInSpendingOrder(db, tenantId)
    .where('customer_id', '=', customerId)
    .where('currency', '=', currency)
    .where('voided_at', 'is', null)
    .where('remaining', '>', '0')
    .where('effective_at', '<=', at)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]));
}

/**
 * A tenant's grants in the order invoices spend them: soonest expiry first (never last), then
 * oldest. Whatever locks grants (finalization, a void giving credit back) locks them in this
 * order, so two transactions on the same grants queue instead of deadlocking.
 */
export function grantsInSpendingOrder(db: BillingDb, tenantId: string) {
  return db
    .selectFrom('credit_grants')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy(sql`expires_at ASC NULLS LAST`)
    .orderBy('created_at')
    .orderBy('id');
}

/**
 * The parts of a period under each plan version: one part unless the plan changed inside it
 * (an upgrade applies at once). Each part is priced by its own version, its usage counted over
 * the part alone, and its fixed fees prorated to the part (the fraction of the full period).
 */
async function phaseSegments(
  deps: InvoicingDeps,
  tenantId: string,
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
): Promise<SubscriptionPeriod[]> {
  const start = new Date(period.start);
  const end = new Date(period.end);
  const phases = await deps.db
    .selectFrom('subscription_phases')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('subscription_id', '=', sub.id)
    .where('start_at', '<', end)
    .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', start)]))
    .orderBy('start_at')
    .execute();
  const parts = phases.filter((ph) => ph.end_at === null || ph.end_at > ph.start_at);
  if (parts.length <= 1) return [period];
  const length = new Dec(end.getTime() - start.getTime());
  return parts.map((ph) => {
    const a = ph.start_at > start ? ph.start_at : start;
    const b = ph.end_at && ph.end_at < end ? ph.end_at : end;
    return {
      index: period.index,
      start: a.toISOString(),
      end: b.toISOString(),
      partial: true,
      fraction: new Dec(period.fraction)
        .times(b.getTime() - a.getTime())
        .div(length)
        .toFixed(),
      planVersionId: ph.plan_version_id,
    };
  });
}

function named(l: ComputedLine, suffix: string): ComputedLine {
  return suffix ? { ...l, description: l.description + suffix } : l;
}

function creditLine(l: FixedLine, span: { periodStart: string; periodEnd: string }): ComputedLine {
  const line = fixedInvoiceLine(l, span);
  return {
    ...line,
    description: `${l.name}: credit for the unused part of the previous plan`,
    quantity: '-1',
    // The same digits, negated (a rounded amount keeps its minor units).
    amount: l.amount.startsWith('-') ? l.amount.slice(1) : `-${l.amount}`,
  };
}

function usageInvoiceLine(l: UsageLine, span: { periodStart: string; periodEnd: string }): ComputedLine {
  const only = l.breakdown.length === 1 ? l.breakdown[0] : undefined;
  return {
    type: 'usage',
    chargeKey: l.chargeKey,
    description: l.name,
    ...span,
    quantity: l.quantity,
    unitPrice: only && only.kind === 'unit' ? only.unitAmount : null,
    amount: l.amount,
    taxRate: null,
    taxAmount: '0',
    meterId: l.meterId,
    breakdown: [...l.breakdown],
    details: l.description,
    adjustsInvoiceId: null,
  };
}

function fixedInvoiceLine(l: FixedLine, span: { periodStart: string; periodEnd: string }): ComputedLine {
  const prorated = !new Dec(l.fraction).eq(1);
  return {
    type: 'fixed',
    chargeKey: l.chargeKey,
    description: l.timing === 'in_advance' ? `${l.name} (in advance)` : l.name,
    ...span,
    quantity: '1',
    unitPrice: l.amount,
    amount: l.amount,
    taxRate: null,
    taxAmount: '0',
    meterId: null,
    breakdown: [],
    details: prorated
      ? [`${l.fullAmount} for a full period × ${new Dec(l.fraction).toSignificantDigits(6).toFixed()} of it`]
      : [],
    adjustsInvoiceId: null,
  };
}

/**
 * Usage that reached the store after an earlier period's invoice was issued: for each usage
 * charge of that period, what it comes to now minus what its invoice and earlier adjustments
 * billed. Only issued (finalized, paid, uncollectible) invoices inside the late-arrival window.
 */
async function adjustmentLines(
  deps: InvoicingDeps,
  tenantId: string,
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
  subjects: readonly string[],
  excludeInvoiceId: string | undefined,
): Promise<ComputedLine[]> {
  const windowStart = new Date(Date.parse(period.start) - LATE_ARRIVAL_DAYS * 86_400_000 - 90 * 86_400_000);
  const earlier: InvoiceRow[] = await deps.db
    .selectFrom('invoices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('subscription_id', '=', sub.id)
    // Period invoices only: what interim invoices billed, their period's invoice billed again.
    .where('kind', '=', 'period')
    .where('status', 'in', ['finalized', 'paid', 'uncollectible'])
    .where('period_start', '<', new Date(period.start))
    .where('period_end', '>=', windowStart)
    .orderBy('period_start')
    .execute();
  const out: ComputedLine[] = [];
  for (const inv of earlier) {
    const old = await periodOfSubscriptionAt(deps.db, tenantId, sub, inv.period_start);
    if (!old || old.start !== inv.period_start.toISOString()) continue;
    // Recomputed as it was billed: each part of the period under its own plan version.
    const current = new Map<string, { q: Dec; a: Dec; line: UsageLine }>();
    let planCurrency = '';
    for (const seg of await phaseSegments(deps, tenantId, sub, old)) {
      const charges = await chargesForPeriod(deps, tenantId, sub, seg, subjects, new Date(seg.end));
      planCurrency = charges.currency;
      for (const l of charges.lines) {
        if (l.type !== 'usage') continue;
        const c = current.get(l.chargeKey) ?? { q: new Dec(0), a: new Dec(0), line: l };
        current.set(l.chargeKey, { ...c, q: c.q.plus(l.quantity), a: c.a.plus(l.amount) });
      }
    }
    // A converted invoice billed in the customer's currency: back into the plan's at its rate.
    const rate = inv.fx ? new Dec(inv.fx.rate) : new Dec(1);
    const minorPlan = currencyMinorUnits(planCurrency);
    let billed = deps.db
      .selectFrom('invoice_lines as l')
      .innerJoin('invoices as i', (j) =>
        j.onRef('i.id', '=', 'l.invoice_id').onRef('i.tenant_id', '=', 'l.tenant_id'),
      )
      .select(['l.charge_key', 'l.quantity', 'l.amount'])
      .where('l.tenant_id', '=', tenantId)
      .where('i.status', '<>', 'void')
      .where((eb) =>
        eb.or([
          eb.and([eb('l.invoice_id', '=', inv.id), eb('l.type', '=', 'usage')]),
          eb('l.adjusts_invoice_id', '=', inv.id),
        ]),
      );
    if (excludeInvoiceId) billed = billed.where('l.invoice_id', '<>', excludeInvoiceId);
    const sums = new Map<string, { q: Dec; a: Dec }>();
    for (const r of await billed.execute()) {
      const s = sums.get(r.charge_key) ?? { q: new Dec(0), a: new Dec(0) };
      sums.set(r.charge_key, { q: s.q.plus(r.quantity), a: s.a.plus(r.amount) });
    }
    for (const [chargeKey, c] of current) {
      const l = c.line;
      const s = sums.get(chargeKey) ?? { q: new Dec(0), a: new Dec(0) };
      const dq = c.q.minus(s.q);
      const da = new Dec(roundMoney(c.a.minus(s.a.div(rate)), minorPlan, 'half_away_from_zero'));
      if (dq.isZero() && da.isZero()) continue;
      out.push({
        type: 'adjustment',
        chargeKey: l.chargeKey,
        description: `${l.name}: usage of ${old.start.slice(0, 10)} – ${old.end.slice(0, 10)} received after invoice ${inv.number}`,
        periodStart: old.start,
        periodEnd: old.end,
        quantity: dq.toFixed(),
        unitPrice: null,
        amount: da.toFixed(minorPlan),
        taxRate: null,
        taxAmount: '0',
        meterId: l.meterId,
        breakdown: [...l.breakdown],
        details: [`now ${c.q.toFixed()} for ${c.a.toFixed()}; billed ${s.q.toFixed()} for ${s.a.toFixed()}`],
        adjustsInvoiceId: inv.id,
      });
    }
  }
  return out;
}

async function quote(
  deps: InvoicingDeps,
  tenantId: string,
  seller: SellerProfile,
  buyer: BuyerSnapshot,
  currency: string,
  period: SubscriptionPeriod,
  lines: ComputedLine[],
  timeZone: string,
): Promise<InvoiceTax> {
  if (!deps.quoteTax) return { status: 'not_calculated', reason: 'no tax service configured' };
  const sellerCountry = seller.address?.country;
  if (!sellerCountry)
    return { status: 'not_calculated', reason: 'the seller has no country (billing settings)' };
  if (!buyer.country) return { status: 'not_calculated', reason: 'the customer has no country' };
  if (lines.length === 0) return { status: 'not_calculated', reason: 'no lines' };
  const q = await deps.quoteTax({
    tenantId,
    request: {
      // The tax point: the last day of the period (the period end is exclusive).
      date: lastDayOf(period, timeZone),
      currency,
      seller: {
        country: sellerCountry,
        ...(seller.address?.region ? { region: seller.address.region } : {}),
        ...(seller.taxIds?.[0] ? { taxId: seller.taxIds[0].value } : {}),
        ...(seller.registrations?.length ? { registrations: seller.registrations } : {}),
      },
      buyer: {
        country: buyer.country,
        ...(buyer.address?.region ? { region: buyer.address.region } : {}),
        ...(buyer.address?.postalCode ? { postalCode: buyer.address.postalCode } : {}),
        ...(buyer.taxIds[0] ? { taxId: buyer.taxIds[0].value } : {}),
        ...(buyer.taxExempt ? { exempt: true } : {}),
        ...(buyer.exemptionId ? { exemptionId: buyer.exemptionId } : {}),
      },
      lines: lines.map((l, i) => ({ id: String(i), amount: l.amount, taxBehavior: 'exclusive' as const })),
    },
  });
  return { status: 'calculated', quote: q };
}

interface InterimBilled {
  invoices: { id: string; number: string | null }[];
  byCharge: Map<string, { quantity: Dec; amount: Dec; description: string }>;
}

/** What live interim invoices of this period billed, per usage charge. */
async function interimBilled(
  deps: InvoicingDeps,
  tenantId: string,
  sub: SubscriptionRow,
  period: SubscriptionPeriod,
  excludeInvoiceId: string | undefined,
): Promise<InterimBilled> {
  let q = deps.db
    .selectFrom('invoices as i')
    .innerJoin('invoice_lines as l', (j) =>
      j.onRef('l.invoice_id', '=', 'i.id').onRef('l.tenant_id', '=', 'i.tenant_id'),
    )
    .select(['i.id', 'i.number', 'l.charge_key', 'l.quantity', 'l.amount', 'l.description'])
    .where('i.tenant_id', '=', tenantId)
    .where('i.subscription_id', '=', sub.id)
    .where('i.kind', '=', 'interim')
    .where('i.period_start', '=', new Date(period.start))
    .where('i.status', '<>', 'void')
    .where('l.type', '=', 'usage')
    .orderBy('i.usage_through');
  if (excludeInvoiceId) q = q.where('i.id', '<>', excludeInvoiceId);
  const out: InterimBilled = { invoices: [], byCharge: new Map() };
  for (const r of await q.execute()) {
    if (!out.invoices.some((i) => i.id === r.id)) out.invoices.push({ id: r.id, number: r.number });
    const b = out.byCharge.get(r.charge_key) ?? {
      quantity: new Dec(0),
      amount: new Dec(0),
      description: r.description,
    };
    out.byCharge.set(r.charge_key, {
      ...b,
      quantity: b.quantity.plus(r.quantity),
      amount: b.amount.plus(r.amount),
    });
  }
  return out;
}

/** On the period's invoice: what interim invoices already billed, deducted per charge. */
function interimDeductionLines(
  billed: InterimBilled,
  period: SubscriptionPeriod,
  minor: number,
): ComputedLine[] {
  const numbers = billed.invoices.map((i) => i.number ?? i.id).join(', ');
  return [...billed.byCharge].map(([chargeKey, b]) => ({
    type: 'interim_deduction' as const,
    chargeKey,
    description: `${b.description}: billed on interim invoices ${numbers}`,
    periodStart: period.start,
    periodEnd: period.end,
    quantity: b.quantity.negated().toFixed(),
    unitPrice: null,
    amount: roundMoney(b.amount.negated(), minor, 'half_away_from_zero'),
    taxRate: null,
    taxAmount: '0',
    meterId: null,
    breakdown: [],
    details: [],
    adjustsInvoiceId: null,
  }));
}

/** The rate from the plan's currency to the customer's, on the last day of the period. */
async function fxRate(
  deps: InvoicingDeps,
  tenantId: string,
  from: string,
  to: string,
  period: SubscriptionPeriod,
  timeZone: string,
): Promise<FxApplied> {
  if (!deps.convertFx) {
    throw new Error(
      `the customer's currency ${to} differs from the plan's ${from} and no FX service is configured`,
    );
  }
  const c = await deps.convertFx({
    tenantId,
    amount: '1',
    from,
    to,
    date: lastDayOf(period, timeZone),
  });
  return { from, to, rate: c.rate, effectiveDate: c.effectiveDate, source: c.source, method: c.method };
}

/** Every line's amounts at the rate, rounded per line to the target currency's minor units. */
function convertLines(lines: ComputedLine[], fx: FxApplied): void {
  const minor = currencyMinorUnits(fx.to);
  for (const l of lines) {
    const original = l.amount;
    l.amount = roundMoney(new Dec(l.amount).times(fx.rate), minor, 'half_away_from_zero');
    if (l.unitPrice !== null)
      l.unitPrice = new Dec(l.unitPrice).times(fx.rate).toSignificantDigits(12).toFixed();
    l.details = [...l.details, `${original} ${fx.from} at ${fx.rate} = ${l.amount} ${fx.to}`];
  }
}

/** The period's last day as a calendar date in the customer's time zone (its tax and FX date). */
export function lastDayOf(period: { end: string }, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(Date.parse(period.end) - 1));
}
