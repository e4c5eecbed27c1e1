// The schema comes from the production migration runner. type:platform libs may not import
// @mu/platform under the current boundary rules; this test needs its runner and nothing else.

import { locateFromRoot, runClickHouseMigrations } from '@mu/platform';
import {
  createTestClickHouse,
  createTestDatabase,
  type TestClickHouse,
  type TestDatabase,
} from '@mu/testing';
import {
  AGGREGATIONS,
  listRejectedEvents,
  meterQuantity,
  queryUsage,
  UsageQueryError,
  UsageQueryTooLargeError,
  type Aggregation,
  type UsageQuery,
} from '../src';

// Every expectation below is computed by hand from the rows inserted here.

let pg: TestDatabase;
let ch: TestClickHouse;

const A = 'ten_a';
const B = 'ten_b';

interface Row {
  tenant_id?: string;
  meter_id: string;
  subject: string;
  time: string; // RFC 3339 UTC
  source?: string;
  event_id: string;
  value: string;
  unique_value?: string;
  dimensions?: Record<string, string>;
  version?: number;
  is_deleted?: 0 | 1;
}

/** One INSERT (one block) per call, as the rater writes. */
async function insert(rows: Row[]): Promise<void> {
  await ch.client.insert({
    table: 'meter_values',
    format: 'JSONEachRow',
    values: rows.map((r) => ({
      tenant_id: A,
      source: 'a',
      unique_value: '',
      dimensions: {},
      ...r,
      time: r.time.replace('T', ' ').replace('Z', ''),
    })),
  });
}

