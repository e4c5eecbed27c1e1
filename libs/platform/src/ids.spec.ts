import { idFromBytes, newId } from './ids';
import { generateApiKey, hashApiKey } from './tenancy/api-keys';

describe('ids', () => {
  it('are prefixed, 26 Crockford characters, and sort by creation time', () => {
    const a = newId('cus', 1_700_000_000_000);
    const b = newId('cus', 1_700_000_000_001);
    expect(a).toMatch(/^cus_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a < b).toBe(true);
    expect(newId('cus', 1)).not.toBe(newId('cus', 1));
  });

  it('spell the 80 random bits as one base32 number, most significant digit first', () => {
    // reference: the bytes as one big-endian integer, 16 digits of 5 bits
    const reference = (bytes: Uint8Array): string => {
      let bits = 0n;
      for (const b of bytes) bits = (bits << 8n) | BigInt(b);
      let s = '';
      for (let i = 0; i < 16; i++) {
        s = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[Number(bits & 31n)]! + s;
        bits >>= 5n;
      }
      return s;
    };
    const cases = [
      new Uint8Array(10),
      new Uint8Array(10).fill(255),
      Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ];
    for (let i = 0; i < 200; i++)
      cases.push(Uint8Array.from({ length: 10 }, () => Math.floor(Math.random() * 256)));
    for (const bytes of cases) {
      const padded = new Uint8Array(13);
      padded.set(bytes, 3);
      expect(idFromBytes('x', 0, padded, 3)).toBe(`x_0000000000${reference(bytes)}`);
    }
  });

  it('stay unique and random across refills of the random pool', () => {
    const ids = Array.from({ length: 5000 }, () => newId('bat', 1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    // every random position takes many values (a stuck pool or offset would repeat them)
    for (let pos = 15; pos < 30; pos++) expect(new Set(ids.map((id) => id[pos])).size).toBeGreaterThan(20);
  });
});

describe('api keys', () => {
  it('are random secrets stored only as a hash, with a short prefix for display', () => {
    const k = generateApiKey();
    expect(k.secret).toMatch(/^mu_sk_[A-Za-z0-9_-]{43}$/);
    expect(k.hash).toBe(hashApiKey(k.secret));
    expect(k.hash).not.toContain(k.secret);
    expect(k.secret.startsWith(k.prefix)).toBe(true);
    expect(generateApiKey().secret).not.toBe(k.secret);
  });
});
