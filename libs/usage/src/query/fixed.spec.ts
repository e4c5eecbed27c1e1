import { canonicalDecimal, divHalfEven, formatFixed, parseFixed } from './fixed';

describe('fixed-point decimals (10^-12 units)', () => {
  it.each([
    ['0', 0n],
    ['12.5', 12_500_000_000_000n],
    ['-0.25', -250_000_000_000n],
    ['0.000000000001', 1n],
    ['123456789012345678901234.123456789012', 123456789012345678901234123456789012n],
  ])('parses and formats %s', (text, units) => {
    expect(parseFixed(text)).toBe(units);
    expect(formatFixed(units)).toBe(text);
  });

  it('formats canonically', () => {
    expect(canonicalDecimal('12.500000000000')).toBe('12.5');
    expect(canonicalDecimal('-0.000000000000')).toBe('0');
  });

  it('refuses what is not a decimal of at most 12 places', () => {
    expect(() => parseFixed('1e3')).toThrow('not a decimal');
    expect(() => parseFixed('0.0000000000001')).toThrow('more than 12');
  });

  it.each([
    [5n, 2n, 2n], // 2.5 -> 2
    [7n, 2n, 4n], // 3.5 -> 4
    [-5n, 2n, -2n],
    [-7n, 2n, -4n],
    [10n, 3n, 3n],
    [11n, 3n, 4n],
    [-11n, 3n, -4n],
    [6n, 3n, 2n],
  ])('divides %d / %d half to even = %d', (n, d, q) => {
    expect(divHalfEven(n, d)).toBe(q);
  });
});