beforeAll(async () => {
  [pg, ch] = await Promise.all([createTestDatabase(), createTestClickHouse()]);
  await runClickHouseMigrations(ch.client, pg.pool, locateFromRoot('db/clickhouse'), {
    database: ch.database,
  });

  // m1: one customer's month. s1 and s2 are its subjects.
  const e1 = {
    meter_id: 'm1',
    subject: 's1',
    time: '2026-01-10T10:00:00.000Z',
    event_id: 'e1',
    value: '2.5',
    unique_value: 'u1',
    dimensions: { region: 'eu' },
  };
  await insert([
    { ...e1, event_id: 'e0', time: '2026-01-01T00:00:00.000Z', value: '0.5', unique_value: 'u5' },
    e1,
    {
      ...e1,
      event_id: 'e2',
      time: '2026-01-10T11:30:00.000Z',
      value: '4',
      unique_value: 'u2',
      dimensions: { region: 'us' },
    },
    { ...e1, event_id: 'e3', time: '2026-01-11T09:00:00.000Z', value: '1.25', unique_value: 'u1' },
    {
      ...e1,
      subject: 's2',
      event_id: 'e4',
      time: '2026-01-10T12:00:00.000Z',
      value: '10',
      unique_value: 'u3',
    },
    {
      ...e1,
      subject: 's2',
      event_id: 'e5',
      time: '2026-01-11T08:00:00.000Z',
      value: '100',
      unique_value: 'u4',
      dimensions: { region: 'us' },
    },
    // Same instant as e3: the greater (source, event_id) is the latest.
    {
      ...e1,
      subject: 's2',
      source: 'b',
      event_id: 'e6',
      time: '2026-01-11T09:00:00.000Z',
      value: '3',
      unique_value: 'u3',
    },
    // Outside [Jan 1, Feb 1).
    { ...e1, event_id: 'e8', time: '2026-02-01T00:00:00.000Z', value: '7', unique_value: 'u9' },
    { ...e1, event_id: 'e9', time: '2025-12-31T23:59:59.999Z', value: '7', unique_value: 'u9' },
  ]);
  // A redelivered block (e1 again) and a void of e5: e1 counts once, e5 not at all.
  await insert([e1]);
  await insert([
    {
      ...e1,
      subject: 's2',
      event_id: 'e5',
      time: '2026-01-11T08:00:00.000Z',
      value: '100',
      unique_value: 'u4',
      dimensions: { region: 'us' },
      version: 1,
      is_deleted: 1,
    },
  ]);
  // Another tenant with the same meter id, subject and event key.
  await insert([{ ...e1, tenant_id: B, value: '1000' }]);

  // avg rounding: exact halves at the 13th place round to even.
  await insert([
    {
      meter_id: 'avg_down',
      subject: 's1',
      time: '2026-01-05T00:00:00.000Z',
      event_id: 'x1',
      value: '0.000000000001',
    },
    { meter_id: 'avg_down', subject: 's1', time: '2026-01-05T00:00:01.000Z', event_id: 'x2', value: '0' },
    {
      meter_id: 'avg_up',
      subject: 's1',
      time: '2026-01-05T00:00:00.000Z',
      event_id: 'x1',
      value: '0.000000000003',
    },
    { meter_id: 'avg_up', subject: 's1', time: '2026-01-05T00:00:01.000Z', event_id: 'x2', value: '0' },
  ]);

  // gauge: time_weighted_sum.
  const g = { meter_id: 'gauge', subject: 'g1' };
  const at06 = { ...g, time: '2026-02-01T06:00:00.000Z', event_id: 'p2', value: '4' };
  await insert([
    { ...g, time: '2026-01-31T12:00:00.000Z', event_id: 'p1', value: '10' }, // before the period: carried in
    at06,
    { ...g, time: '2026-02-01T18:00:00.000Z', event_id: 'p3', value: '0' },
    { ...g, time: '2026-02-03T12:00:00.000Z', event_id: 'p4', value: '99' },
    { ...g, time: '2026-02-03T12:00:00.000Z', source: 'b', event_id: 'p4', value: '1.5' }, // same instant, wins
    { ...g, subject: 'g2', time: '2026-02-02T00:00:00.000Z', event_id: 'q1', value: '0.1' },
    { ...g, subject: 'g3', time: '2024-09-01T00:00:00.000Z', event_id: 'r1', value: '1' }, // 518 days before Feb 1
    { ...g, time: '2026-02-01T12:00:00.000Z', event_id: 'void', value: '1000' },
  ]);
  await insert([at06]);
  await insert([
    { ...g, time: '2026-02-01T12:00:00.000Z', event_id: 'void', value: '1000', version: 2, is_deleted: 1 },
  ]);

  // Europe/Paris springs forward on 2026-03-29: that local day has 23 hours.
  const d = { meter_id: 'dst', subject: 'd1' };
  await insert([
    { ...d, time: '2026-03-28T23:00:00.000Z', event_id: 'd0', value: '2' }, // 00:00 local, Mar 29
    { ...d, time: '2026-03-29T21:30:00.000Z', event_id: 'd1', value: '2' }, // 23:30 local, Mar 29
    { ...d, time: '2026-03-29T22:30:00.000Z', event_id: 'd2', value: '2' }, // 00:30 local, Mar 30 (UTC: Mar 29)
  ]);
});

afterAll(async () => {
  await Promise.all([pg?.drop(), ch?.drop()]);
});

const month = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };
const q = (aggregation: Aggregation, extra: Partial<UsageQuery> = {}) =>
  queryUsage(ch.client, { tenantId: A, meterId: 'm1', aggregation, ...month, ...extra });

