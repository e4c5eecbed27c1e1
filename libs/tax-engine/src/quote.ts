import { Dec, currencyMinorUnits, exact, roundMoney } from '@mu/pricing';
import { TAX_CODES, type TaxCode } from './data/tax-codes';
import { TaxRequestError, type TaxIssue } from './errors';
import {
  REGIMES,
  excludedTerritory,
  jurisdictionCode,
  regimeOf,
  taxNameOf,
  vatCountryOf,
  type Regime,
} from './jurisdictions';
import { RateBook, type RateSource } from './rates';
import type { TaxBehavior, TaxQuoteRequest } from './request';
import { checkTaxId } from './tax-id';
import type { RoundingStrategy, TaxContext } from './tenant-config';

export const TREATMENTS = ['standard', 'reduced', 'reverse_charge', 'exempt', 'out_of_scope'] as const;
export type Treatment = (typeof TREATMENTS)[number];

export const WARNING_CODES = [
  'INVALID_TAX_ID',
  'SELLER_NOT_REGISTERED',
  'NO_TAX_RULES',
  'NO_TAXABILITY_RULE',
] as const;
export type TaxWarningCode = (typeof WARNING_CODES)[number];

export interface TaxWarning {
  readonly code: TaxWarningCode;
  /** The request field the warning is about, e.g. `buyer.taxId`. */
  readonly path: string;
  readonly message: string;
}

export interface QuotedLine {
  readonly id: string;
  readonly taxCode: TaxCode;
  readonly taxBehavior: TaxBehavior;
  /** Amounts with exactly the currency's minor digits. */
  readonly netAmount: string;
  readonly taxAmount: string;
  readonly grossAmount: string;
  /** Percent, exact (`"19"`, `"25.5"`, `"0"`). For a partly taxable US price, the effective rate. */
  readonly rate: string;
  /** `DE`, `US-TX`, `CA-ON`: where the tax is due (or would be). */
  readonly jurisdiction: string;
  readonly treatment: Treatment;
  /** Why: the legal basis or reason, for the invoice. */
  readonly note: string;
  /** Where the rate came from: the shipped table, the tenant's override, or none (no tax). */
  readonly rateSource: RateSource | 'none';
}

/** Totals of the lines that share a jurisdiction, rate and treatment: the invoice's tax summary. */
export interface BreakdownEntry {
  readonly jurisdiction: string;
  readonly rate: string;
  readonly treatment: Treatment;
  readonly netAmount: string;
  readonly taxAmount: string;
  readonly grossAmount: string;
  readonly lineIds: readonly string[];
}

export interface TaxQuote {
  readonly date: string;
  readonly currency: string;
  readonly rounding: RoundingStrategy;
  readonly lines: readonly QuotedLine[];
  readonly netTotal: string;
  readonly taxTotal: string;
  readonly grossTotal: string;
  readonly breakdown: readonly BreakdownEntry[];
  readonly warnings: readonly TaxWarning[];
}

/** What applies to a line before amounts are computed. */
type Decision =
  | {
      readonly kind: 'taxed';
      readonly regime: Regime;
      readonly jurisdiction: string;
      readonly note: string;
    }
  | {
      readonly kind: 'untaxed';
      readonly treatment: 'reverse_charge' | 'out_of_scope' | 'exempt';
      readonly jurisdiction: string;
      readonly note: string;
    };

/** What the request says about the parties, worked out once per quote. */
interface Facts {
  readonly req: TaxQuoteRequest;
  readonly sellerVat: string;
  readonly sellerRegime: Regime | undefined;
  readonly buyerVat: string;
  readonly buyerRegime: Regime | undefined;
  readonly buyerJurisdiction: string;
  readonly excluded: string | undefined;
  /** The buyer's normalised tax id when it is valid where the buyer is: a business customer. */
  readonly businessId: string | undefined;
  readonly registrations: ReadonlySet<string>;
}

