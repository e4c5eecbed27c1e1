/**
 * Request-level failures of an ingest call: plain classes with stable codes. The HTTP filter
 * and the NATS responder map `kind` to a status; nothing here knows about either.
 */
export type IngestErrorKind =
  'invalid' | 'unauthorized' | 'too_large' | 'unsupported' | 'rate_limited' | 'unavailable';

export class IngestError extends Error {
  constructor(
    readonly kind: IngestErrorKind,
    readonly code: string,
    message: string,
    /** For rate_limited: when the client may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

/** The status each kind maps to, over HTTP and in NATS replies alike. */
export const STATUS_OF: Record<IngestErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  too_large: 413,
  unsupported: 415,
  rate_limited: 429,
  unavailable: 503,
};
