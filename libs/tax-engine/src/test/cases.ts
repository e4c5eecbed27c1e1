// The one case runner behind every jurisdiction's table of cases. Besides the expected figures, it
// checks on every quote the invariants that make a tax breakdown auditable (see checkInvariants).
import { describe, expect, it } from '@jest/globals';
import { currencyMinorUnits, Dec, roundMoney } from '@mu/pricing';
import type { TaxIssueRule } from '../errors';
import { quoteTax, type BreakdownEntry, type QuotedLine, type TaxQuote, type TaxWarningCode } from '../quote';
import { parseTaxQuoteRequest, type TaxQuoteRequest } from '../request';
import { parseTaxContext } from '../tenant-config';

type Json = Record<string, unknown>;

/** A request with a DE seller, a DE consumer and one 100.00 EUR exclusive SaaS line, changed by `p`. */
export function sale(
  p: { seller?: Json; buyer?: Json; line?: Json; lines?: unknown[]; date?: string; currency?: string } = {},
): Json {
  return {
    date: p.date ?? '2025-03-01',
    currency: p.currency ?? 'EUR',
    seller: { country: 'DE', taxId: 'DE136695976', ...p.seller },
    buyer: { country: 'DE', ...p.buyer },
    lines: p.lines ?? [{ id: 'l1', amount: '100.00', taxBehavior: 'exclusive', taxCode: 'saas', ...p.line }],
  };
}

interface CaseBase {
  /** Shown as the test name. */
  name: string;
  /** The request as JSON, not yet parsed. */
  request: unknown;
  /** The tenant context as JSON (parsed with parseTaxContext). */
  context?: unknown;
}

/** A quote that succeeds. Lines and breakdown entries are matched in order, each by the fields given. */
export interface QuoteCase extends CaseBase {
  lines?: Partial<QuotedLine>[];
  totals?: { net: string; tax: string; gross: string };
  breakdown?: Partial<BreakdownEntry>[];
  /** Warning codes, in order; no warnings when absent. */
  warnings?: TaxWarningCode[];
  /** Text every line's note must contain. */
  noteContains?: string;
}

/** A request or context that must be refused with these issues (path and rule, in order). */
export interface FailingQuoteCase extends CaseBase {
  error: {
    code: 'INVALID_TAX_REQUEST' | 'INVALID_TAX_CONFIG';
    issues: { path: string; rule: TaxIssueRule }[];
  };
}

export type TaxCase = QuoteCase | FailingQuoteCase;

const UNTAXED = ['reverse_charge', 'exempt', 'out_of_scope'];

function digitsOf(amount: string): number {
  return amount.split('.')[1]?.length ?? 0;
}

/**
 * What must hold for every quote: every amount has exactly the currency's digits; gross = net + tax
 * on every line; a line keeps the amount it was given (net when exclusive, gross when inclusive); per
 * line, tax is the rounded rate x net (exclusive) and net the rounded gross / (1 + rate) (inclusive);
 * untaxed lines carry rate 0 and no tax; totals and the breakdown add up to the lines.
 */
export function checkInvariants(req: TaxQuoteRequest, q: TaxQuote, minorUnits: number): void {
  const sum = (xs: string[]) => xs.reduce((s, x) => s.plus(x), new Dec(0));
  expect(q.lines.map((l) => l.id)).toEqual(req.lines.map((l) => l.id));
  q.lines.forEach((l, i) => {
    const given = req.lines[i]!;
    for (const a of [l.netAmount, l.taxAmount, l.grossAmount]) expect(digitsOf(a)).toBe(minorUnits);
    expect(new Dec(l.netAmount).plus(l.taxAmount).eq(l.grossAmount)).toBe(true);
    if (given.taxBehavior === 'exclusive') expect(new Dec(l.netAmount).eq(given.amount)).toBe(true);
    else expect(new Dec(l.grossAmount).eq(given.amount)).toBe(true);
    if (UNTAXED.includes(l.treatment)) {
      expect([l.rate, new Dec(l.taxAmount).isZero()]).toEqual(['0', true]);
      expect(l.rateSource).toBe('none');
    }
    if (q.rounding === 'per_line') {
      const r = new Dec(l.rate).div(100);
      if (given.taxBehavior === 'exclusive') {
        expect(l.taxAmount).toBe(
          roundMoney(new Dec(given.amount).times(r), minorUnits, 'half_away_from_zero'),
        );
      } else {
        expect(l.netAmount).toBe(
          roundMoney(new Dec(given.amount).div(r.plus(1)), minorUnits, 'half_away_from_zero'),
        );
      }
    }
  });
  for (const [total, field] of [
    [q.netTotal, 'netAmount'],
    [q.taxTotal, 'taxAmount'],
    [q.grossTotal, 'grossAmount'],
  ] as const) {
    expect(digitsOf(total)).toBe(minorUnits);
    expect(sum(q.lines.map((l) => l[field])).eq(total)).toBe(true);
    expect(sum(q.breakdown.map((b) => b[field])).eq(total)).toBe(true);
  }
  expect(q.breakdown.flatMap((b) => b.lineIds).sort()).toEqual(q.lines.map((l) => l.id).sort());
  for (const b of q.breakdown) {
    const members = q.lines.filter((l) => b.lineIds.includes(l.id));
    for (const l of members)
      expect([l.jurisdiction, l.rate, l.treatment]).toEqual([b.jurisdiction, b.rate, b.treatment]);
  }
}

function isFailing(c: TaxCase): c is FailingQuoteCase {
  return 'error' in c;
}

/** Parse and quote a case, as the service and the CLI do. */
export function runCase(c: CaseBase): { req: TaxQuoteRequest; quote: TaxQuote } {
  const req = parseTaxQuoteRequest(c.request);
  const context = c.context === undefined ? {} : parseTaxContext(c.context);
  return { req, quote: quoteTax(req, context) };
}

export function describeCases(title: string, cases: TaxCase[]): void {
  describe(title, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      if (isFailing(c)) {
        let caught: unknown;
        try {
          runCase(c);
        } catch (err) {
          caught = err;
        }
        expect(caught).toMatchObject({ code: c.error.code });
        const issues = (caught as { issues: { path: string; rule: TaxIssueRule }[] }).issues;
        expect(issues.map(({ path, rule }) => ({ path, rule }))).toEqual(c.error.issues);
        return;
      }
      const { req, quote } = runCase(c);
      if (c.lines !== undefined) expect(quote.lines).toEqual(c.lines.map((l) => expect.objectContaining(l)));
      if (c.totals !== undefined)
        expect({ net: quote.netTotal, tax: quote.taxTotal, gross: quote.grossTotal }).toEqual(c.totals);
      if (c.breakdown !== undefined)
        expect(quote.breakdown).toEqual(c.breakdown.map((b) => expect.objectContaining(b)));
      expect(quote.warnings.map((w) => w.code)).toEqual(c.warnings ?? []);
      if (c.noteContains !== undefined) for (const l of quote.lines) expect(l.note).toContain(c.noteContains);
      checkInvariants(req, quote, currencyMinorUnits(req.currency));
    });
  });
}