class Warnings {
  private readonly seen = new Map<string, TaxWarning>();
  add(w: TaxWarning): void {
    const key = `${w.code}|${w.path}|${w.message}`;
    if (!this.seen.has(key)) this.seen.set(key, w);
  }
  list(): TaxWarning[] {
    return [...this.seen.values()];
  }
}

function establishFacts(req: TaxQuoteRequest, warnings: Warnings): Facts {
  const sellerVat = vatCountryOf(req.seller.country);
  const buyerVat = vatCountryOf(req.buyer.country);
  const buyerRegime = regimeOf(buyerVat);
  const territory =
    buyerRegime === 'EU' ? excludedTerritory(req.buyer.country, req.buyer.postalCode) : undefined;
  let businessId: string | undefined;
  if (req.buyer.taxId !== undefined && buyerRegime !== undefined && REGIMES[buyerRegime].businessIdMatters) {
    const check = checkTaxId(buyerVat, req.buyer.taxId);
    if (check?.valid) businessId = check.normalized;
    else if (check !== undefined) {
      warnings.add({
        code: 'INVALID_TAX_ID',
        path: 'buyer.taxId',
        message: `${req.buyer.taxId} ${check.reason}: the buyer is treated as a consumer (B2C)`,
      });
    }
  }
  if (req.seller.taxId !== undefined) {
    const check = checkTaxId(sellerVat, req.seller.taxId);
    if (check !== undefined && !check.valid)
      warnings.add({
        code: 'INVALID_TAX_ID',
        path: 'seller.taxId',
        message: `${req.seller.taxId} ${check.reason}`,
      });
  }
  return {
    req,
    sellerVat,
    sellerRegime: regimeOf(sellerVat),
    buyerVat,
    buyerRegime: territory === undefined ? buyerRegime : undefined,
    buyerJurisdiction: jurisdictionCode(buyerVat, req.buyer.region),
    excluded: territory?.name,
    businessId,
    registrations: new Set(req.seller.registrations),
  };
}

function registeredFor(f: Facts): boolean {
  const r = f.registrations;
  return r.has(f.buyerJurisdiction) || r.has(f.buyerVat) || (f.buyerRegime === 'EU' && r.has('EU'));
}

const taxed = (regime: Regime, jurisdiction: string, note: string): Decision => ({
  kind: 'taxed',
  regime,
  jurisdiction,
  note,
});
const untaxed = (
  treatment: 'reverse_charge' | 'out_of_scope' | 'exempt',
  jurisdiction: string,
  note: string,
): Decision => ({
  kind: 'untaxed',
  treatment,
  jurisdiction,
  note,
});

const DIRECTIVE = 'Directive 2006/112/EC';