describe('meterQuantity: one customer, one period', () => {
  const quantity = (aggregation: Aggregation, subjects = ['s1', 's2'], extra = {}) =>
    meterQuantity(ch.client, { tenantId: A, meterId: 'm1', aggregation, subjects, ...month, ...extra });

  it.each<[Aggregation, string | null]>([
    ['count', '6'], // e0 e1 e2 e3 e4 e6: e1 inserted twice counts once, e5 is void, e8 and e9 are outside
    ['sum', '21.25'], // 0.5 + 2.5 + 4 + 1.25 + 10 + 3
    ['unique_count', '4'], // u5 u1 u2 u3
    ['max', '10'],
    ['min', '0.5'],
    ['avg', '3.541666666667'], // 21.25 / 6 = 3.541666666666|66...
    ['latest', '3'], // e3 and e6 share the last instant; (b, e6) > (a, e3)
  ])('%s', async (aggregation, expected) => {
    expect(await quantity(aggregation)).toBe(expected);
  });

  it('counts only the given subjects', async () => {
    expect(await quantity('count', ['s1'])).toBe('4');
    expect(await quantity('sum', ['s1'])).toBe('8.25');
    expect(await quantity('latest', ['s1'])).toBe('1.25');
  });

  it('has no usage for unknown subjects, or none: 0 or null', async () => {
    for (const subjects of [['nobody'], []]) {
      for (const a of AGGREGATIONS) {
        expect(await quantity(a, subjects)).toBe(
          ['count', 'sum', 'unique_count', 'time_weighted_sum'].includes(a) ? '0' : null,
        );
      }
    }
  });

  it('never sees another tenant', async () => {
    expect(
      await meterQuantity(ch.client, {
        tenantId: B,
        meterId: 'm1',
        aggregation: 'sum',
        subjects: ['s1', 's2'],
        ...month,
      }),
    ).toBe('1000');
    expect(
      await meterQuantity(ch.client, {
        tenantId: 'ten_c',
        meterId: 'm1',
        aggregation: 'count',
        subjects: ['s1'],
        ...month,
      }),
    ).toBe('0');
  });

  it('rounds avg half to even at 12 places', async () => {
    const avg = (meterId: string) =>
      meterQuantity(ch.client, { tenantId: A, meterId, aggregation: 'avg', subjects: ['s1'], ...month });
    expect(await avg('avg_down')).toBe('0'); // 0.0000000000005
    expect(await avg('avg_up')).toBe('0.000000000002'); // 0.0000000000015
  });

  it('takes the period as [from, to)', async () => {
    const day = { from: '2026-01-10T10:00:00.000Z', to: '2026-01-10T12:00:00.000Z' };
    expect(await quantity('sum', ['s1', 's2'], day)).toBe('6.5'); // e1 at from, e2; e4 at to is out
  });
});

