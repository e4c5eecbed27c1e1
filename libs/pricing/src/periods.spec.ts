import { describe, expect, it } from '@jest/globals';
import { PricingError } from './errors';
import {
  instantToZonedParts,
  MAX_PERIODS_BETWEEN,
  nextBoundaryAfter,
  parseBillingSchedule,
  PeriodError,
  periodAt,
  periodByIndex,
  PeriodQueryError,
  periodsBetween,
  zonedWallTimeToInstant,
  type BillingPeriod,
  type BillingSchedule,
  type PeriodIssueRule,
} from './periods';
import { prorate } from './proration';

// ---------------------------------------------------------------------------------------------------
// The case runner: every table below goes through it.

/** A period as expected: [start, end), plus the uncut bounds when it is a stub. ISO strings with offsets. */
interface Expected {
  start: string;
  end: string;
  fullStart?: string;
  fullEnd?: string;
}

const full = (start: string, end: string): Expected => ({ start, end });
const stub = (start: string, end: string, fullStart: string, fullEnd: string): Expected => ({
  start,
  end,
  fullStart,
  fullEnd,
});

interface PeriodsCase {
  name: string;
  schedule: Record<string, unknown>;
  /** Consecutive periods, the first being number `firstIndex` (default 0). */
  periods: Expected[];
  firstIndex?: number;
  /** The last period listed is the schedule's last (it ends at endAt). */
  last?: boolean;
}

interface FailingCase {
  name: string;
  schedule: unknown;
  issues: { path: string; rule: PeriodIssueRule }[];
}

function toPeriod(e: Expected, index: number): BillingPeriod {
  const fullStart = e.fullStart ?? e.start;
  const fullEnd = e.fullEnd ?? e.end;
  return {
    index,
    start: new Date(e.start),
    end: new Date(e.end),
    partial: fullStart !== e.start || fullEnd !== e.end,
    fullStart: new Date(fullStart),
    fullEnd: new Date(fullEnd),
  };
}

/**
 * Checks each expected period through every entry point: by index, at its first and last
 * millisecond, the next boundary from its start, all of them at once with periodsBetween, the same
 * on the unparsed schedule, and nothing before startAt (or after endAt when `last`).
 */
function describePeriods(title: string, cases: PeriodsCase[]): void {
  describe(title, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const s = parseBillingSchedule(c.schedule);
      const first = c.firstIndex ?? 0;
      const expected = c.periods.map((e, i) => toPeriod(e, first + i));
      for (const [i, p] of expected.entries()) {
        expect(periodByIndex(s, first + i)).toEqual(p);
        expect(periodAt(s, p.start)).toEqual(p);
        expect(periodAt(s, new Date(p.end.getTime() - 1))).toEqual(p);
        expect(nextBoundaryAfter(s, p.start)).toEqual(p.end);
        expect(p.start.getTime()).toBeLessThan(p.end.getTime());
      }
      const head = expected[0]!;
      const tail = expected[expected.length - 1]!;
      expect(periodsBetween(s, head.start, tail.end)).toEqual(expected);
      // An unparsed schedule is validated and compiled on the fly, with the same result.
      expect(periodByIndex(c.schedule as unknown as BillingSchedule, first)).toEqual(head);
      if (first === 0) {
        expect(head.start).toEqual(new Date(s.startAt));
        expect(periodAt(s, new Date(head.start.getTime() - 1))).toBeNull();
        expect(nextBoundaryAfter(s, new Date(head.start.getTime() - 1))).toEqual(head.start);
      }
      if (c.last === true) {
        expect(tail.end).toEqual(new Date(s.endAt as string));
        expect(periodByIndex(s, first + expected.length)).toBeNull();
        expect(periodAt(s, tail.end)).toBeNull();
        expect(nextBoundaryAfter(s, tail.end)).toBeNull();
      }
    });
  });
}

function issuesOf(fn: () => unknown, type: typeof PeriodError | typeof PeriodQueryError): unknown {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    expect(e).toBeInstanceOf(PricingError);
    return (e as PricingError).issues.map(({ path, rule }) => ({ path, rule }));
  }
  throw new Error(`expected a ${type.name}`);
}

function describeFailures(title: string, cases: FailingCase[]): void {
  describe(title, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(issuesOf(() => parseBillingSchedule(c.schedule), PeriodError)).toEqual(c.issues);
      expect(() => parseBillingSchedule(c.schedule)).toThrow(
        expect.objectContaining({ code: 'INVALID_PERIOD_SPEC' }),
      );
    });
  });
}

const monthly = (startAt: string, timeZone: string, extra: object = {}) => ({
  startAt,
  cadence: 'P1M',
  alignment: 'calendar',
  timeZone,
  ...extra,
});

// ---------------------------------------------------------------------------------------------------
// Calendar alignment