/** Place of supply and who accounts for the tax: the rules of docs/tax.md, in that order. */
function decide(f: Facts, code: TaxCode, warnings: Warnings): Decision {
  const { req } = f;
  const B = f.buyerRegime;
  const J = f.buyerJurisdiction;
  if (f.excluded !== undefined) {
    return untaxed(
      'out_of_scope',
      req.buyer.country,
      `Outside the EU VAT area: ${f.excluded} (Article 6, ${DIRECTIVE})`,
    );
  }
  if (B === undefined) {
    if (f.registrations.has(f.buyerVat)) {
      warnings.add({
        code: 'NO_TAX_RULES',
        path: 'seller.registrations',
        message: `the seller is registered in ${f.buyerVat}, but the engine has no tax rules for it: no tax charged`,
      });
    }
    return untaxed(
      'out_of_scope',
      f.buyerVat,
      f.sellerRegime === 'EU'
        ? `Outside the scope of EU VAT: the place of supply (${f.buyerVat}) is outside the EU (Article ${req.buyer.taxId === undefined ? 59 : 44}, ${DIRECTIVE})`
        : `No tax charged: no tax rules for ${f.buyerVat}`,
    );
  }
  const profile = REGIMES[B];
  const taxName = taxNameOf(B, J);
  const digital = TAX_CODES[code].digital;

  if (B === 'EU' && f.sellerRegime === 'EU') {
    if (f.buyerVat === f.sellerVat) return taxed('EU', f.sellerVat, `Domestic supply: ${f.sellerVat} VAT`);
    if (f.businessId !== undefined)
      return untaxed('reverse_charge', J, `${profile.reverseChargeNote}. Customer VAT ID ${f.businessId}`);
    if (digital)
      return taxed('EU', J, `OSS: VAT of the customer's member state ${J} (Article 58, ${DIRECTIVE})`);
    return taxed(
      'EU',
      f.sellerVat,
      `Place of supply: the supplier's member state ${f.sellerVat} (Article 45, ${DIRECTIVE})`,
    );
  }

  if (B === 'US') {
    const established = f.sellerVat === 'US' && req.seller.region === req.buyer.region;
    if (established || registeredFor(f)) return taxed('US', J, `${J} sales tax`);
    return untaxed('out_of_scope', J, `No sales tax: the seller is not registered in ${J}`);
  }

  if (f.sellerRegime === B) return taxed(B, J, `Domestic supply: ${J} ${taxName}`);

  // A supplier from abroad.
  const registered = registeredFor(f);
  if (f.businessId !== undefined) {
    if (registered && profile.registeredForeignSupplierChargesBusinesses)
      return taxed(B, J, `${J} ${taxName}: charged by a supplier registered in ${J}`);
    return untaxed('reverse_charge', J, `${profile.reverseChargeNote}. Customer tax ID ${f.businessId}`);
  }
  if (!digital && !profile.taxesImportedServicesToConsumers) {
    return untaxed(
      'out_of_scope',
      J,
      `No ${taxName} charged: ${J} does not tax these services when supplied to consumers from abroad`,
    );
  }
  if (registered)
    return taxed(
      B,
      J,
      `${J} ${taxName}: the supplier is registered in ${f.registrations.has(f.buyerVat) || f.registrations.has(J) ? J : 'the OSS scheme'}`,
    );
  warnings.add({
    code: 'SELLER_NOT_REGISTERED',
    path: 'seller.registrations',
    message: `sales to consumers in ${J} are taxable there, but the seller is not registered in ${J}: no tax charged`,
  });
  return untaxed('out_of_scope', J, `No ${taxName} charged: the seller is not registered in ${J}`);
}

/** A line after its treatment and rate are known, before rounding. */
interface Rated {
  readonly index: number;
  readonly id: string;
  readonly taxCode: TaxCode;
  readonly taxBehavior: TaxBehavior;
  readonly amount: Dec;
  /** Percent; 0 for untaxed lines. */
  readonly rate: Dec;
  readonly jurisdiction: string;
  readonly treatment: Treatment;
  readonly note: string;
  readonly rateSource: RateSource | 'none';
}

