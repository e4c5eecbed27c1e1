import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createKysely,
  loadConfig,
  locateFromRoot,
  newId,
  runPostgresMigrations,
  startService,
  type Kysely,
  type ServiceHandle,
} from '@mu/platform';
import { captureLogger, createTestDatabase, requireServices, waitFor, type TestDatabase } from '@mu/testing';
import {
  enqueueWebhook,
  generateWebhookSecret,
  verifyWebhookSignature,
  type WebhookTables,
} from '@mu/webhooks';
import { AppModule } from '../src/app.module';
import { InvoicerEnv } from '../src/config';

// The invoicer runs the webhook dispatcher from boot to shutdown: an event enqueued by a
// producer reaches a real receiver, and a shutdown waits for a delivery in flight.

let pg: TestDatabase;
let db: Kysely<WebhookTables>;
let server: Server;
let receiverUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  await requireServices('nats', 'clickhouse', 'postgres');
  pg = await createTestDatabase();
  await runPostgresMigrations(pg.pool, locateFromRoot('db/postgres'));
  db = createKysely<WebhookTables>(pg.pool);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      // Slow enough for the shutdown test to catch a delivery in flight.
      setTimeout(() => res.writeHead(200).end('ok'), 300);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mu`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await pg.drop();
});

async function startInvoicer(): Promise<{ handle: ServiceHandle; lines: Record<string, unknown>[] }> {
  const config = loadConfig('invoicer', InvoicerEnv, {
    ...process.env,
    DATABASE_URL: pg.url,
    PORT: '0',
    NATS_PROVISION_STREAMS: 'false',
    WEBHOOK_POLL_MS: '20',
    WEBHOOK_BACKOFF_BASE_MS: '20',
    WEBHOOK_BACKOFF_MAX_MS: '100',
  });
  const { logger, lines } = captureLogger('info');
  const handle = await startService(AppModule.forRoot(config, { logger }), config);
  return { handle, lines };
}

async function tenantWithEndpoint(): Promise<{ tenantId: string; secret: string }> {
  const tenantId = newId('ten');
  await pg.pool.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, 'invoicer webhooks']);
  const secret = generateWebhookSecret();
  await db
    .insertInto('webhook_endpoints')
    .values({ id: newId('whe'), tenant_id: tenantId, url: receiverUrl, secret, updated_at: new Date() })
    .execute();
  return { tenantId, secret };
}

it('delivers enqueued events from boot, and drains a delivery in flight on shutdown', async () => {
  const { handle, lines } = await startInvoicer();
  let closed = false;
  try {
    const { tenantId, secret } = await tenantWithEndpoint();
    const first = await enqueueWebhook(db, {
      tenantId,
      type: 'invoice.created',
      payload: { invoiceId: 'inv_a' },
    });
    await waitFor(() => received.find((r) => r.headers['mu-webhook-id'] === first.eventId), {
      what: 'the first delivery',
    });
    const req = received.find((r) => r.headers['mu-webhook-id'] === first.eventId)!;
    expect(verifyWebhookSignature(secret, req.headers['mu-signature'] as string, req.body)).toBe(true);

    const second = await enqueueWebhook(db, {
      tenantId,
      type: 'invoice.voided',
      payload: { invoiceId: 'inv_a' },
    });
    await waitFor(() => received.some((r) => r.headers['mu-webhook-id'] === second.eventId), {
      what: 'the second request to arrive',
    });
    // The receiver is still answering: the shutdown waits for it and records the result.
    await handle.close();
    closed = true;
    const row = await db
      .selectFrom('webhook_deliveries')
      .select(['status', 'attempt_count', 'claim_token'])
      .where('id', '=', second.deliveryIds[0]!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'succeeded', attempt_count: 1, claim_token: null });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['webhook dispatcher started', 'webhook dispatcher stopped']),
    );
    // No log line carries the signing secret.
    expect(JSON.stringify(lines)).not.toContain(secret);
  } finally {
    if (!closed) await handle.close();
  }
});