describePeriods('calendar months, in the customer time zone', [
  {
    name: 'UTC: from the 1st, February has 28 days',
    schedule: monthly('2025-01-01T00:00:00Z', 'UTC'),
    periods: [
      full('2025-01-01T00:00Z', '2025-02-01T00:00Z'),
      full('2025-02-01T00:00Z', '2025-03-01T00:00Z'),
      full('2025-03-01T00:00Z', '2025-04-01T00:00Z'),
    ],
  },
  {
    name: 'UTC: a stub first period from mid-month to the 1st, prorated against the whole month',
    schedule: monthly('2025-01-16T12:00:00Z', 'UTC'),
    periods: [
      stub('2025-01-16T12:00Z', '2025-02-01T00:00Z', '2025-01-01T00:00Z', '2025-02-01T00:00Z'),
      full('2025-02-01T00:00Z', '2025-03-01T00:00Z'),
    ],
  },
  {
    name: 'UTC: index arithmetic far from the start (period 1200 is 100 years later)',
    schedule: monthly('2025-01-01T00:00:00Z', 'UTC'),
    firstIndex: 1200,
    periods: [full('2125-01-01T00:00Z', '2125-02-01T00:00Z'), full('2125-02-01T00:00Z', '2125-03-01T00:00Z')],
  },
  {
    name: 'Europe/Berlin: local midnight on the 1st, +01:00 in winter and +02:00 in summer',
    schedule: monthly('2025-03-01T00:00:00+01:00', 'Europe/Berlin'),
    periods: [
      full('2025-03-01T00:00+01:00', '2025-04-01T00:00+02:00'),
      full('2025-04-01T00:00+02:00', '2025-05-01T00:00+02:00'),
    ],
  },
  {
    name: 'Europe/Berlin: October ends in winter time (25 hours on the 26th)',
    schedule: monthly('2025-03-01T00:00:00+01:00', 'Europe/Berlin'),
    firstIndex: 7,
    periods: [
      full('2025-10-01T00:00+02:00', '2025-11-01T00:00+01:00'),
      full('2025-11-01T00:00+01:00', '2025-12-01T00:00+01:00'),
    ],
  },
  {
    name: 'America/New_York: a stub starting in the evening (already the next day in UTC)',
    schedule: monthly('2025-02-20T21:00:00-05:00', 'America/New_York'),
    periods: [
      stub(
        '2025-02-20T21:00-05:00',
        '2025-03-01T00:00-05:00',
        '2025-02-01T00:00-05:00',
        '2025-03-01T00:00-05:00',
      ),
      full('2025-03-01T00:00-05:00', '2025-04-01T00:00-04:00'),
    ],
  },
  {
    name: 'America/New_York: November starts in daylight time and ends in standard time',
    schedule: monthly('2025-10-01T00:00:00-04:00', 'America/New_York'),
    periods: [
      full('2025-10-01T00:00-04:00', '2025-11-01T00:00-04:00'),
      full('2025-11-01T00:00-04:00', '2025-12-01T00:00-05:00'),
    ],
  },
  {
    name: 'Asia/Kolkata (+05:30): months start at 18:30 UTC the day before',
    schedule: monthly('2025-01-01T00:00:00+05:30', 'Asia/Kolkata'),
    periods: [full('2024-12-31T18:30Z', '2025-01-31T18:30Z'), full('2025-01-31T18:30Z', '2025-02-28T18:30Z')],
  },
  {
    name: 'Pacific/Chatham (+13:45 summer, +12:45 winter)',
    schedule: monthly('2025-03-10T08:00:00+13:45', 'Pacific/Chatham'),
    periods: [
      stub(
        '2025-03-10T08:00+13:45',
        '2025-04-01T00:00+13:45',
        '2025-03-01T00:00+13:45',
        '2025-04-01T00:00+13:45',
      ),
      full('2025-04-01T00:00+13:45', '2025-05-01T00:00+12:45'),
      full('2025-05-01T00:00+12:45', '2025-06-01T00:00+12:45'),
    ],
  },
  {
    name: 'Pacific/Chatham: daylight time from the last Sunday of September',
    schedule: monthly('2025-03-10T08:00:00+13:45', 'Pacific/Chatham'),
    firstIndex: 6,
    periods: [full('2025-09-01T00:00+12:45', '2025-10-01T00:00+13:45')],
  },
  {
    name: 'Australia/Lord_Howe (30-minute DST: +11:00 summer, +10:30 winter)',
    schedule: monthly('2025-04-01T00:00:00+11:00', 'Australia/Lord_Howe'),
    periods: [full('2025-04-01T00:00+11:00', '2025-05-01T00:00+10:30')],
  },
  {
    name: 'Australia/Lord_Howe: October gains the half hour back',
    schedule: monthly('2025-04-01T00:00:00+11:00', 'Australia/Lord_Howe'),
    firstIndex: 6,
    periods: [full('2025-10-01T00:00+10:30', '2025-11-01T00:00+11:00')],
  },
]);

