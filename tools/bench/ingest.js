// @ts-check
// Ingestion benchmark (issue 5): `npm run bench:ingest [-- --duration 60 --concurrency 32]`.
// Starts the stack, one collector and one deduplicator (from dist/), a fresh tenant, then drives
// load from a separate process (tools/bench/ingest-load.js): phase 1 as fast as it goes, phase 2
// paced at 70% of the phase-1 unique rate for the ack latency. Every unique event that reaches
// USAGE_UNIQUE for the bench tenant is counted here (an ordered, ephemeral consumer), and every
// acknowledged event id must be there exactly once. The last line printed is
//   RESULT events_per_s=<unique/s out of the deduplicator> p50_ms=<ack> p99_ms=<ack at 70%> lost=<n> duplicated=<n>
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { readFileSync, existsSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { connect, AckPolicy, DeliverPolicy } = require('nats');

const ROOT = path.resolve(__dirname, '..', '..');
const STATE = path.join(ROOT, '.mu');

/**
 * @param {string} name
 * @param {string} fallback
 */
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? /** @type {string} */ (process.argv[i + 1]) : fallback;
}
const DURATION_S = Number(arg('duration', '60'));
const CONCURRENCY = Number(arg('concurrency', '24'));
const PACED_S = Math.max(10, Math.round(DURATION_S / 4));
const QUIET_MS = 3000;
const BENCH_REDIS_DB = 15;

/** @param {string} msg */
const log = (msg) => console.log(`[bench] ${msg}`);
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @returns {Promise<number>} a port nobody listens on right now */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** @param {string} file @returns {Record<string, string>} */
function readEnv(file) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[/** @type {string} */ (m[1])] = /** @type {string} */ (m[2]);
  }
  return env;
}

/** @param {number | undefined} pid @returns {number} CPU seconds (user + system) of a process, or NaN */
function cpuSeconds(pid) {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
  } catch {
    return NaN;
  }
}

