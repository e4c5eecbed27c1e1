import { Streams, Subjects } from '@mu/contracts';
import {
  createTenantWithKey,
  loadConfig,
  locateFromRoot,
  runPostgresMigrations,
  startService,
  type ServiceHandle,
} from '@mu/platform';
import { captureLogger, createTestDatabase, requireServices, type TestDatabase } from '@mu/testing';
import { AckPolicy, connect, DeliverPolicy, nanos, type NatsConnection } from 'nats';
import { AppModule, type CollectorModuleOptions } from '../src/app.module';
import { CollectorEnv } from '../src/config';
import { configureHttp } from '../src/http/setup';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Collector {
  base: string;
  handle: ServiceHandle;
  post<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  close(): Promise<void>;
}

export interface Harness {
  db: TestDatabase;
  nc: NatsConnection;
  tenant(): Promise<{ tenantId: string; key: string; keyId: string }>;
  /** A collector in-process on a random port; env overrides the defaults. */
  collector(env?: Record<string, string>, opts?: CollectorModuleOptions): Promise<Collector>;
  /** Every batch stored for the tenant in USAGE_RAW, oldest first. */
  rawBatches(tenantId: string): Promise<any[]>;
  rejections(tenantId: string): Promise<any[]>;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const { nats } = await requireServices('nats', 'redis', 'postgres');
  const db = await createTestDatabase();
  await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
  const nc = await connect({ servers: nats, name: 'collector-test' });
  const collectors: Collector[] = [];

  async function read(stream: string, subject: string): Promise<any[]> {
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return [];
    // An ephemeral pull consumer (an ordered consumer's next() hangs on this nats.js version).
    const ci = await jsm.consumers.add(stream, {
      filter_subject: subject,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: nanos(30_000),
    });
    const out: any[] = [];
    try {
      const consumer = await js.consumers.get(stream, ci.name);
      const msgs = await consumer.fetch({ max_messages: count, expires: 2_000 });
      for await (const m of msgs) out.push(m.json());
    } finally {
      await jsm.consumers.delete(stream, ci.name).catch(() => undefined);
    }
    return out;
  }

  return {
    db,
    nc,
    async tenant() {
      const t = await createTenantWithKey(db.pool, 'collector test');
      return { tenantId: t.tenantId, key: t.secret, keyId: t.keyId };
    },
    async collector(env = {}, opts = {}) {
      const config = loadConfig('collector', CollectorEnv, {
        ...process.env,
        DATABASE_URL: db.url,
        PORT: '0',
        NATS_PROVISION_STREAMS: 'true',
        ...env,
      });
      const handle = await startService(
        AppModule.forRoot(config, { logger: captureLogger('error').logger, ...opts }),
        config,
        { bodyLimitBytes: config.COLLECTOR_MAX_BODY_BYTES, configure: (app) => configureHttp(app, config) },
      );
      const base = `http://127.0.0.1:${handle.port}`;
      const c: Collector = {
        base,
        handle,
        async post(path, body, headers = {}) {
          const res = await fetch(`${base}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body),
          });
          const text = await res.text();
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* keep the text */
          }
          return { status: res.status, body: parsed as any, headers: res.headers };
        },
        close: () => handle.close(),
      };
      collectors.push(c);
      return c;
    },
    rawBatches: (tenantId) => read(Streams.USAGE_RAW.name, Subjects.usageRaw(tenantId)),
    rejections: (tenantId) => read(Streams.USAGE_REJECTED.name, Subjects.usageRejected(tenantId)),
    async close() {
      for (const c of collectors) await c.close();
      await nc.drain();
      await db.drop();
    },
  };
}

/** A valid event at `now` minus a minute. */
export function event(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    source: 'test',
    type: 'api.call',
    subject: 'customer-1',
    time: new Date(Date.now() - 60_000).toISOString(),
    data: { tokens: 12 },
    ...extra,
  };
}
