import { hash } from 'node:crypto';

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
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  // Events mostly arrive with few, often already sorted keys: sort only when needed. Sorted
  // keys and no nested object or array (the usual event `data`): JSON.stringify writes the
  // same text, natively.
  let flat = true;
  for (let i = 0; i < keys.length; i++) {
    const v = obj[keys[i]!];
    if (v !== null && typeof v === 'object') flat = false;
    if (i > 0 && keys[i - 1]! > keys[i]!) {
      keys.sort();
      flat = false;
      break;
    }
  }
  if (flat) return JSON.stringify(obj);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
    first = false;
  }
  return out + '}';
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The first 128 bits of SHA-256, base64url: 22 characters, so a key or value stays a short
 * embedded string. Computed with the one-shot `crypto.hash` (about 5x cheaper than a Hash
 * object at this size): the 22nd character of a 16-byte encoding carries 2 bits and 4 zero
 * bits, so the low 4 bits of the full digest's 22nd character are cleared.
 */
function shortSha256(text: string): string {
  const full = hash('sha256', text, 'base64url');
  return full.slice(0, 21) + B64URL[B64URL.indexOf(full[21]!) & 0x30]!;
}

export interface HashedFields {
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

/** What makes two events with the same id "the same event": SHA-256 of canonical {type, subject, time, data}. */
export function payloadHash(e: HashedFields): string {
  // canonicalJson({ type, subject, time, data }), its keys written in sorted order directly.
  return shortSha256(
    `{"data":${canonicalJson(e.data)},"subject":${JSON.stringify(e.subject)},` +
      `"time":${JSON.stringify(e.time)},"type":${JSON.stringify(e.type)}}`,
  );
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
