import { currencyMinorUnits } from '@mu/pricing';

/** A document the renderer cannot print faithfully (a malformed decimal, date, locale or zone). */
export class InvoicePdfError extends Error {
  readonly code = 'invalid_pdf_document';

  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'InvoicePdfError';
  }
}

// Plain notation only, as the pricing engine writes it: an exponent or a stray sign would be
// formatted into something other than what the ledger holds.
const DECIMAL = /^-?\d+(?:\.(\d+))?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;
const REGION = /^[A-Z]{2}$/;

/** A day on the calendar, as the UTC midnight that starts it (so it formats without a zone shift). */
type CalendarDay = Date;

export interface Formats {
  readonly locale: string;
  /** `'1234.5'` -> `€1,234.50`: at least the currency's minor units, never fewer digits than given. */
  money(value: string, path: string): string;
  /** A positive amount that reduces the total (discounts, credits), printed as a negative. */
  deduction(value: string, path: string): string;
  /** `'1250000'` -> `1,250,000`. */
  quantity(value: string, path: string): string;
  /** `'0.19'` -> `19%`. */
  rate(value: string, path: string): string;
  /** An ISO date, or an instant (its day in the document's zone). */
  date(value: string, path: string): string;
  /** The days a period covers: an instant end is exclusive, a date end inclusive. */
  period(start: string, end: string, path: string): string;
  /** ISO 3166 alpha-2 -> the country's name in the locale. */
  country(code: string): string;
}

function fractionDigits(value: string, path: string): number {
  const m = DECIMAL.exec(value);
  if (m === null)
    throw new InvoicePdfError(
      path,
      `must be a decimal string in plain notation, not ${JSON.stringify(value)}`,
    );
  return m[1]?.length ?? 0;
}

function guard<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    // Intl throws RangeError for an unknown locale or time zone.
    if (e instanceof RangeError) throw new InvoicePdfError(path, e.message);
    throw e;
  }
}

export function formatsFor(doc: {
  currency: string;
  locale?: string | undefined;
  timeZone?: string | undefined;
}): Formats {
  const locale = doc.locale ?? 'en-US';
  const timeZone = doc.timeZone ?? 'UTC';
  const minor = currencyMinorUnits(doc.currency);

  // Intl formats a decimal *string* exactly (ECMA-402 NumberFormat v3, Node 20+): no float on the way.
  // The maximum is the digits the string has, so Intl never rounds: it only groups and localises.
  const moneyFormats = new Map<number, Intl.NumberFormat>();
  const moneyFormat = (digits: number) => {
    let f = moneyFormats.get(digits);
    if (f === undefined) {
      f = guard('locale', () => {
        return new Intl.NumberFormat(locale, {
          style: 'currency',
          currency: doc.currency,
          minimumFractionDigits: minor,
          maximumFractionDigits: Math.max(minor, digits),
        });
      });
      moneyFormats.set(digits, f);
    }
    return f;
  };
  const plainFormats = new Map<string, Intl.NumberFormat>();
  const plain = (digits: number, style: 'decimal' | 'percent') => {
    const key = `${style}:${digits}`;
    let f = plainFormats.get(key);
    if (f === undefined) {
      f = guard('locale', () => new Intl.NumberFormat(locale, { style, maximumFractionDigits: digits }));
      plainFormats.set(key, f);
    }
    return f;
  };

  const dayFormat = guard(
    'locale',
    () =>
      new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }),
  );
  const zoneParts = guard(
    'timeZone',
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hourCycle: 'h23',
      }),
  );

  const dayOfInstant = (ms: number): CalendarDay => {
    const parts = Object.fromEntries(zoneParts.formatToParts(ms).map((p) => [p.type, p.value]));
    return new Date(Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)));
  };

  const parse = (value: string, path: string): { day: CalendarDay; instant: boolean } => {
    const d = ISO_DATE.exec(value);
    if (d !== null) {
      const day = new Date(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])));
      if (day.toISOString().slice(0, 10) !== value)
        throw new InvoicePdfError(path, `${JSON.stringify(value)} is not a calendar date`);
      return { day, instant: false };
    }
    const ms = ISO_INSTANT.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(ms))
      throw new InvoicePdfError(path, `must be an ISO date or instant, not ${JSON.stringify(value)}`);
    return { day: dayOfInstant(ms), instant: true };
  };

  const regions = guard(
    'locale',
    () => new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' }),
  );

  return {
    locale,
    money: (value, path) => moneyFormat(fractionDigits(value, path)).format(value as `${number}`),
    deduction(value, path) {
      const digits = fractionDigits(value, path);
      return moneyFormat(digits).format(
        (value.startsWith('-') ? value.slice(1) : `-${value}`) as `${number}`,
      );
    },
    quantity: (value, path) => plain(fractionDigits(value, path), 'decimal').format(value as `${number}`),
    rate: (value, path) => plain(fractionDigits(value, path), 'percent').format(value as `${number}`),
    date: (value, path) => dayFormat.format(parse(value, path).day),
    period(start, end, path) {
      const from = parse(start, `${path}.start`).day;
      const until = parse(end, `${path}.end`);
      let last = until.day;
      if (until.instant) {
        // Billing periods end exclusive: [Jan 1 00:00, Feb 1 00:00) served the days Jan 1 to Jan 31.
        const endMs = Date.parse(end);
        last = endMs > Date.parse(start) ? dayOfInstant(endMs - 1) : from;
      }
      if (last.getTime() <= from.getTime()) return dayFormat.format(from);
      return dayFormat.formatRange(from, last);
    },
    country: (code) => (REGION.test(code) ? (regions.of(code) ?? code) : code),
  };
}

/** An ISO date as the UTC midnight that starts it, or an ISO instant as it is. */
export function instantOf(value: string, path: string): Date {
  const d = ISO_DATE.exec(value);
  const ms =
    d !== null
      ? Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]))
      : ISO_INSTANT.test(value)
        ? Date.parse(value)
        : NaN;
  if (Number.isNaN(ms) || (d !== null && new Date(ms).toISOString().slice(0, 10) !== value))
    throw new InvoicePdfError(path, `must be an ISO date or instant, not ${JSON.stringify(value)}`);
  return new Date(ms);
}
