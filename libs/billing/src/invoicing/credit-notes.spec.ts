import fc from 'fast-check';
import { Dec } from '@mu/pricing';
import type { CreditNoteLine } from '../schema';
import { planCreditNote, planFullCredit, type CreditNotePlan } from './credit-notes';
import { InvoicingInputError } from './errors';

const invoice = { id: 'inv_1', currency: 'EUR', subtotal: '130.03', tax_total: '24.71', total: '154.74' };
const lines = [
  { id: 'l0', position: 0, description: 'API calls', amount: '0.03', tax_amount: '0.01' },
  { id: 'l1', position: 1, description: 'Platform fee', amount: '30.00', tax_amount: '5.70' },
  { id: 'l2', position: 2, description: 'Seats', amount: '100.00', tax_amount: '19.00' },
];
const note = (
  ls: CreditNoteLine[],
): { lines: CreditNoteLine[]; subtotal: string; tax_total: string; total: string } => {
  const sub = ls.reduce((s, l) => s.plus(l.amount), new Dec(0));
  const tax = ls.reduce((s, l) => s.plus(l.taxAmount), new Dec(0));
  return { lines: ls, subtotal: sub.toFixed(2), tax_total: tax.toFixed(2), total: sub.plus(tax).toFixed(2) };
};
const asNote = (p: CreditNotePlan) => ({
  lines: p.lines,
  subtotal: p.subtotal,
  tax_total: p.taxTotal,
  total: p.total,
});

function issues(f: () => unknown): { path: string; message: string }[] {
  try {
    f();
  } catch (err) {
    if (err instanceof InvoicingInputError) return err.issues;
    throw err;
  }
  throw new Error('expected an InvoicingInputError');
}

describe('planCreditNote', () => {
  it.each([
    // line, amount -> tax credited (tax x amount / line amount, rounded half away from zero)
    ['l1', '10.00', '1.90'],
    ['l1', '0.05', '0.01'], // 0.0095
    ['l1', '0.02', '0.00'], // 0.0038
    ['l0', '0.01', '0.00'], // 0.0033
    ['l0', '0.02', '0.01'], // 0.0066
    ['l2', '33.33', '6.33'], // 6.3327
    ['l2', '100', '19.00'], // the whole line: its tax
  ])('credits %s by %s with %s tax', (id, amount, tax) => {
    const plan = planCreditNote(invoice, lines, [], [{ invoiceLineId: id, amount }]);
    expect(plan.lines).toEqual([
      expect.objectContaining({ invoiceLineId: id, amount: new Dec(amount).toFixed(2), taxAmount: tax }),
    ]);
    expect(plan.total).toBe(new Dec(amount).plus(tax).toFixed(2));
  });

  it('takes exactly the tax left when a credit empties a line', () => {
    const first = planCreditNote(invoice, lines, [], [{ invoiceLineId: 'l1', amount: '0.05' }]);
    const second = planCreditNote(
      invoice,
      lines,
      [asNote(first)],
      [{ invoiceLineId: 'l1', amount: '29.95' }],
    );
    // Proportionally 5.6905 -> 5.69, but only 5.69 is left after the 0.01 already credited.
    expect(second.taxTotal).toBe('5.69');
    expect(new Dec(first.total).plus(second.total).toFixed(2)).toBe('35.70');
  });

  it('names every line at fault, by path', () => {
    const previous = [note([{ invoiceLineId: 'l1', description: 'x', amount: '30.00', taxAmount: '5.70' }])];
    expect(
      issues(() =>
        planCreditNote(invoice, lines, previous, [
          { invoiceLineId: 'l2', amount: '100.01' },
          { invoiceLineId: 'nope', amount: '1' },
          { invoiceLineId: 'l1', amount: '0.01' },
          { invoiceLineId: 'l0', amount: '0.015' },
          { invoiceLineId: 'l0', amount: '0.01' },
          { invoiceLineId: 'l2', amount: '0' },
        ]),
      ),
    ).toEqual([
      { path: 'lines.0.amount', message: expect.stringContaining('at most 100.00') },
      { path: 'lines.1.invoiceLineId', message: 'nope is not a line of invoice inv_1' },
      { path: 'lines.2.amount', message: expect.stringContaining('nothing is left') },
      { path: 'lines.3.amount', message: "has more decimal places than the currency's 2" },
      { path: 'lines.4.invoiceLineId', message: 'line l0 is named twice' },
      { path: 'lines.5.invoiceLineId', message: 'line l2 is named twice' },
    ]);
    expect(issues(() => planCreditNote(invoice, lines, [], []))).toEqual([
      { path: 'lines', message: 'name at least one line to credit' },
    ]);
    expect(
      issues(() => planCreditNote(invoice, lines, [], [{ invoiceLineId: 'l2', amount: '0.00' }])),
    ).toEqual([{ path: 'lines.0.amount', message: 'must be greater than 0' }]);
    // Trailing zeros beyond the minor units are the same amount.
    expect(planCreditNote(invoice, lines, [], [{ invoiceLineId: 'l2', amount: '1.5000' }]).subtotal).toBe(
      '1.50',
    );
  });

  it('never lets the credit notes of an invoice exceed its total', () => {
    // A balancing credit (no line) took 150.00 already: only 4.74 is left on the invoice.
    const previous = [note([{ description: 'Balance', amount: '150.00', taxAmount: '0.00' }])];
    expect(
      issues(() => planCreditNote(invoice, lines, previous, [{ invoiceLineId: 'l2', amount: '10.00' }])),
    ).toEqual([{ path: 'lines', message: expect.stringContaining('at most 4.74 more') }]);
  });

  it('credits a line in any number of parts to exactly its amount and tax (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }), // line amount in cents
        fc.integer({ min: 0, max: 27 }), // tax rate, percent
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 8 }),
        (cents, rate, weights) => {
          const amount = new Dec(cents).div(100);
          const tax = amount.times(rate).div(100).toDecimalPlaces(2, Dec.ROUND_HALF_UP);
          const line = {
            id: 'l',
            position: 0,
            description: 'x',
            amount: amount.toFixed(2),
            tax_amount: tax.toFixed(2),
          };
          const inv = {
            id: 'i',
            currency: 'EUR',
            subtotal: line.amount,
            tax_total: line.tax_amount,
            total: amount.plus(tax).toFixed(2),
          };
          // Split the line's cents by the weights; the last part takes the rest.
          const total = weights.reduce((s, w) => s + w, 0);
          const parts: number[] = [];
          let left = cents;
          for (const [i, w] of weights.entries()) {
            const part = i === weights.length - 1 ? left : Math.min(left, Math.floor((cents * w) / total));
            if (part > 0) parts.push(part);
            left -= part;
          }
          const previous: ReturnType<typeof asNote>[] = [];
          for (const part of parts) {
            const plan = planCreditNote(inv, [line], previous, [
              { invoiceLineId: 'l', amount: new Dec(part).div(100).toFixed(2) },
            ]);
            expect(new Dec(plan.taxTotal).gte(0)).toBe(true);
            previous.push(asNote(plan));
          }
          const credited = previous.reduce(
            (s, n) => ({ amount: s.amount.plus(n.subtotal), tax: s.tax.plus(n.tax_total) }),
            { amount: new Dec(0), tax: new Dec(0) },
          );
          expect(credited.amount.toFixed(2)).toBe(line.amount);
          expect(credited.tax.toFixed(2)).toBe(line.tax_amount);
          expect(planFullCredit(inv, [line], previous)).toBeNull();
        },
      ),
    );
  });
});

