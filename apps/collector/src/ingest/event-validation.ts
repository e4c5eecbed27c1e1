/**
 * Hand-written checks for one incoming CloudEvent. This is the hot path (tens of thousands of
 * events a second), so there is no class-validator here: plain type tests, one walk over `data`,
 * and `data` serialised once, the same text that later goes into the batch message.
 *
 * The output of `validateEvent` always satisfies the UsageEventV1 contract (a spec checks it
 * against `validateMessage`), which is why the batch is published without running the class
 * validators again.
 */

/** Stable per-event error codes. Messages are for people and may change. */
export type EventErrorCode =
  | 'INVALID_EVENT'
  | 'MISSING_FIELD'
  | 'INVALID_ID'
  | 'INVALID_SOURCE'
  | 'INVALID_TYPE'
  | 'INVALID_SUBJECT'
  | 'INVALID_SPECVERSION'
  | 'INVALID_TIME'
  | 'TIME_IN_FUTURE'
  | 'TIME_TOO_OLD'
  | 'INVALID_DATA'
  | 'DATA_TOO_LARGE';

export interface EventError {
  code: EventErrorCode;
  message: string;
  field?: string;
}

export interface ValidationLimits {
  maxDataBytes: number;
  /** Oldest accepted event time, as ms before the receive time. */
  lateArrivalMs: number;
  /** Newest accepted event time, as ms after the receive time. */
  maxFutureMs: number;
}

/** A valid event, normalised; `dataJson` is `data` already serialised. */
export interface ValidEvent {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  dataJson: string;
  specversion?: string;
}

export type EventOutcome = { ok: true; event: ValidEvent } | { ok: false; error: EventError };

/**
 * `source` when the client sends none. Not the API key id: the deduplicator keys on
 * (tenant, source, id), and a key rotation must not make a retried event look new.
 */
export const DEFAULT_SOURCE = 'default';

const MAX_DATA_DEPTH = 32;
const fail = (code: EventErrorCode, message: string, field?: string): EventOutcome => ({
  ok: false,
  error: field === undefined ? { code, message } : { code, message, field },
});

function checkString(
  ev: Record<string, unknown>,
  field: 'id' | 'source' | 'type' | 'subject',
  code: EventErrorCode,
  max: number,
): EventOutcome | string | undefined {
  const v = ev[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return fail(code, `${field} must be a string`, field);
  if (v.length < 1 || v.length > max) return fail(code, `${field} must be 1-${max} characters`, field);
  return v;
}

export function validateEvent(raw: unknown, receivedAtMs: number, limits: ValidationLimits): EventOutcome {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail('INVALID_EVENT', 'an event must be a JSON object');
  }
  const ev = raw as Record<string, unknown>;

  const id = checkString(ev, 'id', 'INVALID_ID', 256);
  if (id === undefined) return fail('MISSING_FIELD', 'id is required', 'id');
  if (typeof id !== 'string') return id;
  const type = checkString(ev, 'type', 'INVALID_TYPE', 256);
  if (type === undefined) return fail('MISSING_FIELD', 'type is required', 'type');
  if (typeof type !== 'string') return type;
  const subject = checkString(ev, 'subject', 'INVALID_SUBJECT', 256);
  if (subject === undefined) return fail('MISSING_FIELD', 'subject is required', 'subject');
  if (typeof subject !== 'string') return subject;
  const source = checkString(ev, 'source', 'INVALID_SOURCE', 1024) ?? DEFAULT_SOURCE;
  if (typeof source !== 'string') return source;

  let specversion: string | undefined;
  if (ev.specversion !== undefined && ev.specversion !== null) {
    if (ev.specversion !== '1.0')
      return fail('INVALID_SPECVERSION', 'specversion must be "1.0"', 'specversion');
    specversion = '1.0';
  }

  let timeMs = receivedAtMs;
  // The time as it goes out: the client's own text when it is already the canonical form.
  let time: string | undefined;
  if (ev.time !== undefined && ev.time !== null) {
    const canonical = typeof ev.time === 'string' ? parseCanonicalTime(ev.time) : -1;
    if (canonical >= 0) {
      timeMs = canonical;
      time = ev.time as string;
    } else {
      const parsed = parseEventTime(ev.time);
      if (typeof parsed === 'string') return fail('INVALID_TIME', parsed, 'time');
      timeMs = parsed;
    }
    if (timeMs > receivedAtMs + limits.maxFutureMs) {
      return fail('TIME_IN_FUTURE', `time is more than ${limits.maxFutureMs / 1000} s in the future`, 'time');
    }
    if (timeMs < receivedAtMs - limits.lateArrivalMs) {
      return fail(
        'TIME_TOO_OLD',
        `time is older than the late-arrival window (${Math.round(limits.lateArrivalMs / 86_400_000)} days)`,
        'time',
      );
    }
  }

  let dataJson = '{}';
  if (ev.data !== undefined && ev.data !== null) {
    const data = ev.data;
    if (typeof data !== 'object' || Array.isArray(data))
      return fail('INVALID_DATA', 'data must be a JSON object', 'data');
    const bad = findNonFinite(data, 'data', 0);
    if (bad) return fail('INVALID_DATA', bad.message, bad.path);
    dataJson = JSON.stringify(data);
    // Bytes of UTF-8; length is a lower bound, so the exact count is only needed near the limit.
    if (
      dataJson.length > limits.maxDataBytes / 3 &&
      Buffer.byteLength(dataJson, 'utf8') > limits.maxDataBytes
    ) {
      return fail('DATA_TOO_LARGE', `data is larger than ${limits.maxDataBytes} bytes of JSON`, 'data');
    }
  }

  time ??= new Date(timeMs).toISOString();
  const event: ValidEvent = { id, source, type, subject, time, dataJson };
  if (specversion) event.specversion = specversion;
  return { ok: true, event };
}

