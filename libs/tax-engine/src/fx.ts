import { Dec, currencyMinorUnits, exact, roundMoney } from '@mu/pricing';
import { FxCsvError, FxRateNotFoundError, FxRequestError, TaxConfigError, type TaxIssue } from './errors';
import {
  Reader,
  daysBetween,
  describeJson,
  isIsoDate,
  isProblem,
  minorUnitsOf,
  parseDecimalText,
} from './reader';

/** 1 `base` = `rate` `quote` from `effectiveDate` on (ECB style: base EUR, 1 EUR = 1.0823 USD). */
export interface FxRate {
  readonly base: string;
  readonly quote: string;
  /** Decimal string, > 0. */
  readonly rate: string;
  readonly effectiveDate: string;
  readonly source: string;
}

export type FxMethod = 'identity' | 'direct' | 'inverse' | 'cross';

/** A conversion and everything an invoice needs to show how it was made. */
export interface FxConversion {
  readonly date: string;
  readonly from: string;
  readonly to: string;
  readonly sourceAmount: string;
  /** Rounded to the minor units of `to`, half away from zero. */
  readonly amount: string;
  /** The rate applied: 1 `from` = `rate` `to`. Direct rates as stored; derived ones to 15 significant digits. */
  readonly rate: string;
  readonly method: FxMethod;
  /** The common base of a cross rate (e.g. EUR). */
  readonly via?: string;
  /** The effective date of the (oldest) rate used; the conversion date for `identity`. */
  readonly effectiveDate: string;
  readonly source: string;
  /** The stored rates the applied rate was derived from. */
  readonly legs: readonly FxRate[];
  readonly rounding: 'half_away_from_zero';
}

/** Significant digits of an inverse or cross rate. Stated on every conversion via `rate`. */
export const DERIVED_RATE_SIGNIFICANT_DIGITS = 15;
/** A rate older than this many days (before the conversion date) is stale: ECB skips weekends and holidays. */
export const DEFAULT_FX_MAX_AGE_DAYS = 7;
/** Decimal places allowed in an amount to convert and in a stored rate. */
const AMOUNT_DECIMALS = 12;
const RATE_DECIMALS = 12;

function currencyIssue(code: unknown, path: string): TaxIssue | undefined {
  if (typeof code !== 'string')
    return { path, rule: 'iso4217', message: `must be an ISO 4217 currency code, not ${describeJson(code)}` };
  const units = minorUnitsOf(code);
  return isProblem(units) ? { path, rule: units.rule, message: units.message } : undefined;
}

interface Candidate {
  readonly method: Exclude<FxMethod, 'identity'>;
  readonly legs: readonly FxRate[];
  readonly via?: string;
  /** The oldest leg. */
  readonly effectiveDate: string;
}

const METHOD_ORDER: Record<Candidate['method'], number> = { direct: 0, inverse: 1, cross: 2 };

/** Newer first; on the same date a direct rate before an inverse before a cross (EUR first, then A-Z). */
function better(a: Candidate, b: Candidate): boolean {
  if (a.effectiveDate !== b.effectiveDate) return a.effectiveDate > b.effectiveDate;
  if (a.method !== b.method) return METHOD_ORDER[a.method] < METHOD_ORDER[b.method];
  // Both are cross rates here: one per base.
  if ((a.via === 'EUR') !== (b.via === 'EUR')) return a.via === 'EUR';
  return a.via! < b.via!;
}

function derived(d: Dec): Dec {
  return d.toSignificantDigits(DERIVED_RATE_SIGNIFICANT_DIGITS, Dec.ROUND_HALF_UP);
}

/**
 * Check a conversion request before any rate is looked up: the amount, both currencies, the date
 * and the age limit. Throws `FxRequestError` naming every bad field.
 */
export function checkFxRequest(
  amount: string,
  from: string,
  to: string,
  date: string,
  maxAgeDays: number = DEFAULT_FX_MAX_AGE_DAYS,
): Dec {
  const issues: TaxIssue[] = [];
  const parsed = parseDecimalText(amount, AMOUNT_DECIMALS, true);
  if (isProblem(parsed)) issues.push({ path: 'amount', rule: parsed.rule, message: parsed.message });
  for (const [code, path] of [
    [from, 'from'],
    [to, 'to'],
  ] as const) {
    const issue = currencyIssue(code, path);
    if (issue) issues.push(issue);
  }
  if (!isIsoDate(date))
    issues.push({
      path: 'date',
      rule: 'date',
      message: `must be a calendar date YYYY-MM-DD, not ${describeJson(date)}`,
    });
  if (!Number.isInteger(maxAgeDays) || maxAgeDays < 0)
    issues.push({
      path: 'maxAgeDays',
      rule: 'range',
      message: `must be a whole number of days >= 0, not ${String(maxAgeDays)}`,
    });
  if (issues.length > 0) throw new FxRequestError(issues);
  return parsed as Dec;
}

