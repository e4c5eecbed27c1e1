import { countWindows, windowsBetween, windowStartOf } from './windows';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

describe('calendar windows', () => {
  it('DAY in Europe/Paris: 25 hours when the clocks fall back', () => {
    const w = windowsBetween(
      ms('2026-10-24T22:00:00Z'),
      ms('2026-10-26T23:00:00Z'),
      'DAY',
      'Europe/Paris',
      10,
    )!;
    expect(w.map((x) => [iso(x.start), (x.end - x.start) / 3_600_000])).toEqual([
      ['2026-10-24T22:00:00.000Z', 25], // Oct 25
      ['2026-10-25T23:00:00.000Z', 24], // Oct 26
    ]);
  });

  it('cuts the first and last window at the range', () => {
    const w = windowsBetween(ms('2026-01-31T12:00:00Z'), ms('2026-03-15T00:00:00Z'), 'MONTH', 'UTC', 10)!;
    expect(w.map((x) => [iso(x.alignedStart), iso(x.start), iso(x.end)])).toEqual([
      ['2026-01-01T00:00:00.000Z', '2026-01-31T12:00:00.000Z', '2026-02-01T00:00:00.000Z'],
      ['2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      ['2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-03-15T00:00:00.000Z'],
    ]);
  });

  it('HOUR follows the local hour (Asia/Kolkata is +05:30)', () => {
    expect(iso(windowStartOf(ms('2026-01-01T10:10:00Z'), 'HOUR', 'Asia/Kolkata'))).toBe(
      '2026-01-01T09:30:00.000Z',
    );
    expect(iso(windowStartOf(ms('2026-01-01T10:10:00Z'), 'HOUR', 'UTC'))).toBe('2026-01-01T10:00:00.000Z');
  });

  it('counts, stopping past the limit', () => {
    expect(countWindows(ms('2026-01-01T00:00:00Z'), ms('2026-01-02T00:00:00Z'), 'MINUTE', 'UTC', 1440)).toBe(
      1440,
    );
    expect(countWindows(ms('2026-01-01T00:00:00Z'), ms('2026-01-02T00:00:01Z'), 'MINUTE', 'UTC', 1440)).toBe(
      1441,
    );
    expect(windowsBetween(0, 10, undefined, 'UTC', 1)).toEqual([{ alignedStart: 0, start: 0, end: 10 }]);
  });
});
