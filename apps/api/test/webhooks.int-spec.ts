import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKysely, Pool, type Kysely } from '@mu/platform';
import { captureLogger, waitFor } from '@mu/testing';
import { enqueueWebhook, verifyWebhookSignature, WebhookDispatcher, type WebhookTables } from '@mu/webhooks';
import { anonymous, startApi, type Api } from './support';

let api: Api;
let pool: Pool;
let db: Kysely<WebhookTables>;
let server: Server;
let base: string;
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
/** Status the receiver answers, per path (default 200). */
const answers = new Map<string, number>();

beforeAll(async () => {
  api = await startApi();
  pool = new Pool({ connectionString: api.db.url, max: 5 });
  // pg's pool.end() resolves before its clients have closed, so the DROP DATABASE ... WITH
  // (FORCE) that ends the file can terminate one; that error is expected, not a failure.
  pool.on('error', () => undefined);
  db = createKysely<WebhookTables>(pool);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.get(path) ?? 200).end('received');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await pool.end();
  await api.close();
});

/** Send what is due, as the invoicer would, until `done`. */
async function deliverUntil(done: () => Promise<boolean>, opts: { maxAttempts?: number } = {}) {
  const dispatcher = new WebhookDispatcher(db, {
    logger: captureLogger('warn').logger,
    allowHttp: true,
    maxAttempts: opts.maxAttempts ?? 3,
    backoffBaseMs: 10,
    backoffMaxMs: 10,
  });
  await waitFor(
    async () => {
      await dispatcher.dispatchDue();
      return done();
    },
    { what: 'deliveries', intervalMs: 20 },
  );
}

