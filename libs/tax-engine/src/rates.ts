import { Dec } from '@mu/pricing';
import type { TaxCode } from './data/tax-codes';
import type { RatePeriod } from './data/types';
import { US_TAXABILITY, type TaxabilityPeriod } from './data/us-sales-tax';
import { REGIMES, jurisdictionCode, type Regime } from './jurisdictions';
import type { RateOverride, UsTaxabilityRule } from './tenant-config';

export type RateSource = 'dataset' | 'tenant';

export interface ResolvedRate {
  /** Percent. */
  readonly rate: Dec;
  /** A code-specific rate below the standard one. */
  readonly reduced: boolean;
  readonly source: RateSource;
}

/** The period in force on `date`: the last one starting on or before it. */
export function periodOn<T extends { readonly from: string }>(
  periods: readonly T[] | undefined,
  date: string,
): T | undefined {
  let found: T | undefined;
  for (const p of periods ?? []) if (p.from <= date) found = p;
  return found;
}

function inForce(o: { validFrom: string; validTo?: string }, date: string): boolean {
  return o.validFrom <= date && (o.validTo === undefined || o.validTo >= date);
}

/** Of several rules in force, the one that started last wins (a newer rule refines an older one). */
function latest<T extends { validFrom: string }>(rules: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const r of rules) if (best === undefined || r.validFrom > best.validFrom) best = r;
  return best;
}

/**
 * Rates of one quote date, with the tenant's overrides. Lookups are memoised: a quote asks the same
 * question for many lines.
 */
export class RateBook {
  private readonly cache = new Map<string, ResolvedRate | undefined>();
  private readonly overrides: readonly RateOverride[];
  private readonly usRules: readonly UsTaxabilityRule[];

  constructor(
    readonly date: string,
    overrides: readonly RateOverride[],
    usRules: readonly UsTaxabilityRule[],
  ) {
    this.overrides = overrides.filter((o) => inForce(o, date));
    this.usRules = usRules.filter((r) => inForce(r, date));
  }

  /**
   * The rate for a tax code in a jurisdiction, or undefined when neither the shipped table nor the
   * tenant covers the date. Precedence: tenant rate for the code, shipped rate for the code, tenant
   * standard rate, shipped standard rate.
   */
  rate(regime: Regime, jurisdiction: string, code: TaxCode): ResolvedRate | undefined {
    const key = `${jurisdiction}|${code}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const resolved = this.resolve(regime, jurisdiction, code);
    this.cache.set(key, resolved);
    return resolved;
  }

  private resolve(regime: Regime, jurisdiction: string, code: TaxCode): ResolvedRate | undefined {
    const here = this.overrides.filter((o) => jurisdictionCode(o.country, o.region) === jurisdiction);
    const forCode = latest(here.filter((o) => o.taxCode === code));
    const standardOverride = latest(here.filter((o) => o.taxCode === undefined));
    const period: RatePeriod | undefined = periodOn(REGIMES[regime].dataset.rates[jurisdiction], this.date);
    const standardText = standardOverride?.rate ?? period?.standard;
    const standard = standardText === undefined ? undefined : new Dec(standardText);
    const shippedForCode = period?.byCode?.[code];
    const below = (r: Dec) => standard !== undefined && r.lt(standard);
    if (forCode !== undefined) {
      const rate = new Dec(forCode.rate);
      return { rate, reduced: below(rate), source: 'tenant' };
    }
    if (shippedForCode !== undefined) {
      const rate = new Dec(shippedForCode);
      return { rate, reduced: below(rate), source: 'dataset' };
    }
    if (standard === undefined) return undefined;
    return { rate: standard, reduced: false, source: standardOverride === undefined ? 'dataset' : 'tenant' };
  }

  /** The first day a shipped table covers (for the error when a date is before it). */
  static coverageStart(regime: Regime, jurisdiction: string): string | undefined {
    return REGIMES[regime].dataset.rates[jurisdiction]?.[0]?.from;
  }

  /**
   * Whether a tax code is taxable in a US state: the tenant's rule, else the shipped starting table,
   * else undefined (no rule: the caller taxes it and warns).
   */
  usTaxability(state: string, code: TaxCode): (TaxabilityPeriod & { source: RateSource }) | undefined {
    const rule = latest(this.usRules.filter((r) => r.state === state && r.taxCode === code));
    if (rule !== undefined) {
      return {
        from: rule.validFrom,
        taxable: rule.taxable,
        taxablePortion: rule.taxablePortion,
        note: rule.note,
        source: 'tenant',
      };
    }
    const shipped = periodOn(US_TAXABILITY[state as keyof typeof US_TAXABILITY]?.[code], this.date);
    return shipped === undefined ? undefined : { ...shipped, source: 'dataset' };
  }
}
