/**
 * Domain errors of the metering library: plain classes with stable codes. An event whose value a
 * meter cannot read is not an error but a `MeterRejection` (apply.ts): it is data, recorded and
 * shown to the tenant.
 */

export interface MeteringIssue {
  /** Where the problem is, e.g. `filters[1].path` or `points[3].time`. */
  readonly path: string;
  readonly message: string;
}

export abstract class MeteringError extends Error {
  abstract readonly code: string;
  readonly issues: readonly MeteringIssue[];

  constructor(title: string, issues: readonly MeteringIssue[]) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
    super(`${title}: ${issues.length} issue${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`);
    this.name = new.target.name;
    this.issues = issues;
  }
}

/** A meter definition that cannot be compiled; lists every issue, not just the first. */
export class MeterDefinitionError extends MeteringError {
  readonly code = 'INVALID_METER';

  constructor(issues: readonly MeteringIssue[]) {
    super('invalid meter definition', issues);
  }
}

/** Points, a window or a carry-in that cannot be aggregated. */
export class AggregationInputError extends MeteringError {
  readonly code = 'INVALID_AGGREGATION_INPUT';

  constructor(issues: readonly MeteringIssue[]) {
    super('invalid aggregation input', issues);
  }
}
