import {
  InvoiceStateError,
  InvoicingInputError,
  InvoicingNotFoundError,
  isCheckViolation,
} from '@mu/billing';
import { RpcError } from '@mu/platform';
import { ApiError, NotFoundError, StateError, ValidationFailedError } from '../http/errors';

/** The tax service did not answer (or could not), so nothing that needs a quote was done. */
export class TaxServiceError extends ApiError {
  readonly code: string;
  readonly status: number;
  constructor(err: RpcError) {
    super(`the tax service could not quote this invoice (${err.code}): ${err.message}`);
    this.code = err.permanent ? 'TAX_QUOTE_REFUSED' : 'TAX_SERVICE_UNAVAILABLE';
    this.status = err.permanent ? 409 : 503;
  }
}

/**
 * libs/billing's invoicing errors as API errors: not found is 404, a refused transition 409
 * INVOICE_STATE, a ledger rule 400 with field paths. The invoice triggers have the last word:
 * their check_violation is the same 409 (only a race past the library's own check reaches it).
 */
export function toApiError(err: unknown): unknown {
  if (err instanceof InvoicingNotFoundError) return new NotFoundError(err.kind, err.id);
  if (err instanceof InvoiceStateError) return new StateError('INVOICE_STATE', err.message);
  if (err instanceof InvoicingInputError) return new ValidationFailedError(err.issues);
  if (err instanceof RpcError) return new TaxServiceError(err);
  if (isCheckViolation(err)) return new StateError('INVOICE_STATE', (err as Error).message);
  return err;
}

export async function mapInvoicingErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toApiError(err);
  }
}
