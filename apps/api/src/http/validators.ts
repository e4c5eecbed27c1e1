import { currencyMinorUnits } from '@mu/pricing';
import { registerDecorator, type ValidationOptions } from 'class-validator';

function rule(name: string, test: (v: unknown) => boolean, message: string) {
  return (options?: ValidationOptions) =>
    (target: object, propertyName: string): void => {
      registerDecorator({
        name,
        target: target.constructor,
        propertyName,
        options: { message: `${propertyName} ${message}`, ...options },
        validator: { validate: test },
      });
    };
}

const zoneOk = (z: unknown): boolean => {
  if (typeof z !== 'string' || z.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return true;
  } catch {
    return false;
  }
};

const currencyOk = (c: unknown): boolean => {
  if (typeof c !== 'string') return false;
  try {
    currencyMinorUnits(c);
    return true;
  } catch {
    return false;
  }
};

/** An IANA time zone the runtime knows, e.g. Europe/Berlin. */
export const IsTimeZone = rule('isTimeZone', zoneOk, 'must be an IANA time zone such as Europe/Berlin');
/** An ISO 4217 currency code Mu can bill in (minor units known). */
export const IsBillingCurrency = rule(
  'isBillingCurrency',
  currencyOk,
  'must be an ISO 4217 currency code such as EUR',
);
/** A flat object of string values (metadata). */
export const IsStringMap = rule(
  'isStringMap',
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length <= 50 &&
    Object.entries(v).every(([k, x]) => k.length <= 64 && typeof x === 'string' && x.length <= 512),
  'must be an object of at most 50 string values (keys up to 64, values up to 512 characters)',
);
/** A plain decimal string, e.g. "12.50" (never a JSON number). */
export const IsDecimalString = rule(
  'isDecimalString',
  (v) => typeof v === 'string' && /^\d{1,18}(\.\d{1,12})?$/.test(v),
  'must be a non-negative decimal string such as "12.50"',
);
/** Key-like identifiers chosen by the user: letters, digits, `_`, `-`, `.`. */
export const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** A field that is recognised but may not be sent (e.g. fields fixed after creation). */
export const MustBeAbsent = rule('mustBeAbsent', (v) => v === undefined, 'must not be sent');
