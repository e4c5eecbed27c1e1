/**
 * Hand-written, allocation-free acceptance checks for the contracts on the hot event path
 * (raw and unique usage batches: tens of thousands of events a second). A fast check is
 * conservative: it answers true only for payloads the class-validator contract certainly
 * accepts, and false for anything doubtful, which then goes through the full validator
 * (same verdict, and the detailed issues). A spec runs both over a table of payloads.
 */
import { NORMALISED_TIME } from './messages/usage-event';

/** class-validator's Length counts code points and ignores U+FE0E/U+FE0F; UTF-16 length bounds it from above. */
export function fitsLength(value: unknown, max: number): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) return false;
  // At least one character that is not a variation selector guarantees a length >= 1.
  const first = value.charCodeAt(0);
  return first !== 0xfe0e && first !== 0xfe0f;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every own key of `obj` is one of `allowed` (whitelist + forbidNonWhitelisted). */
export function onlyKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const k in obj) if (!allowed.has(k)) return false;
  return true;
}

const EVENT_KEYS = new Set(['id', 'source', 'type', 'subject', 'time', 'data', 'specversion']);

/** UsageEventV1, certainly valid. */
export function isUsageEvent(e: unknown): boolean {
  if (!isPlainObject(e) || !onlyKeys(e, EVENT_KEYS)) return false;
  return (
    fitsLength(e.id, 256) &&
    fitsLength(e.source, 1024) &&
    fitsLength(e.type, 256) &&
    fitsLength(e.subject, 256) &&
    typeof e.time === 'string' &&
    NORMALISED_TIME.test(e.time) &&
    isPlainObject(e.data) &&
    (e.specversion === undefined || typeof e.specversion === 'string')
  );
}

/** A non-empty array of at most `max` certainly valid events. */
export function areUsageEvents(events: unknown, max: number): boolean {
  if (!Array.isArray(events) || events.length === 0 || events.length > max) return false;
  for (const e of events) if (!isUsageEvent(e)) return false;
  return true;
}
