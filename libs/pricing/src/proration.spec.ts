import { describe, expect, it } from '@jest/globals';
import Decimal from 'decimal.js';
import { ProrationError } from './errors';
import { Dec } from './money';
import { prorate, prorateAmount, type Instant } from './proration';

const JAN = ['2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z'] as const;

function issues(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProrationError);
    expect((e as ProrationError).code).toBe('INVALID_PRORATION');
    return (e as ProrationError).issues.map(({ path, rule }) => ({ path, rule }));
  }
  throw new Error('expected a ProrationError');
}

describe('prorate', () => {
  it('is the fraction of the period between two instants', () => {
    expect(prorate(...JAN, ...JAN).toFixed()).toBe('1');
    expect(prorate(...JAN, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z').toFixed()).toBe('0');
    // 16 of January's 31 days.
    expect(prorate(...JAN, '2025-01-16T00:00:00Z', JAN[1]).eq(new Dec(16).div(31))).toBe(true);
    expect(
      prorate('2025-01-01T00:00Z', '2025-01-03T00:00Z', '2025-01-02T00:00Z', '2025-01-03T00:00Z').toFixed(),
    ).toBe('0.5');
  });

  it('takes Dates and offsets', () => {
    const start = new Date('2025-01-01T00:00:00Z');
    const end = new Date('2025-01-02T00:00:00Z');
    expect(prorate(start, end, '2025-01-01T06:00:00+06:00', '2025-01-01T12:00:00.000+00:00').toFixed()).toBe(
      '0.5',
    );
  });

  it('is exact to 100 significant digits when the fraction does not terminate', () => {
    const third = prorate(
      '2025-01-01T00:00:00Z',
      '2025-01-01T00:00:03Z',
      '2025-01-01T00:00:00Z',
      '2025-01-01T00:00:01Z',
    );
    expect(third.toFixed()).toBe(`0.${'3'.repeat(100)}`);
  });

  it.each<[string, [Instant, Instant, Instant, Instant], { path: string; rule: string }[]]>([
    [
      'an end before the start',
      [JAN[1], JAN[0], JAN[0], JAN[0]],
      [{ path: 'periodEnd', rule: 'period_order' }],
    ],
    ['an empty period', [JAN[0], JAN[0], JAN[0], JAN[0]], [{ path: 'periodEnd', rule: 'period_order' }]],
    [
      'to before from',
      [...JAN, '2025-01-20T00:00:00Z', '2025-01-10T00:00:00Z'],
      [{ path: 'to', rule: 'period_order' }],
    ],
    [
      'from before the period',
      [...JAN, '2024-12-31T00:00:00Z', JAN[1]],
      [{ path: 'from', rule: 'within_period' }],
    ],
    [
      'from after the period',
      [...JAN, '2025-02-02T00:00:00Z', '2025-02-03T00:00:00Z'],
      [
        { path: 'from', rule: 'within_period' },
        { path: 'to', rule: 'within_period' },
      ],
    ],
    [
      'a string without an offset',
      [...JAN, '2025-01-10T00:00:00', JAN[1]],
      [{ path: 'from', rule: 'instant' }],
    ],
    ['a date alone', ['2025-01-01', ...JAN, JAN[1]], [{ path: 'periodStart', rule: 'instant' }]],
    [
      'a day that does not exist',
      [...JAN, '2025-02-30T00:00:00Z', JAN[1]],
      [{ path: 'from', rule: 'instant' }],
    ],
    ['hour 24', [...JAN, JAN[0], '2025-01-31T24:00:00Z'], [{ path: 'to', rule: 'instant' }]],
    ['a bad period end', [JAN[0], '2025-02-01', JAN[0], JAN[0]], [{ path: 'periodEnd', rule: 'instant' }]],
    [
      'every bad instant at once',
      ['a', 'b', 'c', 'd'],
      ['periodStart', 'periodEnd', 'from', 'to'].map((path) => ({ path, rule: 'instant' })),
    ],
    ['an invalid Date', [new Date('nope'), ...JAN, JAN[1]], [{ path: 'periodStart', rule: 'instant' }]],
    ['a number', [...JAN, JAN[0], 1735689600000 as unknown as Instant], [{ path: 'to', rule: 'instant' }]],
  ])('refuses %s', (_name, args, expected) => {
    expect(issues(() => prorate(...args))).toEqual(expected);
  });

  it('accepts 29 February in a leap year', () => {
    expect(
      prorate(
        '2024-02-29T00:00:00Z',
        '2024-03-01T00:00:00Z',
        '2024-02-29T00:00:00Z',
        '2024-03-01T00:00:00Z',
      ).toFixed(),
    ).toBe('1');
  });
});

describe('prorateAmount', () => {
  it('multiplies before dividing, so a terminating result is exact', () => {
    expect(prorateAmount('31', ...JAN, '2025-01-16T00:00:00Z', JAN[1]).toFixed()).toBe('16');
    expect(prorateAmount(new Decimal('9.99'), ...JAN, ...JAN).toFixed()).toBe('9.99');
  });

  it('refuses a bad amount', () => {
    expect(issues(() => prorateAmount('-1', ...JAN, ...JAN))).toEqual([
      { path: 'amount', rule: 'non_negative' },
    ]);
  });
});
