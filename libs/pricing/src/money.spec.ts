import { describe, expect, it } from '@jest/globals';
import Decimal from 'decimal.js';
import { Dec, exact, parseDecimal, PRICE_LIMITS, QUANTITY_LIMITS, roundMoney } from './money';

describe('Dec', () => {
  it('is a clone with its own configuration; the global Decimal is left alone', () => {
    expect(Dec.precision).toBe(100);
    expect(Decimal.precision).toBe(20);
    expect(new Dec('1').div(3).toFixed().length).toBe(102);
  });

  it('is exact where a float is not', () => {
    expect(new Dec('0.1').plus('0.2').toFixed()).toBe('0.3');
  });
});

describe('parseDecimal', () => {
  it.each([
    ['12.50', '12.5'],
    ['0', '0'],
    ['007', '7'],
    ['0.000000000001', '0.000000000001'],
    ['999999999999999999', '999999999999999999'],
    ['0000000000000000000000001.5', '1.5'],
  ])('reads %j', (input, value) => {
    expect(exact(parseDecimal(input, PRICE_LIMITS) as Dec)).toBe(value);
  });

  it.each([
    [12.5, 'decimal_string'],
    [null, 'decimal_string'],
    [undefined, 'decimal_string'],
    [true, 'decimal_string'],
    [{}, 'decimal_string'],
    [['1'], 'decimal_string'],
    ['', 'decimal_string'],
    ['.5', 'decimal_string'],
    ['1.', 'decimal_string'],
    ['+1', 'decimal_string'],
    ['1e3', 'decimal_string'],
    [' 1', 'decimal_string'],
    ['1,5', 'decimal_string'],
    ['NaN', 'decimal_string'],
    ['-1', 'non_negative'],
    ['0.0000000000001', 'max_decimal_places'],
    ['1000000000000000000', 'max_integer_digits'],
  ])('refuses %j (%s)', (input, rule) => {
    expect(parseDecimal(input, PRICE_LIMITS)).toMatchObject({ rule });
  });

  it('takes a Decimal as it is, in its own configuration', () => {
    const d = parseDecimal(new Decimal('1.0000000000000000000000001'), QUANTITY_LIMITS) as Dec;
    expect(d.constructor).toBe(Dec);
    expect(exact(d)).toBe('1.0000000000000000000000001');
    expect(exact(parseDecimal(new Decimal('-0'), QUANTITY_LIMITS) as Dec)).toBe('0');
    expect(parseDecimal(new Decimal('-1'), QUANTITY_LIMITS)).toMatchObject({ rule: 'non_negative' });
    expect(parseDecimal(new Decimal('NaN'), QUANTITY_LIMITS)).toMatchObject({ rule: 'decimal_string' });
    expect(parseDecimal(new Decimal('Infinity'), QUANTITY_LIMITS)).toMatchObject({ rule: 'decimal_string' });
  });
});

describe('roundMoney', () => {
  it.each([
    ['2.5', 0, '3', '2'],
    ['3.5', 0, '4', '4'],
    ['-2.5', 0, '-3', '-2'],
    ['0.125', 2, '0.13', '0.12'],
    ['0.135', 2, '0.14', '0.14'],
    ['1.0005', 3, '1.001', '1.000'],
    ['7', 2, '7.00', '7.00'],
    ['-0.001', 2, '0.00', '0.00'],
  ])('%s to %i places: %s half away from zero, %s half even', (amount, places, away, even) => {
    expect(roundMoney(new Dec(amount), places, 'half_away_from_zero')).toBe(away);
    expect(roundMoney(new Dec(amount), places, 'half_even')).toBe(even);
  });
});

describe('exact', () => {
  it('never uses exponent notation', () => {
    expect(exact(new Dec('0.000000000000000000000001'))).toBe('0.000000000000000000000001');
    expect(exact(new Dec('1000000000000000000000000000000'))).toBe('1000000000000000000000000000000');
  });
});
