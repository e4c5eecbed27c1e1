import { Streams, Subjects, type ConsumerDef } from '@mu/contracts';
import {
  createTenantWithKey,
  loadConfig,
  locateFromRoot,
  provisionConsumer,
  runClickHouseMigrations,
  runPostgresMigrations,
  startService,
  type ServiceHandle,
} from '@mu/platform';
import {
  captureLogger,
  createTestClickHouse,
  createTestDatabase,
  requireServices,
  type TestClickHouse,
  type TestDatabase,
} from '@mu/testing';
import { connect, type NatsConnection } from 'nats';
import { AppModule as CollectorModule } from '../../apps/collector/src/app.module';
import { CollectorEnv } from '../../apps/collector/src/config';
import { configureHttp } from '../../apps/collector/src/http/setup';
import { AppModule as DeduplicatorModule } from '../../apps/deduplicator/src/app.module';
import { DeduplicatorEnv } from '../../apps/deduplicator/src/config';
import { AppModule as RaterModule } from '../../apps/rater/src/app.module';
import { RaterEnv } from '../../apps/rater/src/config';

export interface Reply {
  status: number;
  body: any;
}

/**
 * The event path in this process: collector, deduplicator and rater as Nest apps on their real
 * modules, against the local stack's NATS, Redis, Postgres and ClickHouse. The file has its own
 * Postgres and ClickHouse databases and one tenant, and the deduplicator and rater run on
 * durables of their own filtered to that tenant's subjects, so parallel tests never share work.
 */
export class Pipeline {
  private constructor(
    readonly tenantId: string,
    readonly key: string,
    readonly durables: { dedup: ConsumerDef; rater: ConsumerDef; rejections: ConsumerDef },
    readonly services: { collector: ServiceHandle; deduplicator: ServiceHandle; rater: ServiceHandle },
    private readonly nc: NatsConnection,
    private readonly db: TestDatabase,
    private readonly ch: TestClickHouse,
  ) {}

  static async start(): Promise<Pipeline> {
    const { nats } = await requireServices('nats', 'redis', 'postgres', 'clickhouse');
    const db = await createTestDatabase();
    await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
    const ch = await createTestClickHouse();
    await runClickHouseMigrations(ch.client, db.pool, locateFromRoot('db/clickhouse'), {
      database: ch.database,
    });
    const { tenantId, secret } = await createTenantWithKey(db.pool, 'e2e');
    const nc = await connect({ servers: nats, name: 'mu-e2e' });

    const durable = (stream: string, name: string, filterSubject: string): ConsumerDef => ({
      stream,
      durable: `${name}_${tenantId}`,
      filterSubject,
      ackWaitMs: 10_000,
      maxDeliver: 10,
      maxAckPending: 1_000,
      description: 'e2e',
    });
    const durables = {
      dedup: durable(Streams.USAGE_RAW.name, 'e2e_dedup', Subjects.usageRaw(tenantId)),
      rater: durable(Streams.USAGE_UNIQUE.name, 'e2e_rater', Subjects.usageUnique(tenantId)),
      rejections: durable(Streams.USAGE_REJECTED.name, 'e2e_rej', Subjects.usageRejected(tenantId)),
    };

    const env = {
      ...process.env,
      PORT: '0',
      DATABASE_URL: db.url,
      CLICKHOUSE_DATABASE: ch.database,
      NATS_PROVISION_STREAMS: 'true',
      DEDUP_STATS_INTERVAL_SECONDS: '0',
      RATER_STATS_INTERVAL_SECONDS: '0',
      RATER_FLUSH_MS: '200',
    };
    const logger = captureLogger('warn').logger;
    const collectorEnv = loadConfig('collector', CollectorEnv, env);
    const collector = await startService(CollectorModule.forRoot(collectorEnv, { logger }), collectorEnv, {
      bodyLimitBytes: collectorEnv.COLLECTOR_MAX_BODY_BYTES,
      configure: (app) => configureHttp(app, collectorEnv),
    });
    // The streams exist now (the collector provisioned them): the durables can be made.
    for (const d of Object.values(durables)) await provisionConsumer(nc, d);
    const dedupEnv = loadConfig('deduplicator', DeduplicatorEnv, env);
    const deduplicator = await startService(
      DeduplicatorModule.forRoot(dedupEnv, {
        logger,
        dedup: { consumer: durables.dedup, backoffMs: [200, 400], idleWaitMs: 1_000, windowMs: 15 * 60_000 },
      }),
      dedupEnv,
    );
    const raterEnv = loadConfig('rater', RaterEnv, env);
    const rater = await startService(
      RaterModule.forRoot(raterEnv, {
        logger,
        rater: { consumer: durables.rater, rejections: durables.rejections, backoffMs: [200, 400] },
      }),
      raterEnv,
    );
    return new Pipeline(tenantId, secret, durables, { collector, deduplicator, rater }, nc, db, ch);
  }

  base(service: keyof Pipeline['services']): string {
    return `http://127.0.0.1:${this.services[service].port}`;
  }

  /** POST to the collector, with the tenant's key unless `headers` says otherwise. */
  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(`${this.base('collector')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}`, ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Rows of a ClickHouse table for the tenant. */
  async count(table: 'events' | 'rejected_events'): Promise<number> {
    const rs = await this.ch.client.query({
      query: `SELECT count() AS n FROM ${table} FINAL WHERE tenant_id = {t:String}`,
      query_params: { t: this.tenantId },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string }>();
    return Number(row!.n);
  }

  async close(): Promise<void> {
    const { collector, deduplicator, rater } = this.services;
    await collector.close();
    await deduplicator.close();
    await rater.close();
    const jsm = await this.nc.jetstreamManager();
    for (const d of Object.values(this.durables)) {
      await jsm.consumers.delete(d.stream, d.durable).catch(() => undefined);
      await jsm.streams.purge(d.stream, { filter: d.filterSubject! });
    }
    await this.nc.drain();
    await this.ch.drop();
    await this.db.drop();
  }
}

/** A valid event a minute old. */
export function event(id: string, data: Record<string, unknown> = { tokens: 1 }) {
  return {
    id,
    source: 'e2e',
    type: 'api.call',
    subject: 'customer-1',
    time: new Date(Date.now() - 60_000).toISOString(),
    data,
  };
}
