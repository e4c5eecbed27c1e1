import type { Dec } from '@mu/pricing';
import { ISO_COUNTRIES, REGION_LISTS, isEuMemberState } from './data/countries';
import { DEFAULT_TAX_CODE, TAX_CODE_NAMES, type TaxCode } from './data/tax-codes';
import { TaxRequestError, type TaxIssue } from './errors';
import { Reader, describeJson, isProblem, minorUnitsOf, parseDecimalText } from './reader';

export const TAX_BEHAVIORS = ['exclusive', 'inclusive'] as const;
export type TaxBehavior = (typeof TAX_BEHAVIORS)[number];

/** Most lines in one quote: an invoice, not a ledger. */
export const MAX_LINES = 10_000;
/** Most registrations a seller may list. */
export const MAX_REGISTRATIONS = 200;

export interface Seller {
  readonly country: string;
  readonly region?: string;
  readonly taxId?: string;
  /** Where the seller is registered to collect tax outside its home country: `GB`, `EU`, `US-TX`, `CA`. */
  readonly registrations: readonly string[];
}

export interface Buyer {
  readonly country: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly taxId?: string;
  readonly exempt: boolean;
  readonly exemptionId?: string;
}

export interface QuoteLine {
  readonly id: string;
  /** Decimal string, at most the currency's minor digits; negative for a credit. */
  readonly amount: string;
  readonly taxBehavior: TaxBehavior;
  readonly taxCode: TaxCode;
}

/** A validated, normalised quote request (defaults filled in). Build it with `parseTaxQuoteRequest`. */
export interface TaxQuoteRequest {
  /** The tax point: rates in force on this day apply. */
  readonly date: string;
  readonly currency: string;
  readonly seller: Seller;
  readonly buyer: Buyer;
  readonly lines: readonly QuoteLine[];
}

/** What the JSON of a request looks like before validation (fields with defaults are optional). */
export interface TaxQuoteRequestJson {
  date: string;
  currency: string;
  seller: { country: string; region?: string; taxId?: string; registrations?: string[] };
  buyer: {
    country: string;
    region?: string;
    postalCode?: string;
    taxId?: string;
    exempt?: boolean;
    exemptionId?: string;
  };
  lines: { id: string; amount: string; taxBehavior: TaxBehavior; taxCode?: string }[];
}

