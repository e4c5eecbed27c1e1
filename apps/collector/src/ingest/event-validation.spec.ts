import { UsageRawBatch, validateMessage } from '@mu/contracts';
import { encodeBatch } from './ingest.service';
import {
  parseCanonicalTime,
  parseEventTime,
  validateEvent,
  type EventErrorCode,
  type ValidEvent,
} from './event-validation';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const LIMITS = { maxDataBytes: 64 * 1024, lateArrivalMs: 35 * 86_400_000, maxFutureMs: 300_000 };
const base = {
  id: 'e1',
  source: 'svc',
  type: 'api.call',
  subject: 'cust-1',
  time: '2026-03-10T11:59:00.000Z',
  data: { n: 1 },
};

describe('validateEvent', () => {
  const rejected: [string, unknown, EventErrorCode, string | undefined][] = [
    ['not an object', 'hello', 'INVALID_EVENT', undefined],
    ['an array', [base], 'INVALID_EVENT', undefined],
    ['missing id', { ...base, id: undefined }, 'MISSING_FIELD', 'id'],
    ['empty id', { ...base, id: '' }, 'INVALID_ID', 'id'],
    ['numeric id', { ...base, id: 7 }, 'INVALID_ID', 'id'],
    ['257-char id', { ...base, id: 'x'.repeat(257) }, 'INVALID_ID', 'id'],
    ['missing type', { ...base, type: undefined }, 'MISSING_FIELD', 'type'],
    ['type not a string', { ...base, type: { a: 1 } }, 'INVALID_TYPE', 'type'],
    ['missing subject', { ...base, subject: undefined }, 'MISSING_FIELD', 'subject'],
    ['source not a string', { ...base, source: 3 }, 'INVALID_SOURCE', 'source'],
    ['specversion 0.3', { ...base, specversion: '0.3' }, 'INVALID_SPECVERSION', 'specversion'],
    ['time not a time', { ...base, time: 'yesterday' }, 'INVALID_TIME', 'time'],
    ['time without zone', { ...base, time: '2026-03-10T11:59:00' }, 'INVALID_TIME', 'time'],
    ['February 30th', { ...base, time: '2026-02-30T00:00:00Z' }, 'INVALID_TIME', 'time'],
    ['hour 24', { ...base, time: '2026-03-10T24:00:00Z' }, 'INVALID_TIME', 'time'],
    ['fractional epoch ms', { ...base, time: NOW + 0.5 }, 'INVALID_TIME', 'time'],
    ['boolean time', { ...base, time: true }, 'INVALID_TIME', 'time'],
    ['6 minutes ahead', { ...base, time: NOW + 6 * 60_000 }, 'TIME_IN_FUTURE', 'time'],
    ['36 days old', { ...base, time: NOW - 36 * 86_400_000 }, 'TIME_TOO_OLD', 'time'],
    ['epoch seconds (reads as 1970)', { ...base, time: Math.floor(NOW / 1000) }, 'TIME_TOO_OLD', 'time'],
    ['data an array', { ...base, data: [1] }, 'INVALID_DATA', 'data'],
    ['data a string', { ...base, data: 'x' }, 'INVALID_DATA', 'data'],
    ['data with 1e309', { ...base, data: JSON.parse('{"v": 1e309}') as unknown }, 'INVALID_DATA', 'data.v'],
    [
      'data with -1e309 nested',
      { ...base, data: JSON.parse('{"a": {"b": [1, -1e309]}}') as unknown },
      'INVALID_DATA',
      'data.a.b.1',
    ],
    ['data with NaN', { ...base, data: { v: NaN } }, 'INVALID_DATA', 'data.v'],
    ['data over 64 KiB', { ...base, data: { s: 'x'.repeat(64 * 1024) } }, 'DATA_TOO_LARGE', 'data'],
    [
      'data over 64 KiB in multibyte chars',
      { ...base, data: { s: 'é'.repeat(33 * 1024) } },
      'DATA_TOO_LARGE',
      'data',
    ],
  ];
  it.each(rejected)('refuses %s', (_name, raw, code, field) => {
    const out = validateEvent(raw, NOW, LIMITS);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error.code).toBe(code);
      expect(out.error.field).toBe(field);
      expect(out.error.message.length).toBeGreaterThan(0);
    }
  });

  const accepted: [string, unknown, Partial<ValidEvent>][] = [
    [
      'a full event',
      base,
      { id: 'e1', source: 'svc', time: '2026-03-10T11:59:00.000Z', dataJson: '{"n":1}' },
    ],
    ['no source (default)', { ...base, source: undefined }, { source: 'default' }],
    ['no time (receive time)', { ...base, time: undefined }, { time: '2026-03-10T12:00:00.000Z' }],
    ['no data', { ...base, data: undefined }, { dataJson: '{}' }],
    [
      'an offset, micro-seconds truncated',
      { ...base, time: '2026-03-10T13:59:00.123999+02:00' },
      { time: '2026-03-10T11:59:00.123Z' },
    ],
    ['epoch ms', { ...base, time: NOW - 1 }, { time: '2026-03-10T11:59:59.999Z' }],
    ['4:59 ahead', { ...base, time: NOW + 299_000 }, { time: '2026-03-10T12:04:59.000Z' }],
    ['specversion 1.0', { ...base, specversion: '1.0' }, { specversion: '1.0' }],
    [
      'unknown extension attributes (dropped)',
      { ...base, traceparent: 'x', datacontenttype: 'application/json' },
      { id: 'e1' },
    ],
    ['1e308 is finite', { ...base, data: { v: 1e308 } }, { dataJson: '{"v":1e+308}' }],
  ];
  it.each(accepted)('accepts %s', (_name, raw, expected) => {
    const out = validateEvent(raw, NOW, LIMITS);
    expect(out).toEqual({ ok: true, event: expect.objectContaining(expected) });
  });

  it('produces events that satisfy the UsageRawBatchV1 contract once encoded', () => {
    const events = accepted
      .map(([, raw]) => validateEvent(raw, NOW, LIMITS))
      .map((o) => (o.ok ? o.event : undefined));
    const text = encodeBatch(
      'bat_1',
      'ten_1',
      new Date(NOW).toISOString(),
      events.filter((e): e is ValidEvent => !!e),
    );
    const batch = validateMessage(UsageRawBatch, JSON.parse(text));
    expect(batch.events).toHaveLength(accepted.length);
    expect(batch.events[0]).toEqual({
      id: 'e1',
      source: 'svc',
      type: 'api.call',
      subject: 'cust-1',
      time: '2026-03-10T11:59:00.000Z',
      data: { n: 1 },
    });
  });

  it('escapes strings when encoding a batch by hand', () => {
    const out = validateEvent({ ...base, id: 'a"b\\c\n', subject: '\u2028' }, NOW, LIMITS);
    if (!out.ok) throw new Error('expected valid');
    const parsed = JSON.parse(encodeBatch('b', 't', '2026-03-10T12:00:00.000Z', [out.event])) as {
      events: { id: string; subject: string }[];
    };
    expect(parsed.events[0]!.id).toBe('a"b\\c\n');
    expect(parsed.events[0]!.subject).toBe('\u2028');
  });
});