describe('queryUsage', () => {
  it('groups by a dimension within UTC days, cut at the range', async () => {
    expect(
      await q('sum', {
        window: 'DAY',
        groupBy: ['region'],
        from: '2026-01-10T00:00:00Z',
        to: '2026-01-12T00:00:00Z',
      }),
    ).toEqual([
      {
        windowStart: '2026-01-10T00:00:00.000Z',
        windowEnd: '2026-01-11T00:00:00.000Z',
        groups: { region: 'eu' },
        value: '12.5',
      },
      {
        windowStart: '2026-01-10T00:00:00.000Z',
        windowEnd: '2026-01-11T00:00:00.000Z',
        groups: { region: 'us' },
        value: '4',
      },
      {
        windowStart: '2026-01-11T00:00:00.000Z',
        windowEnd: '2026-01-12T00:00:00.000Z',
        groups: { region: 'eu' },
        value: '4.25',
      },
    ]);
    expect(
      await q('sum', { window: 'DAY', from: '2026-01-10T12:00:00Z', to: '2026-01-11T12:00:00Z' }),
    ).toEqual([
      {
        windowStart: '2026-01-10T12:00:00.000Z',
        windowEnd: '2026-01-11T00:00:00.000Z',
        groups: {},
        value: '10',
      },
      {
        windowStart: '2026-01-11T00:00:00.000Z',
        windowEnd: '2026-01-11T12:00:00.000Z',
        groups: {},
        value: '4.25',
      },
    ]);
  });

  it('filters on dimensions and subjects', async () => {
    expect(await q('sum', { filter: { region: ['us'] } })).toEqual([
      { windowStart: month.from, windowEnd: month.to, groups: {}, value: '4' },
    ]);
    expect(await q('count', { filter: { region: ['eu', 'us'], subject: ['s2'] } })).toEqual([
      { windowStart: month.from, windowEnd: month.to, groups: {}, value: '2' },
    ]);
    // Values are bound as parameters, never spliced into the SQL.
    expect(await q('count', { filter: { region: ["eu' OR 1=1 --"] }, groupBy: ['subject'] })).toEqual([]);
  });

  it('groups by subject and dimension, one row per group without a window', async () => {
    const rows = await q('count', { groupBy: ['subject', 'region'] });
    expect(rows.map((r) => [r.groups.subject, r.groups.region, r.value])).toEqual([
      ['s1', 'eu', '3'],
      ['s1', 'us', '1'],
      ['s2', 'eu', '2'],
    ]);
    expect((await q('unique_count', { groupBy: ['subject'] })).map((r) => r.value)).toEqual(['3', '1']);
    expect((await q('max', { groupBy: ['subject'] })).map((r) => r.value)).toEqual(['4', '10']);
    expect((await q('min', { groupBy: ['subject'] })).map((r) => r.value)).toEqual(['0.5', '3']);
    expect((await q('avg', { groupBy: ['subject'] })).map((r) => r.value)).toEqual(['2.0625', '6.5']);
    expect((await q('latest', { groupBy: ['subject'] })).map((r) => r.value)).toEqual(['1.25', '3']);
  });

  it('gives a missing dimension as an empty string', async () => {
    expect(await q('count', { groupBy: ['plan'] })).toEqual([
      { windowStart: month.from, windowEnd: month.to, groups: { plan: '' }, value: '6' },
    ]);
  });

  it('splits by MONTH and HOUR', async () => {
    const rows = await q('count', {
      window: 'MONTH',
      from: '2025-12-01T00:00:00Z',
      to: '2026-03-01T00:00:00Z',
    });
    expect(rows.map((r) => [r.windowStart, r.value])).toEqual([
      ['2025-12-01T00:00:00.000Z', '1'],
      ['2026-01-01T00:00:00.000Z', '6'],
      ['2026-02-01T00:00:00.000Z', '1'],
    ]);
    const hours = await q('sum', {
      window: 'HOUR',
      from: '2026-01-10T00:00:00Z',
      to: '2026-01-11T00:00:00Z',
    });
    expect(hours.map((r) => [r.windowStart, r.windowEnd, r.value])).toEqual([
      ['2026-01-10T10:00:00.000Z', '2026-01-10T11:00:00.000Z', '2.5'],
      ['2026-01-10T11:00:00.000Z', '2026-01-10T12:00:00.000Z', '4'],
      ['2026-01-10T12:00:00.000Z', '2026-01-10T13:00:00.000Z', '10'],
    ]);
    const minutes = await q('count', {
      window: 'MINUTE',
      from: '2026-01-10T11:29:00Z',
      to: '2026-01-10T11:31:00Z',
    });
    expect(minutes).toEqual([
      {
        windowStart: '2026-01-10T11:30:00.000Z',
        windowEnd: '2026-01-10T11:31:00.000Z',
        groups: {},
        value: '1',
      },
    ]);
  });

  it('aligns DAY windows to local midnight; the spring-forward day has 23 hours', async () => {
    const range = { meterId: 'dst', from: '2026-03-28T23:00:00Z', to: '2026-03-30T22:00:00Z' };
    expect(await q('count', { ...range, window: 'DAY', tz: 'Europe/Paris' })).toEqual([
      {
        windowStart: '2026-03-28T23:00:00.000Z',
        windowEnd: '2026-03-29T22:00:00.000Z',
        groups: {},
        value: '2',
      },
      {
        windowStart: '2026-03-29T22:00:00.000Z',
        windowEnd: '2026-03-30T22:00:00.000Z',
        groups: {},
        value: '1',
      },
    ]);
    // The same events by UTC day: 00:30 Paris on Mar 30 is still Mar 29 in UTC.
    expect((await q('count', { ...range, window: 'DAY' })).map((r) => [r.windowStart, r.value])).toEqual([
      ['2026-03-28T23:00:00.000Z', '1'],
      ['2026-03-29T00:00:00.000Z', '2'],
    ]);
    // A gauge at 2 from local midnight: 2 x 23 h, then 2 x 24 h.
    expect(
      (await q('time_weighted_sum', { ...range, window: 'DAY', tz: 'Europe/Paris' })).map((r) => r.value),
    ).toEqual(['46', '48']);
    const months = await q('count', { ...range, window: 'MONTH', tz: 'Europe/Paris' });
    expect(months.map((r) => [r.windowStart, r.windowEnd])).toEqual([
      ['2026-03-28T23:00:00.000Z', '2026-03-30T22:00:00.000Z'], // March, cut at the range
    ]);
  });

  it('refuses an answer larger than maxRows, and bad queries', async () => {
    await expect(q('count', { groupBy: ['subject'], maxRows: 1 })).rejects.toBeInstanceOf(
      UsageQueryTooLargeError,
    );
    await expect(
      q('time_weighted_sum', {
        meterId: 'gauge',
        window: 'DAY',
        from: '2026-02-01T00:00:00Z',
        to: '2026-02-04T00:00:00Z',
        maxRows: 2,
      }),
    ).rejects.toBeInstanceOf(UsageQueryTooLargeError);
    await expect(q('count', { window: 'MINUTE', maxWindows: 1440 })).rejects.toBeInstanceOf(UsageQueryError);
    await expect(q('count', { from: month.to, to: month.from })).rejects.toThrow('to: must be after from');
    await expect(q('count', { tz: 'Mars/Olympus' })).rejects.toThrow('tz:');
    await expect(q('count', { groupBy: ['a b'] })).rejects.toThrow('groupBy.0');
  });

  it('never returns another tenant', async () => {
    const mine = await q('sum', { groupBy: ['subject'] });
    expect(mine.map((r) => r.value)).toEqual(['8.25', '13']);
    const theirs = await queryUsage(ch.client, {
      tenantId: B,
      meterId: 'm1',
      aggregation: 'sum',
      ...month,
      groupBy: ['subject'],
    });
    expect(theirs).toEqual([
      { windowStart: month.from, windowEnd: month.to, groups: { subject: 's1' }, value: '1000' },
    ]);
  });
});

