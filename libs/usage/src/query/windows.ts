import { instantToZonedParts, zonedWallTimeToInstant } from '@mu/pricing';
import type { WindowSize } from './types';

/**
 * Calendar windows, aligned in an IANA zone exactly as the SQL aligns rows (`toStartOfHour(time,
 * tz)`, `toStartOfDay(time, tz)`, `toStartOfMonth(time, tz)`): a DAY starts at local midnight and
 * lasts 23, 24 or 25 hours; a MONTH starts at local midnight on the 1st. MINUTE windows are UTC
 * minutes (every zone in use today has whole-minute offsets), HOUR windows are local hours of
 * 3,600 s.
 */
export interface Window {
  /** Aligned start, epoch ms (may precede the range's `from`). */
  readonly alignedStart: number;
  /** Clipped to [from, to). */
  readonly start: number;
  readonly end: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The aligned start of the window holding instant `ms`. */
export function windowStartOf(ms: number, size: WindowSize, tz: string): number {
  if (size === 'MINUTE') return Math.floor(ms / MINUTE) * MINUTE;
  const p = instantToZonedParts(new Date(ms), tz);
  switch (size) {
    case 'HOUR':
      return ms - (p.minute * MINUTE + p.second * 1000 + p.millisecond);
    case 'DAY':
      return zonedWallTimeToInstant(p.year, p.month, p.day, 0, 0, 0, 0, tz).getTime();
    case 'MONTH':
      return zonedWallTimeToInstant(p.year, p.month, 1, 0, 0, 0, 0, tz).getTime();
  }
}

/** The aligned start of the window after the one starting at `alignedStart`. */
function nextWindowStart(alignedStart: number, size: WindowSize, tz: string): number {
  if (size === 'MINUTE') return alignedStart + MINUTE;
  if (size === 'HOUR') return alignedStart + HOUR;
  const p = instantToZonedParts(new Date(alignedStart), tz);
  // Date.UTC normalises day 32 or month 13 into the next month or year.
  const next = new Date(
    Date.UTC(p.year, p.month - 1 + (size === 'MONTH' ? 1 : 0), size === 'DAY' ? p.day + 1 : 1),
  );
  return zonedWallTimeToInstant(
    next.getUTCFullYear(),
    next.getUTCMonth() + 1,
    next.getUTCDate(),
    0,
    0,
    0,
    0,
    tz,
  ).getTime();
}

/**
 * The windows covering [from, to), first and last cut at the range; undefined `size` gives the
 * whole range as one window. Returns null when there would be more than `max` windows.
 */
export function windowsBetween(
  from: number,
  to: number,
  size: WindowSize | undefined,
  tz: string,
  max: number,
): Window[] | null {
  if (!size) return [{ alignedStart: 0, start: from, end: to }];
  const out: Window[] = [];
  let aligned = windowStartOf(from, size, tz);
  while (aligned < to) {
    if (out.length === max) return null;
    const next = nextWindowStart(aligned, size, tz);
    out.push({ alignedStart: aligned, start: Math.max(aligned, from), end: Math.min(next, to) });
    aligned = next;
  }
  return out;
}

/** How many windows of `size` cover [from, to), counting at most `max + 1`. */
export function countWindows(from: number, to: number, size: WindowSize, tz: string, max: number): number {
  return windowsBetween(from, to, size, tz, max)?.length ?? max + 1;
}
