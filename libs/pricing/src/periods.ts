// Billing periods of a subscription: which period contains an instant, where each period starts and
// ends, for any date, in the customer's time zone. No date library: IANA zones come from the Intl
// built into Node. See docs/pricing.md, "Billing periods".
import { PricingError, type Issue, type IssueRule } from './errors';
import { describeJson } from './money';
import type { Instant } from './proration';
import { isJsonObject } from './spec-reader';

// ---------------------------------------------------------------------------------------------------
// Errors

/**
 * The rules of `IssueRule` plus the ones only billing periods break: `duration` (a cadence that is not
 * a supported ISO 8601 duration), `time_zone` (not an IANA zone), `max_periods` (a range spanning
 * more than 10,000 periods) and `wall_time` (a local date and time that is not a real one).
 */
export type PeriodIssueRule = IssueRule | 'duration' | 'time_zone' | 'max_periods' | 'wall_time';

export interface PeriodIssue {
  readonly path: string;
  readonly rule: PeriodIssueRule;
  readonly message: string;
}

/** A billing schedule that cannot be computed on; lists every issue found. */
export class PeriodError extends PricingError {
  readonly code = 'INVALID_PERIOD_SPEC';

  constructor(issues: readonly PeriodIssue[]) {
    // IssueRule (errors.ts) does not list the period rules yet: `issues` carries PeriodIssueRule.
    super('invalid billing schedule', issues as readonly Issue[]);
  }
}

/** Arguments of a period query (an instant, an index, a range, a wall time or a zone) that are refused. */
export class PeriodQueryError extends PricingError {
  readonly code = 'INVALID_PERIOD_QUERY';

  constructor(issues: readonly PeriodIssue[]) {
    super('invalid billing period query', issues as readonly Issue[]);
  }
}

// ---------------------------------------------------------------------------------------------------
// Public types

export type BillingAlignment = 'calendar' | 'anniversary';

/** A subscription's billing schedule, as stored (JSON) or built in code. */
export interface BillingSchedule {
  /** The instant the subscription starts: a Date or an ISO 8601 string with its offset. */
  readonly startAt: Instant;
  /** The instant it ends (exclusive), if it does. */
  readonly endAt?: Instant | null;
  /** ISO 8601 duration: `PnD`, `PnW`, `PnM` or `PnY`, n from 1 to 999 (`P1M`, `P3M`, `P2W`, `P1Y`). */
  readonly cadence: string;
  readonly alignment: BillingAlignment;
  /** IANA time zone of the customer, e.g. `America/New_York`. */
  readonly timeZone: string;
}

export interface BillingPeriod {
  /** 0 for the period that contains `startAt`, then 1, 2, ... */
  readonly index: number;
  /** The period is [start, end): cut at `startAt` and `endAt`. */
  readonly start: Date;
  readonly end: Date;
  /** True when the period was cut (start !== fullStart or end !== fullEnd): a stub to prorate. */
  readonly partial: boolean;
  /** The uncut calendar or anniversary bounds: prorate by (end - start) / (fullEnd - fullStart). */
  readonly fullStart: Date;
  readonly fullEnd: Date;
}

/** A local date and time in a zone. `month` 1-12; `weekday` 1 (Monday) to 7 (Sunday), as ISO 8601. */
export interface ZonedParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  readonly weekday: number;
  /** Local time minus UTC at that instant, in milliseconds (+05:30 is 19,800,000). */
  readonly offsetMs: number;
}

/** `periodsBetween` refuses ranges spanning more periods than this. */
export const MAX_PERIODS_BETWEEN = 10_000;

// ---------------------------------------------------------------------------------------------------
// Civil (proleptic Gregorian) arithmetic, on UTC so the machine's zone never matters

