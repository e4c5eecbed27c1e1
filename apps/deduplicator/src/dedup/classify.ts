import { dedupKey, decodeClaim, encodeClaim, payloadHash, type HashedFields } from './keys';

export interface KeyedEvent extends HashedFields {
  id: string;
  source: string;
}

/** One key to claim in Redis: `SET key value NX PX window GET`. */
export interface Claim {
  key: string;
  value: string;
}

/** What the deduplicator will ask Redis for one raw message, and how to read the answer. */
export interface MessagePlan {
  sequence: number;
  /** One claim per distinct key, in order of first occurrence. */
  claims: Claim[];
  /** For each event: its payload hash and the index (into `claims`) of its key. */
  events: { hash: string; claim: number; first: boolean }[];
}

export type Outcome =
  | { kind: 'new' }
  /** Same key, same payload: already published (by `firstSequence`, or earlier in this message). */
  | { kind: 'duplicate'; firstSequence: number }
  /** Same key, different payload: kept as a rejection, never published. */
  | { kind: 'conflict'; firstSequence: number | undefined };

/**
 * Keys and hashes for one raw message. A key that repeats inside the message is claimed
 * once: the first occurrence wins, later ones are compared with the winner.
 */
export function planMessage(sequence: number, tenantId: string, events: readonly KeyedEvent[]): MessagePlan {
  const claimOf = new Map<string, number>();
  const claims: Claim[] = [];
  const planned = events.map((e) => {
    const key = dedupKey(tenantId, e.source, e.id);
    const hash = payloadHash(e);
    const seen = claimOf.get(key);
    if (seen !== undefined) return { hash, claim: seen, first: false };
    claimOf.set(key, claims.length);
    claims.push({ key, value: encodeClaim(sequence, hash) });
    return { hash, claim: claims.length - 1, first: true };
  });
  return { sequence, claims, events: planned };
}

/**
 * Read Redis' answer (the previous value of each claimed key; null when this SET stored
 * it) into one outcome per event. An event is new when the SET succeeded or the stored
 * sequence is this message's own: a redelivery of a message whose first attempt claimed
 * the key but may not have published it.
 */
export function classify(plan: MessagePlan, previous: readonly (string | null)[]): Outcome[] {
  if (previous.length !== plan.claims.length) {
    throw new Error(`expected ${plan.claims.length} answers from Redis, got ${previous.length}`);
  }
  // The winning (sequence, hash) of each key, once known.
  const winners: { sequence: number | undefined; hash: string | undefined }[] = [];
  return plan.events.map((e): Outcome => {
    if (!e.first) {
      const w = winners[e.claim]!;
      return w.hash === e.hash && w.sequence !== undefined
        ? { kind: 'duplicate', firstSequence: w.sequence }
        : { kind: 'conflict', firstSequence: w.sequence };
    }
    const prev = previous[e.claim] ?? null;
    if (prev === null) {
      winners[e.claim] = { sequence: plan.sequence, hash: e.hash };
      return { kind: 'new' };
    }
    const stored = decodeClaim(prev);
    // Not a value this deduplicator wrote: never publish over it.
    if (!stored) {
      winners[e.claim] = { sequence: undefined, hash: undefined };
      return { kind: 'conflict', firstSequence: undefined };
    }
    winners[e.claim] = stored;
    if (stored.hash !== e.hash) return { kind: 'conflict', firstSequence: stored.sequence };
    return stored.sequence === plan.sequence
      ? { kind: 'new' }
      : { kind: 'duplicate', firstSequence: stored.sequence };
  });
}