/** @param {string} name @returns {number | undefined} */
function pidOf(name) {
  try {
    const out = execFileSync('pgrep', ['-o', '-x', name], { encoding: 'utf8' }).trim();
    return out ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts dist/apps/<app>/src/main.js on a free port and waits for /health/ready.
 * @param {string} app
 * @param {Record<string, string>} env
 */
async function startApp(app, env) {
  const port = await freePort();
  const entry = path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE === app
        ? ['--cpu-prof', '--cpu-prof-dir', path.join(STATE, 'prof')]
        : []),
      entry,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  // Everything the service logs (warn and above) is also kept in .mu/logs/bench-<app>.log.
  require('node:fs').mkdirSync(path.join(STATE, 'logs'), { recursive: true });
  const logFile = require('node:fs').createWriteStream(path.join(STATE, 'logs', `bench-${app}.log`));
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (c) => {
      logFile.write(c);
      out = (out + c.toString('utf8')).slice(-20_000);
    });
  }
  child.once('exit', () => logFile.end());
  /** @type {number | null | undefined} */
  let exitCode;
  child.once('exit', (code) => (exitCode = code));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${app} exited with ${exitCode}:\n${out}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${app} not ready after 30 s:\n${out}`);
    await sleep(200);
  }
  return {
    app,
    port,
    child,
    output: () => out,
    stop: async () => {
      if (exitCode !== undefined) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
    },
  };
}

/**
 * Runs the load generator in its own process; resolves with its JSON report.
 * @param {string[]} args
 * @returns {Promise<LoadReport>}
 */
function runLoad(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'ingest-load.js'), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c.toString('utf8')));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch (err) {
        reject(err);
      }
    });
    loadPid = child.pid;
  });
}
/** @type {number | undefined} */
let loadPid;

/**
 * @typedef {{ mode: string, prefix: string, elapsedS: number, requests: number, okRequests: number,
 *   failedRequests: number, statusCounts: Record<string, number>, maxInFlight: number, eventsSent: number,
 *   eventsAccepted: number, eventsRejected: number, dupsSent: number, idsIssued: number, ackedNew: number,
 *   p50: number, p90: number, p99: number, max: number, cpuS: number, ranges: [number, number][] }} LoadReport
 */

/** Counts of every unique event id seen, per id prefix, and when they arrived. */
class UniqueTally {
  constructor() {
    /** @type {Map<string, Uint8Array>} */
    this.counts = new Map();
    /** @type {Map<string, { events: number, first: number, last: number }>} */
    this.perPrefix = new Map();
    this.messages = 0;
    this.events = 0;
    this.lastAt = 0;
    this.foreign = 0;
  }

  /** @param {string} id */
  add(id) {
    const dash = id.lastIndexOf('-');
    const prefix = id.slice(0, dash);
    const n = Number(id.slice(dash + 1));
    let c = this.counts.get(prefix);
    if (!c) {
      c = new Uint8Array(1 << 20);
      this.counts.set(prefix, c);
    }
    if (!Number.isSafeInteger(n) || n < 0) {
      this.foreign++;
      return;
    }
    if (n >= c.length) {
      let size = c.length;
      while (size <= n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(c);
      c = grown;
      this.counts.set(prefix, c);
    }
    if (c[n] !== 255) c[n] = /** @type {number} */ (c[n]) + 1;
    const now = Date.now();
    let p = this.perPrefix.get(prefix);
    if (!p) {
      p = { events: 0, first: now, last: now };
      this.perPrefix.set(prefix, p);
    }
    p.events++;
    p.last = now;
  }

  /**
   * lost: acked ids never seen; duplicated: ids seen more than once (acked or not).
   * @param {LoadReport} report
   */
  reconcile(report) {
    const c = this.counts.get(report.prefix) ?? new Uint8Array(0);
    let lost = 0;
    /** @type {number[]} */
    const lostSample = [];
    for (const [start, count] of report.ranges) {
      for (let n = start; n < start + count; n++) {
        if (!c[n]) {
          lost++;
          if (lostSample.length < 5) lostSample.push(n);
        }
      }
    }
    let duplicated = 0;
    for (let n = 0; n < c.length; n++) if (/** @type {number} */ (c[n]) > 1) duplicated++;
    return { lost, duplicated, lostSample };
  }
}

async function main() {
  const t0 = Date.now();
  log(
    `duration ${DURATION_S} s at ${CONCURRENCY} requests in flight, then ${PACED_S} s paced; node ${process.version}, ${require('node:os').cpus().length} CPUs`,
  );
  execFileSync('bash', ['tools/stack.sh', 'up'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const stackEnv = readEnv(path.join(STATE, 'stack.env'));
  Object.assign(process.env, stackEnv);
  if (!existsSync(path.join(ROOT, 'dist', 'apps', 'collector', 'src', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm run bench:ingest does)');
  }
  execFileSync(process.execPath, ['apps/cli/bin/mu.js', 'migrate', '--only', 'postgres'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  // The deduplicator shares the production durable `deduplicator` on USAGE_RAW: another running
  // deduplicator (the demo's) would take part of the bench's batches. Stop only that one.
  const demoPidFile = path.join(STATE, 'pids', 'svc-deduplicator.pid');
  if (existsSync(demoPidFile)) {
    const pid = Number(readFileSync(demoPidFile, 'utf8').trim());
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      // not running
    }
    if (alive) {
      log(
        `the demo's deduplicator (pid ${pid}) shares the durable 'deduplicator': stopping it (SIGTERM); \`npm run demo\` starts it again`,
      );
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
          await sleep(100);
        } catch {
          break;
        }
      }
    }
  }

  const created = JSON.parse(
    execFileSync(
      process.execPath,
      ['apps/cli/bin/mu.js', 'tenant', 'create', '--name', `bench-ingest-${Date.now()}`, '--json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    ),
  );
  /** @type {string} */
  const tenantId = created.tenantId;
  /** @type {string} */
  const apiKey = created.apiKey;
  const rawSubject = `usage.raw.v1.${tenantId}`;
  const uniqueSubject = `usage.unique.v1.${tenantId}`;
  log(`tenant ${tenantId}`);

  const nc = await connect({ servers: stackEnv.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'bench-ingest' });
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();

  // The bench's idempotency keys live in their own Redis database, emptied before and after,
  // so runs do not pile millions of keys into the database the demo and tests use.
  const benchRedisUrl = `${(stackEnv.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '')}/${BENCH_REDIS_DB}`;
  const flushBenchRedis = async () => {
    const Redis = require('ioredis');
    const redis = new Redis(benchRedisUrl, { lazyConnect: true });
    try {
      await redis.connect();
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
  };
  await flushBenchRedis();

  const serviceEnv = {
    REDIS_URL: benchRedisUrl,
    // As deploy/ runs the services: a larger young generation halves the GC time of the
    // allocation-heavy event path (see docs/operations.md).
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=32`.trim(),
    LOG_LEVEL: 'warn',
    NATS_PROVISION_STREAMS: 'true',
    OTEL_SDK_DISABLED: 'true',
  };
  /** @type {Awaited<ReturnType<typeof startApp>>[]} */
  const apps = [];
  // Interrupted: take the services and the load generator down with us.
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => {
      for (const pid of [loadPid, ...apps.map((a) => a.child.pid)]) {
        try {
          if (pid) process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      process.exit(130);
    });
  }
  /** @type {Error | undefined} */
  let failure;
  /** @type {string | undefined} */
  let resultLine;
  try {
    const dedup = await startApp('deduplicator', {
      ...serviceEnv,
      DEDUP_STATS_INTERVAL_SECONDS: '0',
      // The bench's idempotency keys (about 2 M a minute) leave Redis after an hour rather than a day.
      DEDUP_WINDOW_HOURS: '1',
    });
    apps.push(dedup);
    const collector = await startApp('collector', {
      ...serviceEnv,
      COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '100000000',
      COLLECTOR_NATS_INGEST: 'false',
    });
    apps.push(collector);
    log(
      `collector :${collector.port} (pid ${collector.child.pid}), deduplicator :${dedup.port} (pid ${dedup.child.pid})`,
    );

    // Ephemeral pull consumer (no acks, in memory) on the bench tenant's unique subject, started
    // before any load. Not an ordered consumer: those need filter_subjects, NATS >= 2.10.
    const tally = new UniqueTally();
    const ephemeral = await jsm.consumers.add('USAGE_UNIQUE', {
      filter_subject: uniqueSubject,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: 30e9,
      mem_storage: true,
    });
    const consumer = await js.consumers.get('USAGE_UNIQUE', ephemeral.name);
    const messages = await consumer.consume({ max_messages: 1000 });
    const reading = (async () => {
      for await (const m of messages) {
        /** @type {{ events: { id: string }[] }} */
        const batch = m.json();
        tally.messages++;
        for (const e of batch.events) tally.add(e.id);
        tally.events += batch.events.length;
        tally.lastAt = Date.now();
      }
    })();

    /** Waits until the durable has nothing pending and no unique event arrived for QUIET_MS. */
    const drain = async () => {
      const start = Date.now();
      for (;;) {
        const info = await jsm.consumers.info('USAGE_RAW', 'deduplicator');
        const quiet = Date.now() - Math.max(tally.lastAt, start) >= QUIET_MS;
        if (info.num_pending === 0 && info.num_ack_pending === 0 && quiet) return (Date.now() - start) / 1000;
        if (Date.now() - start > 300_000)
          throw new Error(`deduplicator did not drain: ${info.num_pending} pending`);
        await sleep(250);
      }
    };
    await drain();

    const base = `http://127.0.0.1:${collector.port}`;
    const runId = Date.now().toString(36);
    const pids = {
      collector: collector.child.pid,
      deduplicator: dedup.child.pid,
      'nats-server': pidOf('nats-server'),
      redis: pidOf('redis-server'),
    };
    /** @returns {Record<string, number>} */
    const cpuNow = () => {
      /** @type {Record<string, number>} */
      const r = {};
      for (const [k, pid] of Object.entries(pids)) r[k] = cpuSeconds(pid);
      r.bench = process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
      return r;
    };

    // Phase 1: throughput.
    log(`phase 1: ${CONCURRENCY} in flight for ${DURATION_S} s`);
    const cpu0 = cpuNow();
    const p1Start = Date.now();
    const progress = setInterval(() => {
      const s = (Date.now() - p1Start) / 1000;
      log(`  t=${s.toFixed(0)}s unique out so far ${tally.events} (${Math.round(tally.events / s)}/s)`);
    }, 10_000);
    let p1;
    try {
      p1 = await runLoad([
        '--url',
        base,
        '--key',
        apiKey,
        '--prefix',
        `b${runId}p1`,
        '--mode',
        'max',
        '--duration',
        String(DURATION_S),
        '--concurrency',
        String(CONCURRENCY),
      ]);
    } finally {
      clearInterval(progress);
    }
    const loadCpuS = p1.cpuS;
    const p1LoadEnd = Date.now();
    const drained1 = await drain();
    const cpu1 = cpuNow();
    const s1 = tally.perPrefix.get(p1.prefix) ?? { events: 0, first: p1Start, last: p1Start };
    const spanS = Math.max(0.001, (s1.last - p1Start) / 1000);
    const uniquePerS = s1.events / spanS;
    const r1 = tally.reconcile(p1);
    log(
      `phase 1: ${p1.requests} requests (${(p1.requests / p1.elapsedS).toFixed(0)} batches/s, ${JSON.stringify(p1.statusCounts)}), ` +
        `${p1.eventsAccepted} events acked (${Math.round(p1.eventsAccepted / p1.elapsedS)}/s incl. ${p1.dupsSent} re-sent duplicates), ` +
        `${p1.ackedNew} new ids acked (${Math.round(p1.ackedNew / p1.elapsedS)}/s into the collector)`,
    );
    log(
      `phase 1: ${s1.events} unique events out of the deduplicator over ${spanS.toFixed(1)} s (load ${p1.elapsedS.toFixed(1)} s, ` +
        `backlog drained ${((s1.last - p1LoadEnd) / 1000).toFixed(1)} s after the load stopped; drain wait ${drained1.toFixed(1)} s) = ${Math.round(uniquePerS)} unique/s`,
    );
    log(
      `phase 1 ack latency (max concurrency, informational): p50 ${p1.p50.toFixed(1)} ms p90 ${p1.p90.toFixed(1)} ms p99 ${p1.p99.toFixed(1)} ms max ${p1.max.toFixed(1)} ms`,
    );
    const wall1 = (Date.now() - p1Start) / 1000;
    const cpuParts = Object.keys(cpu1)
      .map((k) => `${k} ${((((cpu1[k] ?? NaN) - (cpu0[k] ?? NaN)) / wall1) * 100).toFixed(0)}%`)
      .join(', ');
    log(
      `phase 1 CPU (% of one core over ${wall1.toFixed(0)} s incl. drain): ${cpuParts}, load generator ${((loadCpuS / p1.elapsedS) * 100).toFixed(0)}%`,
    );
    log(
      `phase 1 reconcile: lost ${r1.lost} duplicated ${r1.duplicated}${r1.lost ? ` (e.g. n=${r1.lostSample.join(',')})` : ''}`,
    );

    // Phase 2: latency at 70% of the phase-1 unique rate.
    const pacedRate = Math.max(90, Math.round(uniquePerS * 0.7));
    log(
      `phase 2: paced at ${pacedRate} unique events/s (${(pacedRate / 90).toFixed(0)} batches/s) for ${PACED_S} s`,
    );
    const p2 = await runLoad([
      '--url',
      base,
      '--key',
      apiKey,
      '--prefix',
      `b${runId}p2`,
      '--mode',
      'paced',
      '--duration',
      String(PACED_S),
      '--rate',
      String(pacedRate),
    ]);
    const drained2 = await drain();
    const r2 = tally.reconcile(p2);
    const s2 = tally.perPrefix.get(p2.prefix) ?? { events: 0, first: 0, last: 0 };
    log(
      `phase 2: ${p2.requests} requests (${(p2.requests / p2.elapsedS).toFixed(0)} batches/s, ${JSON.stringify(p2.statusCounts)}, max ${p2.maxInFlight} in flight), ` +
        `${p2.ackedNew} new ids acked, ${s2.events} unique out (drain wait ${drained2.toFixed(1)} s)`,
    );
    log(
      `phase 2 ack latency: p50 ${p2.p50.toFixed(1)} ms p90 ${p2.p90.toFixed(1)} ms p99 ${p2.p99.toFixed(1)} ms max ${p2.max.toFixed(1)} ms`,
    );
    log(
      `phase 2 reconcile: lost ${r2.lost} duplicated ${r2.duplicated}${r2.lost ? ` (e.g. n=${r2.lostSample.join(',')})` : ''}`,
    );
    if (tally.foreign) log(`warning: ${tally.foreign} unique events with ids the bench did not send`);

    const lost = r1.lost + r2.lost;
    const duplicated = r1.duplicated + r2.duplicated;
    const failedRequests = p1.failedRequests + p2.failedRequests;
    if (failedRequests)
      log(
        `warning: ${failedRequests} requests were not answered 202 (their events count as not acknowledged)`,
      );
    const target = uniquePerS >= 30_000 && p2.p99 <= 50 && lost === 0 && duplicated === 0;
    log(
      `target (>= 30000 unique/s, p99 <= 50 ms, lost 0, duplicated 0): ${target ? 'met' : 'NOT met'}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    resultLine = `RESULT events_per_s=${Math.round(uniquePerS)} p50_ms=${p2.p50.toFixed(1)} p99_ms=${p2.p99.toFixed(1)} lost=${lost} duplicated=${duplicated}`;
    messages.stop();
    await reading.catch(() => undefined);
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  } finally {
    if (loadPid) {
      try {
        process.kill(loadPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    for (const a of apps.reverse()) await a.stop();
    for (const [stream, filter] of [
      ['USAGE_RAW', rawSubject],
      ['USAGE_UNIQUE', uniqueSubject],
      ['USAGE_REJECTED', `usage.rejected.v1.${tenantId}`],
    ]) {
      try {
        const r = await jsm.streams.purge(/** @type {string} */ (stream), {
          filter: /** @type {string} */ (filter),
        });
        log(`purged ${r.purged} messages of ${filter} from ${stream}`);
      } catch (err) {
        log(`purge of ${filter} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await flushBenchRedis().catch((err) => log(`flushing redis db ${BENCH_REDIS_DB} failed: ${String(err)}`));
    await nc.close();
  }
  if (failure) throw failure;
  console.log(resultLine);
}

main().catch((err) => {
  console.error(`[bench] failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