const DAY_MS = 86_400_000;
/** Instants are supported from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (4-digit ISO years). */
const MIN_MS = Date.parse('0000-01-01T00:00:00Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const WALL_FIELDS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'millisecond'] as const;

/** The wall time read as if it were UTC, in ms. setUTCFullYear keeps years 0-99 (Date.UTC maps them to 19xx). */
function wallMillis(w: Wall): number {
  return new Date(Date.UTC(2000, 0, 1, w.hour, w.minute, w.second, w.millisecond)).setUTCFullYear(
    w.year,
    w.month - 1,
    w.day,
  );
}

function utcWall(ms: number): Wall {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/** Days since 1970-01-01 of a date. */
function dayNumber(year: number, month: number, day: number): number {
  return new Date(0).setUTCFullYear(year, month - 1, day) / DAY_MS;
}

function daysInMonth(year: number, month: number): number {
  return new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate();
}

/** 1 (Monday) to 7 (Sunday); day 0, 1970-01-01, was a Thursday. */
function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

// ---------------------------------------------------------------------------------------------------
// Time zones, through Intl

// One formatter per zone (they are costly to build), keyed by the lower-cased name: Intl matches zone
// names case-insensitively, so the cache cannot grow past the number of zones Intl knows.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The formatter of an IANA zone, or null when Intl does not know it (or it is an offset like +05:30). */
function formatterFor(zone: unknown): Intl.DateTimeFormat | null {
  if (typeof zone !== 'string' || !/^[A-Za-z]/.test(zone)) return null;
  const key = zone.toLowerCase();
  let f = formatters.get(key);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      return null;
    }
    formatters.set(key, f);
  }
  return f;
}

function timeZoneIssue(zone: unknown, path: string): PeriodIssue {
  return {
    path,
    rule: 'time_zone',
    message: `must be an IANA time zone such as Europe/Berlin, not ${describeJson(zone)}`,
  };
}

/** The wall time in the formatter's zone at instant `t` (ms). */
function zonedWall(t: number, f: Intl.DateTimeFormat): Wall {
  const v: Partial<Record<string, string>> = {};
  for (const part of f.formatToParts(t)) v[part.type] = part.value;
  const yearOfEra = Number(v.year);
  return {
    year: v.era === 'BC' ? 1 - yearOfEra : yearOfEra,
    month: Number(v.month),
    day: Number(v.day),
    hour: Number(v.hour),
    minute: Number(v.minute),
    second: Number(v.second),
    millisecond: ((t % 1000) + 1000) % 1000,
  };
}

/** Local time minus UTC at instant `t`, in ms. */
function offsetAt(t: number, f: Intl.DateTimeFormat): number {
  return wallMillis(zonedWall(t, f)) - t;
}

/**
 * The instant a wall time happens in the formatter's zone. The offsets a day before and a day after
 * give the candidates (the standard two-pass technique); a candidate is right when the offset at it
 * is the one it was computed with. Two right ones: the wall time happens twice (fall back), take the
 * earlier. None: it falls in a gap (spring forward), take the first instant after the gap, found by
 * bisection between the candidates. Offsets are assumed not to change twice within two days (a scan
 * of every zone's daily offsets, 1900-2040, found no such case).
 */
function wallToInstant(w: Wall, f: Intl.DateTimeFormat): number {
  const local = wallMillis(w);
  const before = offsetAt(local - DAY_MS, f);
  const after = offsetAt(local + DAY_MS, f);
  // The usual case: the offset does not change within a day of the wall time.
  if (before === after) return local - before;
  const early = local - before;
  const late = local - after;
  const earlyOk = offsetAt(early, f) === before;
  const lateOk = offsetAt(late, f) === after;
  if (earlyOk && lateOk) return Math.min(early, late);
  if (earlyOk) return early;
  if (lateOk) return late;
  // In a gap the clock moved forward, so after > before and late < early: the transition is in (late, early].
  let lo = late;
  let hi = early;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, f) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

