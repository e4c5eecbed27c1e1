import type { Issue, IssueRule } from './errors';
import { describeJson, isDecimalProblem, parseDecimal, ZERO, type Dec, type DecimalLimits } from './money';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * Reads one JSON object of a spec, collecting every issue (with its path) instead of stopping at the
 * first, and copying the fields it accepts into `out`, the normalised spec. Invalid fields read as
 * zero so validation can go on; the caller throws if any issue was collected.
 */
export class FieldReader {
  readonly out: JsonObject = {};

  constructor(
    readonly obj: JsonObject,
    /** Path of `obj` itself, e.g. `tiers[2]`; `''` for the root. */
    readonly path: string,
    readonly issues: Issue[],
  ) {}

  pathOf(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return has(this.obj, key);
  }

  issue(key: string, rule: IssueRule, message: string): void {
    this.issues.push({ path: this.pathOf(key), rule, message });
  }

  /** A decimal field that must be present. */
  decimal(key: string, limits: DecimalLimits): Dec {
    if (!this.has(key)) {
      this.issue(key, 'required', 'is required');
      return ZERO;
    }
    return this.optionalDecimal(key, limits) ?? ZERO;
  }

  /** A decimal field that may be absent; null when absent (or invalid, with an issue recorded). */
  optionalDecimal(key: string, limits: DecimalLimits): Dec | null {
    if (!this.has(key)) return null;
    const raw = this.obj[key];
    const parsed = parseDecimal(raw, limits);
    if (isDecimalProblem(parsed)) {
      this.issue(key, parsed.rule, parsed.message);
      return null;
    }
    this.out[key] = raw;
    return parsed;
  }

  /** A decimal that must be greater than zero. */
  positiveDecimal(key: string, limits: DecimalLimits): Dec {
    const before = this.issues.length;
    const v = this.decimal(key, limits);
    if (this.issues.length === before && v.isZero()) this.issue(key, 'positive', 'must be greater than zero');
    return v;
  }

  /** A string field restricted to `allowed`, with a default that goes into the normalised spec. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.has(key) ? this.obj[key] : fallback;
    if (!(allowed as readonly unknown[]).includes(raw)) {
      this.issue(
        key,
        'one_of',
        `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, not ${describeJson(raw)}`,
      );
      return fallback;
    }
    this.out[key] = raw;
    return raw as T;
  }

  /** Report every field of `obj` that is not in `allowed`; `owner` says what they do not belong to. */
  onlyFields(allowed: readonly string[], owner: string): void {
    for (const key of Object.keys(this.obj)) {
      if (!allowed.includes(key)) this.issue(key, 'unknown_field', `is not a field of ${owner}`);
    }
  }
}
