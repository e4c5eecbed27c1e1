import { describe, expect, it } from '@jest/globals';
import { aggregate, averageOf, timeWeightedIntegral, valueMillisToHours, type MeterPoint } from './aggregate';
import { AggregationInputError } from './errors';
import type { Aggregation } from './meter';

/** An instant on 2025-01-01 (UTC), `hh:mm` or `hh:mm:ss.sss`. */
const at = (hm: string) => `2025-01-01T${hm.length === 5 ? `${hm}:00.000` : hm}Z`;
const pt = (time: string, value: string, uniqueValue?: string): MeterPoint =>
  uniqueValue === undefined ? { time, value } : { time, value, uniqueValue };
const W = { from: at('00:00'), to: at('04:00') };

function issuesOf(f: () => unknown): { path: string; message: string }[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AggregationInputError);
    expect((e as AggregationInputError).code).toBe('INVALID_AGGREGATION_INPUT');
    return [...(e as AggregationInputError).issues];
  }
  throw new Error('no error');
}

describe('aggregate: one window of points', () => {
  const points = [
    pt('2024-12-31T23:59:59.999Z', '100', 'z'), // before the window: ignored
    pt(at('00:00'), '1.5', 'a'), // on `from`: in
    pt(at('01:00'), '2', 'b'),
    pt(at('01:00'), '-0.5', 'c'),
    pt(at('02:00'), '3.000000000000', 'b'), // ClickHouse prints Decimal(38, 12) with every digit
    pt(at('03:00'), '0.25', 'a'),
    pt(at('04:00'), '1000', 'd'), // on `to`: out
  ];

  it.each([
    ['count', '5'],
    ['sum', '6.25'], // 1.5 + 2 - 0.5 + 3 + 0.25
    ['unique_count', '3'], // a, b, c
    ['max', '3'],
    ['min', '-0.5'],
    ['avg', '1.25'], // 6.25 / 5
    ['latest', '0.25'],
  ] as [Aggregation, string][])('%s = %s', (aggregation, expected) => {
    expect(aggregate(aggregation, points, W)).toBe(expected);
  });

  it('takes instants with any offset', () => {
    const window = { from: '2025-01-01T01:00:00+01:00', to: '2024-12-31T23:00:00-05:00' }; // 00:00Z, 04:00Z
    expect(aggregate('sum', points, window)).toBe('6.25');
  });
});

describe('aggregate: an empty window', () => {
  it.each([
    ['count', '0'],
    ['sum', '0'],
    ['unique_count', '0'],
    ['max', null],
    ['min', null],
    ['avg', null],
    ['latest', null],
    ['time_weighted_sum', '0'],
  ] as [Aggregation, string | null][])('%s = %p', (aggregation, expected) => {
    expect(aggregate(aggregation, [pt(at('05:00'), '1', 'x')], W)).toBe(expected);
    expect(aggregate(aggregation, [], W)).toBe(expected);
  });

  it('of no length is empty', () => {
    const w = { from: at('01:00'), to: at('01:00') };
    expect(aggregate('count', [pt(at('01:00'), '1')], w)).toBe('0');
    expect(aggregate('time_weighted_sum', [pt(at('00:00'), '5')], w)).toBe('0');
  });
});

describe('aggregate: ties', () => {
  it('latest: the greatest time, then the greatest value, whatever the order given', () => {
    const tied = [pt(at('01:00'), '2'), pt(at('01:00'), '-0.5'), pt(at('00:30'), '9')];
    expect(aggregate('latest', tied, W)).toBe('2');
    expect(aggregate('latest', [...tied].reverse(), W)).toBe('2');
  });

  it('max and min compare values, not spellings', () => {
    expect(
      aggregate('max', [pt(at('01:00'), '2.50'), pt(at('02:00'), '2.5'), pt(at('03:00'), '10')], W),
    ).toBe('10');
    expect(aggregate('min', [pt(at('01:00'), '-1'), pt(at('02:00'), '-10')], W)).toBe('-10');
  });

  it('unique_count: distinct texts, duplicates once', () => {
    const points = [pt(at('01:00'), '1', 'u1'), pt(at('01:00'), '1', 'u1'), pt(at('02:00'), '1', 'U1')];
    expect(aggregate('unique_count', points, W)).toBe('2');
  });
});

describe('aggregate: avg rounding (half-even at 12 decimal places)', () => {
  it.each([
    [['1', '0', '0'], '0.333333333333'],
    [['1', '1', '0'], '0.666666666667'],
    [['-1', '-1', '0'], '-0.666666666667'],
    [['0.000000000001', '0'], '0'], // 0.0000000000005: tie, to even (0)
    [['0.000000000003', '0'], '0.000000000002'], // 0.0000000000015: tie, to even (2)
    [['-0.000000000003', '0'], '-0.000000000002'],
    [['5'], '5'],
  ])('avg of %j = %s', (values, expected) => {
    const points = values.map((v, i) => pt(at(`0${i}:00`), v));
    expect(aggregate('avg', points, W)).toBe(expected);
  });
});