// Same format as proration's instants (an offset is required); Date.parse would roll 2025-02-30 into March.
const ISO_INSTANT =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,3})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** Milliseconds since the epoch, or the issue that stops `value` being a supported instant. */
function toMillis(value: unknown, path: string): number | PeriodIssue {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string' && isIsoInstant(value)) ms = Date.parse(value);
  else
    return {
      path,
      rule: 'instant',
      message: `must be a Date or an ISO 8601 date-time with an offset, such as 2025-01-31T00:00:00Z, not ${describeJson(value)}`,
    };
  return ms >= MIN_MS && ms <= MAX_MS
    ? ms
    : {
        path,
        rule: 'instant',
        message: 'must be a valid instant from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z',
      };
}

function isIsoInstant(value: string): boolean {
  const m = ISO_INSTANT.exec(value);
  return m !== null && Number(m[3]) <= daysInMonth(Number(m[1]), Number(m[2]));
}

function queryInstant(value: Instant, path: string): number {
  const ms = toMillis(value, path);
  if (typeof ms !== 'number') throw new PeriodQueryError([ms]);
  return ms;
}

function queryZone(zone: string): Intl.DateTimeFormat {
  const f = formatterFor(zone);
  if (f === null) throw new PeriodQueryError([timeZoneIssue(zone, 'zone')]);
  return f;
}

/**
 * The instant at which the wall clock in `zone` shows this local date and time (`month` 1-12). A time
 * skipped by a forward jump (spring forward) gives the first instant after the jump; a time that
 * happens twice (fall back) gives the earlier. Years 0 to 9999; every field must be a real one.
 */
export function zonedWallTimeToInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
  zone: string,
): Date {
  const f = queryZone(zone);
  const w: Wall = { year, month, day, hour, minute, second, millisecond };
  const back = utcWall(wallMillis(w));
  if (!(year >= 0 && year <= 9999 && WALL_FIELDS.every((k) => back[k] === w[k]))) {
    const text = WALL_FIELDS.map((k) => String(w[k])).join(', ');
    throw new PeriodQueryError([
      { path: 'wallTime', rule: 'wall_time', message: `(${text}) is not a date and time of years 0-9999` },
    ]);
  }
  return new Date(wallToInstant(w, f));
}

/** The local date and time in `zone` at an instant, with the weekday and the offset from UTC. */
export function instantToZonedParts(instant: Instant, zone: string): ZonedParts {
  const f = queryZone(zone);
  const t = queryInstant(instant, 'instant');
  const w = zonedWall(t, f);
  return { ...w, weekday: isoWeekday(dayNumber(w.year, w.month, w.day)), offsetMs: wallMillis(w) - t };
}

// ---------------------------------------------------------------------------------------------------
// The schedule, compiled into a grid of boundaries

interface Cadence {
  readonly n: number;
  readonly unit: 'D' | 'W' | 'M' | 'Y';
}

/**
 * Boundary k is the wall time `origin` + k x `step` (days, or months clamped to the month's length)
 * turned into an instant. Period i lies between boundaries k0 + i and k0 + i + 1, cut at start/end.
 */
interface Grid {
  readonly f: Intl.DateTimeFormat;
  readonly months: boolean;
  readonly step: number;
  readonly origin: Wall;
  /** The origin's day number, or its month count (year x 12 + month - 1). */
  readonly originIndex: number;
  /** Anniversary: boundary 0 is startAt itself (its wall time may happen twice). */
  readonly anniversary: boolean;
  readonly startMs: number;
  /** Infinity when the subscription does not end. */
  readonly endMs: number;
  /** Boundary index of period 0, and of the last period (the one containing endAt - 1 or year 9999's end). */
  k0: number;
  lastK: number;
  /** The boundaries last located: most queries (a rater's events) fall in the same period. */
  recent: Located;
}

interface Located {
  readonly k: number;
  readonly lo: number;
  readonly hi: number;
}

const FIELDS = ['startAt', 'endAt', 'cadence', 'alignment', 'timeZone'];
const ALIGNMENTS: readonly BillingAlignment[] = ['calendar', 'anniversary'];
const CADENCE = /^P([0-9]{1,3})([DWMY])$/;
const STEP: Record<Cadence['unit'], number> = { D: 1, W: 7, M: 1, Y: 12 };

