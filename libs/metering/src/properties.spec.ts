// Properties of the meter semantics on generated input (fast-check). The references below use
// BigInt fixed-point arithmetic and a brute-force reading of the gauge, independent of decimal.js
// and of the library's algorithms.
import { describe, expect, it } from '@jest/globals';
import { Dec } from '@mu/pricing';
import fc from 'fast-check';
import { aggregate, timeWeightedIntegral, type MeterPoint } from './aggregate';
import { applyMeters } from './apply';
import { newScan, scanDecimal } from './decimal';
import { compileMeter } from './meter';

const RUNS = { numRuns: 300 };
const SCALE = 10n ** 12n;
const BASE = Date.UTC(2025, 0, 1);
const SPAN = 3 * 86_400_000; // points and windows within three days

/** `n` x 10^-12 as a plain decimal string. */
function format(n: bigint): string {
  const neg = n < 0n;
  const s = (neg ? -n : n).toString().padStart(13, '0');
  const text = `${s.slice(0, -12)}.${s.slice(-12)}`.replace(/\.?0+$/, '');
  return neg ? `-${text}` : text;
}

/** A decimal string as an integer count of 10^-12. */
function scaled(text: string): bigint {
  const neg = text.startsWith('-');
  const [int = '', frac = ''] = (neg ? text.slice(1) : text).split('.');
  const n = BigInt(int + frac.padEnd(12, '0'));
  return neg ? -n : n;
}

/** n / d rounded half-even to an integer (d > 0). */
function divHalfEven(n: bigint, d: bigint): bigint {
  let q = n / d; // truncates toward zero
  const twice = 2n * (n - q * d) * (n < 0n ? -1n : 1n);
  if (twice > d || (twice === d && q % 2n !== 0n)) q += n < 0n ? -1n : 1n;
  return q;
}

const iso = (ms: number) => new Date(BASE + ms).toISOString();
const value = fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }).map(format); // 6 integer digits, 12 decimals
const point = fc.record({ t: fc.integer({ min: 0, max: SPAN }), v: value });
// Few distinct instants, so equal times (and equal values) are common.
const coarsePoint = fc.record({ t: fc.integer({ min: 0, max: 12 }).map((h) => h * 3_600_000), v: value });
const points = fc.array(fc.oneof(point, coarsePoint), { maxLength: 30 });
/** a <= b <= c within the span. */
const cuts = fc
  .array(fc.integer({ min: 0, max: SPAN }), { minLength: 3, maxLength: 3 })
  .map((xs) => [...xs].sort((x, y) => x - y) as [number, number, number]);

const toPoints = (ps: { t: number; v: string }[]): MeterPoint[] =>
  ps.map((p) => ({ time: iso(p.t), value: p.v }));

/** ∫ level dt over [a, b) in value x ms x 10^12, reading the level at every instant by brute force. */
function referenceIntegral(ps: { t: number; v: string }[], a: number, b: number): bigint {
  const levelAt = (t: number): bigint => {
    let best: { t: number; v: bigint } | undefined;
    for (const p of ps) {
      const v = scaled(p.v);
      if (p.t <= t && (best === undefined || p.t > best.t || (p.t === best.t && v > best.v)))
        best = { t: p.t, v };
    }
    return best?.v ?? 0n;
  };
  const marks = [...new Set([a, ...ps.map((p) => p.t).filter((t) => t > a && t < b)])].sort((x, y) => x - y);
  let total = 0n;
  marks.forEach((m, i) => {
    total += levelAt(m) * BigInt((marks[i + 1] ?? b) - m);
  });
  return total;
}

describe('aggregations over split windows', () => {
  it('count, sum and the time-weighted integral of [a, c) are those of [a, b) and [b, c) added', () => {
    fc.assert(
      fc.property(points, cuts, (ps, [a, b, c]) => {
        const all = toPoints(ps);
        const whole = { from: iso(a), to: iso(c) };
        const left = { from: iso(a), to: iso(b) };
        const right = { from: iso(b), to: iso(c) };
        const add = (x: string | null, y: string | null) => new Dec(x ?? 'NaN').plus(y ?? 'NaN');
        for (const agg of ['count', 'sum'] as const) {
          expect(
            add(aggregate(agg, all, left), aggregate(agg, all, right)).eq(aggregate(agg, all, whole)!),
          ).toBe(true);
        }
        const integral = timeWeightedIntegral(all, whole);
        expect(add(timeWeightedIntegral(all, left), timeWeightedIntegral(all, right)).eq(integral)).toBe(
          true,
        );
        // Each part is rounded to 12 decimals once: the parts add up to within one unit of the 12th.
        const hours = (w: { from: string; to: string }) => scaled(aggregate('time_weighted_sum', all, w)!);
        const gap = hours(whole) - hours(left) - hours(right);
        expect(gap >= -1n && gap <= 1n).toBe(true);
      }),
      RUNS,
    );
  });

  it('passing earlier points or only the carry-in they imply gives the same time-weighted sum', () => {
    fc.assert(
      fc.property(points, cuts, (ps, [a, , c]) => {
        const all = toPoints(ps);
        const w = { from: iso(a), to: iso(c) };
        const before = all.filter((p) => Date.parse(p.time) < BASE + a);
        const carry = before.reduce<MeterPoint | null>((best, p) => {
          if (best === null) return p;
          const d = Date.parse(p.time) - Date.parse(best.time);
          return d > 0 || (d === 0 && new Dec(p.value).gt(best.value)) ? p : best;
        }, null);
        const inside = all.filter((p) => Date.parse(p.time) >= BASE + a);
        expect(aggregate('time_weighted_sum', inside, w, carry)).toBe(aggregate('time_weighted_sum', all, w));
      }),
      RUNS,
    );
  });
});