describe('aggregate: time_weighted_sum (value x hours)', () => {
  // Gauge in GB. Levels over [00:00, 04:00): 12 (carried in from 23:30) until 01:00, 20 until
  // 02:30, 0 until 03:00, then 7 (two readings at 03:00: the greater holds) until 04:00.
  const carryIn = pt('2024-12-31T23:00:00.000Z', '10');
  const points = [
    pt('2024-12-31T23:30:00.000Z', '12'),
    pt(at('01:00'), '20'),
    pt(at('02:30'), '0'),
    pt(at('03:00'), '5'),
    pt(at('03:00'), '7'),
    pt(at('04:00'), '1000'),
  ];

  it('integrates the level held from the carry-in on', () => {
    // 12 x 1 h + 20 x 1.5 h + 0 x 0.5 h + 7 x 1 h
    expect(aggregate('time_weighted_sum', points, W, carryIn)).toBe('49');
    expect(timeWeightedIntegral(points, W, carryIn)).toBe('176400000'); // 49 x 3,600,000
  });

  it('does not depend on the order the points are given in', () => {
    expect(aggregate('time_weighted_sum', [...points].reverse(), W, carryIn)).toBe('49');
  });

  it('adds up over a window split at any instant', () => {
    const first = { from: at('00:00'), to: at('02:00') }; // 12 + 20
    const second = { from: at('02:00'), to: at('04:00') }; // 20 x 0.5 + 0 + 7 (20 carried in from 01:00)
    expect(aggregate('time_weighted_sum', points, first, carryIn)).toBe('32');
    expect(aggregate('time_weighted_sum', points, second, carryIn)).toBe('17');
  });

  it('starts from the latest point before the window: carry-in or an earlier point', () => {
    expect(aggregate('time_weighted_sum', points, W)).toBe('49'); // the 23:30 point
    const later = pt('2024-12-31T23:45:00.000Z', '1');
    expect(aggregate('time_weighted_sum', points, W, later)).toBe('38'); // 1 + 30 + 0 + 7
    const tied = pt('2024-12-31T23:30:00.000Z', '13');
    expect(aggregate('time_weighted_sum', points, W, tied)).toBe('50'); // equal time: greater value
    const tiedLower = pt('2024-12-31T23:30:00.000Z', '11');
    expect(aggregate('time_weighted_sum', points, W, tiedLower)).toBe('49');
  });

  it('starts from 0 without a carry-in', () => {
    expect(aggregate('time_weighted_sum', points.slice(1), W)).toBe('37'); // 0 + 30 + 0 + 7
    expect(aggregate('time_weighted_sum', points.slice(1), W, null)).toBe('37');
  });

  it('ignores the carry-in when a point sits on `from`', () => {
    expect(aggregate('time_weighted_sum', points, { from: at('01:00'), to: at('04:00') }, carryIn)).toBe(
      '37',
    );
  });

  it('holds the carry-in through a window without points', () => {
    expect(aggregate('time_weighted_sum', [], { from: at('00:00'), to: at('00:30') }, carryIn)).toBe('5');
  });

  it('counts negative levels as negative area', () => {
    // 1 x 2 h, then -3 x 2 h
    const before = pt('2024-12-31T12:00:00.000Z', '1');
    expect(aggregate('time_weighted_sum', [pt(at('02:00'), '-3')], W, before)).toBe('-4');
  });

  it('is exact in value x ms and rounds half-even to 12 decimals at the end', () => {
    const one = pt('2024-12-31T00:00:00.000Z', '1');
    expect(aggregate('time_weighted_sum', [], { from: at('00:00'), to: at('00:00:00.001') }, one)).toBe(
      '0.000000277778', // 1 / 3,600,000
    );
    expect(timeWeightedIntegral([], { from: at('00:00'), to: at('00:00:00.001') }, one)).toBe('1');
    expect(aggregate('time_weighted_sum', [], { from: at('00:00'), to: at('00:00:01.000') }, one)).toBe(
      '0.000277777778', // 1 / 3,600
    );
    // 0.000000000003 x 30 min = 0.0000000000015: a tie, to even
    const tiny = pt('2024-12-31T00:00:00.000Z', '0.000000000003');
    expect(aggregate('time_weighted_sum', [], { from: at('00:00'), to: at('00:30') }, tiny)).toBe(
      '0.000000000002',
    );
  });

  it('keeps equal readings at one instant apart without effect', () => {
    const dup = [pt(at('01:00'), '4'), pt(at('01:00'), '4')];
    expect(aggregate('time_weighted_sum', dup, W)).toBe('12'); // 4 x 3 h
  });
});

