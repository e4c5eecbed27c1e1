/**
 * Domain errors of the pricing engine. Each has a stable `code` that callers (API, CLI, rater)
 * branch on; messages are for people and may change.
 */

/** The rule a spec or input field broke. Stable strings: the API returns them to clients. */
export type IssueRule =
  | 'type'
  | 'required'
  | 'unknown_field'
  | 'one_of'
  | 'decimal_string'
  | 'non_negative'
  | 'positive'
  | 'integer'
  | 'max_decimal_places'
  | 'max_integer_digits'
  | 'iso4217'
  | 'non_empty'
  | 'ascending'
  | 'only_last_tier_unbounded'
  | 'last_tier_unbounded'
  | 'min_not_above_max'
  | 'instant'
  | 'period_order'
  | 'within_period';

export interface Issue {
  /** Where the problem is, e.g. `tiers[2].upTo`; `''` is the whole document. */
  readonly path: string;
  readonly rule: IssueRule;
  readonly message: string;
}

function describeIssues(title: string, issues: readonly Issue[]): string {
  const lines = issues.map((i) => `  ${i.path === '' ? '(root)' : i.path}: ${i.message} [${i.rule}]`);
  return `${title}: ${issues.length} issue${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

export abstract class PricingError extends Error {
  abstract readonly code: string;
  readonly issues: readonly Issue[];

  constructor(title: string, issues: readonly Issue[]) {
    super(describeIssues(title, issues));
    this.name = new.target.name;
    this.issues = issues;
  }
}

/** A price spec that cannot be rated; lists every issue found, not just the first. */
export class PricingSpecError extends PricingError {
  readonly code = 'INVALID_PRICE_SPEC';

  constructor(issues: readonly Issue[]) {
    super('invalid price spec', issues);
  }
}

/** A quantity, list of values or increment that the spec cannot be rated on. */
export class RatingInputError extends PricingError {
  readonly code = 'INVALID_RATING_INPUT';

  constructor(issues: readonly Issue[]) {
    super('invalid rating input', issues);
  }
}

/** A currency code the ISO 4217 dataset does not list as a currency. */
export class UnknownCurrencyError extends PricingError {
  readonly code = 'UNKNOWN_CURRENCY';

  constructor(issue: Issue) {
    super('unknown currency', [issue]);
  }
}

/** Instants that do not describe a part of a period. */
export class ProrationError extends PricingError {
  readonly code = 'INVALID_PRORATION';

  constructor(issues: readonly Issue[]) {
    super('invalid proration', issues);
  }
}