describe('webhook endpoints', () => {
  it('create shows the secret once; get and list never; rotate replaces it; delete removes it', async () => {
    const { call } = await api.tenant();
    const created = await call('POST', '/v1/webhook-endpoints', {
      url: `${base}/a`,
      description: 'billing system',
      eventTypes: ['invoice.created', 'invoice.finalized'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: `${base}/a`,
      description: 'billing system',
      eventTypes: ['invoice.created', 'invoice.finalized'],
      enabled: true,
    });
    expect(created.body.id).toMatch(/^whe_[0-9A-Z]{26}$/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const id = created.body.id as string;

    const got = await call('GET', `/v1/webhook-endpoints/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    const { secret: _secret, ...withoutSecret } = created.body;
    expect(got.body).toEqual(withoutSecret);
    const listed = await call('GET', '/v1/webhook-endpoints');
    expect(listed.body).toEqual({ data: [withoutSecret], nextCursor: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);

    const patched = await call('PATCH', `/v1/webhook-endpoints/${id}`, {
      eventTypes: [],
      enabled: false,
      description: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id,
      eventTypes: [],
      enabled: false,
      description: null,
      url: `${base}/a`,
    });
    expect(patched.body).not.toHaveProperty('secret');

    const rotated = await call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const stored = await db
      .selectFrom('webhook_endpoints')
      .select('secret')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.secret).toBe(rotated.body.secret);

    const deleted = await call('DELETE', `/v1/webhook-endpoints/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(id);
    expect((await call('GET', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
  });

  it('refuses bad input, naming every field', async () => {
    const { call } = await api.tenant();
    const r = await call('POST', '/v1/webhook-endpoints', {
      url: 'ftp://example.com/hook',
      eventTypes: ['invoice.created', 'invoice.paid'],
      enabled: 'yes',
      secret: 'mine',
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    const details = r.body.error.details as { path: string; message: string }[];
    expect(details.map((d) => d.path).sort()).toEqual(['enabled', 'eventTypes', 'secret', 'url']);
    expect(details.find((d) => d.path === 'url')!.message).toBe('url must be an http or https URL');
    expect(details.find((d) => d.path === 'eventTypes')!.message).toContain(
      'invoice.created, invoice.finalized',
    );

    for (const url of ['not a url', '/relative', 'https://user:pw@example.com/']) {
      const bad = await call('POST', '/v1/webhook-endpoints', { url });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['url']);
    }
    const missing = await call('POST', '/v1/webhook-endpoints', {});
    expect(missing.body.error.details.map((d: { path: string }) => d.path)).toEqual(['url']);

    const ok = await call('POST', '/v1/webhook-endpoints', { url: `${base}/b` });
    const patch = await call('PATCH', `/v1/webhook-endpoints/${ok.body.id}`, { url: 'mailto:a@b.c' });
    expect(patch.status).toBe(400);
    expect(patch.body.error.details[0].path).toBe('url');
    expect((await anonymous(api)('GET', '/v1/webhook-endpoints')).status).toBe(401);
  });

  it('requires https (and a public address) where http is not allowed', async () => {
    const strict = await startApi({ env: { WEBHOOK_ALLOW_HTTP: 'false' } });
    try {
      const { call } = await strict.tenant();
      const http = await call('POST', '/v1/webhook-endpoints', { url: 'http://hooks.example.com/mu' });
      expect(http.status).toBe(400);
      expect(http.body.error.details).toEqual([{ path: 'url', message: 'url must be an https URL' }]);
      const local = await call('POST', '/v1/webhook-endpoints', { url: 'https://169.254.169.254/' });
      expect(local.body.error.details).toEqual([
        { path: 'url', message: 'url must not point at a loopback, private or link-local address' },
      ]);
      expect(
        (await call('POST', '/v1/webhook-endpoints', { url: 'https://hooks.example.com/mu' })).status,
      ).toBe(201);
    } finally {
      await strict.close();
    }
  });
});

describe('webhook deliveries', () => {
  it('a test ping is delivered, signed, and logged with its attempts', async () => {
    const { call } = await api.tenant();
    const ep = await call('POST', '/v1/webhook-endpoints', {
      url: `${base}/ping`,
      eventTypes: ['alert.triggered'],
    });
    const queued = await call('POST', `/v1/webhook-endpoints/${ep.body.id}/test`);
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({
      endpointId: ep.body.id,
      eventType: 'webhook.test',
      status: 'pending',
      attemptCount: 0,
      attempts: [],
      event: { type: 'webhook.test', data: { endpointId: ep.body.id } },
    });
    const id = queued.body.id as string;
    await deliverUntil(
      async () => (await call('GET', `/v1/webhook-deliveries/${id}`)).body.status === 'succeeded',
    );
    const req = received.find((r) => r.headers['mu-webhook-id'] === queued.body.eventId)!;
    expect(req.path).toBe('/ping');
    expect(req.headers['mu-webhook-type']).toBe('webhook.test');
    expect(verifyWebhookSignature(ep.body.secret, req.headers['mu-signature'] as string, req.body)).toBe(
      true,
    );
    expect(JSON.parse(req.body)).toEqual(queued.body.event);

    const done = await call('GET', `/v1/webhook-deliveries/${id}`);
    expect(done.body).toMatchObject({
      status: 'succeeded',
      attemptCount: 1,
      nextAttemptAt: null,
      lastResponseStatus: 200,
      lastResponseBody: 'received',
      lastError: null,
      attempts: [
        { attempt: 1, outcome: 'succeeded', responseStatus: 200, responseBody: 'received', error: null },
      ],
    });
    expect(done.body.completedAt).not.toBeNull();
  });

  it('lists with filters and pages; retries a failed delivery by hand', async () => {
    const { tenantId, call } = await api.tenant();
    const good = (await call('POST', '/v1/webhook-endpoints', { url: `${base}/good` })).body;
    const bad = (await call('POST', '/v1/webhook-endpoints', { url: `${base}/bad` })).body;
    answers.set('/bad', 500);
    await enqueueWebhook(db, { tenantId, type: 'invoice.created', payload: { invoiceId: 'inv_1' } });
    await enqueueWebhook(db, { tenantId, type: 'alert.triggered', payload: { alertId: 'alr_1' } });
    const all = await call('GET', '/v1/webhook-deliveries');
    expect(all.body.data).toHaveLength(4);
    expect(all.body.data.every((d: { status: string }) => d.status === 'pending')).toBe(true);

    await deliverUntil(
      async () => (await call('GET', '/v1/webhook-deliveries?status=pending')).body.data.length === 0,
      { maxAttempts: 2 },
    );
    const failed = await call('GET', '/v1/webhook-deliveries?status=failed');
    expect(failed.body.data.map((d: { endpointId: string }) => d.endpointId)).toEqual([bad.id, bad.id]);
    const byEndpoint = await call('GET', `/v1/webhook-deliveries?endpoint=${good.id}&status=succeeded`);
    expect(byEndpoint.body.data).toHaveLength(2);
    const alerts = await call('GET', `/v1/webhook-deliveries?eventType=alert.triggered&endpoint=${bad.id}`);
    expect(alerts.body.data).toHaveLength(1);
    expect(alerts.body.data[0]).toMatchObject({
      eventType: 'alert.triggered',
      status: 'failed',
      attemptCount: 2,
    });

    const page1 = await call('GET', '/v1/webhook-deliveries?limit=3');
    expect(page1.body.data).toHaveLength(3);
    const page2 = await call('GET', `/v1/webhook-deliveries?limit=3&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toEqual({
      data: [all.body.data[3] && expect.objectContaining({ id: all.body.data[3].id })],
      nextCursor: null,
    });

    const bogus = await call('GET', '/v1/webhook-deliveries?status=lost&eventType=invoice.paid&endpoint=x');
    expect(bogus.status).toBe(400);
    expect(bogus.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'endpoint',
      'eventType',
      'status',
    ]);

    // The receiver is fixed; a retry sends the failed delivery again.
    answers.set('/bad', 200);
    const target = alerts.body.data[0].id as string;
    const retried = await call('POST', `/v1/webhook-deliveries/${target}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'pending', completedAt: null });
    await deliverUntil(
      async () => (await call('GET', `/v1/webhook-deliveries/${target}`)).body.status === 'succeeded',
    );
    const after = (await call('GET', `/v1/webhook-deliveries/${target}`)).body;
    expect(
      after.attempts.map((a: { outcome: string; responseStatus: number }) => [a.outcome, a.responseStatus]),
    ).toEqual([
      ['failed', 500],
      ['failed', 500],
      ['succeeded', 200],
    ]);
    const again = await call('POST', `/v1/webhook-deliveries/${target}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('WEBHOOK_DELIVERY_SUCCEEDED');

    // A disabled endpoint gets neither tests nor retries.
    await call('PATCH', `/v1/webhook-endpoints/${bad.id}`, { enabled: false });
    const test = await call('POST', `/v1/webhook-endpoints/${bad.id}/test`);
    expect(test.status).toBe(409);
    expect(test.body.error.code).toBe('WEBHOOK_ENDPOINT_DISABLED');
    const other = failed.body.data.find((d: { id: string }) => d.id !== target).id as string;
    expect((await call('POST', `/v1/webhook-deliveries/${other}/retry`)).body.error.code).toBe(
      'WEBHOOK_ENDPOINT_DISABLED',
    );
  });

  it("a tenant never sees or touches another tenant's endpoints and deliveries", async () => {
    const a = await api.tenant('a');
    const b = await api.tenant('b');
    const ep = (await a.call('POST', '/v1/webhook-endpoints', { url: `${base}/iso` })).body;
    const ping = (await a.call('POST', `/v1/webhook-endpoints/${ep.id}/test`)).body;
    // B's own events never reach A's endpoint.
    await enqueueWebhook(db, { tenantId: b.tenantId, type: 'invoice.created', payload: {} });

    expect((await b.call('GET', '/v1/webhook-endpoints')).body).toEqual({ data: [], nextCursor: null });
    for (const [method, path, body] of [
      ['GET', `/v1/webhook-endpoints/${ep.id}`],
      ['PATCH', `/v1/webhook-endpoints/${ep.id}`, { enabled: false }],
      ['POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`],
      ['POST', `/v1/webhook-endpoints/${ep.id}/test`],
      ['DELETE', `/v1/webhook-endpoints/${ep.id}`],
      ['GET', `/v1/webhook-deliveries/${ping.id}`],
      ['POST', `/v1/webhook-deliveries/${ping.id}/retry`],
    ] as [string, string, unknown?][]) {
      const r = await b.call(method, path, body);
      expect([method, path, r.status, r.body.error.code]).toEqual([method, path, 404, 'NOT_FOUND']);
    }
    expect((await b.call('GET', '/v1/webhook-deliveries')).body).toEqual({ data: [], nextCursor: null });
    expect((await b.call('GET', `/v1/webhook-deliveries?endpoint=${ep.id}`)).body.data).toEqual([]);
    // A's objects are untouched.
    expect((await a.call('GET', `/v1/webhook-endpoints/${ep.id}`)).body.enabled).toBe(true);
    const aDeliveries = (await a.call('GET', '/v1/webhook-deliveries')).body.data;
    expect(aDeliveries.map((d: { id: string }) => d.id)).toEqual([ping.id]);
  });
});
