import {
  decodeMessage,
  Streams,
  Subjects,
  UsageRawBatch,
  UsageRejected,
  UsageUniqueBatch,
  type ConsumerDef,
  type UsageEventV1,
  type UsageRejectedV1,
  type UsageUniqueBatchV1,
} from '@mu/contracts';
import {
  JetStreamPublisher,
  loadConfig,
  provisionConsumer,
  provisionStreams,
  startService,
  type ServiceHandle,
} from '@mu/platform';
import { captureLogger, requireServices, uniqueId } from '@mu/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { AckPolicy, connect, DeliverPolicy, nanos, type JsMsg, type NatsConnection } from 'nats';
import { AppModule } from '../src/app.module';
import { DeduplicatorEnv } from '../src/config';
import type { DedupFaults } from '../src/dedup/dedup.handler';
import { DedupService } from '../src/dedup/dedup.service';

/**
 * Tests share the real USAGE_* streams with every other test process on the machine, so each
 * test uses a tenant of its own, a durable of its own filtered to that tenant's raw subject,
 * and reads USAGE_UNIQUE / USAGE_REJECTED by that tenant's subject only.
 */
export class DedupTestKit {
  private constructor(
    readonly nc: NatsConnection,
    readonly publisher: JetStreamPublisher,
    private readonly tenants: string[] = [],
    private readonly durables: string[] = [],
  ) {}

  static async create(): Promise<DedupTestKit> {
    const { nats } = await requireServices('nats', 'redis');
    const nc = await connect({ servers: nats, name: 'mu-dedup-test' });
    await provisionStreams(nc, [
      Streams.USAGE_RAW,
      Streams.USAGE_UNIQUE,
      Streams.USAGE_REJECTED,
      Streams.DEAD_LETTER,
    ]);
    return new DedupTestKit(nc, new JetStreamPublisher(nc));
  }

  /** A fresh tenant and a durable on USAGE_RAW that sees only its subject. */
  async tenant(): Promise<{ tenantId: string; consumer: ConsumerDef }> {
    const tenantId = uniqueId('dd');
    const consumer: ConsumerDef = {
      stream: Streams.USAGE_RAW.name,
      durable: `dedup_${tenantId}`,
      filterSubject: Subjects.usageRaw(tenantId),
      ackWaitMs: 10_000,
      maxDeliver: 10,
      maxAckPending: 1_000,
      description: 'deduplicator test',
    };
    await provisionConsumer(this.nc, consumer);
    this.tenants.push(tenantId);
    this.durables.push(consumer.durable);
    return { tenantId, consumer };
  }

  /** Publish one raw batch as the collector would; resolves with its USAGE_RAW sequence. */
  async publishRaw(tenantId: string, events: UsageEventV1[]): Promise<number> {
    const batchId = uniqueId('b');
    const r = await this.publisher.publish(
      Subjects.usageRaw(tenantId),
      UsageRawBatch,
      { batchId, tenantId, receivedAt: new Date().toISOString(), events },
      { msgId: batchId },
    );
    return r.seq;
  }

  async unique(tenantId: string): Promise<UsageUniqueBatchV1[]> {
    // By raw sequence: batches of one pull are published concurrently, redeliveries come later.
    return (await this.read(Streams.USAGE_UNIQUE.name, Subjects.usageUnique(tenantId)))
      .map((m) => decodeMessage(UsageUniqueBatch, m.data))
      .sort((a, b) => a.rawSequence - b.rawSequence);
  }

  async rejected(tenantId: string): Promise<{ msgId: string | undefined; record: UsageRejectedV1 }[]> {
    return (await this.read(Streams.USAGE_REJECTED.name, Subjects.usageRejected(tenantId))).map((m) => ({
      msgId: m.headers?.get('Nats-Msg-Id'),
      record: decodeMessage(UsageRejected, m.data),
    }));
  }

  /** Unique event ids in USAGE_UNIQUE for a tenant, with repeats (so a double publish shows). */
  async uniqueEventIds(tenantId: string): Promise<string[]> {
    return (await this.unique(tenantId)).flatMap((b) => b.events.map((e) => e.id)).sort();
  }

