import { describe, expect, it } from '@jest/globals';
import Decimal from 'decimal.js';
import { RatingInputError } from './errors';
import { Dec } from './money';
import { baseCharge, finalizeCharge, rate, rateEventFees, rateIncrement, type RatingInput } from './rating';
import { parsePriceSpec } from './spec';

const unit = parsePriceSpec({
  currency: 'EUR',
  model: 'unit',
  unitAmount: '0.01',
  freeQuantity: '100',
  minimumAmount: '5',
  maximumAmount: '50',
});
const flat = parsePriceSpec({ currency: 'EUR', model: 'flat', amount: '9.99' });
const card = parsePriceSpec({
  currency: 'EUR',
  model: 'percentage',
  rate: '2.9',
  fixedFeePerEvent: '0.30',
  freeQuantity: '2',
});

function inputIssue(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RatingInputError);
    expect((e as RatingInputError).code).toBe('INVALID_RATING_INPUT');
    return (e as RatingInputError).issues.map(({ path, rule }) => ({ path, rule }));
  }
  throw new Error('expected a RatingInputError');
}

describe('rate', () => {
  it('returns the full result', () => {
    expect(rate(unit, { quantity: '1100' })).toEqual({
      currency: 'EUR',
      model: 'unit',
      quantity: '1100',
      amount: '10.00',
      exactAmount: '10',
      subtotal: '10',
      breakdown: [
        { kind: 'free', quantity: '100', amount: '0' },
        { kind: 'unit', quantity: '1000', unitAmount: '0.01', amount: '10' },
      ],
      minimumApplied: false,
      maximumApplied: false,
      minorUnits: 2,
      roundingMode: 'half_away_from_zero',
    });
  });

  it('reports the number of events as the quantity of a percentage rating', () => {
    expect(rate(card, { values: ['1', '2', '3'] }).quantity).toBe('3');
  });

  it('wants a quantity or values, not both and not neither', () => {
    expect(inputIssue(() => rate(unit, { quantity: '1', values: ['1'] }))).toEqual([
      { path: '', rule: 'one_of' },
    ]);
    expect(inputIssue(() => rate(unit, {} as RatingInput))).toEqual([{ path: '', rule: 'required' }]);
  });
});

describe('rateIncrement', () => {
  it('is charge(to) - charge(from), before the minimum and maximum', () => {
    // 100 free units, then 0.01 each; the 5.00 minimum and 50.00 maximum are not applied here.
    expect(rateIncrement(unit, '0', '150').toFixed()).toBe('0.5');
    expect(rateIncrement(unit, '150', '10000000').toFixed()).toBe('99998.5');
    expect(rateIncrement(unit, '150', '50').toFixed()).toBe('-0.5');
    expect(rateIncrement(unit, '20', '80').toFixed()).toBe('0');
  });

  it('takes Decimals from the caller', () => {
    expect(rateIncrement(unit, new Decimal('100'), new Dec('200.5')).toFixed()).toBe('1.005');
  });

  it('is 0 for a flat fee; the fee is the base charge', () => {
    expect(rateIncrement(flat, '0', '1000').toFixed()).toBe('0');
    expect(baseCharge(flat).toFixed()).toBe('9.99');
    expect(baseCharge(unit).toFixed()).toBe('0');
    expect(baseCharge(card).toFixed()).toBe('0');
  });

  it('refuses bad quantities and the percentage model', () => {
    expect(inputIssue(() => rateIncrement(unit, '-1', '2'))).toEqual([
      { path: 'from', rule: 'non_negative' },
    ]);
    expect(inputIssue(() => rateIncrement(unit, '1', new Decimal(-2)))).toEqual([
      { path: 'to', rule: 'non_negative' },
    ]);
    expect(inputIssue(() => rateIncrement(card, '1', '2'))).toEqual([{ path: 'values', rule: 'required' }]);
  });
});

describe('rateEventFees', () => {
  it('continues the period: free events are the first of the period', () => {
    // 2 free events in the period; the third costs 2.9% of 100 + 0.30.
    expect(rateEventFees(card, ['100']).toFixed()).toBe('0');
    expect(rateEventFees(card, ['100'], 1).toFixed()).toBe('0');
    expect(rateEventFees(card, ['100'], 2).toFixed()).toBe('3.2');
    expect(rateEventFees(card, ['100', '100', '100'], 1).toFixed()).toBe('6.4');
  });

  it('refuses a bad event count and quantity models', () => {
    expect(inputIssue(() => rateEventFees(card, ['1'], -1))).toEqual([
      { path: 'priorEvents', rule: 'non_negative' },
    ]);
    expect(inputIssue(() => rateEventFees(card, ['1'], 1.5))).toEqual([
      { path: 'priorEvents', rule: 'non_negative' },
    ]);
    expect(inputIssue(() => rateEventFees(unit, ['1']))).toEqual([{ path: 'quantity', rule: 'required' }]);
  });
});

describe('finalizeCharge', () => {
  it('applies the minimum or maximum to a running total and rounds once', () => {
    expect(finalizeCharge(unit, '1.005')).toEqual({
      amount: '5.00',
      exactAmount: '5',
      subtotal: '1.005',
      minimumApplied: true,
      maximumApplied: false,
      breakdown: [{ kind: 'minimum', subtotal: '1.005', minimumAmount: '5', amount: '3.995' }],
    });
    expect(finalizeCharge(unit, new Decimal('60.125'))).toMatchObject({
      amount: '50.00',
      maximumApplied: true,
    });
    expect(finalizeCharge(unit, '12.345')).toMatchObject({
      amount: '12.35',
      exactAmount: '12.345',
      breakdown: [],
    });
  });

  it('takes the many decimals a running total can have', () => {
    expect(finalizeCharge(flat, '0.000000000000000000000000000001').exactAmount).toBe(
      '0.000000000000000000000000000001',
    );
  });

  it('refuses a negative subtotal', () => {
    expect(inputIssue(() => finalizeCharge(unit, '-1'))).toEqual([
      { path: 'subtotal', rule: 'non_negative' },
    ]);
  });
});
