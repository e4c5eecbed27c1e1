import {
  Streams,
  Subjects,
  UsageRejected,
  UsageUniqueBatch,
  type ConsumerDef,
  type UsageEventV1,
} from '@mu/contracts';
import {
  createTenantWithKey,
  JetStreamPublisher,
  loadConfig,
  locateFromRoot,
  newId,
  provisionConsumer,
  provisionStreams,
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
  uniqueId,
  type TestClickHouse,
  type TestDatabase,
} from '@mu/testing';
import { connect, type NatsConnection } from 'nats';
import { AppModule } from '../src/app.module';
import { RaterEnv } from '../src/config';
import type { RaterFaults } from '../src/rating/rating.handler';
import { RaterService } from '../src/rating/rater.service';

export interface MeterSpec {
  key: string;
  eventType?: string;
  aggregation: string;
  valuePath?: string | null;
  filters?: unknown[];
  groupBy?: Record<string, string>;
}

/**
 * A Postgres database and a ClickHouse database of the test's own, migrated; the shared
 * NATS streams with durables of the test's own, filtered to its tenants' subjects.
 */
export class RaterTestKit {
  private seq = 0;
  private readonly tenants: string[] = [];
  private readonly durables: ConsumerDef[] = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly publisher: JetStreamPublisher,
    readonly db: TestDatabase,
    readonly ch: TestClickHouse,
  ) {}

  static async create(): Promise<RaterTestKit> {
    const { nats } = await requireServices('nats', 'postgres', 'clickhouse');
    const nc = await connect({ servers: nats, name: 'mu-rater-test' });
    await provisionStreams(nc, [
      Streams.USAGE_UNIQUE,
      Streams.USAGE_REJECTED,
      Streams.DEAD_LETTER,
      Streams.BILLING_EVENTS,
    ]);
    const db = await createTestDatabase();
    await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
    const ch = await createTestClickHouse();
    await runClickHouseMigrations(ch.client, db.pool, locateFromRoot('db/clickhouse'), {
      database: ch.database,
    });
    return new RaterTestKit(nc, new JetStreamPublisher(nc), db, ch);
  }

  /** A tenant with meters, and durables on USAGE_UNIQUE and USAGE_REJECTED that see only it. */
  async tenant(meters: MeterSpec[] = []) {
    const { tenantId } = await createTenantWithKey(this.db.pool, uniqueId('rater'));
    const meterIds: Record<string, string> = {};
    for (const m of meters) {
      const id = newId('mtr');
      meterIds[m.key] = id;
      await this.db.pool.query(
        `INSERT INTO meters (id, tenant_id, key, name, event_type, aggregation, value_path, filters, group_by)
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          tenantId,
          m.key,
          m.eventType ?? 'api.call',
          m.aggregation,
          m.valuePath ?? null,
          JSON.stringify(m.filters ?? []),
          JSON.stringify(m.groupBy ?? {}),
        ],
      );
    }
    const consumer: ConsumerDef = {
      stream: Streams.USAGE_UNIQUE.name,
      durable: `rater_${tenantId}`,
      filterSubject: Subjects.usageUnique(tenantId),
      ackWaitMs: 10_000,
      maxDeliver: 10,
      maxAckPending: 1_000,
      description: 'rater test',
    };
    const rejections: ConsumerDef = {
      ...consumer,
      stream: Streams.USAGE_REJECTED.name,
      durable: `rater_rej_${tenantId}`,
      filterSubject: Subjects.usageRejected(tenantId),
    };
    await provisionConsumer(this.nc, consumer);
    await provisionConsumer(this.nc, rejections);
    this.tenants.push(tenantId);
    this.durables.push(consumer, rejections);
    return { tenantId, meterIds, consumer, rejections };
  }

  /** Publish one USAGE_UNIQUE message as the deduplicator would. */
  async publishUnique(tenantId: string, events: UsageEventV1[]): Promise<number> {
    this.seq += 1;
    const rawSequence = Date.now() * 1000 + this.seq;
    const r = await this.publisher.publish(
      Subjects.usageUnique(tenantId),
      UsageUniqueBatch,
      { tenantId, rawSequence, receivedAt: new Date().toISOString(), events },
      { msgId: `raw-${rawSequence}` },
    );
    return r.seq;
  }

  async publishRejected(tenantId: string, code: string, raw: unknown): Promise<void> {
    await this.publisher.publish(
      Subjects.usageRejected(tenantId),
      UsageRejected,
      {
        tenantId,
        stage: code === 'DUPLICATE_CONFLICT' ? 'deduplicator' : 'collector',
        code,
        message: `test rejection ${code}`,
        field: 'time',
        eventId: (raw as { id?: string }).id,
        rejectedAt: new Date().toISOString(),
        raw: JSON.stringify(raw),
      },
      { msgId: `rej-${tenantId}-${code}-${String((raw as { id?: string }).id)}` },
    );
  }

  async query<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  async start(
    t: { consumer: ConsumerDef; rejections: ConsumerDef },
    opts: { faults?: RaterFaults; env?: Record<string, string> } = {},
  ): Promise<{ handle: ServiceHandle; service: RaterService; lines: Record<string, unknown>[] }> {
    const { logger, lines } = captureLogger('debug');
    const config = loadConfig('rater', RaterEnv, {
      ...process.env,
      PORT: '0',
      DATABASE_URL: this.db.url,
      CLICKHOUSE_DATABASE: this.ch.database,
      RATER_STATS_INTERVAL_SECONDS: '0',
      RATER_FLUSH_MS: '200',
      ...opts.env,
    });
    const handle = await startService(
      AppModule.forRoot(config, {
        logger,
        rater: { consumer: t.consumer, rejections: t.rejections, faults: opts.faults, backoffMs: [200, 400] },
      }),
      config,
    );
    return { handle, service: handle.app.get(RaterService), lines };
  }

  async cleanup(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    for (const d of this.durables) await jsm.consumers.delete(d.stream, d.durable).catch(() => undefined);
    for (const t of this.tenants) {
      await jsm.streams.purge(Streams.USAGE_UNIQUE.name, { filter: Subjects.usageUnique(t) });
      await jsm.streams.purge(Streams.USAGE_REJECTED.name, { filter: Subjects.usageRejected(t) });
    }
    await this.nc.drain();
    await this.ch.drop();
    await this.db.drop();
  }
}

export function event(
  id: string,
  data: Record<string, unknown>,
  opts: { subject?: string; time?: string; type?: string; source?: string } = {},
): UsageEventV1 {
  return {
    id,
    source: opts.source ?? 'test',
    type: opts.type ?? 'api.call',
    subject: opts.subject ?? 'cus_1',
    time: opts.time ?? '2026-11-10T12:00:00.000Z',
    data,
  };
}