  async deleteConsumer(stream: string, name: string): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await jsm.consumers.delete(stream, name).catch(() => undefined);
  }

  async consumerInfo(consumer: ConsumerDef) {
    const jsm = await this.nc.jetstreamManager();
    return jsm.consumers.info(consumer.stream, consumer.durable);
  }

  /**
   * Every message on one subject, through an ephemeral pull consumer deleted after the read.
   * (An ordered consumer per read was never removed on NATS 2.9: a 150 s poll left ~300 on
   * USAGE_UNIQUE, and every publish to the stream then had them all to match.)
   */
  private async read(stream: string, subject: string): Promise<JsMsg[]> {
    const jsm = await this.nc.jetstreamManager();
    const ci = await jsm.consumers.add(stream, {
      filter_subject: subject,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: nanos(30_000),
    });
    const out: JsMsg[] = [];
    try {
      if (ci.num_pending === 0) return out;
      const c = await this.nc.jetstream().consumers.get(stream, ci.name);
      const iter = await c.fetch({ max_messages: ci.num_pending, expires: 2_000 });
      for await (const m of iter) out.push(m);
    } finally {
      await jsm.consumers.delete(stream, ci.name).catch(() => undefined);
    }
    return out;
  }

  /** Delete the test durables and purge the test tenants' subjects from the shared streams. */
  async cleanup(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    for (const d of this.durables) {
      await jsm.consumers.delete(Streams.USAGE_RAW.name, d).catch(() => undefined);
      await jsm.streams.purge(Streams.DEAD_LETTER.name, { filter: Subjects.deadLetter(d) });
    }
    for (const t of this.tenants) {
      await jsm.streams.purge(Streams.USAGE_RAW.name, { filter: Subjects.usageRaw(t) });
      await jsm.streams.purge(Streams.USAGE_UNIQUE.name, { filter: Subjects.usageUnique(t) });
      await jsm.streams.purge(Streams.USAGE_REJECTED.name, { filter: Subjects.usageRejected(t) });
    }
    await this.nc.drain();
  }
}

export function event(
  id: string,
  data: Record<string, unknown> = { tokens: 1 },
  source = 'test/source',
): UsageEventV1 {
  return { id, source, type: 'api.call', subject: 'cus_1', time: '2025-01-01T00:00:00.000Z', data };
}

export interface RunningDedup {
  handle: ServiceHandle;
  service: DedupService;
  lines: Record<string, unknown>[];
  ready(): Promise<{ status: number; body: { status: string; checks: Record<string, { status: string }> } }>;
  close(): Promise<void>;
}

/** The deduplicator in this process, on the test's own durable. */
export async function startDedup(
  consumer: ConsumerDef,
  opts: { faults?: DedupFaults; env?: Record<string, string> } = {},
): Promise<RunningDedup> {
  const { logger, lines } = captureLogger('debug');
  const config = loadConfig('deduplicator', DeduplicatorEnv, {
    ...process.env,
    PORT: '0',
    DEDUP_STATS_INTERVAL_SECONDS: '0',
    ...opts.env,
  });
  const handle = await startService(
    AppModule.forRoot(config, {
      logger,
      dedup: {
        consumer,
        faults: opts.faults,
        backoffMs: [200, 400],
        idleWaitMs: 1_000,
        windowMs: 15 * 60 * 1000,
        resumePollMs: 200,
      },
    }),
    config,
  );
  return {
    handle,
    service: handle.app.get(DedupService),
    lines,
    async ready() {
      const r = await fetch(`http://127.0.0.1:${handle.port}/health/ready`);
      return {
        status: r.status,
        body: (await r.json()) as { status: string; checks: Record<string, { status: string }> },
      };
    },
    close: () => handle.close(),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server this test can stop and restart (no persistence). */
export class ScratchRedis {
  private child?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (b: Buffer) => {
        out += b.toString('utf8');
        if (out.includes('Ready to accept connections')) resolve();
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
    });
  }

  /** Freeze it (SIGSTOP): connections stay open and nothing answers, as with a hung server. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kill it as a crash would. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGCONT');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }
}
