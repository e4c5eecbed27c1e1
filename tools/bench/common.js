// @ts-check
// What the benchmarks share (tools/bench/ingest.js: `npm run bench:ingest`,
// tools/bench/pipeline.js: `npm run bench`, tools/bench/query.js: `npm run bench:query`,
// tools/bench/invoice.js: `npm run bench:invoice`): arguments, the local stack, throwaway
// migrated databases, the services from dist/, the load generator process, CPU shares from
// /proc, NATS durables, the demo's services that share them, and id reconciliation.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const {
  readFileSync,
  existsSync,
  appendFileSync,
  mkdirSync,
  createWriteStream,
  writeFileSync,
  unlinkSync,
  rmSync,
} = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const STATE = path.join(ROOT, '.mu');
/** The Redis database the benches' idempotency keys live in (emptied before and after). */
const BENCH_REDIS_DB = 15;

/**
 * `--name value` from the command line.
 * @param {string} name
 * @param {string} fallback
 */
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? /** @type {string} */ (process.argv[i + 1]) : fallback;
}

/** @param {string} name */
function flag(name) {
  return process.argv.includes(`--${name}`);
}

/** @param {string} tag @returns {(msg: string) => void} */
const makeLog = (tag) => (msg) => console.log(`[${tag}] ${msg}`);

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {number} ms @returns {string} ClickHouse DateTime64(3) text in UTC */
const chTime = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/** @param {string} file a compiled module under dist/ (e.g. `libs/pricing/src/index.js`) */
const fromDist = (file) => require(path.join(ROOT, 'dist', file));

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

/**
 * @typedef {{ url: string, pid: number, version: string, gomaxprocs: string, stop: () => Promise<void> }} Broker
 */

/**
 * A nats-server (JetStream) of the bench's own, on a free loopback port with a fresh store under
 * .mu/bench-nats: it holds nothing but the bench's streams (no file store grown by the tests or
 * the demo), and runs at the CPU priority the bench asks for, which a shared system service
 * should not be given behind its owner's back. BENCH_BROKER_STORE=<dir> puts the store under
 * <dir> instead (e.g. /dev/shm, to take the disk's fsync out of a run: docs/ingestion.md), and
 * BENCH_NATS_SERVER=<path> runs that nats-server binary instead of the one on PATH.
 * @param {{ nice?: number }} opts
 * @returns {Promise<Broker>}
 */
async function startBroker(opts = {}) {
  const port = await freePort();
  const dir = path.join(process.env.BENCH_BROKER_STORE ?? STATE, 'bench-nats');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const bin =
    process.env.BENCH_NATS_SERVER ??
    [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/bin']
      .map((d) => path.join(d, 'nats-server'))
      .find((f) => existsSync(f));
  if (!bin) throw new Error('nats-server is not installed (tools/stack.sh up installs it)');
  if (!existsSync(bin)) throw new Error(`BENCH_NATS_SERVER=${bin}: no such file`);
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir];
  // One Go scheduler thread (P) by default: what a container limited to one core gets from its
  // GOMAXPROCS. With one per core, a publish's goroutines woke a second OS thread for work the
  // first could do: with one, 25-32 % fewer context switches and 13-20 % less broker CPU for the
  // same load on this guest (docs/ingestion.md, eleventh session).
  // BENCH_BROKER_GOMAXPROCS= (empty) leaves Go's default, one per core.
  const gomaxprocs = process.env.BENCH_BROKER_GOMAXPROCS ?? '1';
  const env = { ...process.env };
  if (gomaxprocs) env.GOMAXPROCS = gomaxprocs;
  else delete env.GOMAXPROCS;
  const child = spawn(...underNice(opts.nice, bin, args), { stdio: ['ignore', 'ignore', 'ignore'], env });
  children.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // however the bench ends, its broker does not outlive it
  const orphan = () => child.kill('SIGTERM');
  process.once('exit', orphan);
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null)
      throw new Error(`the bench's nats-server did not start on :${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: /** @type {number} */ (child.pid),
    version: execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim(),
    gomaxprocs,
    stop: async () => {
      process.off('exit', orphan);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      children.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `bin args` as spawn's command and arguments, under `nice -n N` when N is not 0: every thread the
 * process makes (Go's, V8's GC helpers, libuv's pool) inherits the priority.
 * @param {number | undefined} nice
 * @param {string} bin
 * @param {string[]} args
 * @returns {[string, string[]]}
 */
function underNice(nice, bin, args) {
  return nice ? ['nice', ['-n', String(nice), bin, ...args]] : [bin, args];
}

/**
 * The CPU priority (nice value) a process runs at, from /proc; undefined where there is no /proc.
 * @param {number | undefined} pid
 * @returns {number | undefined}
 */
function niceOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command (which may hold spaces) close with ')'; nice is field 19
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return undefined;
  }
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

/** @param {string} name @returns {number | undefined} the oldest process with exactly this name */
function pidOf(name) {
  try {
    const out = execFileSync('pgrep', ['-o', '-x', name], { encoding: 'utf8' }).trim();
    return out ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} name @returns {number[]} every process with exactly this name (e.g. `postgres`: server and backends) */
function pidsOf(name) {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** @param {string} name a .mu/pids/<name>.pid file @returns {number | undefined} its pid, if that process runs */
function pidFromFile(name) {
  const file = path.join(STATE, 'pids', `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 && alive(pid) ? pid : undefined;
}