const COUNTRY = /^[A-Z]{2}$/;
const MAX_DECIMALS_UNKNOWN_CURRENCY = 18;
const REGISTRATION = /^(EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$/;

function country(r: Reader, key: string): string | undefined {
  if (!r.required(key)) return undefined;
  const v = r.get(key);
  if (typeof v !== 'string' || !COUNTRY.test(v)) {
    r.issue(
      key,
      'iso3166',
      `must be an ISO 3166-1 alpha-2 country code in upper case, such as "DE", not ${describeJson(v)}`,
    );
    return undefined;
  }
  if (!ISO_COUNTRIES.has(v)) {
    r.issue(
      key,
      'iso3166',
      `${v} is not an ISO 3166-1 country code${v === 'EL' ? ' (Greece is GR; EL is only its VAT prefix)' : v === 'UK' ? ' (the United Kingdom is GB)' : ''}`,
    );
    return undefined;
  }
  return v;
}

/** `region` is required and must be a known code where the tax depends on it (US states, CA provinces). */
function region(r: Reader, countryCode: string | undefined, requiredHere: boolean): string | undefined {
  const list = countryCode === undefined ? undefined : REGION_LISTS[countryCode];
  if (list === undefined) return r.string('region', { max: 64 });
  if (!r.has('region')) {
    if (requiredHere)
      r.issue('region', 'required', `is required for ${countryCode} (one of ${list.join(', ')})`);
    return undefined;
  }
  const v = r.get('region');
  if (typeof v !== 'string' || !list.includes(v)) {
    r.issue(
      'region',
      'region',
      `must be a ${countryCode === 'US' ? 'US state' : 'Canadian province or territory'} code (${list.join(', ')}), not ${describeJson(v)}`,
    );
    return undefined;
  }
  return v;
}

function registrations(r: Reader): string[] {
  const raw = r.array('registrations', { required: false, max: MAX_REGISTRATIONS }) ?? [];
  const out: string[] = [];
  raw.forEach((v, i) => {
    const path = `${r.pathOf('registrations')}[${i}]`;
    const issue = (message: string) => r.issues.push({ path, rule: 'iso3166', message });
    if (typeof v !== 'string' || !REGISTRATION.test(v)) {
      issue(`must be "EU", a country code ("GB") or a US state ("US-TX"), not ${describeJson(v)}`);
      return;
    }
    const [cc, sub] = v.split('-') as [string, string | undefined];
    if (v === 'EU') out.push(v);
    else if (!ISO_COUNTRIES.has(cc)) issue(`${cc} is not an ISO 3166-1 country code`);
    else if (cc === 'US' && sub === undefined) issue('a US registration names its state, such as "US-TX"');
    else if (cc === 'US' && !REGION_LISTS.US!.includes(sub!)) issue(`${sub} is not a US state code`);
    else if (cc === 'CA' && sub !== undefined) issue('GST/HST registration is federal: write "CA"');
    else if (cc !== 'US' && sub !== undefined) issue(`only US registrations name a region, not ${v}`);
    else if (isEuMemberState(cc)) out.push(cc);
    else out.push(v);
  });
  return out;
}

function seller(raw: unknown, issues: TaxIssue[]): Seller | undefined {
  const r = Reader.of(raw, 'seller', issues);
  if (!r) return undefined;
  r.onlyFields(['country', 'region', 'taxId', 'registrations']);
  const c = country(r, 'country');
  const s: Seller = {
    country: c ?? '',
    region: region(r, c, false),
    taxId: r.string('taxId', { max: 64 }),
    registrations: registrations(r),
  };
  return c === undefined ? undefined : s;
}

function buyer(raw: unknown, issues: TaxIssue[]): Buyer | undefined {
  const r = Reader.of(raw, 'buyer', issues);
  if (!r) return undefined;
  r.onlyFields(['country', 'region', 'postalCode', 'taxId', 'exempt', 'exemptionId']);
  const c = country(r, 'country');
  const exempt = r.boolean('exempt', false);
  const exemptionId = r.string('exemptionId', { max: 128 });
  if (exempt && exemptionId === undefined && !r.has('exemptionId'))
    r.issue(
      'exemptionId',
      'required',
      'is required when exempt is true (the certificate or exemption reference)',
    );
  const b: Buyer = {
    country: c ?? '',
    region: region(r, c, true),
    postalCode: r.string('postalCode', { max: 16 }),
    taxId: r.string('taxId', { max: 64 }),
    exempt,
    exemptionId,
  };
  return c === undefined ? undefined : b;
}

function lines(r: Reader, minorUnits: number | undefined): QuoteLine[] {
  const raw = r.array('lines', { required: true, max: MAX_LINES, nonEmpty: true }) ?? [];
  const seen = new Map<string, number>();
  const out: QuoteLine[] = [];
  raw.forEach((item, i) => {
    const l = Reader.of(item, `lines[${i}]`, r.issues);
    if (!l) return;
    l.onlyFields(['id', 'amount', 'taxBehavior', 'taxCode']);
    const id = l.string('id', { required: true, max: 128 });
    if (id !== undefined) {
      const first = seen.get(id);
      if (first !== undefined)
        l.issue('id', 'unique', `repeats the id of lines[${first}] (${JSON.stringify(id)})`);
      else seen.set(id, i);
    }
    let amount: Dec | undefined;
    if (l.required('amount')) {
      // With an unknown currency the digits cannot be checked, but the shape still can.
      const v = parseDecimalText(l.get('amount'), minorUnits ?? MAX_DECIMALS_UNKNOWN_CURRENCY, true);
      if (isProblem(v)) {
        const digits =
          v.rule === 'max_decimal_places' && minorUnits !== undefined
            ? `: the currency has ${minorUnits}`
            : '';
        l.issue('amount', v.rule, `${v.message}${digits}`);
      } else amount = v;
    }
    const taxBehavior = l.oneOf('taxBehavior', TAX_BEHAVIORS);
    const taxCode = l.oneOf('taxCode', TAX_CODE_NAMES, DEFAULT_TAX_CODE);
    if (id !== undefined && amount !== undefined && taxBehavior !== undefined && taxCode !== undefined) {
      out.push({ id, amount: l.get('amount') as string, taxBehavior, taxCode });
    }
  });
  return out;
}

function currency(r: Reader): { code: string; minorUnits: number } | undefined {
  const code = r.string('currency', { required: true, max: 8 });
  if (code === undefined) return undefined;
  const minorUnits = minorUnitsOf(code);
  if (!isProblem(minorUnits)) return { code, minorUnits };
  r.issue('currency', minorUnits.rule, minorUnits.message);
  return undefined;
}

/**
 * Validate a quote request (parsed JSON) and fill in its defaults. Throws one `TaxRequestError`
 * (`INVALID_TAX_REQUEST`) listing every issue with its field path, e.g. `lines[2].amount`.
 */
export function parseTaxQuoteRequest(json: unknown): TaxQuoteRequest {
  const issues: TaxIssue[] = [];
  const r = Reader.of(json, '', issues);
  if (!r) throw new TaxRequestError(issues);
  r.onlyFields(['date', 'currency', 'seller', 'buyer', 'lines']);
  const date = r.date('date', true);
  const cur = currency(r);
  const s = r.required('seller') ? seller(r.get('seller'), issues) : undefined;
  const b = r.required('buyer') ? buyer(r.get('buyer'), issues) : undefined;
  const ls = lines(r, cur?.minorUnits);
  if (issues.length > 0) throw new TaxRequestError(issues);
  return { date: date!, currency: cur!.code, seller: s!, buyer: b!, lines: ls };
}
