export interface BackoffPolicy {
  /** The wait after the first failed attempt. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
}

/**
 * The wait before the attempt after failed attempt `attempt` (1-based): base * 2^(attempt-1),
 * capped at max, then shortened by a random 0-20% so the retries of many deliveries that failed
 * together (a receiver's outage) do not come back in lockstep.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 52);
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** exp);
  return Math.max(0, Math.round(capped * (1 - 0.2 * random())));
}
