import { code as isoCurrency } from 'currency-codes';
import { UnknownCurrencyError, type Issue } from './errors';

const CODE = /^[A-Z]{3}$/;
// ISO 4217 lists a few entries that are not money (gold, bond units, "testing", "no currency")
// under pseudo-countries named ZZnn_...; a price in them is a mistake, not a currency with 0 decimals.
const PSEUDO_ENTITY = /^zz\d\d_/i;

const cache = new Map<string, number>();

/**
 * Decimal places of the currency's minor unit (JPY 0, EUR 2, BHD 3, CLF 4), from the ISO 4217
 * dataset of the `currency-codes` package. Codes are upper case, as ISO writes them.
 */
export function currencyMinorUnits(code: string): number {
  const found = lookupCurrency(code);
  if (typeof found !== 'number') throw new UnknownCurrencyError(found);
  return found;
}

/** Like `currencyMinorUnits`, but returns the problem instead of throwing it (spec parsing collects issues). */
export function lookupCurrency(code: string): number | Issue {
  const hit = cache.get(code);
  if (hit !== undefined) return hit;
  if (!CODE.test(code)) {
    return {
      path: 'currency',
      rule: 'iso4217',
      message: `must be an ISO 4217 code of three upper-case letters, not ${JSON.stringify(code)}`,
    };
  }
  const record = isoCurrency(code);
  if (record === undefined)
    return { path: 'currency', rule: 'iso4217', message: `${code} is not an ISO 4217 currency code` };
  if (record.countries.every((c) => PSEUDO_ENTITY.test(c))) {
    return {
      path: 'currency',
      rule: 'iso4217',
      message: `${code} (${record.currency}) is an ISO 4217 code but not a currency`,
    };
  }
  cache.set(code, record.digits);
  return record.digits;
}
