/**
 * Domain errors of the tax engine. Each has a stable `code` that callers (the tax service, the CLI,
 * the invoicer) branch on; messages are for people and may change.
 */

/** The rule an input field broke. Stable strings: the service returns them to clients. */
export type TaxIssueRule =
  | 'type'
  | 'required'
  | 'unknown_field'
  | 'one_of'
  | 'decimal_string'
  | 'max_decimal_places'
  | 'max_integer_digits'
  | 'range'
  | 'iso4217'
  | 'iso3166'
  | 'region'
  | 'date'
  | 'date_order'
  | 'non_empty'
  | 'max_items'
  | 'unique'
  | 'coverage'
  | 'csv';

export interface TaxIssue {
  /** Where the problem is, e.g. `lines[2].amount`, `buyer.country`; `''` is the whole document. */
  readonly path: string;
  readonly rule: TaxIssueRule;
  readonly message: string;
}

function describeIssues(title: string, issues: readonly TaxIssue[]): string {
  const lines = issues.map((i) => `  ${i.path === '' ? '(root)' : i.path}: ${i.message} [${i.rule}]`);
  return `${title}: ${issues.length} issue${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

export abstract class TaxEngineError extends Error {
  abstract readonly code: string;
  readonly issues: readonly TaxIssue[];

  constructor(title: string, issues: readonly TaxIssue[]) {
    super(describeIssues(title, issues));
    this.name = new.target.name;
    this.issues = issues;
  }
}

/** A quote request that cannot be answered as it is; lists every issue found, not just the first. */
export class TaxRequestError extends TaxEngineError {
  readonly code = 'INVALID_TAX_REQUEST';

  constructor(issues: readonly TaxIssue[]) {
    super('invalid tax quote request', issues);
  }
}

/** A tenant's rate overrides, US taxability rules or rounding choice are not usable. */
export class TaxConfigError extends TaxEngineError {
  readonly code = 'INVALID_TAX_CONFIG';

  constructor(issues: readonly TaxIssue[]) {
    super('invalid tax configuration', issues);
  }
}

/** A conversion request with a malformed amount, currency or date. */
export class FxRequestError extends TaxEngineError {
  readonly code = 'INVALID_FX_REQUEST';

  constructor(issues: readonly TaxIssue[]) {
    super('invalid currency conversion request', issues);
  }
}

/** The table has no usable rate for the pair on that date (none at all, or only stale ones). */
export class FxRateNotFoundError extends TaxEngineError {
  readonly code = 'FX_RATE_NOT_FOUND';

  constructor(issue: TaxIssue) {
    super('no exchange rate', [issue]);
  }
}

/** An FX rate file (ECB-style CSV) that cannot be imported. */
export class FxCsvError extends TaxEngineError {
  readonly code = 'INVALID_FX_CSV';

  constructor(issues: readonly TaxIssue[]) {
    super('invalid FX rate file', issues);
  }
}