function rateLine(
  f: Facts,
  book: RateBook,
  line: TaxQuoteRequest['lines'][number],
  index: number,
  warnings: Warnings,
  coverage: Map<string, TaxIssue>,
): Rated {
  const amount = new Dec(line.amount);
  const base = { index, id: line.id, taxCode: line.taxCode, taxBehavior: line.taxBehavior, amount };
  const d = decide(f, line.taxCode, warnings);
  const zero = (treatment: Treatment, jurisdiction: string, note: string): Rated => ({
    ...base,
    rate: new Dec(0),
    jurisdiction,
    treatment,
    note,
    rateSource: 'none',
  });
  if (d.kind === 'untaxed') return zero(d.treatment, d.jurisdiction, d.note);
  if (f.req.buyer.exempt)
    return zero('exempt', d.jurisdiction, `Exempt customer: exemption ${f.req.buyer.exemptionId!}`);

  const resolved = book.rate(d.regime, d.jurisdiction, line.taxCode);
  if (resolved === undefined) {
    const start = RateBook.coverageStart(d.regime, d.jurisdiction)!;
    coverage.set(d.jurisdiction, {
      path: 'date',
      rule: 'coverage',
      message: `no ${d.jurisdiction} rate on ${f.req.date}: the shipped table starts on ${start}; add a tenant rate override for earlier dates`,
    });
    return zero('standard', d.jurisdiction, d.note);
  }
  let rate = resolved.rate;
  let note = d.note;
  if (d.regime === 'US') {
    const t = book.usTaxability(d.jurisdiction.slice(3), line.taxCode);
    if (t === undefined) {
      warnings.add({
        code: 'NO_TAXABILITY_RULE',
        path: `lines[${index}].taxCode`,
        message: `no taxability rule for ${line.taxCode} in ${d.jurisdiction}: taxed in full; configure the tenant's US taxability`,
      });
    } else if (!t.taxable) {
      return zero(
        'exempt',
        d.jurisdiction,
        `Not taxable: ${line.taxCode} is not taxable in ${d.jurisdiction}${t.note ? ` (${t.note})` : ''}`,
      );
    } else {
      if (t.taxablePortion !== undefined) rate = rate.times(t.taxablePortion);
      if (t.note) note = `${note}; ${t.note}`;
    }
  }
  if (resolved.reduced) note = `${note}; ${rate.isZero() ? 'zero' : 'reduced'} rate for ${line.taxCode}`;
  return {
    ...base,
    rate,
    jurisdiction: d.jurisdiction,
    treatment: resolved.reduced ? 'reduced' : 'standard',
    note,
    rateSource: resolved.source,
  };
}

/** Rounding to the currency: half away from zero, the convention of tax authorities that state one. */
function round(d: Dec, minorUnits: number): Dec {
  return new Dec(roundMoney(d, minorUnits, 'half_away_from_zero'));
}

interface Amounts {
  net: Dec;
  tax: Dec;
  gross: Dec;
}

/**
 * One line rounded on its own. Exclusive: tax = round(net x rate). Inclusive: net = round(gross /
 * (1 + rate)) and tax = gross - net, so the price the customer sees never moves.
 */
export function lineAmounts(
  amount: Dec,
  ratePercent: Dec,
  behavior: TaxBehavior,
  minorUnits: number,
): Amounts {
  const r = ratePercent.div(100);
  if (behavior === 'exclusive') {
    const tax = round(amount.times(r), minorUnits);
    return { net: amount, tax, gross: amount.plus(tax) };
  }
  const net = round(amount.div(r.plus(1)), minorUnits);
  return { net, tax: amount.minus(net), gross: amount };
}

/** The exact (unrounded) tax in a line, either behaviour. */
function exactTax(l: Rated): Dec {
  const r = l.rate.div(100);
  return l.taxBehavior === 'exclusive' ? l.amount.times(r) : l.amount.minus(l.amount.div(r.plus(1)));
}

/**
 * Per invoice and rate: the tax of each (jurisdiction, rate, treatment) group is rounded once, then
 * shared out to its lines in whole minor units (largest remainder, ties to the earlier line), so the
 * lines still add up to the group.
 */
function groupAmounts(group: readonly Rated[], minorUnits: number): Amounts[] {
  const unit = new Dec(10).pow(-minorUnits);
  const exacts = group.map(exactTax);
  const total = round(
    exacts.reduce((s, e) => s.plus(e), new Dec(0)),
    minorUnits,
  );
  const floors = exacts.map((e) => e.div(unit).floor());
  const remainders = exacts.map((e, i) => e.div(unit).minus(floors[i]!));
  let left = total
    .div(unit)
    .minus(floors.reduce((s, x) => s.plus(x), new Dec(0)))
    .toNumber();
  const order = remainders.map((r, i) => ({ r, i })).sort((a, b) => b.r.comparedTo(a.r) || a.i - b.i);
  const units = [...floors];
  for (const { i } of order) {
    if (left <= 0) break;
    units[i] = units[i]!.plus(1);
    left -= 1;
  }
  return group.map((l, i) => {
    const tax = units[i]!.times(unit);
    return l.taxBehavior === 'exclusive'
      ? { net: l.amount, tax, gross: l.amount.plus(tax) }
      : { net: l.amount.minus(tax), tax, gross: l.amount };
  });
}

