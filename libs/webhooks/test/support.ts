import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { captureLogger, createTestDatabase, type TestDatabase } from '@mu/testing';
import { createKysely, locateFromRoot, newId, runPostgresMigrations, type Kysely } from '@mu/platform';
import {
  generateWebhookSecret,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
  type WebhookTables,
} from '../src';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as the receiver must verify it. */
  body: string;
  at: number;
}

/** What the receiver answers to its n-th request (0-based) on a path. */
export type Responder = (req: Received, n: number) => { status: number; body?: string; delayMs?: number };

/** A real HTTP receiver on a random loopback port, recording every request. */
export interface Receiver {
  url(path?: string): string;
  requests: Received[];
  on(path: string, responder: Responder): void;
  close(): Promise<void>;
}

const defaultResponder: Responder = () => ({ status: 200, body: 'ok' });

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const responders = new Map<string, Responder>();
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const received: Received = {
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(received);
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      const answer = (responders.get(path) ?? defaultResponder)(received, n);
      const send = () => {
        res.statusCode = answer.status;
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    requests,
    on: (path, responder) => void responders.set(path, responder),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface WebhooksDb {
  pg: TestDatabase;
  db: Kysely<WebhookTables>;
  tenant(): Promise<string>;
  endpoint(
    tenantId: string,
    url: string,
    opts?: { eventTypes?: string[]; enabled?: boolean },
  ): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

/** A fresh database with Mu's migrations. */
export async function startWebhooksDb(): Promise<WebhooksDb> {
  const pg = await createTestDatabase();
  await runPostgresMigrations(pg.pool, locateFromRoot('db/postgres'));
  const db = createKysely<WebhookTables>(pg.pool);
  return {
    pg,
    db,
    async tenant() {
      const id = newId('ten');
      await pg.pool.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [id, 'webhooks test']);
      return id;
    },
    async endpoint(tenantId, url, opts = {}) {
      const id = newId('whe');
      const secret = generateWebhookSecret();
      await db
        .insertInto('webhook_endpoints')
        .values({
          id,
          tenant_id: tenantId,
          url,
          event_types: opts.eventTypes ?? [],
          secret,
          enabled: opts.enabled ?? true,
          updated_at: new Date(),
        })
        .execute();
      return { id, secret };
    },
    close: () => pg.drop(),
  };
}

/** A dispatcher for tests: fast polls, tiny backoff, http allowed. */
export function testDispatcher(
  db: Kysely<WebhookTables>,
  opts: Partial<WebhookDispatcherOptions> = {},
): WebhookDispatcher {
  return new WebhookDispatcher(db, {
    logger: captureLogger('warn').logger,
    pollMs: 20,
    timeoutMs: 2_000,
    maxAttempts: 5,
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    allowHttp: true,
    concurrency: 10,
    ...opts,
  });
}
