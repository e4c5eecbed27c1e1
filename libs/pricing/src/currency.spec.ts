import { describe, expect, it } from '@jest/globals';
import { currencyMinorUnits } from './currency';
import { UnknownCurrencyError } from './errors';

describe('currencyMinorUnits', () => {
  it.each([
    ['JPY', 0],
    ['EUR', 2],
    ['USD', 2],
    ['BHD', 3],
    ['CLF', 4],
  ])('%s has %i decimals', (code, digits) => {
    expect(currencyMinorUnits(code)).toBe(digits);
    // Second call is served from the cache.
    expect(currencyMinorUnits(code)).toBe(digits);
  });

  it.each(['ZZZ', 'usd', 'EURO', '', 'XTS', 'XAU'])('refuses %j', (code) => {
    expect(() => currencyMinorUnits(code)).toThrow(UnknownCurrencyError);
    try {
      currencyMinorUnits(code);
    } catch (e) {
      expect((e as UnknownCurrencyError).code).toBe('UNKNOWN_CURRENCY');
      expect((e as UnknownCurrencyError).issues[0]).toMatchObject({ path: 'currency', rule: 'iso4217' });
    }
  });
});