describe('valueMillisToHours and averageOf: finishing partial aggregates', () => {
  it('divides exactly and rounds once', () => {
    expect(valueMillisToHours('176400000')).toBe('49');
    expect(valueMillisToHours('-1')).toBe('-0.000000277778');
    expect(valueMillisToHours('0.000000000001')).toBe('0');
    expect(averageOf('10', 4)).toBe('2.5');
    expect(averageOf('1.000000000000', 3)).toBe('0.333333333333');
    expect(averageOf('0', 0)).toBeNull();
  });

  it('refuses what is not a decimal within 12 decimals', () => {
    expect(issuesOf(() => valueMillisToHours('1e3'))).toEqual([
      { path: 'valueMillis', message: 'must be a decimal string with at most 12 decimal places, not "1e3"' },
    ]);
    expect(issuesOf(() => valueMillisToHours('0.0000000000001')).map((i) => i.path)).toEqual(['valueMillis']);
    expect(issuesOf(() => averageOf('x', -1)).map((i) => i.path)).toEqual(['sum', 'count']);
    expect(issuesOf(() => averageOf('0.0000000000001', 1.5)).map((i) => i.path)).toEqual(['sum', 'count']);
  });
});

describe('aggregate: refused input', () => {
  it.each([
    '2025-01-01T00:00:00Z',
    '2025-01-01T00:00:00.1Z',
    '2025-01-01T00:00:00.123+05:30',
    '2024-02-29T00:00:00Z',
    '2025-12-31T23:59:59.999-23:59',
  ])('reads the instant %s', (time) => {
    expect(
      aggregate('count', [pt(time, '1')], { from: '1970-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' }),
    ).toBe('1');
  });

  it.each([
    '2025-01-01T00:00Z', // seconds are required
    '2025-01-01T00:00:00.1234Z', // times are stored to the millisecond
    '2025-01-01T00:00:00', // no offset: would be the machine's time zone
    '2025-01-01 00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-01-01T24:00:00Z',
    'yesterday',
  ])('refuses the instant %s', (time) => {
    expect(issuesOf(() => aggregate('count', [pt(time, '1')], W))).toEqual([
      {
        path: 'points[0].time',
        message: expect.stringContaining('must be an RFC 3339 date-time with an offset'),
      },
    ]);
  });

  it('lists every issue of the points', () => {
    const issues = issuesOf(() =>
      aggregate(
        'unique_count',
        [
          pt(at('01:00'), '1', 'ok'),
          pt(at('01:00'), '1'),
          pt(at('01:00'), '1e3', 'x'),
          pt(at('01:00'), '0.0000000000001', 'x'),
          pt(at('01:00'), '1'.repeat(27), 'x'),
          { time: at('01:00'), value: 12 } as unknown as MeterPoint,
          { time: at('01:00'), value: '1', uniqueValue: 7 } as unknown as MeterPoint,
          null as unknown as MeterPoint,
          'x' as unknown as MeterPoint,
          { time: 'bad', value: 'bad' },
          { time: Date.now(), value: '1' } as unknown as MeterPoint,
        ],
        W,
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'points[1].uniqueValue',
      'points[2].value',
      'points[3].value',
      'points[4].value',
      'points[5].value',
      'points[6].uniqueValue',
      'points[7]',
      'points[8]',
      'points[9].time',
      'points[9].value',
      'points[10].time',
    ]);
    expect(issues[0]?.message).toBe('is required for unique_count');
    expect(issues[1]?.message).toBe(
      'must be a decimal string with at most 26 integer and 12 decimal digits, not "1e3"',
    );
  });

  it('refuses a window that is not one', () => {
    expect(issuesOf(() => aggregate('sum', [], { from: 'now', to: '2025-02-30T00:00:00Z' }))).toEqual([
      { path: 'window.from', message: 'must be an RFC 3339 date-time' },
      { path: 'window.to', message: 'must be an RFC 3339 date-time' },
    ]);
    expect(issuesOf(() => aggregate('sum', [], { from: at('02:00'), to: at('01:00') }))).toEqual([
      { path: 'window.to', message: 'must not be before window.from' },
    ]);
  });

  it('still checks the points when the window is bad', () => {
    const issues = issuesOf(() =>
      aggregate('sum', [pt('bad', '1')], { from: 'x', to: at('01:00') }, pt(at('00:00'), '1')),
    );
    expect(issues.map((i) => i.path)).toEqual(['window.from', 'points[0].time']);
  });

  it('refuses a carry-in that is not before the window', () => {
    expect(issuesOf(() => aggregate('time_weighted_sum', [], W, pt(at('00:00'), '1')))).toEqual([
      { path: 'carryIn.time', message: 'must be before window.from' },
    ]);
    expect(issuesOf(() => timeWeightedIntegral([], W, pt(at('00:00'), 'x'))).map((i) => i.path)).toEqual([
      'carryIn.value',
    ]);
  });

  it('says what was wrong in its message', () => {
    expect(() => aggregate('sum', [], { from: 'x', to: at('01:00') })).toThrow(
      'invalid aggregation input: 1 issue\n  window.from: must be an RFC 3339 date-time',
    );
  });
});
