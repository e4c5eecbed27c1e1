// The one case runner behind every model's table of cases. Besides the expected figures, it checks
// on every case the invariants that make a rating auditable (see checkInvariants).
import { describe, expect, it } from '@jest/globals';
import type { BreakdownLine } from '../breakdown';
import type { IssueRule } from '../errors';
import { Dec, roundMoney, ZERO } from '../money';
import { baseCharge, finalizeCharge, rate, rateEventFees, rateIncrement, type RatingResult } from '../rating';
import { parsePriceSpec, type PriceSpec } from '../spec';

interface CaseBase {
  /** Shown as the test name. */
  name: string;
  /** The spec as JSON (not yet parsed). */
  spec: unknown;
  quantity?: string;
  values?: string[];
}

/** A rating that succeeds. `breakdown` lines are matched in order, each by the fields given. */
export interface RatedCase extends CaseBase {
  amount: string;
  exactAmount?: string;
  breakdown?: Partial<BreakdownLine>[];
  minimumApplied?: boolean;
  maximumApplied?: boolean;
}

/** A spec or input that must be refused with these issues (path and rule, in order). */
export interface FailingCase extends CaseBase {
  error: { code: 'INVALID_PRICE_SPEC' | 'INVALID_RATING_INPUT'; issues: { path: string; rule: IssueRule }[] };
}

export type PricingCase = RatedCase | FailingCase;

function rateCase(spec: PriceSpec, c: CaseBase): RatingResult {
  return c.values === undefined
    ? rate(spec, { quantity: c.quantity ?? '0' })
    : rate(spec, { values: c.values });
}

/**
 * What must hold for every rating: the amount has exactly the currency's digits and is the exact
 * amount rounded once; the breakdown adds up to the exact amount; and pricing in increments from 0
 * gives the same subtotal as pricing at once.
 */
export function checkInvariants(spec: PriceSpec, c: CaseBase, r: RatingResult): void {
  const digits = r.amount.split('.')[1]?.length ?? 0;
  expect(digits).toBe(spec.minorUnits);
  expect(r.amount).toBe(roundMoney(new Dec(r.exactAmount), spec.minorUnits, spec.roundingMode));
  const sum = r.breakdown.reduce((s, l) => s.plus(l.amount), ZERO);
  expect(sum.eq(r.exactAmount)).toBe(true);
  let incremental: Dec;
  if (c.values === undefined) {
    const q = new Dec(c.quantity ?? '0');
    const half = q.div(2);
    incremental = baseCharge(spec)
      .plus(rateIncrement(spec, '0', half))
      .plus(rateIncrement(spec, half, q));
  } else {
    const cut = Math.floor(c.values.length / 2);
    incremental = rateEventFees(spec, c.values.slice(0, cut)).plus(
      rateEventFees(spec, c.values.slice(cut), cut),
    );
  }
  expect(incremental.toFixed()).toBe(r.subtotal);
  const final = finalizeCharge(spec, incremental);
  expect([final.amount, final.exactAmount, final.minimumApplied, final.maximumApplied]).toEqual([
    r.amount,
    r.exactAmount,
    r.minimumApplied,
    r.maximumApplied,
  ]);
}

function isFailing(c: PricingCase): c is FailingCase {
  return 'error' in c;
}

export function describeCases(title: string, cases: PricingCase[]): void {
  describe(title, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      if (isFailing(c)) {
        let caught: unknown;
        try {
          rateCase(parsePriceSpec(c.spec), c);
        } catch (err) {
          caught = err;
        }
        expect(caught).toMatchObject({ code: c.error.code });
        const issues = (caught as { issues: { path: string; rule: IssueRule }[] }).issues;
        expect(issues.map(({ path, rule }) => ({ path, rule }))).toEqual(c.error.issues);
        return;
      }
      const spec = parsePriceSpec(c.spec);
      const r = rateCase(spec, c);
      expect(r.amount).toBe(c.amount);
      if (c.exactAmount !== undefined) expect(r.exactAmount).toBe(c.exactAmount);
      if (c.breakdown !== undefined)
        expect(r.breakdown).toEqual(c.breakdown.map((l) => expect.objectContaining(l)));
      expect(r.minimumApplied).toBe(c.minimumApplied ?? false);
      expect(r.maximumApplied).toBe(c.maximumApplied ?? false);
      checkInvariants(spec, c, r);
    });
  });
}
