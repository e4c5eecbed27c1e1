import { locateFromRoot, runClickHouseMigrations } from '@mu/platform';
import { createTestClickHouse, type TestClickHouse } from '@mu/testing';
import { customerBody, startApi, type Api, type Call } from './support';

let api: Api;
let ch: TestClickHouse;
let a: { tenantId: string; key: string; call: Call };
let b: { tenantId: string; key: string; call: Call };
let meterId: string;
let customerId: string;

const jan = 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';

async function insertValues(
  tenantId: string,
  meter: string,
  rows: { subject: string; time: string; id: string; value: string; region?: string }[],
): Promise<void> {
  await ch.client.insert({
    table: 'meter_values',
    format: 'JSONEachRow',
    values: rows.map((r) => ({
      tenant_id: tenantId,
      meter_id: meter,
      subject: r.subject,
      time: r.time,
      source: 'src',
      event_id: r.id,
      value: r.value,
      dimensions: r.region === undefined ? {} : { region: r.region },
    })),
  });
}

/** A raw request: CSV answers are not JSON. */
async function raw(key: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

beforeAll(async () => {
  ch = await createTestClickHouse();
  api = await startApi({ env: { CLICKHOUSE_DATABASE: ch.database } });
  await runClickHouseMigrations(ch.client, api.db.pool, locateFromRoot('db/clickhouse'), {
    database: ch.database,
  });
  a = await api.tenant('tenant A');
  b = await api.tenant('tenant B');

  const meter = await a.call('POST', '/v1/meters', {
    key: 'api_calls',
    name: 'API calls',
    eventType: 'api.call',
    aggregation: 'sum',
    valuePath: '$.n',
    groupBy: { region: '$.region' },
  });
  expect(meter.status).toBe(201);
  meterId = meter.body.id;
  const customer = await a.call(
    'POST',
    '/v1/customers',
    customerBody('acme', { subjectKeys: ['acme-1', 'acme-2'] }),
  );
  expect(customer.status).toBe(201);
  customerId = customer.body.id;

  await insertValues(a.tenantId, meterId, [
    { subject: 'acme-1', time: '2026-01-10 10:00:00.000', id: 'e1', value: '2.5', region: 'eu' },
    { subject: 'acme-2', time: '2026-01-10 23:30:00.000', id: 'e2', value: '4', region: 'eu, "west"' },
    { subject: 'acme-1', time: '2026-01-11 09:00:00.000', id: 'e3', value: '1.25', region: 'us' },
    { subject: 'other', time: '2026-01-11 09:00:00.000', id: 'e4', value: '100', region: 'eu' },
    { subject: 'late-1', time: '2026-01-12 09:00:00.000', id: 'e5', value: '7', region: 'eu' },
  ]);
  // A redelivered block: counted once.
  await insertValues(a.tenantId, meterId, [
    { subject: 'acme-1', time: '2026-01-10 10:00:00.000', id: 'e1', value: '2.5', region: 'eu' },
  ]);
  // Tenant B: the same meter id and subjects in the store; B never sees A's rows, nor A B's.
  await insertValues(b.tenantId, meterId, [
    { subject: 'acme-1', time: '2026-01-10 10:00:00.000', id: 'e1', value: '1000', region: 'eu' },
  ]);
});

afterAll(async () => {
  await api?.close();
  await ch?.drop();
});

describe('GET /v1/meters/{idOrKey}/usage', () => {
  it("sums a customer's subjects per day, deduplicated", async () => {
    const r = await a.call('GET', `/v1/meters/api_calls/usage?customer=${customerId}&${jan}&window=DAY`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      meter: { id: meterId, key: 'api_calls', aggregation: 'sum', unit: null },
      customer: customerId,
      subjects: ['acme-1', 'acme-2'],
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
      window: 'DAY',
      tz: 'UTC',
      groupBy: [],
      filter: {},
      data: [
        {
          windowStart: '2026-01-10T00:00:00.000Z',
          windowEnd: '2026-01-11T00:00:00.000Z',
          groups: {},
          value: '6.5',
        },
        {
          windowStart: '2026-01-11T00:00:00.000Z',
          windowEnd: '2026-01-12T00:00:00.000Z',
          groups: {},
          value: '1.25',
        },
      ],
    });
  });

  it('aligns windows in a time zone, by meter id or key, by customer external key', async () => {
    // 23:30 UTC on Jan 10 is 00:30 on Jan 11 in Paris.
    const r = await a.call(
      'GET',
      `/v1/meters/${meterId}/usage?customer=acme&${jan}&window=DAY&tz=Europe/Paris`,
    );
    expect(r.status).toBe(200);
    expect(r.body.data.map((d: any) => [d.windowStart, d.value])).toEqual([
      ['2026-01-09T23:00:00.000Z', '2.5'],
      ['2026-01-10T23:00:00.000Z', '5.25'],
    ]);
  });

  it('groups and filters by dimension (repeated or comma-separated groupBy, repeated filter values)', async () => {
    const r = await a.call(
      'GET',
      `/v1/meters/api_calls/usage?${jan}&groupBy=subject,region&filter[region]=eu&filter%5Bregion%5D=us`,
    );
    expect(r.status).toBe(200);
    expect(r.body.filter).toEqual({ region: ['eu', 'us'] });
    expect(r.body.data.map((d: any) => [d.groups.subject, d.groups.region, d.value])).toEqual([
      ['acme-1', 'eu', '2.5'],
      ['acme-1', 'us', '1.25'],
      ['late-1', 'eu', '7'],
      ['other', 'eu', '100'],
    ]);
    const bySubject = await a.call(
      'GET',
      `/v1/meters/api_calls/usage?${jan}&subject=acme-1&subject=other&groupBy=subject&groupBy=region`,
    );
    expect(bySubject.body.data).toHaveLength(3);
  });

  it('attributes usage at query time: events before the customer existed count once it does', async () => {
    const late = await a.call('POST', '/v1/customers', customerBody('late', { subjectKeys: ['late-1'] }));
    const r = await a.call('GET', `/v1/meters/api_calls/usage?customer=${late.body.id}&${jan}`);
    expect(r.body.data).toEqual([
      {
        windowStart: '2026-01-01T00:00:00.000Z',
        windowEnd: '2026-02-01T00:00:00.000Z',
        groups: {},
        value: '7',
      },
    ]);
  });

  it('answers CSV for Accept: text/csv or format=csv, quoted per RFC 4180', async () => {
    const path = `/v1/meters/api_calls/usage?customer=${customerId}&${jan}&groupBy=region`;
    const expected =
      'windowStart,windowEnd,region,value\r\n' +
      '2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z,eu,2.5\r\n' +
      '2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z,"eu, ""west""",4\r\n' +
      '2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z,us,1.25\r\n';
    for (const r of [
      await raw(a.key, path, { accept: 'text/csv' }),
      await raw(a.key, `${path}&format=csv`),
    ]) {
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(r.text).toBe(expected);
    }
    const json = await raw(a.key, `${path}&format=json`, { accept: 'text/csv' });
    expect(JSON.parse(json.text).data).toHaveLength(3);
  });

  it.each([
    ['?to=2026-02-01T00:00:00Z', 'from'],
    [`?from=2026-01-01&to=2026-02-01T00:00:00Z`, 'from'],
    [`?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, 'to'],
    [`?${jan}&window=WEEK`, 'window'],
    [`?${jan}&tz=Mars/Olympus`, 'tz'],
    [`?${jan}&groupBy=plan`, 'groupBy.0'],
    [`?${jan}&filter[plan]=pro`, 'filter[plan]'],
    [`?${jan}&filter.region=eu`, 'filter.region'],
    [`?${jan}&colour=red`, 'colour'],
    [`?${jan}&customer=acme&subject=acme-1`, 'subject'],
    [`?${jan}&format=xml`, 'format'],
  ])('400 for %s (%s)', async (query, path) => {
    const r = await a.call('GET', `/v1/meters/api_calls/usage${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.details.map((d: any) => d.path)).toContain(path);
  });

  it('400 for more than 1,440 windows, saying so', async () => {
    const r = await a.call(
      'GET',
      '/v1/meters/api_calls/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:01Z&window=MINUTE',
    );
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([
      { path: 'window', message: expect.stringContaining('at most 1,440 windows') },
    ]);
    const ok = await a.call(
      'GET',
      '/v1/meters/api_calls/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&window=MINUTE',
    );
    expect(ok.status).toBe(200);
  });

  it('404 for an unknown customer or meter', async () => {
    const c = await a.call(
      'GET',
      `/v1/meters/api_calls/usage?customer=cus_00000000000000000000000000&${jan}`,
    );
    expect(c.status).toBe(404);
    expect(c.body.error.code).toBe('NOT_FOUND');
    expect((await a.call('GET', `/v1/meters/nope/usage?customer=nobody&${jan}`)).status).toBe(404);
    expect((await a.call('GET', `/v1/meters/api_calls/usage?customer=nobody&${jan}`)).status).toBe(404);
  });

  it("isolates tenants: B's key sees neither A's meter, customer nor rows", async () => {
    expect((await b.call('GET', `/v1/meters/api_calls/usage?${jan}`)).status).toBe(404);
    expect((await b.call('GET', `/v1/meters/${meterId}/usage?${jan}`)).status).toBe(404);
    const bm = await b.call('POST', '/v1/meters', {
      key: 'api_calls',
      name: 'calls',
      eventType: 'api.call',
      aggregation: 'sum',
      valuePath: '$.n',
    });
    expect((await b.call('GET', `/v1/meters/api_calls/usage?customer=${customerId}&${jan}`)).status).toBe(
      404,
    );
    // B's own meter has no rows (its 1000 was written under A's meter id, which B cannot name).
    expect((await b.call('GET', `/v1/meters/api_calls/usage?${jan}`)).body.data).toEqual([]);
    expect(bm.status).toBe(201);
    // A's totals never include B's 1000.
    const all = await a.call('GET', `/v1/meters/api_calls/usage?${jan}`);
    expect(all.body.data.map((d: any) => d.value)).toEqual(['114.75']);
  });
});

describe('GET /v1/events', () => {
  beforeAll(async () => {
    const base = {
      stage: 'collector',
      code: 'INVALID_TIME',
      message: 'time is not RFC 3339',
      field: 'time',
      source: 'src',
      raw: '{"id":"x"',
    };
    await ch.client.insert({
      table: 'rejected_events',
      format: 'JSONEachRow',
      values: [
        {
          ...base,
          tenant_id: a.tenantId,
          rejection_id: 'rej_1',
          event_id: 'x1',
          rejected_at: '2026-01-01 00:00:00.000',
        },
        {
          ...base,
          tenant_id: a.tenantId,
          rejection_id: 'rej_2',
          event_id: 'x2',
          rejected_at: '2026-01-02 00:00:00.000',
        },
        {
          ...base,
          tenant_id: a.tenantId,
          rejection_id: 'rej_3',
          stage: 'deduplicator',
          code: 'DUPLICATE_CONFLICT',
          message: 'event x3 was already received with another payload',
          field: '',
          event_id: 'x3',
          rejected_at: '2026-01-03 00:00:00.000',
        },
        {
          ...base,
          tenant_id: b.tenantId,
          rejection_id: 'rej_b',
          event_id: 'xb',
          rejected_at: '2026-01-02 00:00:00.000',
        },
      ],
    });
  });

  it('lists rejected events newest first, paginated', async () => {
    const p1 = await a.call('GET', '/v1/events?limit=2');
    expect(p1.status).toBe(200);
    expect(p1.body.data.map((e: any) => e.id)).toEqual(['rej_3', 'rej_2']);
    expect(p1.body.data[1]).toEqual({
      id: 'rej_2',
      stage: 'collector',
      code: 'INVALID_TIME',
      message: 'time is not RFC 3339',
      field: 'time',
      meterId: null,
      source: 'src',
      eventId: 'x2',
      raw: '{"id":"x"',
      rejectedAt: '2026-01-02T00:00:00.000Z',
    });
    const p2 = await a.call('GET', `/v1/events?limit=2&cursor=${p1.body.nextCursor}`);
    expect(p2.body).toEqual({ data: [expect.objectContaining({ id: 'rej_1' })], nextCursor: null });
  });

  it('filters conflicts and time', async () => {
    const c = await a.call('GET', '/v1/events?status=conflict');
    expect(c.body.data.map((e: any) => [e.id, e.code])).toEqual([['rej_3', 'DUPLICATE_CONFLICT']]);
    const t = await a.call(
      'GET',
      '/v1/events?status=rejected&from=2026-01-02T00:00:00Z&to=2026-01-03T00:00:00Z',
    );
    expect(t.body.data.map((e: any) => e.id)).toEqual(['rej_2']);
  });

  it('400 for bad parameters', async () => {
    for (const [q, path] of [
      ['status=accepted', 'status'],
      ['limit=0', 'limit'],
      ['cursor=bm9wZQ', 'cursor'],
      ['from=yesterday', 'from'],
    ]) {
      const r = await a.call('GET', `/v1/events?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.details.map((d: any) => d.path)).toContain(path);
    }
  });

  it('isolates tenants: B sees only its own rejections', async () => {
    const r = await b.call('GET', '/v1/events');
    expect(r.body.data.map((e: any) => e.id)).toEqual(['rej_b']);
    expect((await b.call('GET', '/v1/events?status=conflict')).body.data).toEqual([]);
  });
});
