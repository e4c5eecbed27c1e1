import { ContractViolationError, type RpcErrorV1 } from '@mu/contracts';
import { PricingError } from '@mu/pricing';
import { TaxEngineError } from '@mu/tax-engine';

/** The service's own deadline for a request passed (see TAX_REQUEST_TIMEOUT_MS). */
export class DeadlineExceededError extends Error {
  readonly code = 'TIMEOUT';
  constructor(ms: number) {
    super(`no answer within the service's ${ms} ms deadline; try again`);
    this.name = 'DeadlineExceededError';
  }
}

/** Issues in one reply: enough to fix a request, bounded so a reply stays small. */
const MAX_ISSUES = 1_000;

/**
 * The error reply for a failure. Known failures keep their stable code and field issues; anything
 * else is INTERNAL with a generic message (the details go to the log, not to the caller).
 */
export function toRpcError(err: unknown): { error: RpcErrorV1; internal: boolean } {
  if (err instanceof ContractViolationError) {
    return {
      error: {
        code: err.code,
        message: err.message,
        issues: err.issues.slice(0, MAX_ISSUES).map((i) => ({ path: i.path, message: i.message })),
      },
      internal: false,
    };
  }
  if (err instanceof TaxEngineError || err instanceof PricingError) {
    return {
      error: {
        code: err.code,
        message: err.message,
        issues: err.issues
          .slice(0, MAX_ISSUES)
          .map((i) => ({ path: i.path, rule: i.rule, message: i.message })),
      },
      internal: false,
    };
  }
  if (err instanceof DeadlineExceededError)
    return { error: { code: err.code, message: err.message, issues: [] }, internal: false };
  return {
    error: { code: 'INTERNAL', message: 'internal error in the tax service; it was logged', issues: [] },
    internal: true,
  };
}

/** Settle with `work`, or reject with DeadlineExceededError after `ms` (the work itself is not cancelled). */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
