// Properties of the engine, checked on generated specs and quantities (fast-check). The reference
// computations below use BigInt fixed-point arithmetic, independent of decimal.js.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { TierLine } from './breakdown';
import { Dec, ZERO } from './money';
import { baseCharge, finalizeCharge, rate, rateEventFees, rateIncrement } from './rating';
import { parsePriceSpec } from './spec';

const RUNS = { numRuns: 300 };

/** A decimal string with up to `dp` decimal places and below 10^intDigits. */
const decimal = (intDigits: number, dp: number, min = 0n) =>
  fc.bigInt({ min, max: 10n ** BigInt(intDigits + dp) - 1n }).map((n) => format(n, dp));

function format(n: bigint, dp: number): string {
  const neg = n < 0n;
  const s = (neg ? -n : n).toString().padStart(dp + 1, '0');
  const text = dp === 0 ? s : `${s.slice(0, -dp)}.${s.slice(-dp)}`;
  return neg ? `-${text}` : text;
}

/** `text` as an integer count of 10^-scale. */
function scaled(text: string, scale: number): bigint {
  const [int, frac = ''] = text.split('.');
  if (frac.length > scale) throw new Error(`${text} has more than ${scale} decimals`);
  return BigInt(int + frac.padEnd(scale, '0'));
}

interface TierGen {
  upTo: string | null;
  unitAmount: string;
  flatAmount: string;
}

