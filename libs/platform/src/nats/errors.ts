import { ContractViolationError } from '@mu/contracts';

/**
 * A failure that retrying cannot fix (bad data, a rule the message breaks).
 * The consumer runner dead-letters and terminates the message instead of retrying.
 * Any other error is treated as transient: nak with backoff, up to maxDeliver.
 */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

export function isPermanent(err: unknown): err is Error & { code?: string } {
  return (
    err instanceof ContractViolationError ||
    (typeof err === 'object' && err !== null && (err as { permanent?: unknown }).permanent === true)
  );
}

export function errorCode(err: unknown, fallback: string): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : fallback;
}