describePeriods('calendar weeks, quarters, halves, years and days', [
  {
    name: 'P1W starts on Mondays: a Wednesday start gives a stub to the next Monday',
    schedule: { startAt: '2025-01-15T10:00:00Z', cadence: 'P1W', alignment: 'calendar', timeZone: 'UTC' },
    periods: [
      stub('2025-01-15T10:00Z', '2025-01-20T00:00Z', '2025-01-13T00:00Z', '2025-01-20T00:00Z'),
      full('2025-01-20T00:00Z', '2025-01-27T00:00Z'),
    ],
  },
  {
    name: 'P1W from a Monday midnight (local, Europe/Berlin) is full from the start',
    schedule: {
      startAt: '2025-03-24T00:00:00+01:00',
      cadence: 'P1W',
      alignment: 'calendar',
      timeZone: 'Europe/Berlin',
    },
    periods: [
      full('2025-03-24T00:00+01:00', '2025-03-31T00:00+02:00'),
      full('2025-03-31T00:00+02:00', '2025-04-07T00:00+02:00'),
    ],
  },
  {
    name: 'P1W on a Sunday: the week started the Monday before',
    schedule: { startAt: '2025-01-19T23:00:00Z', cadence: 'P1W', alignment: 'calendar', timeZone: 'UTC' },
    periods: [stub('2025-01-19T23:00Z', '2025-01-20T00:00Z', '2025-01-13T00:00Z', '2025-01-20T00:00Z')],
  },
  {
    name: 'P2W: two weeks from the Monday of the week of startAt',
    schedule: { startAt: '2025-01-15T10:00:00Z', cadence: 'P2W', alignment: 'calendar', timeZone: 'UTC' },
    periods: [
      stub('2025-01-15T10:00Z', '2025-01-27T00:00Z', '2025-01-13T00:00Z', '2025-01-27T00:00Z'),
      full('2025-01-27T00:00Z', '2025-02-10T00:00Z'),
    ],
  },
  {
    name: 'P3M: quarters start on Jan, Apr, Jul and Oct 1',
    schedule: { startAt: '2025-02-15T00:00:00Z', cadence: 'P3M', alignment: 'calendar', timeZone: 'UTC' },
    periods: [
      stub('2025-02-15T00:00Z', '2025-04-01T00:00Z', '2025-01-01T00:00Z', '2025-04-01T00:00Z'),
      full('2025-04-01T00:00Z', '2025-07-01T00:00Z'),
      full('2025-07-01T00:00Z', '2025-10-01T00:00Z'),
      full('2025-10-01T00:00Z', '2026-01-01T00:00Z'),
    ],
  },
  {
    name: 'P3M in America/New_York, from a quarter start',
    schedule: {
      startAt: '2025-01-01T00:00:00-05:00',
      cadence: 'P03M',
      alignment: 'calendar',
      timeZone: 'America/New_York',
    },
    periods: [
      full('2025-01-01T00:00-05:00', '2025-04-01T00:00-04:00'),
      full('2025-04-01T00:00-04:00', '2025-07-01T00:00-04:00'),
    ],
  },
  {
    name: 'P6M: halves start on Jan and Jul 1',
    schedule: { startAt: '2025-09-10T00:00:00Z', cadence: 'P6M', alignment: 'calendar', timeZone: 'UTC' },
    periods: [
      stub('2025-09-10T00:00Z', '2026-01-01T00:00Z', '2025-07-01T00:00Z', '2026-01-01T00:00Z'),
      full('2026-01-01T00:00Z', '2026-07-01T00:00Z'),
    ],
  },
  {
    name: 'P5M does not divide the year: from the 1st of the month of startAt',
    schedule: { startAt: '2025-09-10T00:00:00Z', cadence: 'P5M', alignment: 'calendar', timeZone: 'UTC' },
    periods: [
      stub('2025-09-10T00:00Z', '2026-02-01T00:00Z', '2025-09-01T00:00Z', '2026-02-01T00:00Z'),
      full('2026-02-01T00:00Z', '2026-07-01T00:00Z'),
    ],
  },
  {
    name: 'P1Y: from Jan 1 (leap year 2028 has 366 days)',
    schedule: { startAt: '2027-06-15T00:00:00Z', cadence: 'P1Y', alignment: 'calendar', timeZone: 'UTC' },
    periods: [
      stub('2027-06-15T00:00Z', '2028-01-01T00:00Z', '2027-01-01T00:00Z', '2028-01-01T00:00Z'),
      full('2028-01-01T00:00Z', '2029-01-01T00:00Z'),
    ],
  },
  {
    name: 'P2Y: two years from Jan 1 of the year of startAt',
    schedule: {
      startAt: '2025-03-01T00:00:00+09:00',
      cadence: 'P2Y',
      alignment: 'calendar',
      timeZone: 'Asia/Tokyo',
    },
    periods: [
      stub(
        '2025-03-01T00:00+09:00',
        '2027-01-01T00:00+09:00',
        '2025-01-01T00:00+09:00',
        '2027-01-01T00:00+09:00',
      ),
    ],
  },
  {
    name: 'P10D: from local midnight of the start day',
    schedule: { startAt: '2025-01-01T15:00:00Z', cadence: 'P10D', alignment: 'calendar', timeZone: 'UTC' },
    periods: [
      stub('2025-01-01T15:00Z', '2025-01-11T00:00Z', '2025-01-01T00:00Z', '2025-01-11T00:00Z'),
      full('2025-01-11T00:00Z', '2025-01-21T00:00Z'),
    ],
  },
  {
    name: 'P1D in Europe/Berlin: the spring-forward day has 23 hours, the fall-back day 25',
    schedule: {
      startAt: '2025-03-30T00:00:00+01:00',
      cadence: 'P1D',
      alignment: 'calendar',
      timeZone: 'Europe/Berlin',
    },
    periods: [full('2025-03-30T00:00+01:00', '2025-03-31T00:00+02:00')],
  },
  {
    name: 'P1D far from the start: period 210 is the fall-back day',
    schedule: {
      startAt: '2025-03-30T00:00:00+01:00',
      cadence: 'P1D',
      alignment: 'calendar',
      timeZone: 'Europe/Berlin',
    },
    firstIndex: 210,
    periods: [full('2025-10-26T00:00+02:00', '2025-10-27T00:00+01:00')],
  },
]);

// ---------------------------------------------------------------------------------------------------
// Anniversary alignment

const anniversary = (startAt: string, cadence: string, timeZone = 'UTC', extra: object = {}) => ({
  startAt,
  cadence,
  alignment: 'anniversary',
  timeZone,
  ...extra,
});

