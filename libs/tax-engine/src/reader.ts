import { currencyMinorUnits, Dec, type UnknownCurrencyError } from '@mu/pricing';
import type { TaxIssue, TaxIssueRule } from './errors';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

// Plain notation only (as in @mu/pricing): no exponent, no "+", no bare dot, so the text is the value.
const SIGNED_DECIMAL = /^-?\d+(?:\.\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MAX_INTEGER_DIGITS = 18;

/** Percent rates: 0 to 100 with at most this many decimals (CA-QC's 9.975 needs 3; 6 leaves room). */
export const RATE_DECIMALS = 6;

export interface Problem {
  readonly rule: TaxIssueRule;
  readonly message: string;
}

export function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && !(v instanceof Dec) && 'rule' in v;
}

/**
 * A decimal string, optionally negative (credits), with at most `maxDecimals` decimals and 18 integer
 * digits. JSON numbers are refused: they have been through a binary float already.
 */
export function parseDecimalText(raw: unknown, maxDecimals: number, signed: boolean): Dec | Problem {
  if (typeof raw !== 'string' || !SIGNED_DECIMAL.test(raw)) {
    return {
      rule: 'decimal_string',
      message: `must be a decimal string such as "12.50", not ${describeJson(raw)}`,
    };
  }
  const negative = raw.startsWith('-');
  if (negative && !signed) return { rule: 'range', message: `must not be negative (${raw})` };
  const digits = negative ? raw.slice(1) : raw;
  const dot = digits.indexOf('.');
  const decimals = dot === -1 ? 0 : digits.length - dot - 1;
  if (decimals > maxDecimals) {
    return {
      rule: 'max_decimal_places',
      message: `has ${decimals} decimal places, at most ${maxDecimals} are allowed here (${raw})`,
    };
  }
  const integer = (dot === -1 ? digits : digits.slice(0, dot)).replace(/^0+(?=\d)/, '');
  if (integer.length > MAX_INTEGER_DIGITS) {
    return { rule: 'max_integer_digits', message: `has more than ${MAX_INTEGER_DIGITS} integer digits` };
  }
  return new Dec(raw);
}

/** A percent rate between 0 and 100 inclusive. */
export function parseRate(raw: unknown): Dec | Problem {
  const v = parseDecimalText(raw, RATE_DECIMALS, false);
  if (isProblem(v)) return v;
  if (v.gt(100)) return { rule: 'range', message: `must be a percentage from 0 to 100, not ${String(raw)}` };
  return v;
}

/**
 * The minor units of an ISO 4217 currency, or why the code is not one. The pricing library owns the
 * currency table; `currencyMinorUnits` throws nothing but UnknownCurrencyError, whose message says
 * what is wrong.
 */
export function minorUnitsOf(code: string): number | Problem {
  try {
    return currencyMinorUnits(code);
  } catch (err) {
    return { rule: 'iso4217', message: (err as UnknownCurrencyError).issues[0]!.message };
  }
}

/** A calendar date `YYYY-MM-DD` that exists (no 2025-02-30). */
export function isIsoDate(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = ISO_DATE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** Whole days from `a` to `b` (both valid ISO dates). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * Reads one JSON object, collecting every issue (with its path) instead of stopping at the first.
 * Invalid fields read as undefined so validation can go on; the caller throws if any issue was found.
 */
export class Reader {
  constructor(
    readonly obj: JsonObject,
    /** Path of `obj` itself, e.g. `lines[2]`; `''` for the root. */
    readonly path: string,
    readonly issues: TaxIssue[],
  ) {}

  /** Read a nested object; records an issue and returns undefined when it is not one. */
  static of(raw: unknown, path: string, issues: TaxIssue[]): Reader | undefined {
    if (isJsonObject(raw)) return new Reader(raw, path, issues);
    issues.push({ path, rule: 'type', message: `must be an object, not ${describeJson(raw)}` });
    return undefined;
  }

  pathOf(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.obj, key) && this.obj[key] !== undefined;
  }

  get(key: string): unknown {
    return this.obj[key];
  }

  issue(key: string, rule: TaxIssueRule, message: string): void {
    this.issues.push({ path: this.pathOf(key), rule, message });
  }

  /** Refuse fields this object does not define: a misspelt `taxcode` must not pass silently. */
  onlyFields(allowed: readonly string[]): void {
    for (const key of Object.keys(this.obj)) {
      if (!allowed.includes(key))
        this.issue(key, 'unknown_field', `is not a field here (allowed: ${allowed.join(', ')})`);
    }
  }

  required(key: string): boolean {
    if (this.has(key)) return true;
    this.issue(key, 'required', 'is required');
    return false;
  }

  /** A non-empty string of at most `max` characters (optional unless `required`). */
  string(key: string, opts: { required?: boolean; max: number }): string | undefined {
    if (!this.has(key)) {
      if (opts.required) this.issue(key, 'required', 'is required');
      return undefined;
    }
    const v = this.obj[key];
    const max = opts.max;
    if (typeof v !== 'string' || v.trim() === '') {
      this.issue(key, 'type', `must be a non-empty string, not ${describeJson(v)}`);
      return undefined;
    }
    if (v.length > max) {
      this.issue(key, 'range', `must be at most ${max} characters`);
      return undefined;
    }
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const v = this.obj[key];
    if (typeof v !== 'boolean') {
      this.issue(key, 'type', `must be true or false, not ${describeJson(v)}`);
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T | undefined {
    if (!this.has(key)) {
      if (fallback === undefined) this.issue(key, 'required', `is required (one of ${allowed.join(', ')})`);
      return fallback;
    }
    const v = this.obj[key];
    if (!(allowed as readonly unknown[]).includes(v)) {
      this.issue(
        key,
        'one_of',
        `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, not ${describeJson(v)}`,
      );
      return undefined;
    }
    return v as T;
  }

  date(key: string, required: boolean): string | undefined {
    if (!this.has(key)) {
      if (required) this.issue(key, 'required', 'is required (a date such as "2025-03-31")');
      return undefined;
    }
    const v = this.obj[key];
    if (!isIsoDate(v)) {
      this.issue(key, 'date', `must be a calendar date YYYY-MM-DD, not ${describeJson(v)}`);
      return undefined;
    }
    return v;
  }

  rate(key: string): Dec | undefined {
    if (!this.required(key)) return undefined;
    const v = parseRate(this.obj[key]);
    if (isProblem(v)) {
      this.issue(key, v.rule, v.message);
      return undefined;
    }
    return v;
  }

  /** A list; records an issue and returns undefined when the value is not one. */
  array(key: string, opts: { required: boolean; max: number; nonEmpty?: boolean }): unknown[] | undefined {
    if (!this.has(key)) {
      if (opts.required) this.issue(key, 'required', 'is required');
      return undefined;
    }
    const v = this.obj[key];
    if (!Array.isArray(v)) {
      this.issue(key, 'type', `must be a list, not ${describeJson(v)}`);
      return undefined;
    }
    if (opts.nonEmpty && v.length === 0) {
      this.issue(key, 'non_empty', 'must have at least one entry');
      return undefined;
    }
    if (v.length > opts.max) {
      this.issue(key, 'max_items', `has ${v.length} entries, at most ${opts.max} are allowed`);
      return undefined;
    }
    return v as unknown[];
  }
}
