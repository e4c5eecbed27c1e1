import { createHash } from 'node:crypto';
import { canonicalJson, decodeClaim, dedupKey, encodeClaim, KEY_PREFIX, payloadHash } from './keys';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: { d: [3, { y: 1, x: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}'],
    [[1, 'two', true, null], '[1,"two",true,null]'],
    [{ skip: undefined, keep: 'é"\n' }, '{"keep":"é\\"\\n"}'],
    ['plain', '"plain"'],
    [1.5, '1.5'],
    // flat and sorted: written by JSON.stringify, the same text
    [{ a: 1, b: 'x', c: null, d: true, e: -0.25 }, '{"a":1,"b":"x","c":null,"d":true,"e":-0.25}'],
    // integer-like keys enumerate first ("9" before "10"): sorted as strings all the same
    [{ '9': 2, '10': 1, a: 'x' }, '{"10":1,"9":2,"a":"x"}'],
    [{ a: [], b: {} }, '{"a":[],"b":{}}'],
    [{}, '{}'],
  ])('%j -> %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('payloadHash', () => {
  const event = {
    type: 'api.call',
    subject: 'cus_1',
    time: '2025-01-01T00:00:00.000Z',
    data: { tokens: 10, model: { name: 'x', size: 'l' } },
  };

  it('ignores key order at every depth', () => {
    const reordered = {
      data: { model: { size: 'l', name: 'x' }, tokens: 10 },
      time: event.time,
      subject: event.subject,
      type: event.type,
    };
    expect(payloadHash(reordered)).toBe(payloadHash(event));
  });

  it.each([
    ['type', { ...event, type: 'api.other' }],
    ['subject', { ...event, subject: 'cus_2' }],
    ['time', { ...event, time: '2025-01-01T00:00:00.001Z' }],
    ['data', { ...event, data: { ...event.data, tokens: 11 } }],
  ])('changes when %s changes', (_, changed) => {
    expect(payloadHash(changed)).not.toBe(payloadHash(event));
  });

  it('covers only type, subject, time and data', () => {
    expect(payloadHash({ ...event, id: 'other', source: 'elsewhere' } as typeof event)).toBe(
      payloadHash(event),
    );
  });

  it('is 128 bits of base64url', () => {
    expect(payloadHash(event)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('is the first 16 bytes of SHA-256 over the canonical JSON (stored values survive upgrades)', () => {
    expect(payloadHash(event)).toBe(
      sha16(
        '{"data":{"model":{"name":"x","size":"l"},"tokens":10},"subject":"cus_1","time":"2025-01-01T00:00:00.000Z","type":"api.call"}',
      ),
    );
    expect(payloadHash(event)).toBe(sha16(canonicalJson(event)));
    for (let i = 0; i < 500; i++) {
      const e = { ...event, data: { n: i, s: 'x'.repeat(i % 7) } };
      expect(payloadHash(e)).toBe(sha16(canonicalJson(e)));
    }
  });
});

describe('dedupKey', () => {
  it('is short, prefixed and distinct per (tenant, source, id)', () => {
    const k = dedupKey('t1', 'src', 'e1');
    expect(k).toMatch(new RegExp(`^${KEY_PREFIX}[A-Za-z0-9_-]{22}$`));
    expect(dedupKey('t1', 'src', 'e1')).toBe(k);
    expect(dedupKey('t2', 'src', 'e1')).not.toBe(k);
    expect(dedupKey('t1', 'src2', 'e1')).not.toBe(k);
    expect(dedupKey('t1', 'src', 'e2')).not.toBe(k);
    expect(k).toBe(`${KEY_PREFIX}${sha16('t1\0src\0e1')}`);
    // No ambiguity by concatenation.
    expect(dedupKey('t1', 'ab', 'c')).not.toBe(dedupKey('t1', 'a', 'bc'));
  });
});

describe('claims', () => {
  it('round-trips sequence and hash', () => {
    expect(decodeClaim(encodeClaim(42, 'abc'))).toEqual({ sequence: 42, hash: 'abc' });
  });
  it.each(['', 'abc', ':x', '0:x', 'x:y', '-1:y'])('refuses %j', (v) => {
    expect(decodeClaim(v)).toBeUndefined();
  });
});

/** The reference encoding: 16 bytes of SHA-256 as base64url. */
function sha16(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest().subarray(0, 16).toString('base64url');
}