describe('aggregations against independent references', () => {
  it('time_weighted_sum is the brute-force integral, divided by 3,600,000 and rounded half-even', () => {
    fc.assert(
      fc.property(points, cuts, (ps, [a, , c]) => {
        const all = toPoints(ps);
        const w = { from: iso(a), to: iso(c) };
        const exact = referenceIntegral(ps, a, c);
        expect(scaled(timeWeightedIntegral(all, w))).toBe(exact);
        expect(aggregate('time_weighted_sum', all, w)).toBe(format(divHalfEven(exact, 3_600_000n)));
      }),
      RUNS,
    );
  });

  it('sum, avg, max, min and latest', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(point, coarsePoint), { minLength: 1, maxLength: 30 }), (ps) => {
        const all = toPoints(ps);
        const w = { from: iso(0), to: iso(SPAN + 1) };
        const vs = ps.map((p) => scaled(p.v));
        const total = vs.reduce((x, y) => x + y, 0n);
        expect(aggregate('sum', all, w)).toBe(format(total));
        expect(aggregate('avg', all, w)).toBe(format(divHalfEven(total * SCALE, BigInt(vs.length) * SCALE)));
        expect(aggregate('max', all, w)).toBe(format(vs.reduce((x, y) => (y > x ? y : x))));
        expect(aggregate('min', all, w)).toBe(format(vs.reduce((x, y) => (y < x ? y : x))));
        const last = ps.reduce((x, y) => (y.t > x.t || (y.t === x.t && scaled(y.v) > scaled(x.v)) ? y : x));
        expect(aggregate('latest', all, w)).toBe(format(scaled(last.v)));
      }),
      RUNS,
    );
  });
});

describe('reading values', () => {
  const gauge = compileMeter({
    id: 'm',
    key: 'm',
    eventType: 'e',
    aggregation: 'latest',
    valuePath: '$.v',
    filters: [],
    groupBy: {},
  });
  const read = (v: unknown) => applyMeters({ type: 'e', data: { v } }, [gauge]);

  // Typical readings (12.34): most doubles fc.double draws are far outside the limits.
  const cents = fc.integer({ min: -1e9, max: 1e9 }).map((i) => i / 100);

  it('a JSON number is kept exactly as written, or refused; never rounded', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), cents, fc.integer()), (n) => {
        const r = read(n);
        const shortest = new Dec(String(n));
        if (r.values.length === 1) {
          const text = r.values[0]!.value;
          expect(text).toMatch(/^-?\d+(\.\d+)?$/);
          expect(new Dec(text).eq(shortest)).toBe(true);
          expect(Number(text)).toBe(n === 0 ? 0 : n);
        } else {
          const code = r.rejections[0]!.code;
          expect(code).toBe(shortest.dp() > 12 ? 'VALUE_PRECISION' : 'VALUE_OUT_OF_RANGE');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a decimal string is canonicalised exactly, or refused for its digits', () => {
    const spelled = fc.record({
      neg: fc.boolean(),
      lead: fc.nat(3),
      int: fc.stringMatching(/^[0-9]{0,30}$/),
      frac: fc.option(fc.stringMatching(/^[0-9]{1,16}$/)),
    });
    fc.assert(
      fc.property(spelled, ({ neg, lead, int, frac }) => {
        const text = `${neg ? '-' : ''}${'0'.repeat(lead)}${int}${lead + int.length === 0 ? '0' : ''}${frac === null ? '' : `.${frac}`}`;
        const d = new Dec(text);
        const intDigits = d.abs().lt(1) ? 0 : d.abs().trunc().toFixed().length;
        const scan = newScan();
        expect(scanDecimal(text, scan)).toBe(true);
        expect(scan.canonical).toBe(d.isZero() ? '0' : d.toFixed());
        expect(scan.integerDigits).toBe(intDigits);
        expect(scan.fractionDigits).toBe(d.dp());
        const r = read(text);
        if (intDigits > 26) expect(r.rejections[0]?.code).toBe('VALUE_OUT_OF_RANGE');
        else if (d.dp() > 12) expect(r.rejections[0]?.code).toBe('VALUE_PRECISION');
        else expect(r.values[0]?.value).toBe(scan.canonical);
      }),
      { numRuns: 2000 },
    );
  });
});
