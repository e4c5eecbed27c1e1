// Properties of the tax math, checked on generated amounts and rates (fast-check). The reference
// computations use BigInt fixed-point arithmetic, independent of decimal.js.
import { describe, expect, it } from '@jest/globals';
import { currencyMinorUnits, Dec } from '@mu/pricing';
import fc from 'fast-check';
import { lineAmounts, quoteTax } from './quote';
import { parseTaxQuoteRequest } from './request';
import { parseTaxContext } from './tenant-config';
import { checkInvariants, sale } from './test/cases';

const RUNS = { numRuns: 400 };
/** Rates as thousandths of a percent: 0 to 30%, e.g. 19000 = 19%, 9975 = 9.975%. */
const RATE_SCALE = 1000n;

function format(n: bigint, dp: number): string {
  const neg = n < 0n;
  const s = (neg ? -n : n).toString().padStart(dp + 1, '0');
  const text = dp === 0 ? s : `${s.slice(0, -dp)}.${s.slice(-dp)}`;
  return neg ? `-${text}` : text;
}

/** round(num / den) half away from zero, den > 0. */
function divRound(num: bigint, den: bigint): bigint {
  const abs = num < 0n ? -num : num;
  const q = (2n * abs + den) / (2n * den);
  return num < 0n ? -q : q;
}

const currencyArb = fc.constantFrom('EUR', 'JPY', 'BHD', 'USD');
const unitsArb = fc.oneof(
  fc.bigInt({ min: -10_000n, max: 10_000n }),
  fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
);
const rateArb = fc.oneof(
  fc.constantFrom(0n, 5000n, 7000n, 19000n, 25500n, 9975n),
  fc.bigInt({ min: 0n, max: 30_000n }),
);

describe('tax math properties', () => {
  it('exclusive: tax is the rate x net, rounded half away from zero, and gross = net + tax', () => {
    fc.assert(
      fc.property(currencyArb, unitsArb, rateArb, (currency, units, rate) => {
        const m = currencyMinorUnits(currency);
        const amount = format(units, m);
        const a = lineAmounts(new Dec(amount), new Dec(format(rate, 3)), 'exclusive', m);
        const expectedTax = divRound(units * rate, 100n * RATE_SCALE);
        expect(a.tax.toFixed(m)).toBe(format(expectedTax, m));
        expect(a.net.toFixed(m)).toBe(amount);
        expect(a.gross.eq(a.net.plus(a.tax))).toBe(true);
      }),
      RUNS,
    );
  });

  it('inclusive: net is gross / (1 + rate) rounded, and net + tax equals the gross exactly', () => {
    fc.assert(
      fc.property(currencyArb, unitsArb, rateArb, (currency, units, rate) => {
        const m = currencyMinorUnits(currency);
        const gross = format(units, m);
        const a = lineAmounts(new Dec(gross), new Dec(format(rate, 3)), 'inclusive', m);
        const base = 100n * RATE_SCALE;
        expect(a.net.toFixed(m)).toBe(format(divRound(units * base, base + rate), m));
        expect(a.gross.toFixed(m)).toBe(gross);
        expect(a.net.plus(a.tax).eq(gross)).toBe(true);
      }),
      RUNS,
    );
  });

  const lineArb = fc.record({
    units: fc.bigInt({ min: -100_000n, max: 10_000_000n }),
    taxBehavior: fc.constantFrom('exclusive', 'inclusive'),
    taxCode: fc.constantFrom('saas', 'ebook'),
  });

  it('whole quotes: invariants hold and per-invoice rounding stays within half a unit per group', () => {
    fc.assert(
      fc.property(
        currencyArb,
        rateArb,
        fc.array(lineArb, { minLength: 1, maxLength: 25 }),
        (currency, rate, gen) => {
          const m = currencyMinorUnits(currency);
          const json = sale({
            currency,
            lines: gen.map((l, i) => ({
              id: `l${i}`,
              amount: format(l.units, m),
              taxBehavior: l.taxBehavior,
              taxCode: l.taxCode,
            })),
          });
          const req = parseTaxQuoteRequest(json);
          const overrides = {
            rateOverrides: [{ country: 'DE', rate: format(rate, 3), validFrom: '2021-01-01' }],
          };
          const perLine = quoteTax(req, parseTaxContext(overrides));
          const perInvoice = quoteTax(
            req,
            parseTaxContext({ ...overrides, rounding: 'per_invoice_per_rate' }),
          );
          checkInvariants(req, perLine, m);
          checkInvariants(req, perInvoice, m);
          const unit = new Dec(10).pow(-m);
          for (const b of perInvoice.breakdown) {
            const r = new Dec(b.rate).div(100);
            const exact = perInvoice.lines
              .filter((l) => b.lineIds.includes(l.id))
              .map((l) => {
                const g = gen[Number(l.id.slice(1))]!;
                const amount = new Dec(format(g.units, m));
                return g.taxBehavior === 'exclusive' ? amount.times(r) : amount.minus(amount.div(r.plus(1)));
              })
              .reduce((s, x) => s.plus(x), new Dec(0));
            expect(new Dec(b.taxAmount).minus(exact).abs().lte(unit.div(2))).toBe(true);
          }
          // Per line, each line is off by at most half a unit; per group, the whole group is.
          const drift = new Dec(perLine.taxTotal).minus(perInvoice.taxTotal).abs();
          expect(drift.lte(unit.times(gen.length + perInvoice.breakdown.length).div(2))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