const groupKey = (l: { jurisdiction: string; rate: Dec | string; treatment: Treatment }) =>
  `${l.jurisdiction}|${typeof l.rate === 'string' ? l.rate : exact(l.rate)}|${l.treatment}`;

/**
 * Quote the tax of a validated request (see `parseTaxQuoteRequest`) with a tenant's context.
 * Throws `TaxRequestError` (rule `coverage`, path `date`) when no rate covers the date.
 */
export function quoteTax(req: TaxQuoteRequest, context: TaxContext = {}): TaxQuote {
  const minorUnits = currencyMinorUnits(req.currency);
  const rounding = context.rounding ?? 'per_line';
  const warnings = new Warnings();
  const facts = establishFacts(req, warnings);
  const book = new RateBook(req.date, context.rateOverrides ?? [], context.usTaxability ?? []);
  const coverage = new Map<string, TaxIssue>();
  const rated = req.lines.map((line, i) => rateLine(facts, book, line, i, warnings, coverage));
  if (coverage.size > 0) throw new TaxRequestError([...coverage.values()]);

  const amounts: Amounts[] = new Array<Amounts>(rated.length);
  if (rounding === 'per_line') {
    rated.forEach((l, i) => (amounts[i] = lineAmounts(l.amount, l.rate, l.taxBehavior, minorUnits)));
  } else {
    const groups = new Map<string, Rated[]>();
    for (const l of rated) {
      const key = groupKey(l);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [l]);
      else group.push(l);
    }
    for (const group of groups.values()) {
      groupAmounts(group, minorUnits).forEach((a, k) => (amounts[group[k]!.index] = a));
    }
  }

  const money = (d: Dec) => roundMoney(d, minorUnits, 'half_away_from_zero');
  const lines: QuotedLine[] = rated.map((l, i) => ({
    id: l.id,
    taxCode: l.taxCode,
    taxBehavior: l.taxBehavior,
    netAmount: money(amounts[i]!.net),
    taxAmount: money(amounts[i]!.tax),
    grossAmount: money(amounts[i]!.gross),
    rate: exact(l.rate),
    jurisdiction: l.jurisdiction,
    treatment: l.treatment,
    note: l.note,
    rateSource: l.rateSource,
  }));

  const sums = new Map<
    string,
    { entry: Omit<BreakdownEntry, 'netAmount' | 'taxAmount' | 'grossAmount'>; a: Amounts }
  >();
  lines.forEach((l, i) => {
    const key = groupKey(l);
    const a = amounts[i]!;
    const hit = sums.get(key);
    if (hit === undefined) {
      sums.set(key, {
        entry: { jurisdiction: l.jurisdiction, rate: l.rate, treatment: l.treatment, lineIds: [l.id] },
        a: { ...a },
      });
    } else {
      (hit.entry.lineIds as string[]).push(l.id);
      hit.a = { net: hit.a.net.plus(a.net), tax: hit.a.tax.plus(a.tax), gross: hit.a.gross.plus(a.gross) };
    }
  });
  const breakdown: BreakdownEntry[] = [...sums.values()].map(({ entry, a }) => ({
    jurisdiction: entry.jurisdiction,
    rate: entry.rate,
    treatment: entry.treatment,
    netAmount: money(a.net),
    taxAmount: money(a.tax),
    grossAmount: money(a.gross),
    lineIds: entry.lineIds,
  }));
  const total = (pick: (a: Amounts) => Dec) => money(amounts.reduce((s, a) => s.plus(pick(a)), new Dec(0)));
  return {
    date: req.date,
    currency: req.currency,
    rounding,
    lines,
    netTotal: total((a) => a.net),
    taxTotal: total((a) => a.tax),
    grossTotal: total((a) => a.gross),
    breakdown,
    warnings: warnings.list(),
  };
}