/**
 * Convert `amount` from one currency to another with the rates in force on `date` (the latest
 * effective on or before it, no older than `maxAgeDays`). Uses a direct rate, the inverse of the
 * opposite pair, or a cross rate through a common base, whichever is newest.
 */
export function convert(
  amount: string,
  from: string,
  to: string,
  table: readonly FxRate[],
  date: string,
  opts: { maxAgeDays?: number } = {},
): FxConversion {
  const maxAgeDays = opts.maxAgeDays ?? DEFAULT_FX_MAX_AGE_DAYS;
  const value = checkFxRequest(amount, from, to, date, maxAgeDays);
  const minor = currencyMinorUnits(to);

  if (from === to) {
    return {
      date,
      from,
      to,
      sourceAmount: amount,
      amount: roundMoney(value, minor, 'half_away_from_zero'),
      rate: '1',
      method: 'identity',
      effectiveDate: date,
      source: 'identity',
      legs: [],
      rounding: 'half_away_from_zero',
    };
  }

  // The latest rate on or before the date for every pair that touches `from` or `to`.
  const latest = new Map<string, FxRate>();
  for (const r of table) {
    if (r.effectiveDate > date || (r.base !== from && r.base !== to && r.quote !== from && r.quote !== to))
      continue;
    const key = `${r.base}/${r.quote}`;
    const seen = latest.get(key);
    if (seen === undefined || r.effectiveDate > seen.effectiveDate) latest.set(key, r);
  }
  const candidates: Candidate[] = [];
  const direct = latest.get(`${from}/${to}`);
  if (direct) candidates.push({ method: 'direct', legs: [direct], effectiveDate: direct.effectiveDate });
  const inverse = latest.get(`${to}/${from}`);
  if (inverse) candidates.push({ method: 'inverse', legs: [inverse], effectiveDate: inverse.effectiveDate });
  for (const r of latest.values()) {
    if (r.quote !== from || r.base === to) continue;
    const other = latest.get(`${r.base}/${to}`);
    if (other) {
      candidates.push({
        method: 'cross',
        legs: [r, other],
        via: r.base,
        effectiveDate: r.effectiveDate < other.effectiveDate ? r.effectiveDate : other.effectiveDate,
      });
    }
  }
  let best: Candidate | undefined;
  for (const c of candidates) if (best === undefined || better(c, best)) best = c;
  if (best === undefined) {
    throw new FxRateNotFoundError({
      path: 'date',
      rule: 'coverage',
      message: `no ${from}/${to} rate on or before ${date} (no direct, inverse or cross rate through a common base)`,
    });
  }
  const age = daysBetween(best.effectiveDate, date);
  if (age > maxAgeDays) {
    throw new FxRateNotFoundError({
      path: 'date',
      rule: 'coverage',
      message: `the latest ${from}/${to} rate before ${date} is from ${best.effectiveDate}, ${age} days old (at most ${maxAgeDays} allowed)`,
    });
  }
  let rate: Dec;
  const [first, second] = best.legs as [FxRate, FxRate | undefined];
  if (best.method === 'direct') rate = new Dec(first.rate);
  else if (best.method === 'inverse') rate = derived(new Dec(1).div(first.rate));
  else rate = derived(new Dec(second!.rate).div(first.rate));
  const sources = [...new Set(best.legs.map((l) => l.source))];
  return {
    date,
    from,
    to,
    sourceAmount: amount,
    amount: roundMoney(value.times(rate), minor, 'half_away_from_zero'),
    rate: exact(rate),
    method: best.method,
    ...(best.via === undefined ? {} : { via: best.via }),
    effectiveDate: best.effectiveDate,
    source: sources.join('; '),
    legs: best.legs,
    rounding: 'half_away_from_zero',
  };
}

function fxRate(raw: unknown, path: string, issues: TaxIssue[]): FxRate | undefined {
  const r = Reader.of(raw, path, issues);
  if (!r) return undefined;
  const before = issues.length;
  r.onlyFields(['base', 'quote', 'rate', 'effectiveDate', 'source']);
  for (const key of ['base', 'quote'] as const) {
    if (!r.required(key)) continue;
    const issue = currencyIssue(r.get(key), r.pathOf(key));
    if (issue) issues.push(issue);
  }
  if (r.has('base') && r.get('base') === r.get('quote')) r.issue('quote', 'range', 'must differ from base');
  if (r.required('rate')) {
    const v = parseDecimalText(r.get('rate'), RATE_DECIMALS, false);
    if (isProblem(v)) r.issue('rate', v.rule, v.message);
    else if (v.isZero()) r.issue('rate', 'range', 'must be greater than zero');
  }
  r.date('effectiveDate', true);
  r.string('source', { required: true, max: 200 });
  if (issues.length > before) return undefined;
  const o = r.obj as unknown as FxRate;
  return { base: o.base, quote: o.quote, rate: o.rate, effectiveDate: o.effectiveDate, source: o.source };
}