function parseCadence(raw: unknown, issues: PeriodIssue[]): Cadence {
  const fallback: Cadence = { n: 1, unit: 'D' };
  if (typeof raw !== 'string') {
    issues.push({ path: 'cadence', rule: 'type', message: `must be a string, not ${describeJson(raw)}` });
    return fallback;
  }
  const m = CADENCE.exec(raw);
  if (m === null) {
    issues.push({
      path: 'cadence',
      rule: 'duration',
      message: `must be an ISO 8601 duration of 1 to 999 days, weeks, months or years (P1D, P2W, P1M, P3M, P1Y), not ${JSON.stringify(raw)}: times and combined durations (PT1H, P1M2D) are not supported`,
    });
    return fallback;
  }
  const n = Number(m[1]);
  if (n === 0) {
    issues.push({ path: 'cadence', rule: 'positive', message: `must be at least one unit long, not ${raw}` });
    return fallback;
  }
  return { n, unit: m[2] as Cadence['unit'] };
}

/** Year, month and day of the calendar grid's origin: the start of the unit containing `w`. */
function calendarOrigin(w: Wall, c: Cadence): Pick<Wall, 'year' | 'month' | 'day'> {
  switch (c.unit) {
    case 'D':
      return w;
    case 'W': {
      const days = dayNumber(w.year, w.month, w.day);
      return utcWall((days - isoWeekday(days) + 1) * DAY_MS);
    }
    case 'M': {
      // Cadences that divide the year line up with it (P3M: quarters, P6M: halves); others start at startAt's month.
      const size = 12 % c.n === 0 ? c.n : 1;
      return { year: w.year, month: Math.floor((w.month - 1) / size) * size + 1, day: 1 };
    }
    case 'Y':
      return { year: w.year, month: 1, day: 1 };
  }
}

function compile(json: unknown): { schedule: BillingSchedule; grid: Grid } {
  if (!isJsonObject(json))
    throw new PeriodError([
      { path: '', rule: 'type', message: `must be an object, not ${describeJson(json)}` },
    ]);
  const issues: PeriodIssue[] = [];
  for (const key of Object.keys(json)) {
    if (!FIELDS.includes(key))
      issues.push({ path: key, rule: 'unknown_field', message: 'is not a field of a billing schedule' });
  }
  const required = (key: string): boolean => {
    if (Object.prototype.hasOwnProperty.call(json, key) && json[key] !== undefined) return true;
    issues.push({ path: key, rule: 'required', message: 'is required' });
    return false;
  };

  // NaN until valid, so that a missing or invalid startAt does not also make endAt out of order.
  let startMs = NaN;
  if (required('startAt')) {
    const ms = toMillis(json.startAt, 'startAt');
    if (typeof ms === 'number') startMs = ms;
    else issues.push(ms);
  }
  let endMs = Infinity;
  const rawEnd = json.endAt ?? null;
  if (rawEnd !== null) {
    const ms = toMillis(rawEnd, 'endAt');
    if (typeof ms === 'number') endMs = ms;
    else issues.push(ms);
  }
  if (endMs <= startMs)
    issues.push({ path: 'endAt', rule: 'period_order', message: 'must be after startAt' });

  const cadence = required('cadence') ? parseCadence(json.cadence, issues) : { n: 1, unit: 'D' as const };

  let alignment: BillingAlignment = 'calendar';
  if (required('alignment')) {
    if (ALIGNMENTS.includes(json.alignment as BillingAlignment))
      alignment = json.alignment as BillingAlignment;
    else
      issues.push({
        path: 'alignment',
        rule: 'one_of',
        message: `must be one of "calendar", "anniversary", not ${describeJson(json.alignment)}`,
      });
  }

  let f: Intl.DateTimeFormat | null = null;
  if (required('timeZone')) {
    f = formatterFor(json.timeZone);
    if (f === null) issues.push(timeZoneIssue(json.timeZone, 'timeZone'));
  }

  if (issues.length > 0 || f === null) throw new PeriodError(issues);

  const schedule: BillingSchedule = Object.freeze({
    startAt: new Date(startMs).toISOString(),
    endAt: endMs === Infinity ? null : new Date(endMs).toISOString(),
    cadence: `P${cadence.n}${cadence.unit}`,
    alignment,
    timeZone: json.timeZone as string,
  });

  const start = zonedWall(startMs, f);
  const anniversary = alignment === 'anniversary';
  const origin: Wall = anniversary
    ? start
    : { ...calendarOrigin(start, cadence), hour: 0, minute: 0, second: 0, millisecond: 0 };
  const months = cadence.unit === 'M' || cadence.unit === 'Y';
  const grid: Grid = {
    f,
    months,
    step: cadence.n * STEP[cadence.unit],
    origin,
    originIndex: months
      ? origin.year * 12 + origin.month - 1
      : dayNumber(origin.year, origin.month, origin.day),
    anniversary,
    startMs,
    endMs,
    k0: 0,
    lastK: 0,
    recent: { k: 0, lo: NaN, hi: NaN },
  };
  grid.k0 = locate(grid, startMs).k;
  grid.lastK = locate(grid, Math.min(endMs - 1, MAX_MS)).k;
  return { schedule, grid };
}

