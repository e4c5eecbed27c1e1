import { headers as natsHeaders } from 'nats';
import { Subjects } from '@mu/contracts';
import type { EventSink } from '../src/ingest/tokens';
import { createHarness, event, type Collector, type Harness } from './support';

let h: Harness;
let collector: Collector;
beforeAll(async () => {
  h = await createHarness();
  collector = await h.collector();
});
afterAll(async () => {
  await h.close();
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('POST /v1/events: request-level refusals', () => {
  const big = JSON.stringify([event('big', { data: { s: 'x'.repeat(1024 * 1024) } })]);
  const many = JSON.stringify(Array.from({ length: 1_001 }, (_, i) => event(`m${i}`)));
  const cases: [string, string | object, Record<string, string>, number, string][] = [
    ['invalid JSON', '{"id": "a",', {}, 400, 'INVALID_JSON'],
    [
      'NaN in data (not JSON)',
      '{"id":"a","type":"t","subject":"s","data":{"v":NaN}}',
      {},
      400,
      'INVALID_JSON',
    ],
    ['an empty body', '', {}, 400, 'INVALID_JSON'],
    ['a JSON number', '42', {}, 400, 'INVALID_BODY'],
    ['an empty array', '[]', {}, 400, 'EMPTY_BATCH'],
    [
      'an array as application/cloudevents+json',
      [event('a')],
      { 'content-type': 'application/cloudevents+json' },
      400,
      'INVALID_BODY',
    ],
    [
      'one event as application/cloudevents-batch+json',
      event('a'),
      { 'content-type': 'application/cloudevents-batch+json' },
      400,
      'INVALID_BODY',
    ],
    ['an unknown content type', event('a'), { 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'form data',
      'id=a',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a body over 1 MiB', big, {}, 413, 'BODY_TOO_LARGE'],
    ['1,001 events', many, {}, 413, 'TOO_MANY_EVENTS'],
    [
      'an Idempotency-Key over 255 characters',
      event('a'),
      { 'idempotency-key': 'k'.repeat(256) },
      400,
      'INVALID_IDEMPOTENCY_KEY',
    ],
  ];
  it.each(cases)('%s', async (_name, body, headers, status, code) => {
    const t = await h.tenant();
    const r = await collector.post('/v1/events', body, { ...auth(t.key), ...headers });
    expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code });
    expect(r.body.error.message).toEqual(expect.any(String));
    expect(await h.rawBatches(t.tenantId)).toEqual([]);
  });

  it('says which limit a 413 broke', async () => {
    const t = await h.tenant();
    const body = (await collector.post('/v1/events', big, auth(t.key))).body;
    expect(body.error.message).toContain('1048576 bytes');
    const count = (await collector.post('/v1/events', many, auth(t.key))).body;
    expect(count.error.message).toContain('at most 1000');
  });

  it.each([
    ['no key', {}],
    ['a malformed header', { authorization: 'Basic abc' }],
    ['a wrong key', { authorization: 'Bearer mu_sk_wrong' }],
  ])('refuses %s with 401 UNAUTHORIZED', async (_name, headers) => {
    const r = await collector.post('/v1/events', event('a'), headers);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHORIZED');
  });

  it('answers unknown routes in the error shape', async () => {
    const r = await collector.post('/v1/nope', {}, {});
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});

describe('POST /v1/events: per-event validation', () => {
  const now = Date.now();
  const cases: [string, unknown, string, string | undefined][] = [
    ['missing id', { ...event('x'), id: undefined }, 'MISSING_FIELD', 'id'],
    ['a numeric id', event('x', { id: 5 }), 'INVALID_ID', 'id'],
    ['missing type', { ...event('x'), type: undefined }, 'MISSING_FIELD', 'type'],
    ['a subject of the wrong type', event('x', { subject: ['a'] }), 'INVALID_SUBJECT', 'subject'],
    ['data an array', event('x', { data: [1, 2] }), 'INVALID_DATA', 'data'],
    ['1e309 in data', '{"id":"x","type":"t","subject":"s","data":{"v":1e309}}', 'INVALID_DATA', 'data.v'],
    ['data over 64 KiB', event('x', { data: { s: 'y'.repeat(65 * 1024) } }), 'DATA_TOO_LARGE', 'data'],
    ['a time that is not RFC 3339', event('x', { time: '10/03/2026' }), 'INVALID_TIME', 'time'],
    [
      'a time 10 minutes ahead',
      event('x', { time: new Date(now + 600_000).toISOString() }),
      'TIME_IN_FUTURE',
      'time',
    ],
    ['a time 40 days old', event('x', { time: now - 40 * 86_400_000 }), 'TIME_TOO_OLD', 'time'],
  ];
  it.each(cases)('refuses %s with 400 and the reason', async (_name, ev, code, field) => {
    const t = await h.tenant();
    const r = await collector.post(
      '/v1/events',
      typeof ev === 'string' ? ev : JSON.stringify(ev),
      auth(t.key),
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      accepted: 0,
      rejected: 1,
      results: [{ index: 0, status: 'rejected', error: { code, field } }],
    });
    expect(await h.rawBatches(t.tenantId)).toEqual([]);
    const rejections = await h.rejections(t.tenantId);
    expect(rejections).toEqual([
      expect.objectContaining({ tenantId: t.tenantId, stage: 'collector', code, field }),
    ]);
  });
});

describe('POST /v1/events: accepting', () => {
  it('accepts one event after the PubAck and publishes one batch', async () => {
    const t = await h.tenant();
    const r = await collector.post('/v1/events', event('one', { time: undefined, source: undefined }), {
      ...auth(t.key),
      'content-type': 'application/cloudevents+json',
    });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({
      batchId: expect.stringMatching(/^bat_/),
      accepted: 1,
      rejected: 0,
      duplicate: false,
      results: [{ index: 0, id: 'one', status: 'accepted' }],
    });
    const batches = await h.rawBatches(t.tenantId);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ batchId: r.body.batchId, tenantId: t.tenantId });
    const stored = batches[0].events[0];
    expect(stored).toMatchObject({
      id: 'one',
      source: 'default',
      type: 'api.call',
      subject: 'customer-1',
      data: { tokens: 12 },
    });
    expect(stored.time).toBe(batches[0].receivedAt);
  });

  it('accepts the valid events of a partial batch and rejects the rest', async () => {
    const t = await h.tenant();
    const events = [
      event('a'),
      { ...event('b'), subject: undefined },
      event('c', { time: 1_700_000_000_000 + 0.5 }),
      event('d', { specversion: '1.0' }),
    ];
    const r = await collector.post('/v1/events', events, {
      ...auth(t.key),
      'content-type': 'application/cloudevents-batch+json; charset=utf-8',
    });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(2);
    expect(r.body.rejected).toBe(2);
    expect(r.body.results).toEqual([
      { index: 0, id: 'a', status: 'accepted' },
      {
        index: 1,
        id: 'b',
        status: 'rejected',
        error: { code: 'MISSING_FIELD', message: expect.any(String), field: 'subject' },
      },
      {
        index: 2,
        id: 'c',
        status: 'rejected',
        error: { code: 'INVALID_TIME', message: expect.any(String), field: 'time' },
      },
      { index: 3, id: 'd', status: 'accepted' },
    ]);
    const batches = await h.rawBatches(t.tenantId);
    expect(batches).toHaveLength(1);
    expect(batches[0].events.map((e: { id: string }) => e.id)).toEqual(['a', 'd']);
    const rejections = await h.rejections(t.tenantId);
    expect(rejections.map((x) => [x.eventId, x.code]).sort()).toEqual([
      ['b', 'MISSING_FIELD'],
      ['c', 'INVALID_TIME'],
    ]);
    expect(JSON.parse(rejections.find((x) => x.eventId === 'b').raw)).toMatchObject({
      id: 'b',
      type: 'api.call',
    });
  });

  it('accepts 1,000 events in one request as one message', async () => {
    const t = await h.tenant();
    const r = await collector.post(
      '/v1/events',
      Array.from({ length: 1_000 }, (_, i) => event(`e${i}`)),
      auth(t.key),
    );
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(1_000);
    const batches = await h.rawBatches(t.tenantId);
    expect(batches).toHaveLength(1);
    expect(batches[0].events).toHaveLength(1_000);
  });

  it('stores one batch when two replicas receive the same Idempotency-Key', async () => {
    const t = await h.tenant();
    const other = await h.collector();
    const headers = { ...auth(t.key), 'idempotency-key': 'retry-me' };
    const first = await collector.post('/v1/events', [event('i1'), event('i2')], headers);
    const second = await other.post('/v1/events', [event('i1'), event('i2')], headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.batchId).toBe(first.body.batchId);
    expect(first.body.duplicate).toBe(false);
    expect(second.body.duplicate).toBe(true);
    expect(await h.rawBatches(t.tenantId)).toHaveLength(1);
    // Another tenant with the same key is another batch.
    const u = await h.tenant();
    const third = await other.post('/v1/events', [event('i1')], {
      ...auth(u.key),
      'idempotency-key': 'retry-me',
    });
    expect(third.body.batchId).not.toBe(first.body.batchId);
    expect(third.body.duplicate).toBe(false);
  });
});

describe('when the stream cannot take the batch', () => {
  it('answers 503 and reports nothing accepted', async () => {
    const failing: EventSink = { publishRaw: () => Promise.reject(new Error('no stream')) };
    const broken = await h.collector({}, { sink: failing });
    const t = await h.tenant();
    const r = await broken.post('/v1/events', [event('a'), { id: 'bad' }], auth(t.key));
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      error: { code: 'UNAVAILABLE', message: expect.stringContaining('nothing was accepted') },
    });
    await broken.close();
  });

  it('answers 503 when the subject has no stream (real JetStream)', async () => {
    const js = h.nc.jetstream();
    const t = await h.tenant();
    // Publishes to a subject nothing captures: JetStream answers "no responders".
    const noStream: EventSink = {
      publishRaw: async (_subject, data, opts) => {
        const ack = await js.publish(`nowhere.${t.tenantId}`, data, { msgID: opts.msgId, timeout: 1_000 });
        return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
      },
    };
    const broken = await h.collector({}, { sink: noStream });
    const r = await broken.post('/v1/events', event('a'), auth(t.key));
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('UNAVAILABLE');
    await broken.close();
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the tenant budget, shared by replicas', async () => {
    const a = await h.collector({ COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '5' });
    const b = await h.collector({ COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '5' });
    const t = await h.tenant();
    // Start at the beginning of a second so both requests fall into one window.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const first = await a.post(
      '/v1/events',
      [1, 2, 3, 4].map((i) => event(`r${i}`)),
      auth(t.key),
    );
    const second = await b.post('/v1/events', [event('r5'), event('r6')], auth(t.key));
    expect(first.status).toBe(202);
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe('RATE_LIMITED');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await h.tenant();
    expect((await b.post('/v1/events', event('o1'), auth(other.key))).status).toBe(202);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('API keys', () => {
  it('remembers a valid key for the cache TTL, and not past it', async () => {
    const t = await h.tenant();
    const cached = await h.collector({ COLLECTOR_API_KEY_CACHE_SECONDS: '30' });
    const uncached = await h.collector({ COLLECTOR_API_KEY_CACHE_SECONDS: '0' });
    expect((await cached.post('/v1/events', event('k1'), auth(t.key))).status).toBe(202);
    await h.db.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [t.keyId]);
    expect((await cached.post('/v1/events', event('k2'), auth(t.key))).status).toBe(202);
    const r = await uncached.post('/v1/events', event('k3'), auth(t.key));
    expect(r.status).toBe(401);
    await Promise.all([cached.close(), uncached.close()]);
  });
});

describe('NATS ingest', () => {
  it('answers usage.ingest.v1.<tenant> requests with the same per-event results', async () => {
    const t = await h.tenant();
    const hdrs = natsHeaders();
    hdrs.set('Idempotency-Key', 'nats-1');
    const msg = await h.nc.request(
      Subjects.usageIngest(t.tenantId),
      Buffer.from(JSON.stringify([event('n1'), { id: 'n2' }])),
      {
        timeout: 5_000,
        headers: hdrs,
      },
    );
    const reply = msg.json<any>();
    expect(reply).toMatchObject({ status: 202, accepted: 1, rejected: 1, duplicate: false });
    expect(reply.results[1]).toMatchObject({
      index: 1,
      id: 'n2',
      status: 'rejected',
      error: { code: 'MISSING_FIELD', field: 'type' },
    });
    const batches = await h.rawBatches(t.tenantId);
    expect(batches).toHaveLength(1);
    expect(batches[0].events[0].id).toBe('n1');
  });

  it('answers errors with the HTTP status and code', async () => {
    const t = await h.tenant();
    const bad = await h.nc.request(Subjects.usageIngest(t.tenantId), Buffer.from('{nope'), {
      timeout: 5_000,
    });
    expect(bad.json()).toEqual({ status: 400, error: { code: 'INVALID_JSON', message: expect.any(String) } });
    const none = await h.nc.request(
      Subjects.usageIngest(t.tenantId),
      Buffer.from(JSON.stringify([{ id: 'x' }])),
      { timeout: 5_000 },
    );
    expect(none.json()).toMatchObject({ status: 400, accepted: 0, rejected: 1 });
  });
});