describe('time_weighted_sum (value x hours)', () => {
  const feb = { meterId: 'gauge', from: '2026-02-01T00:00:00Z', to: '2026-02-04T00:00:00Z' };
  const tws = (extra: Partial<UsageQuery>) => q('time_weighted_sum', { ...feb, ...extra });
  const quantity = (subjects: string[], from = feb.from, to = feb.to, extra = {}) =>
    meterQuantity(ch.client, {
      tenantId: A,
      meterId: 'gauge',
      aggregation: 'time_weighted_sum',
      subjects,
      from,
      to,
      ...extra,
    });

  // g1: 10 (carried from Jan 31) until 06:00, 4 until 18:00, 0 until Feb 3 12:00, then 1.5
  // (the 99 at the same instant loses to source b). g2: 0.1 from Feb 2 00:00.
  it('carries the value across window and period boundaries', async () => {
    expect(await quantity(['g1'])).toBe('126'); // 10x6 + 4x12 + 0x6 + 0x24 + 0x12 + 1.5x12
    expect(await quantity(['g1', 'g2'])).toBe('130.8'); // + 0.1 x 48
    expect(await quantity(['g1'], '2026-02-01T12:00:00Z', '2026-02-01T13:00:00Z')).toBe('4'); // 06:00's 4 carried in
    expect(await quantity(['g1'], '2026-02-03T00:00:00Z', '2026-02-03T12:00:00Z')).toBe('0'); // a known 0
    expect(await quantity(['g2'], feb.from, '2026-02-02T00:00:00Z')).toBe('0'); // before its first point
  });

  it('rounds to 12 places, half to even', async () => {
    // 10 for 1 ms = 10 / 3,600,000 h
    expect(await quantity(['g1'], '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.001Z')).toBe(
      '0.000002777778',
    );
  });

  it('looks back a bounded time for the value in force at from', async () => {
    expect(await quantity(['g3'])).toBe('0');
    expect(await quantity(['g3'], feb.from, feb.to, { gaugeLookbackDays: 600 })).toBe('72');
  });

  it('per window and per subject', async () => {
    expect((await tws({ window: 'DAY' })).map((r) => [r.windowStart, r.value])).toEqual([
      ['2026-02-01T00:00:00.000Z', '108'],
      ['2026-02-02T00:00:00.000Z', '2.4'],
      ['2026-02-03T00:00:00.000Z', '20.4'],
    ]);
    expect(
      (await tws({ window: 'DAY', groupBy: ['subject'] })).map((r) => [
        r.windowStart.slice(0, 10),
        r.groups.subject,
        r.value,
      ]),
    ).toEqual([
      ['2026-02-01', 'g1', '108'],
      ['2026-02-02', 'g1', '0'],
      ['2026-02-02', 'g2', '2.4'],
      ['2026-02-03', 'g1', '18'],
      ['2026-02-03', 'g2', '2.4'],
    ]);
    expect(
      (
        await tws({
          window: 'HOUR',
          subjects: ['g1'],
          from: '2026-02-01T05:00:00Z',
          to: '2026-02-01T08:00:00Z',
        })
      ).map((r) => r.value),
    ).toEqual(['10', '4', '4']);
  });
});