/**
 * JSON has no NaN or Infinity, but a number such as 1e309 parses to Infinity in JS and would be
 * written back as null: silently changing a usage value is worse than refusing it.
 */
function findNonFinite(
  value: unknown,
  path: string,
  depth: number,
): { path: string; message: string } | undefined {
  if (depth > MAX_DATA_DEPTH) return { path, message: `data is nested deeper than ${MAX_DATA_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'number') {
        if (!Number.isFinite(v))
          return { path: `${path}.${i}`, message: `${path}.${i} is not a finite number (out of range)` };
      } else if (v !== null && typeof v === 'object') {
        const bad = findNonFinite(v, `${path}.${i}`, depth + 1);
        if (bad) return bad;
      }
    }
    return undefined;
  }
  for (const key in value as Record<string, unknown>) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        return { path: `${path}.${key}`, message: `${path}.${key} is not a finite number (out of range)` };
    } else if (v !== null && typeof v === 'object') {
      const bad = findNonFinite(v, `${path}.${key}`, depth + 1);
      if (bad) return bad;
    }
  }
  return undefined;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Times that print as 4-digit years (anything before 1970 is far outside any late-arrival window). */
const MIN_MS = 0;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The value of an ASCII digit at `i`, or -1000 (which makes any sum it is in negative). */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

/**
 * The fast path for the form nearly every client sends and Mu itself writes,
 * `YYYY-MM-DDTHH:MM:SS.sssZ` from 1970 on: its epoch ms, or -1 for anything else (which
 * parseEventTime then decides). For such text `new Date(ms).toISOString()` is the text itself.
 */
export function parseCanonicalTime(s: string): number {
  if (
    s.length !== 24 ||
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || // .
    s.charCodeAt(23) !== 90 // Z
  ) {
    return -1;
  }
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const month = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  const hour = digit(s, 11) * 10 + digit(s, 12);
  const minute = digit(s, 14) * 10 + digit(s, 15);
  const second = digit(s, 17) * 10 + digit(s, 18);
  const ms = digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return -1;
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return -1;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return -1;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * RFC 3339 text (any offset; fractions past the millisecond are truncated) or integer epoch
 * milliseconds. Returns epoch ms, or the reason it is not a time.
 */
export function parseEventTime(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > MAX_MS) {
      return 'time must be RFC 3339 text or a non-negative integer of epoch milliseconds';
    }
    return value;
  }
  if (typeof value !== 'string') return 'time must be RFC 3339 text or epoch milliseconds';
  const m = RFC3339.exec(value);
  if (!m) return 'time must be RFC 3339, e.g. 2024-05-01T12:00:00.000Z';
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    return 'time is not a valid date and time of day';
  }
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let offsetMin = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return 'time has an invalid UTC offset';
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, ms);
  const epoch = utc.getTime() - offsetMin * 60_000;
  if (!(epoch >= MIN_MS && epoch <= MAX_MS)) return 'time is out of range';
  return epoch;
}