/** @returns {number} busy CPU seconds of the whole machine, all cores (from /proc/stat), or NaN */
function machineCpuSeconds() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU shares of named processes (and of this process) between two snapshots, and of everything
 * else on the machine (other work skews the figures: it is printed so a reader can tell).
 * A name may stand for a group of processes (a function listing their pids at each snapshot,
 * e.g. `() => pidsOf('postgres')`); a member that exits between snapshots takes its time with it.
 * @param {Record<string, number | undefined | (() => number[])>} pids
 */
function cpuMeter(pids) {
  const now = () => {
    /** @type {Record<string, number>} */
    const r = {};
    for (const [k, pid] of Object.entries(pids)) {
      r[k] =
        typeof pid === 'function'
          ? pid()
              .map(cpuSeconds)
              .reduce((sum, s) => sum + (Number.isFinite(s) ? s : 0), 0)
          : cpuSeconds(pid);
    }
    const own = process.cpuUsage();
    r.bench = (own.user + own.system) / 1e6;
    r[MACHINE] = machineCpuSeconds();
    return r;
  };
  return {
    now,
    /**
     * "name N%, ..., load generator N%, everything else N%" in % of one core over `wallS` seconds.
     * @param {Record<string, number>} a
     * @param {Record<string, number>} b
     * @param {number} wallS
     * @param {number} [loadCpuS] CPU seconds of the load generator over the same time
     */
    shares: (a, b, wallS, loadCpuS) => {
      const pct = (/** @type {number} */ s) => `${((s / wallS) * 100).toFixed(0)}%`;
      let tracked = loadCpuS ?? 0;
      /** @type {string[]} */
      const parts = [];
      for (const k of Object.keys(b)) {
        if (k === MACHINE) continue;
        const d = (b[k] ?? NaN) - (a[k] ?? NaN);
        if (Number.isFinite(d)) tracked += d;
        parts.push(`${k} ${pct(d)}`);
      }
      if (loadCpuS !== undefined) parts.push(`load generator ${pct(loadCpuS)}`);
      const machine = (b[MACHINE] ?? NaN) - (a[MACHINE] ?? NaN);
      parts.push(
        `everything else ${pct(Math.max(0, machine - tracked))} (machine ${pct(machine)} of ${require('node:os').cpus().length * 100}%)`,
      );
      return parts.join(', ');
    },
  };
}
const MACHINE = '\0machine';

/** Children this process started (services, load generators): taken down on Ctrl-C. */
/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();