/** 1 to 5 tiers with strictly ascending bounds (up to 4 decimals) and 12-decimal prices. */
const tiersArb = fc
  .array(
    fc.record({
      step: decimal(4, 4, 1n),
      unitAmount: decimal(3, 12),
      flatAmount: fc.oneof(fc.constant('0'), decimal(3, 12)),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((rows) => {
    let bound = 0n;
    return rows.map((row, i): TierGen => {
      bound += scaled(row.step, 4);
      return {
        upTo: i === rows.length - 1 ? null : format(bound, 4),
        unitAmount: row.unitAmount,
        flatAmount: row.flatAmount,
      };
    });
  });

const quantityArb = fc.oneof(decimal(6, 0), decimal(5, 6), decimal(2, 18));
const currencyArb = fc.constantFrom('JPY', 'EUR', 'BHD', 'CLF');
const roundingArb = fc.constantFrom('half_away_from_zero' as const, 'half_even' as const);

/** Graduated charge at scale 10^30 (quantities have up to 18 decimals, prices 12). */
function referenceGraduated(tiers: TierGen[], quantity: string): bigint {
  const q = scaled(quantity, 18);
  let from = 0n;
  let total = 0n;
  for (const t of tiers) {
    if (q <= from) break;
    const upTo = t.upTo === null ? null : scaled(t.upTo, 18);
    const top = upTo === null || q < upTo ? q : upTo;
    total += (top - from) * scaled(t.unitAmount, 12) + scaled(t.flatAmount, 12) * 10n ** 18n;
    if (upTo === null) break;
    from = upTo;
  }
  return total;
}

/** Round a value at scale 10^30 to `digits` places, as a string with exactly that many decimals. */
function referenceRound(value: bigint, digits: number, mode: 'half_away_from_zero' | 'half_even'): string {
  const unit = 10n ** BigInt(30 - digits);
  let q = value / unit;
  const twice = (value % unit) * 2n;
  if (twice > unit || (twice === unit && (mode === 'half_away_from_zero' || q % 2n === 1n))) q += 1n;
  return format(q, digits);
}

const quantitySpecArb = fc.oneof(
  fc.record({ model: fc.constant('unit'), unitAmount: decimal(3, 12) }),
  fc.record({
    model: fc.constant('package'),
    packageSize: decimal(3, 3, 1n),
    packageAmount: decimal(3, 12),
    packageRounding: fc.constantFrom('up', 'down'),
  }),
  fc.record({ model: fc.constant('graduated'), tiers: tiersArb }),
  fc.record({ model: fc.constant('volume'), tiers: tiersArb }),
  fc.record({
    model: fc.constant('graduated_percentage'),
    tiers: tiersArb.map((ts) =>
      ts.map((t) => ({ upTo: t.upTo, rate: t.unitAmount, flatAmount: t.flatAmount })),
    ),
  }),
  fc.record({ model: fc.constant('flat'), amount: decimal(3, 12) }),
);

describe('properties', () => {
  it('graduated charges never decrease as the quantity grows', () => {
    fc.assert(
      fc.property(tiersArb, quantityArb, quantityArb, (tiers, a, b) => {
        const spec = parsePriceSpec({ currency: 'EUR', model: 'graduated', tiers });
        const [lo, hi] = new Dec(a).lte(b) ? [a, b] : [b, a];
        expect(
          new Dec(rate(spec, { quantity: lo }).exactAmount).lte(rate(spec, { quantity: hi }).exactAmount),
        ).toBe(true);
      }),
      RUNS,
    );
  });

  it('pricing a quantity in increments sums to pricing it at once, before the final rounding', () => {
    fc.assert(
      fc.property(
        quantitySpecArb,
        fc.option(decimal(3, 2), { nil: undefined }),
        fc.array(quantityArb, { minLength: 1, maxLength: 6 }),
        currencyArb,
        (model, freeQuantity, quantities, currency) => {
          const common = model.model === 'flat' || freeQuantity === undefined ? {} : { freeQuantity };
          const spec = parsePriceSpec({ currency, ...model, ...common });
          let running = baseCharge(spec);
          let previous = '0';
          for (const q of quantities.sort((x, y) => new Dec(x).cmp(y))) {
            running = running.plus(rateIncrement(spec, previous, q));
            previous = q;
          }
          const once = rate(spec, { quantity: previous });
          expect(running.toFixed()).toBe(once.subtotal);
          expect(finalizeCharge(spec, running).amount).toBe(once.amount);
        },
      ),
      RUNS,
    );
  });

  it('rating events in batches sums to rating them at once', () => {
    fc.assert(
      fc.property(
        fc.array(decimal(4, 2), { maxLength: 12 }),
        fc.array(fc.nat({ max: 12 }), { maxLength: 4 }),
        fc.record({
          rate: decimal(2, 3),
          fixedFeePerEvent: decimal(1, 2),
          perEventMin: decimal(1, 2),
          freeQuantity: fc.constantFrom('0', '1', '3'),
        }),
        (values, cuts, fields) => {
          const spec = parsePriceSpec({ currency: 'EUR', model: 'percentage', ...fields, perEventMax: '50' });
          let running = ZERO;
          let rated = 0;
          for (const cut of [
            ...cuts.map((c) => Math.min(c, values.length)).sort((x, y) => x - y),
            values.length,
          ]) {
            running = running.plus(rateEventFees(spec, values.slice(rated, cut), rated));
            rated = cut;
          }
          expect(running.toFixed()).toBe(rate(spec, { values }).subtotal);
        },
      ),
      RUNS,
    );
  });

  it('rounds only at the end: the exact amount is the exact sum, rounded once', () => {
    fc.assert(
      fc.property(
        tiersArb,
        quantityArb,
        currencyArb,
        roundingArb,
        (tiers, quantity, currency, roundingMode) => {
          const spec = parsePriceSpec({ currency, model: 'graduated', tiers, roundingMode });
          const r = rate(spec, { quantity });
          const reference = referenceGraduated(tiers, quantity);
          expect(scaled(r.exactAmount, 30)).toBe(reference);
          expect(r.amount).toBe(referenceRound(reference, spec.minorUnits, roundingMode));
        },
      ),
      RUNS,
    );
  });

  it('a quantity on a tier bound belongs to the lower tier', () => {
    fc.assert(
      fc.property(
        tiersArb.filter((ts) => ts.length > 1),
        fc.nat(),
        (tiers, pick) => {
          const k = pick % (tiers.length - 1);
          const bound = tiers[k]!.upTo!;
          const graduated = rate(parsePriceSpec({ currency: 'EUR', model: 'graduated', tiers }), {
            quantity: bound,
          });
          const last = graduated.breakdown[graduated.breakdown.length - 1] as TierLine;
          expect([last.tier, last.upTo]).toEqual([k, new Dec(bound).toFixed()]);
          expect(graduated.breakdown).toHaveLength(k + 1);
          const volume = rate(parsePriceSpec({ currency: 'EUR', model: 'volume', tiers }), {
            quantity: bound,
          });
          expect((volume.breakdown[0] as TierLine).tier).toBe(k);
          // Anything above the bound is in the next tier.
          const above = new Dec(bound).plus('0.000000000000000001').toFixed();
          expect(
            (
              rate(parsePriceSpec({ currency: 'EUR', model: 'volume', tiers }), { quantity: above })
                .breakdown[0] as TierLine
            ).tier,
          ).toBe(k + 1);
        },
      ),
      RUNS,
    );
  });
});