describePeriods('anniversary', [
  {
    name: 'from Jan 31 in a leap year: Feb 29, then back to the 31st (never chained)',
    schedule: anniversary('2028-01-31T09:00:00Z', 'P1M'),
    periods: [
      full('2028-01-31T09:00Z', '2028-02-29T09:00Z'),
      full('2028-02-29T09:00Z', '2028-03-31T09:00Z'),
      full('2028-03-31T09:00Z', '2028-04-30T09:00Z'),
      full('2028-04-30T09:00Z', '2028-05-31T09:00Z'),
      full('2028-05-31T09:00Z', '2028-06-30T09:00Z'),
    ],
  },
  {
    name: 'from Jan 31 in a non-leap year: Feb 28',
    schedule: anniversary('2027-01-31T09:00:00Z', 'P1M'),
    periods: [full('2027-01-31T09:00Z', '2027-02-28T09:00Z'), full('2027-02-28T09:00Z', '2027-03-31T09:00Z')],
  },
  {
    name: 'from Jan 31, 13 months on: Feb 29 2028 of the leap year (from the anchor, not the last period)',
    schedule: anniversary('2027-01-31T09:00:00Z', 'P1M'),
    firstIndex: 13,
    periods: [full('2028-02-29T09:00Z', '2028-03-31T09:00Z')],
  },
  {
    name: 'local wall time kept across DST (America/New_York, 10:00)',
    schedule: anniversary('2025-01-31T10:00:00-05:00', 'P1M', 'America/New_York'),
    periods: [
      full('2025-01-31T10:00-05:00', '2025-02-28T10:00-05:00'),
      full('2025-02-28T10:00-05:00', '2025-03-31T10:00-04:00'),
    ],
  },
  {
    name: 'Feb 29 yearly: Feb 28 in non-leap years, Feb 29 in leap years',
    schedule: anniversary('2024-02-29T00:00:00Z', 'P1Y'),
    periods: [
      full('2024-02-29T00:00Z', '2025-02-28T00:00Z'),
      full('2025-02-28T00:00Z', '2026-02-28T00:00Z'),
      full('2026-02-28T00:00Z', '2027-02-28T00:00Z'),
      full('2027-02-28T00:00Z', '2028-02-29T00:00Z'),
      full('2028-02-29T00:00Z', '2029-02-28T00:00Z'),
    ],
  },
  {
    name: 'P2W: every other Wednesday at 09:00 local (America/New_York, over the DST change)',
    schedule: anniversary('2025-03-05T09:00:00-05:00', 'P2W', 'America/New_York'),
    periods: [
      full('2025-03-05T09:00-05:00', '2025-03-19T09:00-04:00'),
      full('2025-03-19T09:00-04:00', '2025-04-02T09:00-04:00'),
    ],
  },
  {
    name: 'P3M from Nov 30: Feb 28, May 30, Aug 30, Nov 30',
    schedule: anniversary('2024-11-30T12:00:00+05:30', 'P3M', 'Asia/Kolkata'),
    periods: [
      full('2024-11-30T12:00+05:30', '2025-02-28T12:00+05:30'),
      full('2025-02-28T12:00+05:30', '2025-05-30T12:00+05:30'),
      full('2025-05-30T12:00+05:30', '2025-08-30T12:00+05:30'),
      full('2025-08-30T12:00+05:30', '2025-11-30T12:00+05:30'),
    ],
  },
  {
    name: 'P1D keeps the milliseconds of startAt',
    schedule: anniversary('2025-06-01T10:20:30.456+02:00', 'P1D', 'Europe/Berlin'),
    periods: [full('2025-06-01T10:20:30.456+02:00', '2025-06-02T10:20:30.456+02:00')],
  },
]);

describePeriods('cut at endAt', [
  {
    name: 'the last period ends at endAt, flagged partial, then nothing',
    schedule: monthly('2025-01-01T00:00:00Z', 'UTC', { endAt: '2025-03-15T12:00:00Z' }),
    periods: [
      full('2025-01-01T00:00Z', '2025-02-01T00:00Z'),
      full('2025-02-01T00:00Z', '2025-03-01T00:00Z'),
      stub('2025-03-01T00:00Z', '2025-03-15T12:00Z', '2025-03-01T00:00Z', '2025-04-01T00:00Z'),
    ],
    last: true,
  },
  {
    name: 'endAt on a boundary: the last period is full',
    schedule: monthly('2025-01-01T00:00:00Z', 'UTC', { endAt: '2025-03-01T00:00:00Z' }),
    periods: [full('2025-01-01T00:00Z', '2025-02-01T00:00Z'), full('2025-02-01T00:00Z', '2025-03-01T00:00Z')],
    last: true,
  },
  {
    name: 'starts and ends within one month: a single period cut at both ends',
    schedule: monthly('2025-01-10T00:00:00Z', 'UTC', { endAt: '2025-01-20T00:00:00Z' }),
    periods: [stub('2025-01-10T00:00Z', '2025-01-20T00:00Z', '2025-01-01T00:00Z', '2025-02-01T00:00Z')],
    last: true,
  },
  {
    name: 'anniversary cut before its first renewal',
    schedule: anniversary('2025-01-31T09:00:00Z', 'P1M', 'UTC', { endAt: new Date('2025-02-10T00:00:00Z') }),
    periods: [stub('2025-01-31T09:00Z', '2025-02-10T00:00Z', '2025-01-31T09:00Z', '2025-02-28T09:00Z')],
    last: true,
  },
]);

// ---------------------------------------------------------------------------------------------------
// Clock changes: times that do not exist or happen twice

describePeriods('DST gaps and overlaps', [
  {
    name: 'anniversary at 02:30 on a day whose 02:30 does not exist: moved forward to 03:00 (New York)',
    schedule: anniversary('2025-02-09T02:30:00-05:00', 'P1M', 'America/New_York'),
    periods: [
      full('2025-02-09T02:30-05:00', '2025-03-09T03:00-04:00'),
      full('2025-03-09T03:00-04:00', '2025-04-09T02:30-04:00'),
    ],
  },
  {
    name: 'anniversary at 01:30 on a day when 01:30 happens twice: the earlier (New York)',
    schedule: anniversary('2025-10-02T01:30:00-04:00', 'P1M', 'America/New_York'),
    periods: [
      full('2025-10-02T01:30-04:00', '2025-11-02T01:30-04:00'),
      full('2025-11-02T01:30-04:00', '2025-12-02T01:30-05:00'),
    ],
  },
  {
    name: 'starting at the second 01:30 of the fall-back night: period 0 starts at startAt itself',
    schedule: anniversary('2025-11-02T01:30:00-05:00', 'P1D', 'America/New_York'),
    periods: [
      full('2025-11-02T01:30-05:00', '2025-11-03T01:30-05:00'),
      full('2025-11-03T01:30-05:00', '2025-11-04T01:30-05:00'),
    ],
  },
  {
    name: 'calendar day starting at the second 01:30: a stub of the 25-hour day',
    schedule: {
      startAt: '2025-11-02T01:30:00-05:00',
      cadence: 'P1D',
      alignment: 'calendar',
      timeZone: 'America/New_York',
    },
    periods: [
      stub(
        '2025-11-02T01:30-05:00',
        '2025-11-03T00:00-05:00',
        '2025-11-02T00:00-04:00',
        '2025-11-03T00:00-05:00',
      ),
    ],
  },
  {
    name: 'Lord Howe: 01:45 happens twice on Apr 6 (the earlier, +11:00), 30 minutes apart',
    schedule: anniversary('2025-04-05T01:45:00+11:00', 'P1D', 'Australia/Lord_Howe'),
    periods: [
      full('2025-04-05T01:45+11:00', '2025-04-06T01:45+11:00'),
      full('2025-04-06T01:45+11:00', '2025-04-07T01:45+10:30'),
    ],
  },
  {
    name: 'Lord Howe: 02:15 does not exist on Oct 5, moved to 02:30 (+11:00)',
    schedule: anniversary('2025-10-04T02:15:00+10:30', 'P1D', 'Australia/Lord_Howe'),
    periods: [
      full('2025-10-04T02:15+10:30', '2025-10-05T02:30+11:00'),
      full('2025-10-05T02:30+11:00', '2025-10-06T02:15+11:00'),
    ],
  },
  {
    name: 'America/Santiago: midnight does not exist on 2024-09-08, the day starts at 01:00',
    schedule: {
      startAt: '2024-09-07T00:00:00-04:00',
      cadence: 'P1D',
      alignment: 'calendar',
      timeZone: 'America/Santiago',
    },
    periods: [
      full('2024-09-07T00:00-04:00', '2024-09-08T01:00-03:00'),
      full('2024-09-08T01:00-03:00', '2024-09-09T00:00-03:00'),
    ],
  },
  {
    name: 'Antarctica/Casey: the clock goes back from 02:00 (+11) to 23:00 (+08) across midnight',
    schedule: {
      startAt: '2010-03-04T00:00:00+11:00',
      cadence: 'P1D',
      alignment: 'calendar',
      timeZone: 'Antarctica/Casey',
    },
    // Midnight of Mar 5 happens twice: the earlier one ends Mar 4; Mar 5 lasts 27 hours.
    periods: [
      full('2010-03-04T00:00+11:00', '2010-03-05T00:00+11:00'),
      full('2010-03-05T00:00+11:00', '2010-03-06T00:00+08:00'),
    ],
  },
]);

