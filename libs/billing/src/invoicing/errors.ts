/**
 * Errors of the invoice lifecycle: plain classes with stable codes. The edges map them (the api
 * to HTTP statuses, the CLI to exit codes); nothing here knows about HTTP.
 */

/** The invoice (or credit note) does not exist for this tenant, whether or not another has it. */
export class InvoicingNotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly kind: 'invoice' | 'credit note' | 'invoice line',
    readonly id: string,
  ) {
    super(`${kind} ${id} not found`);
    this.name = 'InvoicingNotFoundError';
  }
}

/** A transition the invoice's current status does not allow. */
export class InvoiceStateError extends Error {
  readonly code = 'INVOICE_STATE';
  constructor(
    readonly invoiceId: string,
    readonly status: string,
    action: string,
    allowed: readonly string[],
  ) {
    super(
      allowed.length
        ? `invoice ${invoiceId} is ${status}: ${action} is only for ${allowed.join(' or ')} invoices`
        : `invoice ${invoiceId} is ${status} and cannot be changed (${action})`,
    );
    this.name = 'InvoiceStateError';
  }
}

export interface InvoicingIssue {
  /** The field at fault, as the request names it (`lines.1.amount`). */
  path: string;
  message: string;
}

/** Input that is well-formed but breaks a rule of the ledger (over-credit, unknown line). */
export class InvoicingInputError extends Error {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly issues: InvoicingIssue[]) {
    super(`invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'InvoicingInputError';
  }
}

/** Postgres check_violation: raised by the invoice triggers (and CHECK constraints). */
export function isCheckViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23514';
}
