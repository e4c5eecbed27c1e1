import {
  createTenantWithKey,
  loadConfig,
  locateFromRoot,
  runPostgresMigrations,
  type ServiceHandle,
  startService,
} from '@mu/platform';
import { captureLogger, createTestDatabase, requireServices, type TestDatabase } from '@mu/testing';
import { AppModule } from '../src/app.module';
import { ApiEnv } from '../src/config';
import { serveOpenApi } from '../src/openapi';

export interface Api {
  base: string;
  db: TestDatabase;
  handle: ServiceHandle;
  /** A new tenant and its first key. */
  tenant(name?: string): Promise<{ tenantId: string; key: string; call: Call }>;
  close(): Promise<void>;
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}
export type Call = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Reply<T>>;

/**
 * The API in-process on a random port, against a fresh migrated Postgres database. `env`
 * overrides variables, e.g. CLICKHOUSE_DATABASE for a test's own ClickHouse database.
 */
export async function startApi(opts: { env?: Record<string, string> } = {}): Promise<Api> {
  await requireServices('nats', 'redis', 'clickhouse', 'postgres');
  const db = await createTestDatabase();
  await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
  const config = loadConfig('api', ApiEnv, {
    ...process.env,
    DATABASE_URL: db.url,
    PORT: '0',
    NATS_PROVISION_STREAMS: 'false',
    ...opts.env,
  });
  const handle = await startService(
    AppModule.forRoot(config, { logger: captureLogger('warn').logger }),
    config,
    { configure: serveOpenApi },
  );
  const base = `http://127.0.0.1:${handle.port}`;
  const callWith =
    (key?: string): Call =>
    async (method, path, body, headers = {}) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    };
  return {
    base,
    db,
    handle,
    async tenant(name = 'test tenant') {
      const t = await createTenantWithKey(db.pool, name);
      return { tenantId: t.tenantId, key: t.secret, call: callWith(t.secret) };
    },
    async close() {
      await handle.close();
      await db.drop();
    },
  };
}

export const anonymous =
  (api: Api): Call =>
  async (method, path, body, headers = {}) => {
    const res = await fetch(`${api.base}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };

export const customerBody = (externalKey: string, extra: Record<string, unknown> = {}) => ({
  externalKey,
  name: 'Ada Lovelace Ltd',
  email: 'billing@example.com',
  currency: 'EUR',
  timeZone: 'Europe/Berlin',
  billingAddress: { country: 'DE', postalCode: '10115', city: 'Berlin' },
  ...extra,
});

/**
 * A `calls` meter (count) and plan `growth` v1, published: monthly, EUR, a 30.00 platform fee
 * and a graduated `calls` charge (default: 2 free, then 0.015 each). Returns the meter id.
 */
export async function growthPlan(
  call: Call,
  opts: {
    feeTiming?: 'in_advance' | 'in_arrears';
    tiers?: { upTo: string | null; unitAmount: string }[];
    meterUnit?: string;
  } = {},
): Promise<string> {
  const meter = await call('POST', '/v1/meters', {
    key: 'calls',
    name: 'API calls',
    eventType: 'api.call',
    aggregation: 'count',
    ...(opts.meterUnit ? { unit: opts.meterUnit } : {}),
  });
  if (meter.status !== 201) throw new Error(`meter: ${meter.status} ${JSON.stringify(meter.body)}`);
  await call('POST', '/v1/plans', { key: 'growth', name: 'Growth' });
  const v = await call('POST', '/v1/plans/growth/versions', {
    currency: 'EUR',
    billingCadence: 'P1M',
    fixedFees: [
      { key: 'platform', name: 'Platform fee', amount: '30.00', timing: opts.feeTiming ?? 'in_advance' },
    ],
    usageCharges: [
      {
        key: 'calls',
        name: 'API calls',
        meter: 'calls',
        price: {
          currency: 'EUR',
          model: 'graduated',
          tiers: opts.tiers ?? [
            { upTo: '2', unitAmount: '0' },
            { upTo: null, unitAmount: '0.015' },
          ],
        },
      },
    ],
  });
  if (v.status !== 201) throw new Error(`plan version: ${v.status} ${JSON.stringify(v.body)}`);
  const p = await call('POST', '/v1/plans/growth/versions/1/publish');
  if (p.status !== 200) throw new Error(`publish: ${p.status} ${JSON.stringify(p.body)}`);
  return meter.body.id as string;
}
