import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Streams, Subjects } from '@mu/contracts';
import {
  createTestDatabase,
  requireServices,
  startServiceProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@mu/testing';
import { AckPolicy, connect, DeliverPolicy, nanos, type NatsConnection } from 'nats';

const run = promisify(execFile);
const MU = resolve(__dirname, '..', 'bin', 'mu.js');

let db: TestDatabase;
let collector: ServiceProcess;
let nc: NatsConnection;
let env: NodeJS.ProcessEnv;
let tenantId: string;
let dir: string;

beforeAll(async () => {
  const { nats } = await requireServices('nats', 'redis', 'postgres');
  db = await createTestDatabase();
  await run(process.execPath, [MU, 'migrate', '--only', 'postgres'], {
    env: { ...process.env, DATABASE_URL: db.url },
  });
  collector = await startServiceProcess('collector', {
    DATABASE_URL: db.url,
    NATS_PROVISION_STREAMS: 'true',
  });
  const { stdout } = await run(
    process.execPath,
    [MU, 'tenant', 'create', '--name', 'import test', '--json'],
    {
      env: { ...process.env, DATABASE_URL: db.url },
    },
  );
  const t = JSON.parse(stdout) as { apiKey: string; tenantId: string };
  tenantId = t.tenantId;
  env = { ...process.env, MU_COLLECTOR_URL: `http://127.0.0.1:${collector.port}`, MU_API_KEY: t.apiKey };
  nc = await connect({ servers: nats, name: 'cli-import-test' });
  dir = mkdtempSync(join(tmpdir(), 'mu-events-import-'));
}, 60_000);

afterAll(async () => {
  if (nc) {
    const jsm = await nc.jetstreamManager();
    await jsm.streams
      .purge(Streams.USAGE_RAW.name, { filter: Subjects.usageRaw(tenantId) })
      .catch(() => undefined);
    await nc.drain();
  }
  collector?.child.kill('SIGTERM');
  await collector?.exited;
  await db?.drop();
});

/** Resolves with the exit code, stdout and stderr (a non-zero exit is not a failure here). */
async function mu(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MU, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function rawEventIds(): Promise<string[]> {
  const subject = Subjects.usageRaw(tenantId);
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(Streams.USAGE_RAW.name, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  if (count === 0) return [];
  const ci = await jsm.consumers.add(Streams.USAGE_RAW.name, {
    filter_subject: subject,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: nanos(30_000),
  });
  const ids: string[] = [];
  try {
    const consumer = await js.consumers.get(Streams.USAGE_RAW.name, ci.name);
    const msgs = await consumer.fetch({ max_messages: count, expires: 2_000 });
    for await (const m of msgs) for (const e of m.json<{ events: { id: string }[] }>().events) ids.push(e.id);
  } finally {
    await jsm.consumers.delete(Streams.USAGE_RAW.name, ci.name).catch(() => undefined);
  }
  return ids;
}

const recent = () => new Date(Date.now() - 60_000).toISOString();

describe('mu events import', () => {
  const goodIds: string[] = [];

  it('imports 2,500 NDJSON lines in batches, writes the refused rows, and resumes to nothing', async () => {
    const file = join(dir, 'legacy.ndjson');
    const lines: string[] = [];
    for (let i = 1; i <= 2500; i++) {
      const id = `nd-${i}`;
      if (i === 10) lines.push(JSON.stringify({ type: 'api.call', subject: 'c1', time: recent() }));
      else if (i === 20) lines.push('{not json');
      else if (i === 30) lines.push(JSON.stringify({ id, type: 'api.call', time: recent() }));
      else if (i === 40)
        lines.push(JSON.stringify({ id, type: 'api.call', subject: 'c1', time: '2099-01-01T00:00:00Z' }));
      else {
        lines.push(
          JSON.stringify({
            id,
            source: 'legacy',
            type: 'api.call',
            subject: 'c1',
            time: recent(),
            data: { n: i },
          }),
        );
        goodIds.push(id);
      }
    }
    writeFileSync(file, `${lines.join('\n')}\n`);

    const first = await mu('events', 'import', file);
    expect(first.stdout).toBe('imported: 2496 accepted, 4 rejected, 0 skipped (resumed), 5 batches\n');
    expect(first.code).toBe(3);
    expect(first.stderr).toContain('4 rows refused');
    const rejected = readFileSync(`${file}.rejected.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; code: string; message: string });
    expect(rejected.map((r) => [r.line, r.code])).toEqual([
      [10, 'MISSING_ID'],
      [20, 'INVALID_JSON'],
      [30, 'MISSING_FIELD'],
      [40, 'TIME_IN_FUTURE'],
    ]);
    const cp = JSON.parse(readFileSync(`${file}.mu-import.json`, 'utf8')) as {
      complete: boolean;
      line: number;
    };
    expect(cp).toMatchObject({ complete: true, line: 2500 });

    const second = await mu('events', 'import', file);
    expect(second).toMatchObject({
      code: 0,
      stdout: 'imported: 0 accepted, 0 rejected, 2500 skipped (resumed), 0 batches\n',
    });

    // Lines appended later are picked up after the checkpoint; the rest is not sent again.
    appendFileSync(
      file,
      `${JSON.stringify({ id: 'nd-2501', type: 'api.call', subject: 'c1', time: recent() })}\n`,
    );
    goodIds.push('nd-2501');
    const third = await mu('events', 'import', file, '--quiet');
    expect(third).toMatchObject({
      code: 0,
      stdout: 'imported: 1 accepted, 0 rejected, 2500 skipped (resumed), 1 batches\n',
    });
    expect(readFileSync(`${file}.rejected.ndjson`, 'utf8').trim().split('\n')).toHaveLength(4);

    // Another mapping does not resume this checkpoint.
    const other = await mu('events', 'import', file, '--source', 'other');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('belongs to another file or mapping');
  }, 60_000);

  it('imports a CSV with a column mapping', async () => {
    const file = join(dir, 'legacy.csv');
    const rows = ['txn_id,event_name,customer,ts,tokens,model'];
    for (let i = 1; i <= 20; i++) {
      rows.push(`csv-${i},api.call,c2,${Date.now() - 60_000},${i},"m,${i}"`);
      goodIds.push(`csv-${i}`);
    }
    writeFileSync(file, `${rows.join('\r\n')}\r\n`);
    const r = await mu(
      'events',
      'import',
      file,
      '--map',
      'id=txn_id,type=event_name,subject=customer,time=ts',
      '--source',
      'legacy-csv',
      '--data',
      'tokens:number,model',
      '--batch-size',
      '8',
    );
    expect(r).toMatchObject({
      code: 0,
      stdout: 'imported: 20 accepted, 0 rejected, 0 skipped (resumed), 3 batches\n',
    });
    expect(readFileSync(`${file}.rejected.ndjson`, 'utf8')).toBe('');
  }, 30_000);

  it('refuses a CSV without an id mapping, and a missing key (exit 2)', async () => {
    const file = join(dir, 'noid.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const r = await mu('events', 'import', file, '--map', 'subject=a', '--type', 't');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--map id=COLUMN is required');
    expect(existsSync(`${file}.mu-import.json`)).toBe(false);
    const noKey = await run(process.execPath, [MU, 'events', 'import', file], {
      env: { ...env, MU_API_KEY: '' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(noKey).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('MU_API_KEY is not set') as unknown,
    });
  });

  it('stored every good id in USAGE_RAW for the tenant', async () => {
    const ids = new Set(await rawEventIds());
    const missing = goodIds.filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
  }, 30_000);
});

describe('mu events import against a failing collector', () => {
  let server: Server;
  let mode: 'ok' | 'down' = 'ok';
  let throttleNext = true;
  let acceptedBatches = 0;
  const seen: { key: string; ids: string[]; status: number }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const events = JSON.parse(body) as { id: string }[];
        const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => {
          seen.push({ key: String(req.headers['idempotency-key']), ids: events.map((e) => e.id), status });
          res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
        };
        if (throttleNext) {
          throttleNext = false;
          return reply(
            429,
            { error: { code: 'RATE_LIMITED', message: 'slow down' } },
            { 'retry-after': '0' },
          );
        }
        if (mode === 'down' || acceptedBatches >= 2) {
          if (mode === 'ok') mode = 'down';
          return reply(503, { error: { code: 'UNAVAILABLE', message: 'no PubAck' } });
        }
        acceptedBatches++;
        reply(202, {
          batchId: 'bat_x',
          accepted: events.length,
          rejected: 0,
          duplicate: false,
          results: events.map((e, index) => ({ index, id: e.id, status: 'accepted' })),
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('retries 429 and 503, gives up with the checkpoint saved (exit 1), and resumes after it', async () => {
    const file = join(dir, 'flaky.ndjson');
    const lines = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ id: `f-${i + 1}`, type: 't', subject: 'c', time: recent() }),
    );
    writeFileSync(file, `${lines.join('\n')}\n`);
    const fake = { ...env, MU_COLLECTOR_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    const importIt = () =>
      run(process.execPath, [MU, 'events', 'import', file, '--batch-size', '3', '--max-attempts', '2'], {
        env: fake,
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );

    const failed = await importIt();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('RATE_LIMITED');
    expect(failed.stderr).toMatch(
      /gave up after 2 attempts: 503 UNAVAILABLE[\s\S]*up to line 6[\s\S]*resume/,
    );
    expect(JSON.parse(readFileSync(`${file}.mu-import.json`, 'utf8'))).toMatchObject({
      line: 6,
      complete: false,
    });

    mode = 'ok';
    acceptedBatches = -10;
    const resumed = await importIt();
    expect(resumed).toMatchObject({
      code: 0,
      stdout: 'imported: 4 accepted, 0 rejected, 6 skipped (resumed), 2 batches\n',
    });

    // The throttled request was retried with the same key; the batch that failed is sent again
    // with the same key and ids; nothing before the checkpoint is sent twice.
    expect(seen.map((s) => [s.status, s.ids.join(' ')])).toEqual([
      [429, 'f-1 f-2 f-3'],
      [202, 'f-1 f-2 f-3'],
      [202, 'f-4 f-5 f-6'],
      [503, 'f-7 f-8 f-9'],
      [503, 'f-7 f-8 f-9'],
      [202, 'f-7 f-8 f-9'],
      [202, 'f-10'],
    ]);
    expect(seen[0]!.key).toBe(seen[1]!.key);
    expect(new Set([seen[3]!.key, seen[4]!.key, seen[5]!.key]).size).toBe(1);
    expect(seen[2]!.key).not.toBe(seen[1]!.key);
  }, 30_000);
});
