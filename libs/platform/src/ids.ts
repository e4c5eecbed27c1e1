import { randomFillSync } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Random bytes for ids, drawn from the CSPRNG 4,000 at a time (400 ids) rather than 10 per id:
 * every draw is a call into OpenSSL (and a getpid for its fork check), once per request on the
 * collector's ack path. Node's randomUUID pools the same way. */
const POOL = Buffer.alloc(4000);
let poolAt = POOL.length;

/**
 * A prefixed, time-ordered id (`cus_01JD...`): 48 bits of milliseconds then 80 random
 * bits, Crockford base32 (a ULID). Sorting ids sorts by creation time, which is what
 * cursor pagination orders by.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  if (poolAt + 10 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const id = idFromBytes(prefix, now, POOL, poolAt);
  poolAt += 10;
  return id;
}

/** The id for a time and the 10 random bytes at `bytes[at..at+10)`. Exported for its spec. */
export function idFromBytes(prefix: string, now: number, bytes: Uint8Array, at: number): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  // 80 bits as two 40-bit halves (exact in a double); 40 is a multiple of 5, so each half is
  // 8 base32 digits and the two side by side are the 80-bit number's 16.
  return `${prefix}_${time}${base32Of40(bytes, at)}${base32Of40(bytes, at + 5)}`;
}

function base32Of40(bytes: Uint8Array, at: number): string {
  let v = 0;
  for (let i = 0; i < 5; i++) v = v * 256 + bytes[at + i]!;
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = CROCKFORD[v % 32]! + out;
    v = Math.floor(v / 32);
  }
  return out;
}
