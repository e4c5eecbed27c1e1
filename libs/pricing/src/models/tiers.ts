import type { BreakdownLine, TierLine } from '../breakdown';
import { exact, HUNDRED, PRICE_LIMITS, QUANTITY_LIMITS, ZERO, type Dec } from '../money';
import { FieldReader, isJsonObject } from '../spec-reader';

/** What a tier charges per unit: a `unitAmount` or a `rate` percent of the amount. */
export type TierPriceField = 'unitAmount' | 'rate';

/** A validated tier, with everything rating needs computed once at parse time. */
export interface Tier {
  readonly index: number;
  /** Exclusive lower bound: the previous tier's `upTo`, or 0. */
  readonly from: Dec;
  /** Inclusive upper bound; null for the last tier. */
  readonly upTo: Dec | null;
  /** Charge per unit of quantity: `unitAmount`, or `rate` / 100. */
  readonly multiplier: Dec;
  readonly flat: Dec;
  readonly priceField: TierPriceField;
  readonly fromText: string;
  readonly upToText: string | null;
  /** `unitAmount` or `rate` as written in the breakdown. */
  readonly priceText: string;
  readonly flatText: string;
  /** `graduated`: the charge of every earlier tier, which a quantity in this tier has passed whole. */
  readonly before: Dec;
  /** `graduated`, bounded tiers: the bound, and the tier's line when a quantity passes it whole, built once. */
  readonly whole: { readonly upTo: Dec; readonly line: TierLine } | null;
}

/**
 * Validate `tiers`: a non-empty list, `upTo` strictly ascending and inclusive, only the last tier
 * unbounded (`upTo: null`), and each tier priced by `priceField`, `flatAmount` or both.
 */
export function parseTiers(r: FieldReader, priceField: TierPriceField, owner: string): Tier[] {
  if (!r.has('tiers')) {
    r.issue('tiers', 'required', 'is required');
    return [];
  }
  const raw = r.obj.tiers;
  if (!Array.isArray(raw)) {
    r.issue('tiers', 'type', 'must be a list of tiers');
    return [];
  }
  if (raw.length === 0) {
    r.issue('tiers', 'non_empty', 'must have at least one tier');
    return [];
  }
  const tiers: Tier[] = [];
  const normalised: unknown[] = [];
  r.out.tiers = normalised;
  // The last valid bound seen, so one bad tier does not make every later one "out of order".
  let previous = ZERO;
  let before = ZERO;
  raw.forEach((el: unknown, i) => {
    const path = `${r.pathOf('tiers')}[${i}]`;
    if (!isJsonObject(el)) {
      r.issues.push({ path, rule: 'type', message: 'must be an object with upTo and a price' });
      return;
    }
    const t = new FieldReader(el, path, r.issues);
    t.onlyFields(['upTo', priceField, 'flatAmount'], owner);
    const last = i === raw.length - 1;
    const from = previous;
    let upTo: Dec | null = null;
    if (!t.has('upTo')) {
      t.issue('upTo', 'required', last ? 'is required (null for the last tier)' : 'is required');
    } else if (el.upTo === null) {
      if (!last)
        t.issue('upTo', 'only_last_tier_unbounded', 'only the last tier may be unbounded (upTo: null)');
      t.out.upTo = null;
    } else {
      if (last)
        t.issue(
          'upTo',
          'last_tier_unbounded',
          'must be null: the last tier has no upper bound, so every quantity has a tier',
        );
      upTo = t.optionalDecimal('upTo', QUANTITY_LIMITS);
      if (upTo !== null) {
        if (!upTo.gt(from)) {
          if (i === 0) t.issue('upTo', 'positive', 'must be greater than zero');
          else t.issue('upTo', 'ascending', `must be greater than the previous tier's upTo (${exact(from)})`);
        } else {
          previous = upTo;
        }
      }
    }
    const price = t.optionalDecimal(priceField, PRICE_LIMITS);
    const flat = t.optionalDecimal('flatAmount', PRICE_LIMITS) ?? ZERO;
    if (!t.has(priceField) && !t.has('flatAmount'))
      t.issue(priceField, 'required', `a tier needs ${priceField}, flatAmount or both`);
    normalised.push(t.out);
    const multiplier = price === null ? ZERO : priceField === 'rate' ? price.div(HUNDRED) : price;
    const tier: Tier = {
      index: i,
      from,
      upTo,
      multiplier,
      flat,
      priceField,
      fromText: exact(from),
      upToText: upTo === null ? null : exact(upTo),
      priceText: exact(price ?? ZERO),
      flatText: exact(flat),
      before,
      whole: null,
    };
    if (upTo === null) {
      tiers.push(tier);
      return;
    }
    const span = upTo.minus(from);
    const fullAmount = span.times(multiplier).plus(flat);
    before = before.plus(fullAmount);
    tiers.push({
      ...tier,
      whole: { upTo, line: Object.freeze(tierLine(tier, exact(span), exact(fullAmount))) },
    });
  });
  return tiers;
}

function tierLine(t: Tier, quantityText: string, amountText: string): TierLine {
  // Two literals rather than a spread: this runs once per tier per rating.
  return t.priceField === 'rate'
    ? {
        kind: 'tier',
        tier: t.index,
        from: t.fromText,
        upTo: t.upToText,
        quantity: quantityText,
        rate: t.priceText,
        flatAmount: t.flatText,
        amount: amountText,
      }
    : {
        kind: 'tier',
        tier: t.index,
        from: t.fromText,
        upTo: t.upToText,
        quantity: quantityText,
        unitAmount: t.priceText,
        flatAmount: t.flatText,
        amount: amountText,
      };
}

/**
 * Graduated pricing: each tier prices the units that fall in (from, upTo]; its flat amount is charged
 * once the quantity exceeds `from`. A quantity equal to a bound stays in the lower tier.
 */
export function chargeGraduated(tiers: readonly Tier[], quantity: Dec, lines: BreakdownLine[] | null): Dec {
  if (quantity.isZero()) return ZERO;
  // The tiers passed whole were priced at parse time (`before`, `fullLine`), so only the tier
  // holding the quantity costs arithmetic: the rater calls this for every event.
  for (const t of tiers) {
    if (t.whole !== null && quantity.gt(t.whole.upTo)) {
      lines?.push(t.whole.line);
      continue;
    }
    const units = quantity.minus(t.from);
    let amount = units.times(t.multiplier);
    if (!t.flat.isZero()) amount = amount.plus(t.flat);
    lines?.push(tierLine(t, exact(units), exact(amount)));
    return t.before.isZero() ? amount : t.before.plus(amount);
  }
  throw noTier(quantity);
}

/** Volume pricing: the whole quantity at the one tier containing it (bounds inclusive), plus its flat amount. */
export function chargeVolume(tiers: readonly Tier[], quantity: Dec, lines: BreakdownLine[] | null): Dec {
  if (quantity.isZero()) return ZERO;
  for (const t of tiers) {
    if (t.upTo !== null && quantity.gt(t.upTo)) continue;
    const amount = quantity.times(t.multiplier).plus(t.flat);
    lines?.push(tierLine(t, exact(quantity), exact(amount)));
    return amount;
  }
  throw noTier(quantity);
}

// parseTiers guarantees an unbounded last tier; this means tiers that were never validated.
function noTier(quantity: Dec): Error {
  return new Error(`no tier contains ${exact(quantity)}: the last tier must be unbounded`);
}