/** On SIGINT/SIGTERM: SIGTERM to every child started here, then exit 130. */
/**
 * Only one of the pipeline benches at a time: they attach to the production durables
 * (`deduplicator`, `rater`) and empty Redis database 15, so a second run takes part of the
 * first one's batches and wipes its idempotency keys (seen: duplicates that were not the
 * deduplicator's). Throws if another holds `.mu/bench.lock`; the lock goes with this process.
 * @param {string} name
 */
function holdBenchLock(name) {
  const file = path.join(STATE, 'bench.lock');
  mkdirSync(STATE, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid} ${name}\n`, { flag: 'wx' });
      process.once('exit', () => {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      });
      return;
    } catch {
      const [pid, other] = readFileSync(file, 'utf8').trim().split(' ');
      let alive = false;
      try {
        process.kill(Number(pid), 0);
        alive = true;
      } catch {
        // not running: a stale lock
      }
      if (alive) throw new Error(`another bench (${other}, pid ${pid}) is running; wait for it or stop it`);
      unlinkSync(file);
    }
  }
  throw new Error(`could not take ${file}`);
}

function stopChildrenOnInterrupt() {
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => {
      for (const c of children) {
        try {
          if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      process.exit(130);
    });
  }
}

/** SIGTERM to every load generator still running (services are stopped through their handles). */
function stopLoad() {
  for (const c of children) {
    if (
      c.spawnfile === process.execPath &&
      c.exitCode === null &&
      c.spawnargs.some((a) => a.endsWith('-load.js'))
    )
      c.kill('SIGTERM');
  }
}

/**
 * `tools/stack.sh up`, .mu/stack.env into process.env, dist/ present, migrations.
 * @param {{ migrate?: 'postgres' | 'all', need?: string[] }} [opts] need: dist/ files that must exist
 * @returns {Record<string, string>} the stack's environment
 */
function stackUp(opts = {}) {
  execFileSync('bash', ['tools/stack.sh', 'up'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const stackEnv = readEnv(path.join(STATE, 'stack.env'));
  Object.assign(process.env, stackEnv);
  for (const file of opts.need ?? ['dist/apps/collector/src/main.js']) {
    if (!existsSync(path.join(ROOT, file)))
      throw new Error(`${file} is missing: run \`npm run build\` (the npm bench scripts do)`);
  }
  if (opts.migrate) {
    execFileSync(
      process.execPath,
      ['apps/cli/bin/mu.js', 'migrate', ...(opts.migrate === 'postgres' ? ['--only', 'postgres'] : [])],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return stackEnv;
}

/**
 * Stops the demo's service `name` (.mu/pids/svc-<name>.pid) if it runs: it shares the
 * production durable the bench's own instance consumes, and would take part of the work.
 * @param {string} name
 * @param {(msg: string) => void} log
 */
async function stopDemoService(name, log) {
  const pid = pidFromFile(`svc-${name}`);
  if (!pid) return;
  log(
    `the demo's ${name} (pid ${pid}) shares the durable '${name}': stopping it (SIGTERM); \`npm run demo\` starts it again`,
  );
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
}

/**
 * A fresh tenant through `mu tenant create --json`.
 * @param {string} name
 * @returns {{ tenantId: string, apiKey: string }}
 */
function createTenant(name) {
  const created = JSON.parse(
    execFileSync(process.execPath, ['apps/cli/bin/mu.js', 'tenant', 'create', '--name', name, '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  );
  return { tenantId: created.tenantId, apiKey: created.apiKey };
}

/**
 * @typedef {{ name: string, databaseUrl: string, clickhouseDatabase: string, env: Record<string, string>,
 *   resetPostgres: () => Promise<void>, drop: () => Promise<void> }} BenchDatabases
 */

/**
 * A throwaway Postgres database and a ClickHouse database of the same name (`<prefix>_<ms>`),
 * both migrated with `mu migrate`; `env` points a service or the CLI at them. `resetPostgres()`
 * drops and re-creates the Postgres one (ClickHouse keeps its rows); `drop()` drops both.
 * With `reuse` (the name of a pair kept by an earlier run), the ClickHouse database is taken as
 * it is and the Postgres one is made anew.
 * @param {string} prefix lower case, digits and `_`
 * @param {Record<string, string>} stackEnv
 * @param {string} [reuse]
 * @returns {Promise<BenchDatabases>}
 */
async function benchDatabases(prefix, stackEnv, reuse) {
  const { Pool } = require('pg');
  const { createClient, ClickHouseLogLevel } = require('@clickhouse/client');
  if (reuse !== undefined && !/^[a-z_][a-z0-9_]*$/.test(reuse)) throw new Error(`bad database name ${reuse}`);
  const name = reuse ?? `${prefix}_${Date.now()}`;
  const adminUrl = stackEnv.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/mu';
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const databaseUrl = u.toString();
  const env = { DATABASE_URL: databaseUrl, CLICKHOUSE_DATABASE: name };
  /** @param {string} sql */
  const admin = async (sql) => {
    const pool = new Pool({ connectionString: adminUrl, max: 1 });
    try {
      await pool.query(sql);
    } finally {
      await pool.end();
    }
  };
  const migrate = (/** @type {string[]} */ only) =>
    execFileSync(process.execPath, ['apps/cli/bin/mu.js', 'migrate', ...only], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const resetPostgres = async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${name}`);
    migrate(['--only', 'postgres']);
  };
  if (reuse) {
    await resetPostgres();
    migrate(['--only', 'clickhouse']);
  } else {
    await admin(`CREATE DATABASE ${name}`);
    migrate([]);
  }
  return {
    name,
    databaseUrl,
    clickhouseDatabase: name,
    env,
    resetPostgres,
    drop: async () => {
      // Both, whichever fails.
      const pg = admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(
        () => undefined,
        (err) => err,
      );
      const ch = createClient({
        url: stackEnv.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
        username: process.env.CLICKHOUSE_USER ?? 'default',
        password: process.env.CLICKHOUSE_PASSWORD ?? '',
        request_timeout: 600_000,
        log: { level: ClickHouseLogLevel.OFF },
      });
      try {
        await ch.command({ query: `DROP DATABASE IF EXISTS ${name}` });
      } finally {
        await ch.close();
      }
      const pgErr = await pg;
      if (pgErr) throw pgErr;
    },
  };
}

/** @param {Record<string, string>} stackEnv @returns {string} the benches' Redis database URL */
function benchRedisUrl(stackEnv) {
  return `${(stackEnv.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '')}/${BENCH_REDIS_DB}`;
}

/**
 * Runs `fn` on a connection of its own to the benches' Redis database, closed afterwards.
 * @template T
 * @param {string} url
 * @param {(redis: import('ioredis').Redis) => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withRedis(url, fn) {
  const { Redis } = require('ioredis');
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Empties the benches' Redis database. @param {string} url */
const flushRedis = (url) => withRedis(url, (r) => r.flushdb());

/** How many keys the benches' Redis database holds. @param {string} url */
const redisKeys = (url) => withRedis(url, (r) => r.dbsize());

/**
 * The environment every bench service runs with.
 * @param {string} redisUrl
 */
function serviceEnv(redisUrl) {
  return {
    REDIS_URL: redisUrl,
    // As deploy/ runs the services: a larger young generation halves the GC time of the
    // allocation-heavy event path (see docs/operations.md).
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=32`.trim(),
    LOG_LEVEL: 'warn',
    NATS_PROVISION_STREAMS: 'true',
    OTEL_SDK_DISABLED: 'true',
  };
}

/**
 * @typedef {{ app: string, port: number, child: import('node:child_process').ChildProcess,
 *   output: () => string, stop: () => Promise<void> }} AppHandle
 */

/**
 * Extra node flags for one of the bench's processes: `--cpu-prof` (the profile lands in
 * .mu/prof/) when BENCH_PROFILE names it, and whatever BENCH_NODE_FLAGS_<NAME> holds, e.g.
 * BENCH_NODE_FLAGS_COLLECTOR=--trace-gc (a service's output lands in .mu/logs/bench-<app>.log).
 * @param {string} name an app, or `load` for the load generator
 * @returns {string[]}
 */
function nodeFlags(name) {
  return [
    ...(process.env.BENCH_PROFILE === name ? ['--cpu-prof', '--cpu-prof-dir', path.join(STATE, 'prof')] : []),
    ...(process.env[`BENCH_NODE_FLAGS_${name.toUpperCase()}`] ?? '').split(' ').filter(Boolean),
  ];
}

/**
 * Starts dist/apps/<app>/src/main.js on a free port and waits for /health/ready.
 * BENCH_PROFILE=<app> runs it with `node --cpu-prof` (profile in .mu/prof/); BENCH_NODE_FLAGS_<APP>
 * adds node flags. `opts.nice` starts it at that CPU priority (negative needs root; otherwise
 * `nice` says so and the service runs at 0: niceOf tells what it got).
 * @param {string} app
 * @param {Record<string, string>} env
 * @param {{ nice?: number }} [opts]
 * @returns {Promise<AppHandle>}
 */
async function startApp(app, env, opts = {}) {
  const port = await freePort();
  const entry = path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  const child = spawn(...underNice(opts.nice, process.execPath, [...nodeFlags(app), entry]), {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  // Everything the service logs (warn and above) is also kept in .mu/logs/bench-<app>.log.
  mkdirSync(path.join(STATE, 'logs'), { recursive: true });
  const logFile = createWriteStream(path.join(STATE, 'logs', `bench-${app}.log`));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (c) => {
      logFile.write(c);
      out = (out + c.toString('utf8')).slice(-20_000);
    });
  }
  /** @type {number | null | undefined} */
  let exitCode;
  child.once('exit', (code) => {
    exitCode = code;
    logFile.end();
    children.delete(child);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${app} exited with ${exitCode}:\n${out}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`${app} not ready after 30 s:\n${out}`);
    }
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
 * @typedef {{ mode: string, prefix: string, elapsedS: number, requests: number, okRequests: number,
 *   failedRequests: number, statusCounts: Record<string, number>, maxInFlight: number, eventsSent: number,
 *   eventsAccepted: number, eventsRejected: number, dupsSent: number, idsIssued: number, ackedNew: number,
 *   p50: number, p90: number, p99: number, max: number, cpuS: number, ranges: [number, number][],
 *   seconds?: [number, number, number, number][], loopDelayP99?: number, loopDelayMax?: number,
 *   warmupP99?: number, warmupMax?: number, dueP50?: number, dueP99?: number, dueMax?: number }} LoadReport
 */

/** Node flags every load-generator process runs with (before BENCH_NODE_FLAGS_LOAD). */
const LOAD_NODE_FLAGS = ['--single-threaded-gc', '--max-semi-space-size=64'];

/**
 * Runs the load generator (tools/bench/ingest-load.js) in its own process; resolves with its
 * JSON report.
 * @param {string[]} args
 * @returns {Promise<LoadReport>}
 */
function runLoad(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        // The measuring process must not stall on its own garbage collector (wrk2 has none).
        // V8's parallel scavenges wait for a helper thread that, on a busy 2-core machine, waits
        // for a core: single-threaded, and with a young generation large enough that a scavenge
        // comes about once a second (docs/ingestion.md, ninth session's results).
        ...LOAD_NODE_FLAGS,
        // BENCH_PROFILE=load profiles each load-generator process (one per phase);
        // BENCH_NODE_FLAGS_LOAD adds node flags (what they print lands in .mu/logs/bench-load.log)
        ...nodeFlags('load'),
        path.join(__dirname, 'ingest-load.js'),
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.add(child);
    let out = '';
    child.stdout.on('data', (c) => (out += c.toString('utf8')));
    child.once('exit', (code) => {
      children.delete(child);
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        // the report is the last line that is a JSON object; anything else (node's --trace-gc
        // writes to stdout too) is kept in .mu/logs/bench-load.log, one section per phase
        const lines = out.split('\n');
        const other = lines.filter((l) => l && !l.startsWith('{'));
        if (other.length) appendFileSync(path.join(STATE, 'logs', 'bench-load.log'), other.join('\n') + '\n');
        resolve(JSON.parse(lines.findLast((l) => l.startsWith('{')) ?? ''));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/**
 * The load generator's arguments.
 * @param {{ url: string, key: string, prefix: string, mode: 'max' | 'paced', duration: number,
 *   concurrency?: number, rate?: number, warmup?: number }} o
 */
function loadArgs(o) {
  return [
    '--url',
    o.url,
    '--key',
    o.key,
    '--prefix',
    o.prefix,
    '--mode',
    o.mode,
    '--duration',
    String(o.duration),
    ...(o.concurrency !== undefined ? ['--concurrency', String(o.concurrency)] : []),
    ...(o.rate !== undefined ? ['--rate', String(o.rate)] : []),
    ...(o.warmup !== undefined ? ['--warmup', String(o.warmup)] : []),
  ];
}

/**
 * Phase 1: `o.concurrency` requests in flight for `o.duration` s, calling `tick(seconds)` every
 * 10 s for a progress line.
 * @param {{ url: string, key: string, prefix: string, duration: number, concurrency: number }} o
 * @param {(seconds: number) => void} tick
 */
async function runMaxLoad(o, tick) {
  const start = Date.now();
  const progress = setInterval(() => tick((Date.now() - start) / 1000), 10_000);
  try {
    return await runLoad(loadArgs({ ...o, mode: 'max' }));
  } finally {
    clearInterval(progress);
  }
}

/** @param {LoadReport} r @param {string} phase */
function describeLoad(r, phase) {
  return (
    `${phase}: ${r.requests} requests (${(r.requests / r.elapsedS).toFixed(0)} batches/s, ${JSON.stringify(r.statusCounts)}, max ${r.maxInFlight} in flight), ` +
    `${r.eventsAccepted} events acked (${Math.round(r.eventsAccepted / r.elapsedS)}/s incl. ${r.dupsSent} re-sent duplicates), ` +
    `${r.ackedNew} new ids acked (${Math.round(r.ackedNew / r.elapsedS)}/s into the collector)`
  );
}

/** @param {LoadReport} r */
function describeLatency(r) {
  const worst = (r.seconds ?? [])
    .slice()
    .sort((a, b) => b[3] - a[3])
    .slice(0, 3)
    .map(([s, , p99, max]) => `t=${s}s p99 ${p99.toFixed(0)} max ${max.toFixed(0)}`);
  return (
    `p50 ${r.p50.toFixed(1)} ms p90 ${r.p90.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms max ${r.max.toFixed(1)} ms` +
    (worst.length ? `; slowest seconds: ${worst.join(', ')}` : '')
  );
}

/** @param {number[]} sorted ascending @param {number} q */
function quantile(sorted, q) {
  if (sorted.length === 0) return 0;
  return /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
}

/**
 * Waits until every durable has nothing pending or unacknowledged, twice in a row 250 ms
 * apart, and `quiet()` (when given) holds. Resolves with the seconds it took.
 * @param {import('nats').JetStreamManager} jsm
 * @param {[string, string][]} durables [stream, durable], in pipeline order
 * @param {{ quiet?: () => boolean | Promise<boolean>, timeoutMs?: number }} [opts]
 */
async function drainDurables(jsm, durables, opts = {}) {
  const start = Date.now();
  let calm = 0;
  for (;;) {
    let idle = true;
    /** @type {string[]} */
    const busy = [];
    for (const [stream, durable] of durables) {
      const info = await jsm.consumers.info(stream, durable);
      if (info.num_pending !== 0 || info.num_ack_pending !== 0) {
        idle = false;
        busy.push(`${durable} ${info.num_pending} pending, ${info.num_ack_pending} unacked`);
      }
    }
    if (idle && ((await opts.quiet?.()) ?? true)) {
      if (++calm >= 2) return (Date.now() - start) / 1000;
    } else calm = 0;
    if (Date.now() - start > (opts.timeoutMs ?? 300_000))
      throw new Error(`the pipeline did not drain: ${busy.join('; ') || 'not quiet'}`);
    await sleep(250);
  }
}

/**
 * @param {import('nats').JetStreamManager} jsm
 * @param {[string, string][]} pairs [stream, subject filter]
 * @param {(msg: string) => void} log
 */
async function purgeSubjects(jsm, pairs, log) {
  for (const [stream, filter] of pairs) {
    try {
      const r = await jsm.streams.purge(stream, { filter });
      log(`purged ${r.purged} messages of ${filter} from ${stream}`);
    } catch (err) {
      log(`purge of ${filter} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** How many times each event id `<prefix>-<n>` was seen, per prefix, and when. */
class IdTally {
  constructor() {
    /** @type {Map<string, Uint8Array>} */
    this.counts = new Map();
    /** @type {Map<string, { events: number, first: number, last: number }>} */
    this.perPrefix = new Map();
    this.messages = 0;
    this.events = 0;
    this.lastAt = 0;
    /** ids not of the form <prefix>-<n> */
    this.foreign = 0;
  }

  /** @param {string} id @param {number} [now] */
  add(id, now = Date.now()) {
    const dash = id.lastIndexOf('-');
    const prefix = id.slice(0, dash);
    const n = dash > 0 ? Number(id.slice(dash + 1)) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) {
      this.foreign++;
      return;
    }
    let c = this.counts.get(prefix);
    if (!c) {
      c = new Uint8Array(1 << 20);
      this.counts.set(prefix, c);
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
    let p = this.perPrefix.get(prefix);
    if (!p) {
      p = { events: 0, first: now, last: now };
      this.perPrefix.set(prefix, p);
    }
    p.events++;
    p.last = now;
  }

  /**
   * lost: acked ids never seen; duplicated: ids seen more than once (acked or not);
   * found: acked ids seen; extra: sightings of this prefix beyond one per acked id (repeats,
   * and ids that were never acknowledged).
   * @param {{ prefix: string, ranges: [number, number][] }} report
   */
  reconcile(report) {
    const c = this.counts.get(report.prefix) ?? new Uint8Array(0);
    let lost = 0;
    let found = 0;
    /** @type {number[]} */
    const lostSample = [];
    for (const [start, count] of report.ranges) {
      for (let n = start; n < start + count; n++) {
        if (!c[n]) {
          lost++;
          if (lostSample.length < 5) lostSample.push(n);
        } else found++;
      }
    }
    let duplicated = 0;
    for (let n = 0; n < c.length; n++) if (/** @type {number} */ (c[n]) > 1) duplicated++;
    const seen = this.perPrefix.get(report.prefix)?.events ?? 0;
    return { lost, duplicated, found, extra: seen - found, lostSample };
  }
}

module.exports = {
  ROOT,
  STATE,
  BENCH_REDIS_DB,
  arg,
  flag,
  makeLog,
  sleep,
  chTime,
  fromDist,
  freePort,
  startBroker,
  niceOf,
  readEnv,
  cpuSeconds,
  pidOf,
  pidsOf,
  pidFromFile,
  cpuMeter,
  stopChildrenOnInterrupt,
  holdBenchLock,
  stopLoad,
  stackUp,
  stopDemoService,
  createTenant,
  benchDatabases,
  benchRedisUrl,
  flushRedis,
  redisKeys,
  withRedis,
  serviceEnv,
  startApp,
  runLoad,
  runMaxLoad,
  loadArgs,
  describeLoad,
  describeLatency,
  quantile,
  drainDurables,
  purgeSubjects,
  IdTally,
};