describe('rejected events', () => {
  beforeAll(async () => {
    const base = {
      stage: 'collector',
      code: 'INVALID_TIME',
      message: 'time is not RFC 3339',
      field: 'time',
      meter_id: '',
      source: 'src',
      raw: '{"id":"x"}',
      retention_days: 3650,
    };
    const conflict = {
      ...base,
      rejection_id: 'rej_3',
      stage: 'deduplicator',
      code: 'DUPLICATE_CONFLICT',
      message: 'same id, other payload',
      field: '',
      event_id: 'ev3',
      rejected_at: '2026-01-03 00:00:00.000',
    };
    await ch.client.insert({
      table: 'rejected_events',
      format: 'JSONEachRow',
      values: [
        {
          ...base,
          tenant_id: A,
          rejection_id: 'rej_1',
          event_id: 'ev1',
          rejected_at: '2026-01-01 00:00:00.000',
        },
        {
          ...base,
          tenant_id: A,
          rejection_id: 'rej_2',
          event_id: 'ev2',
          rejected_at: '2026-01-02 00:00:00.000',
        },
        { ...conflict, tenant_id: A },
        {
          ...base,
          tenant_id: A,
          rejection_id: 'rej_old',
          event_id: 'ev0',
          rejected_at: '2020-01-01 00:00:00.000',
          retention_days: 10,
        },
        {
          ...base,
          tenant_id: B,
          rejection_id: 'rej_b',
          event_id: 'evb',
          rejected_at: '2026-01-02 00:00:00.000',
        },
      ],
    });
    await ch.client.insert({
      table: 'rejected_events',
      format: 'JSONEachRow',
      values: [{ ...conflict, tenant_id: A }],
    });
  });

  it('lists newest first, in pages, once each, past retention hidden', async () => {
    const p1 = await listRejectedEvents(ch.client, { tenantId: A, status: 'rejected', limit: 2 });
    expect(p1.data.map((r) => r.id)).toEqual(['rej_3', 'rej_2']);
    expect(p1.data[0]).toEqual({
      id: 'rej_3',
      stage: 'deduplicator',
      code: 'DUPLICATE_CONFLICT',
      message: 'same id, other payload',
      field: null,
      meterId: null,
      source: 'src',
      eventId: 'ev3',
      raw: '{"id":"x"}',
      rejectedAt: '2026-01-03T00:00:00.000Z',
    });
    const p2 = await listRejectedEvents(ch.client, {
      tenantId: A,
      status: 'rejected',
      limit: 2,
      cursor: p1.nextCursor!,
    });
    expect(p2).toEqual({ data: [expect.objectContaining({ id: 'rej_1', field: 'time' })], nextCursor: null });
  });

  it('filters conflicts and time, and never another tenant', async () => {
    const c = await listRejectedEvents(ch.client, { tenantId: A, status: 'conflict', limit: 10 });
    expect(c.data.map((r) => r.id)).toEqual(['rej_3']);
    const ranged = await listRejectedEvents(ch.client, {
      tenantId: A,
      status: 'rejected',
      limit: 10,
      from: '2026-01-02T00:00:00Z',
      to: '2026-01-03T00:00:00Z',
    });
    expect(ranged.data.map((r) => r.id)).toEqual(['rej_2']);
    const b = await listRejectedEvents(ch.client, { tenantId: B, status: 'rejected', limit: 10 });
    expect(b.data.map((r) => r.id)).toEqual(['rej_b']);
  });
});