describe('clock changes, point queries', () => {
  it('Antarctica/Casey: the instant showing Mar 4 23:30 a second time belongs to Mar 5', () => {
    const s = parseBillingSchedule({
      startAt: '2010-03-01T00:00:00+11:00',
      cadence: 'P1D',
      alignment: 'calendar',
      timeZone: 'Antarctica/Casey',
    });
    // 15:30Z is 23:30 (+08:00) on Mar 4, after the Mar 5 period started at 13:00Z.
    expect(periodAt(s, '2010-03-04T15:30:00Z')).toMatchObject({
      index: 4,
      start: new Date('2010-03-05T00:00:00+11:00'),
      end: new Date('2010-03-06T00:00:00+08:00'),
    });
    expect(nextBoundaryAfter(s, '2010-03-04T15:30:00Z')).toEqual(new Date('2010-03-06T00:00:00+08:00'));
  });

  it('Pacific/Apia skipped 2011-12-30 entirely: that day is an empty period, which overlaps nothing', () => {
    const s = parseBillingSchedule({
      startAt: '2011-12-28T00:00:00-10:00',
      cadence: 'P1D',
      alignment: 'calendar',
      timeZone: 'Pacific/Apia',
    });
    const skipped = periodByIndex(s, 2)!;
    expect(skipped.start).toEqual(new Date('2011-12-31T00:00:00+14:00'));
    expect(skipped.end).toEqual(skipped.start);
    const periods = periodsBetween(s, '2011-12-29T00:00:00-10:00', '2012-01-01T00:00:00+14:00');
    expect(periods.map((p) => [p.index, p.start.toISOString(), p.end.toISOString()])).toEqual([
      [1, '2011-12-29T10:00:00.000Z', '2011-12-30T10:00:00.000Z'],
      [3, '2011-12-30T10:00:00.000Z', '2011-12-31T10:00:00.000Z'],
    ]);
    expect(periodAt(s, '2011-12-30T10:00:00Z')!.index).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------------
// Queries

describe('queries', () => {
  const s = parseBillingSchedule(monthly('2025-01-16T12:00:00Z', 'UTC', { endAt: '2025-04-10T00:00:00Z' }));

  it('parseBillingSchedule returns the normalised schedule, frozen', () => {
    const parsed = parseBillingSchedule({
      startAt: new Date('2025-01-16T13:00:00+01:00'),
      cadence: 'P01M',
      alignment: 'anniversary',
      timeZone: 'Europe/Berlin',
      endAt: null,
    });
    expect(parsed).toEqual({
      startAt: '2025-01-16T12:00:00.000Z',
      endAt: null,
      cadence: 'P1M',
      alignment: 'anniversary',
      timeZone: 'Europe/Berlin',
    });
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(parseBillingSchedule(parsed)).toEqual(parsed);
    expect(s.endAt).toBe('2025-04-10T00:00:00.000Z');
  });

  it('time zone names are matched case-insensitively and kept as given', () => {
    const lower = parseBillingSchedule(monthly('2025-03-01T00:00:00-05:00', 'america/new_york'));
    expect(lower.timeZone).toBe('america/new_york');
    expect(periodByIndex(lower, 0)!.end).toEqual(new Date('2025-04-01T00:00:00-04:00'));
  });

  it('periodAt: null before startAt and from endAt on', () => {
    expect(periodAt(s, '2025-01-16T11:59:59.999Z')).toBeNull();
    expect(periodAt(s, '2025-01-16T12:00:00Z')!.index).toBe(0);
    expect(periodAt(s, new Date('2025-04-09T23:59:59.999Z'))!.index).toBe(3);
    expect(periodAt(s, '2025-04-10T00:00:00Z')).toBeNull();
    expect(periodAt(s, '2030-01-01T00:00:00Z')).toBeNull();
  });

  it('periodAt answers repeated queries in the same period, and then others', () => {
    expect(periodAt(s, '2025-02-03T00:00:00Z')!.index).toBe(1);
    expect(periodAt(s, '2025-02-04T00:00:00Z')!.index).toBe(1);
    expect(periodAt(s, '2025-01-20T00:00:00Z')!.index).toBe(0);
    expect(periodAt(s, '2025-02-04T00:00:00Z')!.index).toBe(1);
  });

  it('nextBoundaryAfter: startAt, then period ends, endAt, then null', () => {
    expect(nextBoundaryAfter(s, '2020-01-01T00:00:00Z')).toEqual(new Date('2025-01-16T12:00:00Z'));
    expect(nextBoundaryAfter(s, '2025-01-16T12:00:00Z')).toEqual(new Date('2025-02-01T00:00:00Z'));
    expect(nextBoundaryAfter(s, '2025-01-31T23:59:59.999Z')).toEqual(new Date('2025-02-01T00:00:00Z'));
    expect(nextBoundaryAfter(s, '2025-02-01T00:00:00Z')).toEqual(new Date('2025-03-01T00:00:00Z'));
    expect(nextBoundaryAfter(s, '2025-04-01T00:00:00Z')).toEqual(new Date('2025-04-10T00:00:00Z'));
    expect(nextBoundaryAfter(s, '2025-04-10T00:00:00Z')).toBeNull();
  });

  it('periodsBetween: periods overlapping [from, to), clipped to the subscription', () => {
    const idx = (from: string, to: string) => periodsBetween(s, from, to).map((p) => p.index);
    expect(idx('2025-02-10T00:00:00Z', '2025-03-01T00:00:00Z')).toEqual([1]);
    expect(idx('2025-02-10T00:00:00Z', '2025-03-01T00:00:00.001Z')).toEqual([1, 2]);
    expect(idx('2000-01-01T00:00:00Z', '2099-01-01T00:00:00Z')).toEqual([0, 1, 2, 3]);
    expect(idx('2025-02-10T00:00:00Z', '2025-02-10T00:00:00Z')).toEqual([]);
    expect(idx('2000-01-01T00:00:00Z', '2025-01-16T12:00:00Z')).toEqual([]);
    expect(idx('2025-04-10T00:00:00Z', '2099-01-01T00:00:00Z')).toEqual([]);
  });

  it(`periodsBetween returns up to ${MAX_PERIODS_BETWEEN} periods and refuses more`, () => {
    const daily = parseBillingSchedule({
      startAt: '2000-01-01T00:00:00Z',
      cadence: 'P1D',
      alignment: 'calendar',
      timeZone: 'UTC',
    });
    const start = Date.parse('2000-01-01T00:00:00Z');
    expect(periodsBetween(daily, new Date(start), new Date(start + 10_000 * 86_400_000))).toHaveLength(
      10_000,
    );
    expect(
      issuesOf(
        () => periodsBetween(daily, new Date(start), new Date(start + 10_000 * 86_400_000 + 1)),
        PeriodQueryError,
      ),
    ).toEqual([{ path: 'to', rule: 'max_periods' }]);
  });

  it('periodByIndex: null past the last period, also for huge indexes', () => {
    expect(periodByIndex(s, 3)!.end).toEqual(new Date('2025-04-10T00:00:00Z'));
    expect(periodByIndex(s, 4)).toBeNull();
    const open = parseBillingSchedule(monthly('9999-11-15T00:00:00Z', 'UTC'));
    expect(periodByIndex(open, 1)).toMatchObject({
      start: new Date('9999-12-01T00:00:00Z'),
      end: new Date('+010000-01-01T00:00:00Z'),
      partial: false,
    });
    expect(periodByIndex(open, 2)).toBeNull();
    expect(periodByIndex(open, Number.MAX_SAFE_INTEGER)).toBeNull();
  });

  it('a stub period prorates against its full calendar bounds', () => {
    const p = periodByIndex(s, 0)!;
    // Jan 16 12:00 to Feb 1: 15.5 of January's 31 days.
    expect(prorate(p.fullStart, p.fullEnd, p.start, p.end).toFixed()).toBe('0.5');
  });

  it('works near year 0 (before the common era) and the end of year 9999', () => {
    // Etc/GMT-9 is +09:00 (the POSIX sign); Asia/Tokyo would use its local mean time, +09:18:59.
    const early = parseBillingSchedule(monthly('0000-01-01T00:00:00Z', 'Etc/GMT-9'));
    expect(periodByIndex(early, 0)).toMatchObject({
      start: new Date('0000-01-01T00:00:00Z'),
      end: new Date('0000-01-31T15:00:00Z'),
      fullStart: new Date('-000001-12-31T15:00:00Z'),
      partial: true,
    });
    const late = parseBillingSchedule(anniversary('9999-12-31T23:59:59.999Z', 'P1Y', 'Pacific/Kiritimati'));
    expect(periodAt(late, '9999-12-31T23:59:59.999Z')!.end).toEqual(new Date('+010000-12-31T23:59:59.999Z'));
  });
});

// ---------------------------------------------------------------------------------------------------
// Time zone helpers

describe('zonedWallTimeToInstant and instantToZonedParts', () => {
  it('converts local wall times to instants, whatever the offset', () => {
    expect(zonedWallTimeToInstant(2025, 1, 15, 9, 30, 0, 0, 'Asia/Kolkata')).toEqual(
      new Date('2025-01-15T04:00:00Z'),
    );
    expect(zonedWallTimeToInstant(2025, 7, 1, 0, 0, 0, 0, 'Europe/Berlin')).toEqual(
      new Date('2025-06-30T22:00:00Z'),
    );
    expect(zonedWallTimeToInstant(2025, 1, 1, 0, 0, 0, 0, 'Pacific/Chatham')).toEqual(
      new Date('2024-12-31T10:15:00Z'),
    );
  });

  it.each<[string, [number, number, number, number, number], string]>([
    ['a gap: 02:30 moves forward to 03:00', [2025, 3, 9, 2, 30], '2025-03-09T07:00:00Z'],
    ['the hour after a gap', [2025, 3, 9, 3, 30], '2025-03-09T07:30:00Z'],
    ['the hour before a gap', [2025, 3, 9, 1, 30], '2025-03-09T06:30:00Z'],
    ['an overlap: the earlier 01:30', [2025, 11, 2, 1, 30], '2025-11-02T05:30:00Z'],
    ['the hour after an overlap', [2025, 11, 2, 2, 30], '2025-11-02T07:30:00Z'],
    ['the hour before an overlap', [2025, 11, 2, 0, 30], '2025-11-02T04:30:00Z'],
  ])('America/New_York, %s', (_name, [y, m, d, h, min], iso) => {
    expect(zonedWallTimeToInstant(y, m, d, h, min, 0, 0, 'America/New_York')).toEqual(new Date(iso));
  });

  it('reads the local date, weekday and offset of an instant', () => {
    expect(instantToZonedParts('2025-03-09T07:00:00.250Z', 'America/New_York')).toEqual({
      year: 2025,
      month: 3,
      day: 9,
      hour: 3,
      minute: 0,
      second: 0,
      millisecond: 250,
      weekday: 7,
      offsetMs: -4 * 3_600_000,
    });
    expect(instantToZonedParts(new Date('2025-01-01T00:00:00Z'), 'Asia/Kolkata')).toMatchObject({
      hour: 5,
      minute: 30,
      weekday: 3,
      offsetMs: 19_800_000,
    });
    // Year 0 is 1 BC; the millisecond of an instant before 1970 is still 0-999.
    expect(instantToZonedParts('0000-03-01T00:00:00Z', 'UTC')).toMatchObject({ year: 0, month: 3, day: 1 });
    expect(instantToZonedParts('1969-12-31T23:59:59.999Z', 'UTC')).toMatchObject({
      year: 1969,
      second: 59,
      millisecond: 999,
      weekday: 3,
    });
  });

  it.each<[string, [number, number, number, number, number, number, number]]>([
    ['month 13', [2025, 13, 1, 0, 0, 0, 0]],
    ['Feb 29 of a non-leap year', [2025, 2, 29, 0, 0, 0, 0]],
    ['hour 24', [2025, 1, 1, 24, 0, 0, 0]],
    ['a fraction', [2025, 1, 1, 0, 0.5, 0, 0]],
    ['NaN', [2025, 1, 1, 0, 0, NaN, 0]],
    ['millisecond 1000', [2025, 1, 1, 0, 0, 0, 1000]],
    ['year 10000', [10000, 1, 1, 0, 0, 0, 0]],
    ['year -1', [-1, 1, 1, 0, 0, 0, 0]],
  ])('refuses a wall time with %s', (_name, [y, mo, d, h, mi, sec, msec]) => {
    expect(
      issuesOf(() => zonedWallTimeToInstant(y, mo, d, h, mi, sec, msec, 'UTC'), PeriodQueryError),
    ).toEqual([{ path: 'wallTime', rule: 'wall_time' }]);
  });

  it('refuses unknown zones, offsets and bad instants', () => {
    expect(
      issuesOf(() => zonedWallTimeToInstant(2025, 1, 1, 0, 0, 0, 0, 'Mars/Olympus'), PeriodQueryError),
    ).toEqual([{ path: 'zone', rule: 'time_zone' }]);
    expect(issuesOf(() => instantToZonedParts('2025-01-01T00:00:00Z', '+05:30'), PeriodQueryError)).toEqual([
      { path: 'zone', rule: 'time_zone' },
    ]);
    expect(issuesOf(() => instantToZonedParts('2025-01-01T00:00:00', 'UTC'), PeriodQueryError)).toEqual([
      { path: 'instant', rule: 'instant' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Errors

const good = { startAt: '2025-01-01T00:00:00Z', cadence: 'P1M', alignment: 'calendar', timeZone: 'UTC' };

describeFailures('invalid schedules', [
  { name: 'not an object', schedule: 'P1M', issues: [{ path: '', rule: 'type' }] },
  { name: 'an array', schedule: [good], issues: [{ path: '', rule: 'type' }] },
  {
    name: 'every field missing',
    schedule: {},
    issues: [
      { path: 'startAt', rule: 'required' },
      { path: 'cadence', rule: 'required' },
      { path: 'alignment', rule: 'required' },
      { path: 'timeZone', rule: 'required' },
    ],
  },
  {
    name: 'an unknown field',
    schedule: { ...good, anchor: 1 },
    issues: [{ path: 'anchor', rule: 'unknown_field' }],
  },
  {
    name: 'an undefined startAt',
    schedule: { ...good, startAt: undefined },
    issues: [{ path: 'startAt', rule: 'required' }],
  },
  {
    name: 'an unknown time zone',
    schedule: { ...good, timeZone: 'Mars/Olympus' },
    issues: [{ path: 'timeZone', rule: 'time_zone' }],
  },
  {
    name: 'an offset, not a zone',
    schedule: { ...good, timeZone: '+05:30' },
    issues: [{ path: 'timeZone', rule: 'time_zone' }],
  },
  {
    name: 'an empty time zone',
    schedule: { ...good, timeZone: '' },
    issues: [{ path: 'timeZone', rule: 'time_zone' }],
  },
  {
    name: 'a time zone that is not a string',
    schedule: { ...good, timeZone: 1 },
    issues: [{ path: 'timeZone', rule: 'time_zone' }],
  },
  {
    name: 'a cadence in hours (PT1H)',
    schedule: { ...good, cadence: 'PT1H' },
    issues: [{ path: 'cadence', rule: 'duration' }],
  },
  {
    name: 'a combined cadence (P1M2D)',
    schedule: { ...good, cadence: 'P1M2D' },
    issues: [{ path: 'cadence', rule: 'duration' }],
  },
  {
    name: 'a lower-case cadence',
    schedule: { ...good, cadence: 'p1m' },
    issues: [{ path: 'cadence', rule: 'duration' }],
  },
  {
    name: 'a cadence over 999 units',
    schedule: { ...good, cadence: 'P1000D' },
    issues: [{ path: 'cadence', rule: 'duration' }],
  },
  {
    name: 'an empty cadence (P0M)',
    schedule: { ...good, cadence: 'P0M' },
    issues: [{ path: 'cadence', rule: 'positive' }],
  },
  {
    name: 'a cadence that is not a string',
    schedule: { ...good, cadence: 30 },
    issues: [{ path: 'cadence', rule: 'type' }],
  },
  {
    name: 'an unknown alignment',
    schedule: { ...good, alignment: 'fiscal' },
    issues: [{ path: 'alignment', rule: 'one_of' }],
  },
  {
    name: 'startAt without an offset',
    schedule: { ...good, startAt: '2025-01-01T00:00:00' },
    issues: [{ path: 'startAt', rule: 'instant' }],
  },
  {
    name: 'startAt on a day that does not exist',
    schedule: { ...good, startAt: '2025-02-29T00:00:00Z' },
    issues: [{ path: 'startAt', rule: 'instant' }],
  },
  {
    name: 'startAt an invalid Date',
    schedule: { ...good, startAt: new Date(NaN) },
    issues: [{ path: 'startAt', rule: 'instant' }],
  },
  {
    name: 'startAt after year 9999',
    schedule: { ...good, startAt: new Date('+010000-01-01T00:00:00Z') },
    issues: [{ path: 'startAt', rule: 'instant' }],
  },
  {
    name: 'startAt before year 0 by its offset',
    schedule: { ...good, startAt: '0000-01-01T00:00:00+01:00' },
    issues: [{ path: 'startAt', rule: 'instant' }],
  },
  {
    name: 'a numeric startAt',
    schedule: { ...good, startAt: 1735689600000 },
    issues: [{ path: 'startAt', rule: 'instant' }],
  },
  {
    name: 'endAt before startAt',
    schedule: { ...good, endAt: '2024-12-31T00:00:00Z' },
    issues: [{ path: 'endAt', rule: 'period_order' }],
  },
  {
    name: 'endAt equal to startAt',
    schedule: { ...good, endAt: '2025-01-01T01:00:00+01:00' },
    issues: [{ path: 'endAt', rule: 'period_order' }],
  },
  {
    name: 'endAt not an instant',
    schedule: { ...good, endAt: 'never' },
    issues: [{ path: 'endAt', rule: 'instant' }],
  },
  {
    name: 'an invalid startAt does not also put endAt out of order',
    schedule: { ...good, startAt: 'soon', endAt: '2024-01-01T00:00:00Z' },
    issues: [{ path: 'startAt', rule: 'instant' }],
  },
  {
    name: 'every issue at once, in field order',
    schedule: { startAt: 'soon', endAt: 'later', cadence: 'PT1H', alignment: 'x', timeZone: 'Nowhere', x: 1 },
    issues: [
      { path: 'x', rule: 'unknown_field' },
      { path: 'startAt', rule: 'instant' },
      { path: 'endAt', rule: 'instant' },
      { path: 'cadence', rule: 'duration' },
      { path: 'alignment', rule: 'one_of' },
      { path: 'timeZone', rule: 'time_zone' },
    ],
  },
]);

describe('invalid queries', () => {
  const s = parseBillingSchedule(good);

  it('names the argument and the rule', () => {
    expect(issuesOf(() => periodAt(s, '2025-01-01'), PeriodQueryError)).toEqual([
      { path: 'at', rule: 'instant' },
    ]);
    expect(issuesOf(() => nextBoundaryAfter(s, new Date(NaN)), PeriodQueryError)).toEqual([
      { path: 'at', rule: 'instant' },
    ]);
    expect(issuesOf(() => periodByIndex(s, -1), PeriodQueryError)).toEqual([
      { path: 'index', rule: 'non_negative' },
    ]);
    expect(issuesOf(() => periodByIndex(s, 1.5), PeriodQueryError)).toEqual([
      { path: 'index', rule: 'integer' },
    ]);
    expect(issuesOf(() => periodByIndex(s, Infinity), PeriodQueryError)).toEqual([
      { path: 'index', rule: 'integer' },
    ]);
    expect(issuesOf(() => periodsBetween(s, 'a', 'b'), PeriodQueryError)).toEqual([
      { path: 'from', rule: 'instant' },
      { path: 'to', rule: 'instant' },
    ]);
    expect(issuesOf(() => periodsBetween(s, '2025-01-01T00:00:00Z', 'b'), PeriodQueryError)).toEqual([
      { path: 'to', rule: 'instant' },
    ]);
    expect(
      issuesOf(() => periodsBetween(s, '2025-02-01T00:00:00Z', '2025-01-01T00:00:00Z'), PeriodQueryError),
    ).toEqual([{ path: 'to', rule: 'period_order' }]);
  });

  it('an unparsed, invalid schedule fails the query with INVALID_PERIOD_SPEC', () => {
    const bad = { ...good, timeZone: 'Nowhere' } as BillingSchedule;
    expect(issuesOf(() => periodAt(bad, '2025-01-01T00:00:00Z'), PeriodError)).toEqual([
      { path: 'timeZone', rule: 'time_zone' },
    ]);
  });

  it('has readable messages and stable codes', () => {
    let caught: unknown;
    try {
      parseBillingSchedule({ ...good, cadence: 'PT1H', timeZone: 'Nowhere' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'INVALID_PERIOD_SPEC', name: 'PeriodError' });
    expect((caught as Error).message).toBe(
      'invalid billing schedule: 2 issues\n' +
        '  cadence: must be an ISO 8601 duration of 1 to 999 days, weeks, months or years (P1D, P2W, P1M, P3M, P1Y), not "PT1H": times and combined durations (PT1H, P1M2D) are not supported [duration]\n' +
        '  timeZone: must be an IANA time zone such as Europe/Berlin, not "Nowhere" [time_zone]',
    );
    expect(() => periodByIndex(s, -1)).toThrow(expect.objectContaining({ code: 'INVALID_PERIOD_QUERY' }));
  });
});
