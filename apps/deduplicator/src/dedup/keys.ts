import { createHash } from 'node:crypto';

/** Every idempotency key starts with this; `v1` changes if the key or value layout ever does. */
export const KEY_PREFIX = 'mu:dedup:v1:';

/**
 * JSON with object keys sorted at every depth, so two payloads that differ only in key
 * order hash the same. Arrays keep their order; `undefined` members are left out as
 * JSON.stringify leaves them out.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value) as string | undefined;
    return text ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const members = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  return `{${members.join(',')}}`;
}

/** 128 bits of SHA-256, base64url: 22 characters, so a key or value stays a short embedded string. */
function shortSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest().subarray(0, 16).toString('base64url');
}

export interface HashedFields {
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

/** What makes two events with the same id "the same event": SHA-256 of canonical {type, subject, time, data}. */
export function payloadHash(e: HashedFields): string {
  return shortSha256(canonicalJson({ type: e.type, subject: e.subject, time: e.time, data: e.data }));
}

/** The Redis key of an event: hash(tenant, source, id), NUL-separated so no two triples collide by concatenation. */
export function dedupKey(tenantId: string, source: string, id: string): string {
  return KEY_PREFIX + shortSha256(`${tenantId}\0${source}\0${id}`);
}

/** The stored value: the raw stream sequence that first claimed the key, and the payload hash. */
export function encodeClaim(sequence: number, hash: string): string {
  return `${sequence}:${hash}`;
}

export function decodeClaim(value: string): { sequence: number; hash: string } | undefined {
  const colon = value.indexOf(':');
  if (colon <= 0) return undefined;
  const sequence = Number(value.slice(0, colon));
  if (!Number.isSafeInteger(sequence) || sequence < 1) return undefined;
  return { sequence, hash: value.slice(colon + 1) };
}
