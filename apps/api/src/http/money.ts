import { currencyMinorUnits, Dec } from '@mu/pricing';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import type { FieldIssue } from './errors';

/** A plain decimal string without sign or exponent, e.g. "12.50" (never a JSON number). */
const DECIMAL = /^(0|[1-9]\d{0,17})(\.\d{1,12})?$/;

/** A decimal string greater than zero: "12.50", "0.5"; not "0", "-1", "1e3" or 12.5. */
export function IsPositiveDecimal(options?: ValidationOptions) {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'isPositiveDecimal',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a decimal string greater than 0, such as "12.50"`,
        ...options,
      },
      validator: {
        validate: (v: unknown) => typeof v === 'string' && DECIMAL.test(v) && !new Dec(v).isZero(),
      },
    });
  };
}

/** The currency's minor units, or null for a code Mu cannot bill in (reported by the DTO). */
export function minorUnitsOf(currency: string): number | null {
  try {
    return currencyMinorUnits(currency);
  } catch {
    return null;
  }
}

/**
 * An amount of money must not be finer than its currency's minor units: 10.005 EUR or 10.5 JPY
 * would be rounded away somewhere, so they are refused where they enter.
 */
export function minorUnitIssues(path: string, amount: string, currency: string): FieldIssue[] {
  const minor = minorUnitsOf(currency);
  if (minor === null) return [];
  const places = amount.split('.')[1]?.length ?? 0;
  if (places <= minor) return [];
  return [
    {
      path,
      message:
        minor === 0
          ? `${currency} has no minor units: give a whole amount`
          : `${currency} has ${minor} decimal places: give at most ${minor}`,
    },
  ];
}

/** An amount in the currency's minor units ("50" EUR is "50.00"), as invoices show money. */
export function money(amount: string, currency: string): string {
  return new Dec(amount).toFixed(currencyMinorUnits(currency.trim()));
}
