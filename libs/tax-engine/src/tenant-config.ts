import { ISO_COUNTRIES, REGION_LISTS } from './data/countries';
import { TAX_CODE_NAMES, type TaxCode } from './data/tax-codes';
import { TaxConfigError, type TaxIssue } from './errors';
import { regimeOf } from './jurisdictions';
import { Reader, describeJson, isProblem, parseDecimalText } from './reader';

export const ROUNDING_STRATEGIES = ['per_line', 'per_invoice_per_rate'] as const;
/** `per_line`: each line's tax is rounded; `per_invoice_per_rate`: one rounding per jurisdiction and rate. */
export type RoundingStrategy = (typeof ROUNDING_STRATEGIES)[number];

/**
 * A tenant's own rate for a jurisdiction, replacing the shipped one between two dates. Without
 * `taxCode` it replaces the standard rate; with one, the rate of that code only.
 */
export interface RateOverride {
  readonly country: string;
  /** US state or Canadian province; required there, refused elsewhere. */
  readonly region?: string;
  readonly taxCode?: TaxCode;
  /** Percent. */
  readonly rate: string;
  readonly validFrom: string;
  /** Last day it applies (inclusive); open-ended when absent. */
  readonly validTo?: string;
  readonly note?: string;
}

/** Whether a tax code is taxable in a US state (replacing the shipped starting table). */
export interface UsTaxabilityRule {
  readonly state: string;
  readonly taxCode: TaxCode;
  readonly taxable: boolean;
  /** Share of the price that is taxable, above 0 and at most 1 (default 1). */
  readonly taxablePortion?: string;
  readonly validFrom: string;
  readonly validTo?: string;
  readonly note?: string;
}

/** Per-tenant inputs to a quote: rate overrides, US taxability and the rounding strategy. */
export interface TaxContext {
  readonly rateOverrides?: readonly RateOverride[];
  readonly usTaxability?: readonly UsTaxabilityRule[];
  readonly rounding?: RoundingStrategy;
}

const MAX_RULES = 100_000;

function validity(r: Reader): { validFrom?: string; validTo?: string } {
  const validFrom = r.date('validFrom', true);
  const validTo = r.date('validTo', false);
  if (validFrom !== undefined && validTo !== undefined && validTo < validFrom)
    r.issue('validTo', 'date_order', `must not be before validFrom (${validFrom})`);
  return { validFrom, validTo };
}

function override(raw: unknown, path: string, issues: TaxIssue[]): RateOverride | undefined {
  const r = Reader.of(raw, path, issues);
  if (!r) return undefined;
  const before = issues.length;
  r.onlyFields(['country', 'region', 'taxCode', 'rate', 'validFrom', 'validTo', 'note']);
  const country = r.string('country', { required: true, max: 2 });
  let region: string | undefined;
  if (country !== undefined) {
    if (!ISO_COUNTRIES.has(country) || regimeOf(country) === undefined) {
      r.issue(
        'country',
        'iso3166',
        `must be a country the engine taxes (EU member, GB, CH, NO, AU, CA, US), not ${JSON.stringify(country)}`,
      );
    } else {
      const list = REGION_LISTS[country];
      if (list === undefined) {
        if (r.has('region'))
          r.issue('region', 'region', `is only used for US states and Canadian provinces, not ${country}`);
      } else if (!r.has('region')) {
        r.issue('region', 'required', `is required for ${country} (one of ${list.join(', ')})`);
      } else if (!list.includes(r.get('region') as string)) {
        r.issue(
          'region',
          'region',
          `must be one of ${list.join(', ')}, not ${describeJson(r.get('region'))}`,
        );
      } else region = r.get('region') as string;
    }
  }
  const taxCode = r.has('taxCode') ? r.oneOf('taxCode', TAX_CODE_NAMES) : undefined;
  const rate = r.rate('rate');
  const { validFrom, validTo } = validity(r);
  const note = r.string('note', { max: 500 });
  if (issues.length > before) return undefined;
  return { country: country!, region, taxCode, rate: rate!.toFixed(), validFrom: validFrom!, validTo, note };
}

function usRule(raw: unknown, path: string, issues: TaxIssue[]): UsTaxabilityRule | undefined {
  const r = Reader.of(raw, path, issues);
  if (!r) return undefined;
  const before = issues.length;
  r.onlyFields(['state', 'taxCode', 'taxable', 'taxablePortion', 'validFrom', 'validTo', 'note']);
  const state = r.oneOf('state', REGION_LISTS.US!);
  const taxCode = r.oneOf('taxCode', TAX_CODE_NAMES);
  if (r.required('taxable') && typeof r.get('taxable') !== 'boolean')
    r.issue('taxable', 'type', `must be true or false, not ${describeJson(r.get('taxable'))}`);
  let taxablePortion: string | undefined;
  if (r.has('taxablePortion')) {
    const v = parseDecimalText(r.get('taxablePortion'), 6, false);
    if (isProblem(v)) r.issue('taxablePortion', v.rule, v.message);
    else if (v.isZero() || v.gt(1))
      r.issue('taxablePortion', 'range', `must be above 0 and at most 1, not ${v.toFixed()}`);
    else taxablePortion = v.toFixed();
  }
  const { validFrom, validTo } = validity(r);
  const note = r.string('note', { max: 500 });
  if (issues.length > before) return undefined;
  return {
    state: state!,
    taxCode: taxCode!,
    taxable: r.get('taxable') as boolean,
    taxablePortion,
    validFrom: validFrom!,
    validTo,
    note,
  };
}

/**
 * Validate a tenant's tax configuration (a `--tenant-rates` file, or rows read from Postgres).
 * Throws one `TaxConfigError` (`INVALID_TAX_CONFIG`) listing every issue, e.g. `rateOverrides[3].rate`.
 */
export function parseTaxContext(json: unknown): TaxContext {
  const issues: TaxIssue[] = [];
  const r = Reader.of(json, '', issues);
  if (!r) throw new TaxConfigError(issues);
  r.onlyFields(['rateOverrides', 'usTaxability', 'rounding']);
  const rateOverrides = (r.array('rateOverrides', { required: false, max: MAX_RULES }) ?? [])
    .map((o, i) => override(o, `rateOverrides[${i}]`, issues))
    .filter((o): o is RateOverride => o !== undefined);
  const usTaxability = (r.array('usTaxability', { required: false, max: MAX_RULES }) ?? [])
    .map((o, i) => usRule(o, `usTaxability[${i}]`, issues))
    .filter((o): o is UsTaxabilityRule => o !== undefined);
  const rounding = r.oneOf('rounding', ROUNDING_STRATEGIES, 'per_line');
  if (issues.length > 0) throw new TaxConfigError(issues);
  return { rateOverrides, usTaxability, rounding };
}
