// Properties of billing periods, checked on generated schedules and instants (fast-check). The
// expected local times are computed here with plain UTC date arithmetic, independently of periods.ts.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  instantToZonedParts,
  nextBoundaryAfter,
  parseBillingSchedule,
  periodAt,
  periodByIndex,
  periodsBetween,
  zonedWallTimeToInstant,
  type BillingPeriod,
  type BillingSchedule,
  type ZonedParts,
} from './periods';

const RUNS = { numRuns: 150 };
const DAY = 86_400_000;

// Zones with DST at 01:00 UTC (Berlin), 02:00 local (New York), at midnight (Santiago, Sao Paulo
// until 2019), by 30 minutes (Lord Howe), at +12:45/+13:45 (Chatham), south of the equator, without
// DST (Kolkata), going back during Ramadan (Casablanca) and by 3 hours (Casey).
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Tehran',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  'Africa/Casablanca',
  'Antarctica/Casey',
] as const;

const zoneArb = fc.constantFrom(...ZONES);
const cadenceArb = fc.oneof(
  fc.constantFrom('P1D', 'P1W', 'P2W', 'P1M', 'P3M', 'P6M', 'P1Y'),
  fc.tuple(fc.integer({ min: 1, max: 13 }), fc.constantFrom('D', 'W', 'M', 'Y')).map(([n, u]) => `P${n}${u}`),
);
const alignmentArb = fc.constantFrom('calendar' as const, 'anniversary' as const);

/** Local wall time as an ms count read as if UTC: comparable across zones' offsets. */
const wallMs = (p: Omit<ZonedParts, 'weekday' | 'offsetMs'>) =>
  Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millisecond);
const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const dayNumber = (p: ZonedParts) => Date.UTC(p.year, p.month - 1, p.day) / DAY;
const monthNumber = (p: ZonedParts) => p.year * 12 + p.month - 1;

/** A start instant: anywhere, at a local midnight on the 1st (a calendar boundary), or late in a month. */
const startArb = (zone: string) =>
  fc.oneof(
    fc.integer({ min: Date.UTC(1995, 0, 1), max: Date.UTC(2045, 0, 1) }),
    fc
      .record({ year: fc.integer({ min: 1995, max: 2045 }), month: fc.integer({ min: 1, max: 12 }) })
      .map(({ year, month }) => zonedWallTimeToInstant(year, month, 1, 0, 0, 0, 0, zone).getTime()),
    fc
      .record({
        year: fc.integer({ min: 1995, max: 2045 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 28, max: 31 }),
        minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      })
      .map(({ year, month, day, minute }) =>
        zonedWallTimeToInstant(
          year,
          month,
          Math.min(day, daysInMonth(year, month)),
          Math.floor(minute / 60),
          minute % 60,
          0,
          0,
          zone,
        ).getTime(),
      ),
  );

interface Generated {
  schedule: BillingSchedule;
  startMs: number;
  endMs: number | null;
}

const scheduleArb = zoneArb.chain((timeZone) =>
  fc
    .record({
      start: startArb(timeZone),
      length: fc.option(fc.integer({ min: 1, max: 4 * 366 * DAY }), { nil: null }),
      cadence: cadenceArb,
      alignment: alignmentArb,
    })
    .map(({ start, length, cadence, alignment }): Generated => {
      const endMs = length === null ? null : start + length;
      const schedule = parseBillingSchedule({
        startAt: new Date(start),
        endAt: endMs === null ? null : new Date(endMs),
        cadence,
        alignment,
        timeZone,
      });
      return { schedule, startMs: start, endMs };
    }),
);

/** Periods 0, 1, ... up to `max` of them, or fewer if the schedule ends. */
function firstPeriods(s: BillingSchedule, max: number): BillingPeriod[] {
  const out: BillingPeriod[] = [];
  for (let i = 0; i < max; i++) {
    const p = periodByIndex(s, i);
    if (p === null) break;
    out.push(p);
  }
  return out;
}

function cadenceOf(s: BillingSchedule): { n: number; unit: string } {
  return { n: Number(s.cadence.slice(1, -1)), unit: s.cadence.slice(-1) };
}