function boundaryWall(g: Grid, k: number): Wall {
  if (g.months) {
    const count = g.originIndex + k * g.step;
    const year = Math.floor(count / 12);
    const month = count - year * 12 + 1;
    return { ...g.origin, year, month, day: Math.min(g.origin.day, daysInMonth(year, month)) };
  }
  const date = utcWall((g.originIndex + k * g.step) * DAY_MS);
  return { ...g.origin, year: date.year, month: date.month, day: date.day };
}

function boundary(g: Grid, k: number): number {
  return k === 0 && g.anniversary ? g.startMs : wallToInstant(boundaryWall(g, k), g.f);
}

/**
 * The boundaries around `t`: lo <= t < hi, boundary k and k + 1. The index is estimated from the wall
 * date (days or months since the origin, divided by the step), then corrected by a step or two where
 * the wall time of day, month-end clamping or a clock change puts `t` on the other side.
 */
function locate(g: Grid, t: number): Located {
  if (g.recent.lo <= t && t < g.recent.hi) return g.recent;
  const w = zonedWall(t, g.f);
  const here = g.months ? w.year * 12 + w.month - 1 : dayNumber(w.year, w.month, w.day);
  let k = Math.floor((here - g.originIndex) / g.step);
  let lo = boundary(g, k);
  while (lo > t) {
    k -= 1;
    lo = boundary(g, k);
  }
  let hi = boundary(g, k + 1);
  // Only when the clock goes back across midnight (Antarctica/Casey, 2010-03-05): the date lags.
  while (hi <= t) {
    k += 1;
    lo = hi;
    hi = boundary(g, k + 1);
  }
  g.recent = { k, lo, hi };
  return g.recent;
}

function period(g: Grid, k: number, lo: number, hi: number): BillingPeriod {
  const start = Math.max(lo, g.startMs);
  const end = Math.min(hi, g.endMs);
  return {
    index: k - g.k0,
    start: new Date(start),
    end: new Date(end),
    partial: start !== lo || end !== hi,
    fullStart: new Date(lo),
    fullEnd: new Date(hi),
  };
}

// Grids of the schedules parseBillingSchedule returned (frozen, so they cannot go stale).
const grids = new WeakMap<BillingSchedule, Grid>();

function gridOf(schedule: BillingSchedule): Grid {
  return grids.get(schedule) ?? compile(schedule).grid;
}

// ---------------------------------------------------------------------------------------------------
// API

