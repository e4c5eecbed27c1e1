import { UnknownCurrencyError } from '@mu/pricing';
import { formatsFor, instantOf, InvoicePdfError } from './format';

// Intl puts no-break and narrow no-break spaces into some locales; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f\u2009]/g, ' ');

describe('formatsFor', () => {
  const usd = formatsFor({ currency: 'USD' });

  it.each([
    ['USD', 'en-US', '1234.5', '$1,234.50'],
    ['USD', 'en-US', '0', '$0.00'],
    ['EUR', 'de-DE', '1234567.89', '1.234.567,89 €'],
    ['EUR', 'fr-FR', '1234.5', '1 234,50 €'],
    ['JPY', 'en-US', '1234', '¥1,234'],
    ['BHD', 'en-US', '1.5', 'BHD 1.500'],
    ['INR', 'en-IN', '1234567', '₹12,34,567.00'],
    // Beyond a double's 15–17 significant digits: every digit survives.
    ['EUR', 'en-US', '123456789012345678.99', '€123,456,789,012,345,678.99'],
    // More places than the minor unit (a unit price) are kept, never rounded away.
    ['EUR', 'en-US', '0.000123', '€0.000123'],
    ['USD', 'en-US', '-10.5', '-$10.50'],
  ])('money %s %s %s -> %s', (currency, locale, value, expected) => {
    expect(plain(formatsFor({ currency, locale }).money(value, 'x'))).toBe(expected);
  });

  it('prints deductions as negatives', () => {
    expect(usd.deduction('49.9', 'x')).toBe('-$49.90');
    expect(usd.deduction('-5', 'x')).toBe('$5.00');
  });

  it('prints quantities and rates without losing digits', () => {
    expect(usd.quantity('1250000', 'x')).toBe('1,250,000');
    expect(usd.quantity('312.5', 'x')).toBe('312.5');
    expect(usd.quantity('0.000000000000000001', 'x')).toBe('0.000000000000000001');
    expect(usd.rate('0.19', 'x')).toBe('19%');
    expect(usd.rate('0.0725', 'x')).toBe('7.25%');
    expect(usd.rate('0', 'x')).toBe('0%');
    expect(plain(formatsFor({ currency: 'EUR', locale: 'de-DE' }).rate('0.07', 'x'))).toBe('7 %');
  });

  it('refuses decimals that are not plain notation', () => {
    for (const bad of ['1e3', '1,000.00', ' 1', '.5', '1.', '+1', 'NaN', '']) {
      expect(() => usd.money(bad, 'total')).toThrow(InvoicePdfError);
    }
    try {
      usd.quantity('12 calls', 'lines[3].quantity');
      throw new Error('unreachable');
    } catch (e) {
      expect(e).toMatchObject({ code: 'invalid_pdf_document', path: 'lines[3].quantity' });
    }
  });

  it('prints dates, and periods as the days they cover', () => {
    expect(usd.date('2026-02-01', 'x')).toBe('Feb 1, 2026');
    expect(plain(usd.period('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', 'x'))).toBe('Jan 1 – 31, 2026');
    expect(plain(usd.period('2025-12-15T00:00:00Z', '2026-01-15T00:00:00Z', 'x'))).toBe(
      'Dec 15, 2025 – Jan 14, 2026',
    );
    // A period that ends mid-day still served that day.
    expect(plain(usd.period('2026-01-01T00:00:00Z', '2026-01-20T15:30:00Z', 'x'))).toBe('Jan 1 – 20, 2026');
    // One day, and an empty period, print one date.
    expect(usd.period('2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z', 'x')).toBe('Jan 5, 2026');
    expect(usd.period('2026-01-05T00:00:00Z', '2026-01-05T00:00:00Z', 'x')).toBe('Jan 5, 2026');
    // Dates are inclusive as written.
    expect(plain(usd.period('2026-01-01', '2026-01-31', 'x'))).toBe('Jan 1 – 31, 2026');
  });

  it("turns instants into dates in the document's zone", () => {
    // January in Berlin starts at 23:00 UTC on Dec 31.
    const start = '2025-12-31T23:00:00Z';
    const end = '2026-01-31T23:00:00Z';
    expect(plain(formatsFor({ currency: 'EUR', timeZone: 'Europe/Berlin' }).period(start, end, 'x'))).toBe(
      'Jan 1 – 31, 2026',
    );
    expect(plain(usd.period(start, end, 'x'))).toBe('Dec 31, 2025 – Jan 31, 2026');
    expect(formatsFor({ currency: 'EUR', timeZone: 'Asia/Tokyo' }).date('2026-01-31T20:00:00Z', 'x')).toBe(
      'Feb 1, 2026',
    );
  });

  it('names countries in the locale', () => {
    expect(usd.country('DE')).toBe('Germany');
    expect(formatsFor({ currency: 'EUR', locale: 'de-DE' }).country('PL')).toBe('Polen');
    expect(usd.country('Atlantis')).toBe('Atlantis');
  });

  it('refuses unknown currencies, locales, zones and dates', () => {
    expect(() => formatsFor({ currency: 'XYZ' })).toThrow(UnknownCurrencyError);
    expect(() => formatsFor({ currency: 'EUR', locale: 'not a locale!' })).toThrow(InvoicePdfError);
    expect(() => formatsFor({ currency: 'EUR', timeZone: 'Nowhere/Else' })).toThrow(InvoicePdfError);
    expect(() => usd.date('2026-02-30', 'issueDate')).toThrow(InvoicePdfError);
    expect(() => usd.date('01/02/2026', 'issueDate')).toThrow(InvoicePdfError);
    expect(() => usd.period('2026-01-01T00:00:00', '2026-02-01T00:00:00Z', 'p')).toThrow(/p\.start/);
  });
});

describe('instantOf', () => {
  it('reads a date as its UTC midnight and an instant as it is', () => {
    expect(instantOf('2026-02-01', 'x').toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(instantOf('2026-02-01T10:00:00+01:00', 'x').toISOString()).toBe('2026-02-01T09:00:00.000Z');
    expect(() => instantOf('2026-13-01', 'x')).toThrow(InvoicePdfError);
    expect(() => instantOf('yesterday', 'x')).toThrow(InvoicePdfError);
  });
});