describe('billing period properties', () => {
  it('periods are contiguous, non-overlapping and cut only at startAt and endAt', () => {
    fc.assert(
      fc.property(scheduleArb, ({ schedule, startMs, endMs }) => {
        const periods = firstPeriods(schedule, 30);
        expect(periods.length).toBeGreaterThan(0);
        expect(periods[0]!.start.getTime()).toBe(startMs);
        for (const [i, p] of periods.entries()) {
          expect(p.index).toBe(i);
          expect(p.start.getTime()).toBeLessThan(p.end.getTime());
          expect(p.fullStart.getTime()).toBeLessThanOrEqual(p.start.getTime());
          expect(p.fullEnd.getTime()).toBeGreaterThanOrEqual(p.end.getTime());
          expect(p.partial).toBe(
            p.start.getTime() !== p.fullStart.getTime() || p.end.getTime() !== p.fullEnd.getTime(),
          );
          const next = periods[i + 1];
          if (next !== undefined) {
            expect(next.start).toEqual(p.end);
            expect(next.fullStart).toEqual(p.fullEnd);
          }
          // A period is cut only at the start of the subscription or at its end.
          if (p.start.getTime() !== p.fullStart.getTime()) expect(i).toBe(0);
          if (p.end.getTime() !== p.fullEnd.getTime()) expect(p.end.getTime()).toBe(endMs);
        }
        // An anniversary's first period starts on its anchor: it is never a stub.
        if (schedule.alignment === 'anniversary') expect(periods[0]!.fullStart).toEqual(periods[0]!.start);
        const last = periods[periods.length - 1]!;
        if (periods.length < 30) {
          expect(last.end.getTime()).toBe(endMs);
          expect(periodByIndex(schedule, periods.length)).toBeNull();
        }
      }),
      RUNS,
    );
  });

  it('calendar boundaries are the first instant of a local day that starts a week, month, quarter or year', () => {
    fc.assert(
      fc.property(
        scheduleArb.filter((g) => g.schedule.alignment === 'calendar'),
        ({ schedule }) => {
          const { n, unit } = cadenceOf(schedule);
          const zone = schedule.timeZone;
          const periods = firstPeriods(schedule, 24);
          const bounds = [periods[0]!.fullStart, ...periods.map((p) => p.fullEnd)];
          let previous: ZonedParts | null = null;
          for (const b of bounds) {
            const here = instantToZonedParts(b, zone);
            const before = instantToZonedParts(new Date(b.getTime() - 1), zone);
            // Local midnight, or (midnight skipped by a clock change) the first instant of the day.
            expect(dayNumber(before)).toBeLessThan(dayNumber(here));
            if (here.hour !== 0 || here.minute !== 0) expect(before.hour).toBe(23);
            expect([here.second, here.millisecond]).toEqual([0, 0]);
            if (unit === 'W') expect(here.weekday).toBe(1);
            if (unit === 'M' || unit === 'Y') expect(here.day).toBe(1);
            if (unit === 'M' && 12 % n === 0) expect((here.month - 1) % n).toBe(0);
            if (unit === 'Y') expect(here.month).toBe(1);
            if (previous !== null) {
              if (unit === 'D') expect(dayNumber(here) - dayNumber(previous)).toBe(n);
              if (unit === 'W') expect(dayNumber(here) - dayNumber(previous)).toBe(7 * n);
              if (unit === 'M') expect(monthNumber(here) - monthNumber(previous)).toBe(n);
              if (unit === 'Y') expect(monthNumber(here) - monthNumber(previous)).toBe(12 * n);
            }
            previous = here;
          }
          // The first period's full bounds contain startAt: a stub, or full when it starts on a boundary.
          const first = periods[0]!;
          expect(first.fullStart.getTime()).toBeLessThanOrEqual(first.start.getTime());
          expect(first.start.getTime()).toBeLessThan(first.fullEnd.getTime());
        },
      ),
      RUNS,
    );
  });

  it("anniversary boundaries are the anchor's wall time, n units on (clamped), unless skipped by DST", () => {
    fc.assert(
      fc.property(
        scheduleArb.filter((g) => g.schedule.alignment === 'anniversary'),
        ({ schedule, startMs }) => {
          const { n, unit } = cadenceOf(schedule);
          const zone = schedule.timeZone;
          const anchor = instantToZonedParts(new Date(startMs), zone);
          for (const p of firstPeriods(schedule, 24).slice(1)) {
            const k = p.index;
            let expected: Omit<ZonedParts, 'weekday' | 'offsetMs'>;
            if (unit === 'D' || unit === 'W') {
              const date = new Date((dayNumber(anchor) + k * n * (unit === 'W' ? 7 : 1)) * DAY);
              expected = {
                ...anchor,
                year: date.getUTCFullYear(),
                month: date.getUTCMonth() + 1,
                day: date.getUTCDate(),
              };
            } else {
              const m = monthNumber(anchor) + k * n * (unit === 'Y' ? 12 : 1);
              const year = Math.floor(m / 12);
              const month = (m % 12) + 1;
              expected = { ...anchor, year, month, day: Math.min(anchor.day, daysInMonth(year, month)) };
            }
            const here = instantToZonedParts(p.start, zone);
            if (wallMs(here) !== wallMs(expected)) {
              // The wall time does not exist that day: the boundary is the first instant after the gap.
              const before = instantToZonedParts(new Date(p.start.getTime() - 1), zone);
              expect(wallMs(before)).toBeLessThan(wallMs(expected));
              expect(wallMs(here)).toBeGreaterThan(wallMs(expected));
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('anniversary months never drift: period k starts on min(anchor day, days in its month)', () => {
    fc.assert(
      fc.property(
        zoneArb,
        fc.integer({ min: 1995, max: 2040 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 28, max: 31 }),
        fc.constantFrom('P1M', 'P2M', 'P3M', 'P6M', 'P1Y'),
        (zone, year, month, day, cadence) => {
          const d = Math.min(day, daysInMonth(year, month));
          const start = zonedWallTimeToInstant(year, month, d, 12, 0, 0, 0, zone);
          const s = parseBillingSchedule({
            startAt: start,
            cadence,
            alignment: 'anniversary',
            timeZone: zone,
          });
          const step = cadenceOf(s).unit === 'Y' ? 12 : cadenceOf(s).n;
          for (const p of firstPeriods(s, 40)) {
            const m = year * 12 + month - 1 + p.index * step;
            const here = instantToZonedParts(p.start, zone);
            expect([here.year, here.month, here.day]).toEqual([
              Math.floor(m / 12),
              (m % 12) + 1,
              Math.min(d, daysInMonth(Math.floor(m / 12), (m % 12) + 1)),
            ]);
          }
        },
      ),
      RUNS,
    );
  });

  it('periodAt(at) contains at, is periodByIndex(its index), and the next boundary is its end', () => {
    fc.assert(
      fc.property(
        scheduleArb,
        fc.integer({ min: -30 * DAY, max: 20 * 366 * DAY }),
        ({ schedule, startMs, endMs }, offset) => {
          const at = new Date(startMs + offset);
          const p = periodAt(schedule, at);
          if (offset < 0 || (endMs !== null && at.getTime() >= endMs)) {
            expect(p).toBeNull();
            return;
          }
          expect(p).not.toBeNull();
          expect(p!.start.getTime()).toBeLessThanOrEqual(at.getTime());
          expect(at.getTime()).toBeLessThan(p!.end.getTime());
          expect(periodByIndex(schedule, p!.index)).toEqual(p);
          expect(nextBoundaryAfter(schedule, at)).toEqual(p!.end);
          expect(periodsBetween(schedule, at, new Date(at.getTime() + 1))).toEqual([p]);
        },
      ),
      RUNS,
    );
  });

  it('periodsBetween(from, to) covers [from, to) within the subscription exactly, in order', () => {
    fc.assert(
      fc.property(
        scheduleArb,
        fc.integer({ min: -400 * DAY, max: 3 * 366 * DAY }),
        fc.integer({ min: 0, max: 3 * 366 * DAY }),
        ({ schedule, startMs, endMs }, offset, length) => {
          const from = startMs + offset;
          const to = from + length;
          const periods = periodsBetween(schedule, new Date(from), new Date(to));
          const lower = Math.max(from, startMs);
          const upper = Math.min(to, endMs ?? Infinity);
          if (lower >= upper) {
            expect(periods).toEqual([]);
            return;
          }
          const first = periods[0]!;
          const last = periods[periods.length - 1]!;
          expect(first.start.getTime()).toBeLessThanOrEqual(lower);
          expect(lower).toBeLessThan(first.end.getTime());
          expect(last.start.getTime()).toBeLessThan(upper);
          expect(upper).toBeLessThanOrEqual(last.end.getTime());
          for (const [i, p] of periods.entries()) {
            expect(p.index).toBe(first.index + i);
            if (i > 0) expect(p.start).toEqual(periods[i - 1]!.end);
          }
          // At most one cut period at each end of the subscription.
          const cut = periods.filter((p) => p.partial);
          expect(cut.every((p) => p.index === 0 || p.end.getTime() === endMs)).toBe(true);
          expect(cut.length).toBeLessThanOrEqual(2);
        },
      ),
      RUNS,
    );
  });

  it('a wall time read at an instant converts back to that instant, or the earlier one if it happens twice', () => {
    fc.assert(
      fc.property(
        zoneArb,
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2050, 0, 1) }),
        (zone, t) => {
          const here = instantToZonedParts(new Date(t), zone);
          const back = zonedWallTimeToInstant(
            here.year,
            here.month,
            here.day,
            here.hour,
            here.minute,
            here.second,
            here.millisecond,
            zone,
          );
          expect(wallMs(instantToZonedParts(back, zone))).toBe(wallMs(here));
          expect(back.getTime()).toBeLessThanOrEqual(t);
          // Earlier only when the clock went back in between (a larger offset at the earlier instant).
          if (back.getTime() < t)
            expect(instantToZonedParts(back, zone).offsetMs).toBeGreaterThan(here.offsetMs);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a wall time in a DST gap gives the first instant after the gap; one in an overlap, the earlier instant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'Europe/Berlin',
          'America/New_York',
          'America/Santiago',
          'Pacific/Chatham',
          'Australia/Lord_Howe',
        ),
        fc.integer({ min: 1995, max: 2045 }),
        fc.nat(),
        (zone, year, pick) => {
          const found = transitions(zone, year);
          fc.pre(found.length > 0); // Chile kept summer time all of 2015
          for (const { at, before, after } of found) {
            // Wall times (as UTC ms) from at + min(before, after) to at + max(before, after) are skipped
            // (after > before) or happen twice (after < before).
            const from = at + Math.min(before, after);
            const span = Math.abs(after - before);
            const wall = new Date(from + (pick % span));
            const r = zonedWallTimeToInstant(
              wall.getUTCFullYear(),
              wall.getUTCMonth() + 1,
              wall.getUTCDate(),
              wall.getUTCHours(),
              wall.getUTCMinutes(),
              wall.getUTCSeconds(),
              wall.getUTCMilliseconds(),
              zone,
            );
            expect(r.getTime()).toBe(after > before ? at : wall.getTime() - before);
          }
        },
      ),
      RUNS,
    );
  });
});

/** The instants in `year` where the offset of `zone` changes, found by a weekly scan and bisection. */
function transitions(zone: string, year: number): { at: number; before: number; after: number }[] {
  const offset = (t: number) => instantToZonedParts(new Date(t), zone).offsetMs;
  const out: { at: number; before: number; after: number }[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  for (let t = Date.UTC(year, 0, 1); t < end; t += 7 * DAY) {
    const before = offset(t);
    const after = offset(t + 7 * DAY);
    if (before === after) continue;
    let lo = t;
    let hi = t + 7 * DAY;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offset(mid) === before) lo = mid;
      else hi = mid;
    }
    out.push({ at: hi, before, after });
  }
  return out;
}