/**
 * Validates a billing schedule (JSON, or an object with Date instants) and compiles it once. Throws
 * one PeriodError (`INVALID_PERIOD_SPEC`) listing every issue. Returns the normalised schedule,
 * frozen, with instants as UTC ISO strings: store it, and pass it to the period functions (which
 * also take an unparsed schedule, but then validate it on every call).
 */
export function parseBillingSchedule(json: unknown): BillingSchedule {
  const { schedule, grid } = compile(json);
  grids.set(schedule, grid);
  return schedule;
}

/** The period containing instant `at`; null before startAt and from endAt on. */
export function periodAt(schedule: BillingSchedule, at: Instant): BillingPeriod | null {
  const g = gridOf(schedule);
  const t = queryInstant(at, 'at');
  if (t < g.startMs || t >= g.endMs) return null;
  const { k, lo, hi } = locate(g, t);
  return period(g, k, lo, hi);
}

/**
 * Period number `index` (0 is the one containing startAt); null past the last period (the one that
 * contains endAt's last millisecond, or the end of year 9999). Periods after the first cannot be
 * before startAt, so any index from 0 up to there has a period.
 */
export function periodByIndex(schedule: BillingSchedule, index: number): BillingPeriod | null {
  const g = gridOf(schedule);
  if (!Number.isSafeInteger(index))
    throw new PeriodQueryError([
      { path: 'index', rule: 'integer', message: `must be a whole number, not ${describeJson(index)}` },
    ]);
  if (index < 0)
    throw new PeriodQueryError([
      { path: 'index', rule: 'non_negative', message: `must not be negative (${index})` },
    ]);
  const k = g.k0 + index;
  if (k > g.lastK) return null;
  return period(g, k, boundary(g, k), boundary(g, k + 1));
}

/**
 * Every period overlapping [from, to), in order: the first may start before `from`, the last end
 * after `to`. Refuses (PeriodQueryError, rule `max_periods`) ranges spanning more than 10,000 periods.
 * Empty periods (a whole local day skipped, as in Samoa on 2011-12-30) overlap nothing.
 */
export function periodsBetween(schedule: BillingSchedule, from: Instant, to: Instant): BillingPeriod[] {
  const g = gridOf(schedule);
  const a = toMillis(from, 'from');
  const b = toMillis(to, 'to');
  if (typeof a !== 'number' || typeof b !== 'number')
    throw new PeriodQueryError([a, b].filter((v): v is PeriodIssue => typeof v !== 'number'));
  if (b < a)
    throw new PeriodQueryError([{ path: 'to', rule: 'period_order', message: 'must not be before from' }]);
  const lower = Math.max(a, g.startMs);
  const upper = Math.min(b, g.endMs);
  if (lower >= upper) return [];
  const first = locate(g, lower);
  const last = locate(g, upper - 1);
  const count = last.k - first.k + 1;
  if (count > MAX_PERIODS_BETWEEN)
    throw new PeriodQueryError([
      {
        path: 'to',
        rule: 'max_periods',
        message: `[from, to) spans ${count} periods; at most ${MAX_PERIODS_BETWEEN} at a time`,
      },
    ]);
  const periods: BillingPeriod[] = [];
  let { k, lo, hi } = first;
  for (;;) {
    if (hi > lo) periods.push(period(g, k, lo, hi));
    if (k === last.k) return periods;
    k += 1;
    lo = hi;
    hi = boundary(g, k + 1);
  }
}

/**
 * The first instant after `at` where a period starts or ends: startAt before the subscription, the
 * end of the period containing `at` during it (endAt for the last one), null from endAt on.
 */
export function nextBoundaryAfter(schedule: BillingSchedule, at: Instant): Date | null {
  const g = gridOf(schedule);
  const t = queryInstant(at, 'at');
  if (t < g.startMs) return new Date(g.startMs);
  if (t >= g.endMs) return null;
  return new Date(Math.min(locate(g, t).hi, g.endMs));
}