describe('planFullCredit', () => {
  it('credits what every line has left, and nothing when nothing is', () => {
    const previous = [
      note([
        { invoiceLineId: 'l1', description: 'x', amount: '10.00', taxAmount: '1.90' },
        { invoiceLineId: 'l2', description: 'x', amount: '100.00', taxAmount: '19.00' },
      ]),
    ];
    expect(planFullCredit(invoice, lines, previous)).toEqual({
      lines: [
        { invoiceLineId: 'l0', description: 'API calls', amount: '0.03', taxAmount: '0.01' },
        { invoiceLineId: 'l1', description: 'Platform fee', amount: '20.00', taxAmount: '3.80' },
      ],
      subtotal: '20.03',
      taxTotal: '3.81',
      total: '23.84',
    });
    const all = planFullCredit(invoice, lines, [])!;
    expect(all.total).toBe('154.74');
    expect(planFullCredit(invoice, lines, [asNote(all)])).toBeNull();
  });

  it('balances the invoice totals when its lines do not add up to them', () => {
    // Tax rounded per invoice and rate: 24.72 on the invoice, 24.71 on the lines.
    const plan = planFullCredit({ ...invoice, tax_total: '24.72', total: '154.75' }, lines, [])!;
    expect(plan.lines.at(-1)).toEqual({
      description: 'Balance of the invoice',
      amount: '0.00',
      taxAmount: '0.01',
    });
    expect(plan.total).toBe('154.75');
  });

  it('issues no credit note for a zero invoice', () => {
    const zero = { id: 'z', currency: 'JPY', subtotal: '0', tax_total: '0', total: '0' };
    expect(
      planFullCredit(zero, [{ id: 'a', position: 0, description: 'x', amount: '0', tax_amount: '0' }], []),
    ).toBeNull();
  });
});
