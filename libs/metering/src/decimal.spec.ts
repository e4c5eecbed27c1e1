import { describe, expect, it } from '@jest/globals';
import { Dec } from '@mu/pricing';
import { canonical, divideHalfEven12, newScan, numberToPlain, scanDecimal } from './decimal';

describe('scanDecimal', () => {
  it.each([
    // input, canonical, negative, integer digits, fraction digits
    ['0', '0', false, 0, 0],
    ['12', '12', false, 2, 0],
    ['12.5', '12.5', false, 2, 1],
    ['12.50', '12.5', false, 2, 1],
    ['007.500', '7.5', false, 1, 1],
    ['0.5', '0.5', false, 0, 1],
    ['00.5', '0.5', false, 0, 1],
    ['2.000', '2', false, 1, 0],
    ['-3', '-3', true, 1, 0],
    ['-0.25', '-0.25', true, 0, 2],
    ['-0', '0', false, 0, 0],
    ['-0.000', '0', false, 0, 0],
    ['-007.10', '-7.1', true, 1, 1],
    ['0.000000000001', '0.000000000001', false, 0, 12],
    ['100.001', '100.001', false, 3, 3],
  ])('reads %j as %j', (input, text, negative, intDigits, fracDigits) => {
    const out = newScan();
    expect(scanDecimal(input, out)).toBe(true);
    expect(out).toEqual({ canonical: text, negative, integerDigits: intDigits, fractionDigits: fracDigits });
  });

  it('returns the input itself when it is already canonical', () => {
    const out = newScan();
    const input = '123.456';
    scanDecimal(input, out);
    expect(out.canonical).toBe(input);
  });

  it.each([
    '',
    '-',
    '+1',
    '.5',
    '1.',
    '1.2.3',
    '1e3',
    '1E3',
    ' 1',
    '1 ',
    '0x10',
    'NaN',
    'Infinity',
    '--1',
    '1,5',
    '١',
  ])('refuses %j', (input) => {
    expect(scanDecimal(input, newScan())).toBe(false);
  });
});

describe('numberToPlain', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [12.5, '12.5'],
    [-3, '-3'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [-1.5e-10, '-0.00000000015'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('writes %p as %j', (n, text) => {
    expect(numberToPlain(n)).toBe(text);
  });

  it.each([NaN, Infinity, -Infinity])('has no plain form for %p', (n) => {
    expect(numberToPlain(n)).toBeUndefined();
  });
});

describe('canonical', () => {
  it('prints negative zero as 0 and never uses an exponent', () => {
    expect(canonical(new Dec(-5).times(0))).toBe('0');
    expect(canonical(new Dec('1e30'))).toBe('1000000000000000000000000000000');
    expect(canonical(new Dec('1.2500'))).toBe('1.25');
  });
});

describe('divideHalfEven12', () => {
  it.each([
    ['1', '3', '0.333333333333'],
    ['2', '3', '0.666666666667'],
    ['-2', '3', '-0.666666666667'],
    ['1', '3600000', '0.000000277778'],
    // exact ties at the 13th decimal go to the even neighbour
    ['0.000000000001', '2', '0'],
    ['0.000000000003', '2', '0.000000000002'],
    ['0.000000000005', '2', '0.000000000002'],
    ['-0.000000000003', '2', '-0.000000000002'],
    ['-0.000000000001', '2', '0'],
    ['10', '4', '2.5'],
    ['0', '7', '0'],
  ])('%s / %s = %s', (n, d, q) => {
    expect(canonical(divideHalfEven12(new Dec(n), new Dec(d)))).toBe(q);
  });
});