/** Validate stored rates (rows from Postgres, a JSON file). Throws `TaxConfigError` naming `[i].field`. */
export function parseFxRates(json: unknown): FxRate[] {
  const issues: TaxIssue[] = [];
  if (!Array.isArray(json))
    throw new TaxConfigError([
      { path: '', rule: 'type', message: `must be a list of rates, not ${describeJson(json)}` },
    ]);
  const out = json.map((row, i) => fxRate(row, `[${i}]`, issues));
  if (issues.length > 0) throw new TaxConfigError(issues);
  return out as FxRate[];
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** `2025-03-05` or ECB's daily file's `05 March 2025`. */
function csvDate(text: string): string | undefined {
  if (isIsoDate(text)) return text;
  const m = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return undefined;
  const iso = `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : undefined;
}

export interface FxCsvResult {
  readonly rates: FxRate[];
  /** Currency columns imported. */
  readonly currencies: string[];
  /** Columns skipped because ISO 4217 no longer lists them (the ECB history has CYP, SIT, ...). */
  readonly skipped: string[];
  readonly firstDate: string;
  readonly lastDate: string;
}

const MAX_CSV_ISSUES = 50;

/**
 * Parse an ECB-style reference-rate CSV: a `Date` column, then one column per currency with the
 * amount of that currency per 1 `base` (EUR for the ECB). Reads both the daily file (`05 March 2025`,
 * spaces, a trailing comma) and the history file (ISO dates, `N/A` for no rate). Empty and `N/A`
 * cells are skipped; everything else must be a positive decimal. Throws `FxCsvError` naming the line
 * and column of every problem (at most 50).
 */
export function parseFxCsv(text: string, opts: { base?: string; source?: string } = {}): FxCsvResult {
  const base = opts.base ?? 'EUR';
  const source = opts.source ?? 'ECB euro foreign exchange reference rates';
  const issues: TaxIssue[] = [];
  const baseIssue = currencyIssue(base, 'base');
  if (baseIssue) throw new FxCsvError([baseIssue]);
  const rows = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line, i) => ({ n: i + 1, cells: line.split(',').map((c) => c.trim()) }))
    .filter((row) => row.cells.some((c) => c !== ''));
  const header = rows.shift();
  if (header === undefined || header.cells[0]!.toLowerCase() !== 'date') {
    throw new FxCsvError([
      {
        path: 'line 1',
        rule: 'csv',
        message: 'the first line must be a header starting with "Date", then currency codes',
      },
    ]);
  }
  const columns: { index: number; code: string }[] = [];
  const skipped: string[] = [];
  header.cells.forEach((code, index) => {
    if (index === 0 || code === '') return;
    if (!/^[A-Z]{3}$/.test(code)) {
      issues.push({
        path: `line 1, column ${index + 1}`,
        rule: 'csv',
        message: `must be a currency code, not ${JSON.stringify(code)}`,
      });
    } else if (code === base) {
      issues.push({ path: `line 1, ${code}`, rule: 'csv', message: `is the base currency itself` });
    } else if (currencyIssue(code, code) !== undefined) skipped.push(code);
    else if (columns.some((c) => c.code === code))
      issues.push({ path: `line 1, ${code}`, rule: 'csv', message: 'appears twice' });
    else columns.push({ index, code });
  });
  const rates: FxRate[] = [];
  const dates = new Map<string, number>();
  for (const row of rows) {
    if (issues.length >= MAX_CSV_ISSUES) break;
    const date = csvDate(row.cells[0]!);
    if (date === undefined) {
      issues.push({
        path: `line ${row.n}, Date`,
        rule: 'date',
        message: `must be a date such as 2025-03-05 or "05 March 2025", not ${JSON.stringify(row.cells[0])}`,
      });
      continue;
    }
    const previous = dates.get(date);
    if (previous !== undefined) {
      issues.push({
        path: `line ${row.n}, Date`,
        rule: 'unique',
        message: `${date} is already on line ${previous}`,
      });
      continue;
    }
    dates.set(date, row.n);
    for (const { index, code } of columns) {
      const cell = row.cells[index] ?? '';
      if (cell === '' || cell.toUpperCase() === 'N/A') continue;
      const v = parseDecimalText(cell, RATE_DECIMALS, false);
      if (isProblem(v) || v.isZero()) {
        issues.push({
          path: `line ${row.n}, ${code}`,
          rule: 'csv',
          message: `must be a positive decimal rate, not ${JSON.stringify(cell)}`,
        });
        continue;
      }
      rates.push({ base, quote: code, rate: exact(v), effectiveDate: date, source });
    }
  }
  if (issues.length === 0 && rates.length === 0)
    issues.push({ path: '', rule: 'csv', message: 'has no rates' });
  if (issues.length > 0) throw new FxCsvError(issues.slice(0, MAX_CSV_ISSUES));
  const sorted = [...dates.keys()].sort();
  return {
    rates,
    currencies: columns.map((c) => c.code),
    skipped,
    firstDate: sorted[0]!,
    lastDate: sorted[sorted.length - 1]!,
  };
}