describe('parseEventTime', () => {
  it.each([
    ['2024-02-29T00:00:00Z', Date.parse('2024-02-29T00:00:00Z')],
    ['2024-05-01t12:00:00.5z', Date.parse('2024-05-01T12:00:00.500Z')],
    ['2024-05-01T00:30:00-01:30', Date.parse('2024-05-01T02:00:00Z')],
  ])('reads %s', (text, ms) => expect(parseEventTime(text)).toBe(ms));

  it.each([
    '2023-02-29T00:00:00Z',
    '2024-05-01T12:00:60Z',
    '2024-05-01 12:00:00Z',
    '2024-05-01T12:00:00+24:00',
    '',
  ])('refuses %s', (text) => expect(typeof parseEventTime(text)).toBe('string'));
});

describe('parseCanonicalTime (the fast path)', () => {
  it('reads every canonical time as parseEventTime does, and that text is what goes out', () => {
    const lo = Date.UTC(1970, 0, 1);
    const hi = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const samples = [lo, hi, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 1, 29)];
    for (let i = 0; i < 2000; i++) samples.push(lo + Math.floor(Math.random() * (hi - lo)));
    for (const ms of samples) {
      const text = new Date(ms).toISOString();
      expect([text, parseCanonicalTime(text)]).toEqual([text, ms]);
      expect(parseEventTime(text)).toBe(ms);
    }
  });

  it.each([
    '2023-02-29T00:00:00.000Z', // not a leap year
    '1900-02-29T00:00:00.000Z',
    '2024-04-31T00:00:00.000Z',
    '2024-01-01T24:00:00.000Z',
    '2024-01-01T00:60:00.000Z',
    '2024-01-01T00:00:60.000Z',
    '2024-13-01T00:00:00.000Z',
    '2024-00-01T00:00:00.000Z',
    '2024-01-00T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z', // before 1970: parseEventTime refuses it
    '2024-01-01T00:00:00.000z', // lower-case z, other digits of fraction, offsets: the general path
    '2024-01-01T00:00:00.00Z',
    '2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00.000+00:00',
    '2024-01-01T00:00:0a.000Z',
    '2024-01-01T00:00:00.0 0Z',
    '+24-01-01T00:00:00.000Z',
  ])('leaves %s to the general parser', (text) => {
    expect(parseCanonicalTime(text)).toBe(-1);
  });

  it('writes other accepted forms out canonically', () => {
    const limits = { maxDataBytes: 65536, lateArrivalMs: 1e12, maxFutureMs: 1e12 };
    const now = Date.now();
    for (const [input, out] of [
      ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z'],
      ['2024-01-01t01:00:00.123456z', '2024-01-01T01:00:00.123Z'],
      ['2024-01-01T00:00:00.000+01:00', '2023-12-31T23:00:00.000Z'],
      ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
    ]) {
      const r = validateEvent({ id: 'a', type: 't', subject: 's', time: input }, now, limits);
      expect(r.ok && r.event.time).toBe(out);
    }
  });
});
