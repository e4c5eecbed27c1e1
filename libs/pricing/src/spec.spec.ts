import { describe, expect, it } from '@jest/globals';
import { PricingError, PricingSpecError } from './errors';
import { describeCases } from './test/cases';
import { parsePriceSpec } from './spec';

describeCases('price spec: common fields', [
  {
    name: 'refuses a list',
    spec: [],
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: '', rule: 'type' }] },
  },
  {
    name: 'refuses null',
    spec: null,
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: '', rule: 'type' }] },
  },
  {
    name: 'requires currency and model',
    spec: {},
    error: {
      code: 'INVALID_PRICE_SPEC',
      issues: [
        { path: 'currency', rule: 'required' },
        { path: 'model', rule: 'required' },
      ],
    },
  },
  {
    name: 'refuses an unknown model',
    spec: { currency: 'EUR', model: 'tiered' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'model', rule: 'one_of' }] },
  },
  {
    name: 'refuses an unknown currency',
    spec: { currency: 'ABC', model: 'flat', amount: '1' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'currency', rule: 'iso4217' }] },
  },
  {
    name: 'refuses a lower-case code',
    spec: { currency: 'eur', model: 'flat', amount: '1' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'currency', rule: 'iso4217' }] },
  },
  {
    name: 'refuses ISO codes that are not money',
    spec: { currency: 'XXX', model: 'flat', amount: '1' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'currency', rule: 'iso4217' }] },
  },
  {
    name: 'refuses a currency that is not a string',
    spec: { currency: 978, model: 'flat', amount: '1' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'currency', rule: 'type' }] },
  },
  {
    name: 'refuses an unknown rounding mode',
    spec: { currency: 'EUR', model: 'unit', unitAmount: '1', roundingMode: 'bankers' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'roundingMode', rule: 'one_of' }] },
  },
  {
    name: 'refuses a negative free quantity',
    spec: { currency: 'EUR', model: 'unit', unitAmount: '1', freeQuantity: '-5' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'freeQuantity', rule: 'non_negative' }] },
  },
  {
    name: 'refuses a negative minimum',
    spec: { currency: 'EUR', model: 'unit', unitAmount: '1', minimumAmount: '-5' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'minimumAmount', rule: 'non_negative' }] },
  },
  {
    name: 'XOF is a currency with no minor unit',
    spec: { currency: 'XOF', model: 'unit', unitAmount: '1.5' },
    quantity: '1',
    amount: '2',
  },
  {
    name: 'KWD has three decimals',
    spec: { currency: 'KWD', model: 'unit', unitAmount: '0.0015' },
    quantity: '1',
    amount: '0.002',
  },
  {
    name: 'UYW has four decimals',
    spec: { currency: 'UYW', model: 'unit', unitAmount: '0.00015' },
    quantity: '1',
    amount: '0.0002',
  },
]);

describe('parsePriceSpec', () => {
  it('fills in the defaults in the normalised spec it keeps', () => {
    const spec = parsePriceSpec({
      currency: 'EUR',
      model: 'package',
      packageSize: '10',
      packageAmount: '1.50',
    });
    expect(spec.json).toEqual({
      currency: 'EUR',
      model: 'package',
      packageSize: '10',
      packageAmount: '1.50',
      packageRounding: 'up',
      roundingMode: 'half_away_from_zero',
    });
    expect(Object.isFrozen(spec)).toBe(true);
  });

  it('keeps tiers as written, with null for the unbounded one', () => {
    const tiers = [
      { upTo: '10', unitAmount: '1.00' },
      { upTo: null, flatAmount: '2' },
    ];
    expect(parsePriceSpec({ currency: 'EUR', model: 'volume', tiers }).json).toEqual({
      currency: 'EUR',
      model: 'volume',
      tiers,
      roundingMode: 'half_away_from_zero',
    });
  });

  it('throws one error naming each field and rule', () => {
    let err: unknown;
    try {
      parsePriceSpec({
        currency: 'EUR',
        model: 'graduated',
        tiers: [
          { upTo: '10', unitAmount: '1' },
          { upTo: '5', unitAmount: '1' },
          { upTo: null, unitAmount: '1' },
        ],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PricingSpecError);
    expect(err).toBeInstanceOf(PricingError);
    const e = err as PricingSpecError;
    expect(e.code).toBe('INVALID_PRICE_SPEC');
    expect(e.name).toBe('PricingSpecError');
    expect(e.message).toBe(
      "invalid price spec: 1 issue\n  tiers[1].upTo: must be greater than the previous tier's upTo (10) [ascending]",
    );
  });

  it('says "(root)" for an issue with the whole document and counts issues', () => {
    expect(() => parsePriceSpec('spec')).toThrow(
      'invalid price spec: 1 issue\n  (root): must be a JSON object, not "spec" [type]',
    );
    expect(() => parsePriceSpec({})).toThrow(/2 issues/);
  });
});
