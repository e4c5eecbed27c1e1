// @ts-check
// Ingestion benchmark (issue 5): `npm run bench:ingest [-- --duration 60 --concurrency 32]`.
// Starts the stack, one collector and one deduplicator (from dist/), a fresh tenant, then drives
// load from a separate process (tools/bench/ingest-load.js): phase 1 as fast as it goes, phase 2
// paced at 70% of the phase-1 unique rate (what came out of the deduplicator while the load ran,
// after its first seconds) for the ack latency. Then every unique event that
// reached USAGE_UNIQUE for the bench tenant is read (an ephemeral consumer) and counted at the
// time JetStream stored it; every acknowledged event id must be there exactly once. The last line printed is
//   RESULT events_per_s=<unique/s out of the deduplicator> p50_ms=<ack> p99_ms=<ack at 70%> lost=<n> duplicated=<n>
'use strict';
const { connect, AckPolicy, DeliverPolicy } = require('nats');
const {
  arg,
  makeLog,
  pidOf,
  cpuMeter,
  stopChildrenOnInterrupt,
  holdBenchLock,
  stopLoad,
  stackUp,
  startBroker,
  niceOf,
  stopDemoService,
  createTenant,
  benchRedisUrl,
  flushRedis,
  withRedis,
  serviceEnv,
  startApp,
  runLoad,
  runMaxLoad,
  loadArgs,
  describeLoad,
  describeLatency,
  drainDurables,
  purgeSubjects,
  IdTally,
  BENCH_REDIS_DB,
  sleep,
} = require('./common');
const { buildStallProbe, startStallProbe, describeStalls } = require('./stall-probe');

const DURATION_S = Number(arg('duration', '60'));
const CONCURRENCY = Number(arg('concurrency', '24'));
const PACED_S = Math.max(10, Math.round(DURATION_S / 4));
/** Phase 1's rate is what came out of the deduplicator from this long after the load started
 * until it stopped: the ramp-up before and the backlog's drain after are not steady state. */
const RAMP_S = Math.min(10, DURATION_S / 4);
const QUIET_MS = 3000;
/**
 * Phase 2 first runs this long at its rate unmeasured (printed apart): steady state is measured.
 * 10 s as wrk2 (its CALIBRATE_DELAY_MS): phase 2 follows a drain in which the collector sat idle
 * for about a minute, and its first seconds were the run's worst (tenth session's results).
 */
const WARMUP_S = Number(arg('warmup', '10'));
/** Phase 2's rate in unique events/s instead of 70% of phase 1's (0: the latter). */
const PACED_RATE = Number(arg('paced-rate', '0'));
/** `own`: a nats-server of the bench's own, fresh, at BROKER_NICE; `shared`: the stack's, as it runs. */
const BROKER = arg('broker', 'own');
const BROKER_NICE = Number(arg('broker-nice', '-10'));
const COLLECTOR_NICE = Number(arg('collector-nice', '-5'));
if (BROKER !== 'own' && BROKER !== 'shared') throw new Error('--broker is own or shared');
/**
 * Keys put into the bench's Redis database before the services start (0: none). The default,
 * 2^23 + 1, is one past the doubling at 2^23, and the bench works the move through before the
 * services start: the run's own claims (3-8 M) then begin past a doubling, as a deduplicator
 * whose Redis holds its window's keys in steady state does. Before phase 2 the bench tops the
 * database up past the next power of two if phase 2's claims would otherwise cross it
 * (`topUpRedis`). Started empty, the database doubled inside phase 2 in about one run in three
 * (docs/ingestion.md, "Benchmark", step 5).
 */
const REDIS_FILL = Number(arg('redis-fill', String(2 ** 23 + 1)));
/** BENCH_STALL_PROBE=1: the host-stall probe through phase 2 (tools/bench/stall-probe.js). */
const STALL_PROBE = process.env.BENCH_STALL_PROBE === '1';
if (!Number.isInteger(REDIS_FILL) || REDIS_FILL < 0)
  throw new Error('--redis-fill is a count of keys, 0 or more');

const log = makeLog('bench');

/**
 * Fill keys expire, as the deduplicator's own do, so they are in the database's expires
 * dictionary too (it doubles at the same powers of two as the keyspace); long after any run,
 * and the database is emptied afterwards anyway.
 */
const FILL_TTL_MS = 6 * 3_600_000;
/** Sets fill:<ARGV[1]>..fill:<ARGV[2]> with an expiry of ARGV[3] ms, inside Redis. */
const FILL_SCRIPT =
  "for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do redis.call('SET', 'fill:' .. i, '1', 'PX', ARGV[3]) end return 0";

/** ARGV[1] lookups of one key, inside Redis: each moves the dictionaries' rehash one bucket on. */
const STEP_SCRIPT = "for i = 1, tonumber(ARGV[1]) do redis.call('EXISTS', 'fill:0') end return 0";

/**
 * Puts the keys `fill:<from>` .. `fill:<to - 1>` into the benches' Redis database, 10,000 a script
 * call (~20-35 ms of Redis each), 20 calls a round trip: 8.4 M take 25-35 s on the 2-core machine.
 * @param {import('ioredis').Redis} r @param {number} from @param {number} to
 */
async function fillRedis(r, from, to) {
  for (let base = from; base < to; base += 200_000) {
    const pipeline = r.pipeline();
    for (let a = base; a < Math.min(to, base + 200_000); a += 10_000)
      pipeline.eval(FILL_SCRIPT, 0, a, Math.min(to, a + 10_000) - 1, FILL_TTL_MS);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  }
}

/**
 * @typedef {{ keys: number, expires: number, mainSlots: number | undefined, expiresSlots: number | undefined }} RedisDicts
 * The benches' database as Redis 7.0 holds it: keys, keys with an expiry, and the slots of its
 * two dictionaries. MEMORY STATS gives each dictionary's overhead as 8 bytes a slot plus its
 * entries (40 bytes a key in the keyspace, 24 in the expires dictionary); a dictionary that is
 * rehashing holds both tables, so its slots are then not a power of two. undefined: the figures
 * do not fit that layout (another Redis version), and the bench cannot tell.
 * @param {import('ioredis').Redis} r @returns {Promise<RedisDicts>}
 */
async function redisDicts(r) {
  const line = (
    (await r.info('keyspace')).split('\n').find((l) => l.startsWith(`db${BENCH_REDIS_DB}:`)) ?? ''
  ).trim();
  const field = (/** @type {string} */ name) => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1] ?? 0);
  const keys = field('keys');
  const expires = field('expires');
  const stats = /** @type {unknown[]} */ (await r.call('MEMORY', 'STATS'));
  const i = stats.indexOf(`db.${BENCH_REDIS_DB}`);
  const mine = i >= 0 && Array.isArray(stats[i + 1]) ? /** @type {unknown[]} */ (stats[i + 1]) : [];
  const slots = (
    /** @type {string} */ name,
    /** @type {number} */ entries,
    /** @type {number} */ entryBytes,
  ) => {
    const j = mine.indexOf(name);
    const n = j >= 0 ? (Number(mine[j + 1]) - entries * entryBytes) / 8 : NaN;
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  return {
    keys,
    expires,
    mainSlots: slots('overhead.hashtable.main', keys, 40),
    expiresSlots: slots('overhead.hashtable.expires', expires, 24),
  };
}

const isPowerOfTwo = (/** @type {number | undefined} */ n) => n !== undefined && (n & (n - 1)) === 0;
/** @param {RedisDicts} d @returns {boolean | undefined} */
const rehashing = (d) =>
  d.mainSlots === undefined || (d.expires > 0 && d.expiresSlots === undefined)
    ? undefined
    : !isPowerOfTwo(d.mainSlots) || (d.expires > 0 && !isPowerOfTwo(d.expiresSlots));

/**
 * Redis 7.0 doubles a dictionary when its keys reach a power of two, then moves the old table
 * across one bucket per command that touches it (plus 1 ms every 100 ms on its own), each
 * lookup meanwhile searching both tables: 2.5-4x its CPU per claim for the next ~quarter as many
 * claims (docs/ingestion.md, sixth session). Works a started move through with EXISTS (each one
 * a step in both dictionaries), 100,000 a script call, before the load that it would slow.
 * @param {import('ioredis').Redis} r @returns {Promise<{ steps: number, ms: number, dicts: RedisDicts }>}
 */
async function settleRehash(r) {
  const t = Date.now();
  let steps = 0;
  let dicts = await redisDicts(r);
  while (rehashing(dicts) && Date.now() - t < 120_000) {
    await r.eval(STEP_SCRIPT, 0, 100_000);
    steps += 100_000;
    dicts = await redisDicts(r);
  }
  return { steps, ms: Date.now() - t, dicts };
}

/**
 * Before phase 2: if its claims (the paced rate over warm-up and measured time, with a fifth
 * to spare) would take the database past the next power of two, fill it past that power now and
 * work the move through, so phase 2 runs on settled dictionaries whatever phase 1 left. A
 * faster machine puts more claims into phase 1: 15.3 M keys at phase 2's start in one run, 0.5 M
 * short of 2^24.
 * @param {import('ioredis').Redis} r @param {number} claims @param {number} filled fill keys so far
 * @returns {Promise<{ added: number, steps: number, ms: number, dicts: RedisDicts }>}
 */
async function topUpRedis(r, claims, filled) {
  const t = Date.now();
  const now = await redisDicts(r);
  const next = 2 ** (Math.floor(Math.log2(Math.max(1, now.keys))) + 1);
  const added = now.keys + claims * 1.2 >= next ? next + 1 - now.keys : 0;
  if (added > 0) await fillRedis(r, filled, filled + added);
  const settled = await settleRehash(r);
  return { added, steps: settled.steps, ms: Date.now() - t, dicts: settled.dicts };
}

/** @param {RedisDicts} d */
const describeSettled = (d) =>
  rehashing(d) === undefined
    ? 'this Redis does not show its dictionaries as 7.0 does'
    : `${(d.keys / 1e6).toFixed(2)} M keys, ${(d.mainSlots ?? 0) / 2 ** 20} Mi slots${rehashing(d) ? ', still rehashing after 120 s' : ', settled'}`;

/**
 * Says whether either dictionary changed size or was mid-move across phase 2.
 * @param {RedisDicts} before @param {RedisDicts} after
 */
function describeDoubling(before, after) {
  const m = (/** @type {number} */ n) => `${(n / 1e6).toFixed(2)} M`;
  const known = rehashing(before) !== undefined && rehashing(after) !== undefined;
  const doubled =
    before.mainSlots !== after.mainSlots ||
    (before.expires > 0 && before.expiresSlots !== after.expiresSlots);
  return (
    `${m(before.keys)} keys at its start (${m(before.mainSlots ?? 0)} slots), ${m(after.keys)} at its end (${m(after.mainSlots ?? 0)} slots): ` +
    (!known
      ? 'this Redis does not show its dictionaries as 7.0 does; whether phase 2 ran while it rehashed is unknown'
      : rehashing(before) || rehashing(after) || doubled
        ? 'phase 2 ran while Redis rehashed'
        : 'no rehash during phase 2')
  );
}

async function main() {
  holdBenchLock('bench:ingest');
  const t0 = Date.now();
  log(
    `duration ${DURATION_S} s at ${CONCURRENCY} requests in flight, then ${PACED_S} s paced; node ${process.version}, ${require('node:os').cpus().length} CPUs`,
  );
  const stackEnv = stackUp({ migrate: 'postgres' });
  // BENCH_STALL_PROBE=1: built now, so a missing compiler fails the run before its load, not after
  if (STALL_PROBE) buildStallProbe();

  // The deduplicator shares the production durable `deduplicator` on USAGE_RAW: another running
  // deduplicator (the demo's) would take part of the bench's batches. Stop only that one.
  await stopDemoService('deduplicator', log);

  // The ack path (broker and collector) runs at a higher CPU priority than the rest (the
  // deduplicator and Redis, which work off a backlog, and the load generator): what CPU requests give them in a cluster
  // (deploy/helm), on one shared 2-core machine. docs/ingestion.md, "Benchmark".
  /** @type {import('./common').Broker | undefined} */
  let broker;
  if (BROKER === 'own') {
    broker = await startBroker({ nice: BROKER_NICE });
    stackEnv.NATS_URL = broker.url;
    process.env.NATS_URL = broker.url;
    log(
      `broker: the bench's own nats-server (${broker.version}) at ${broker.url} (pid ${broker.pid}, nice ${niceOf(broker.pid)}, GOMAXPROCS ${broker.gomaxprocs || 'unset'})`,
    );
  } else
    log(`broker: the stack's nats-server at ${stackEnv.NATS_URL} (nice ${niceOf(pidOf('nats-server'))})`);

  const { tenantId, apiKey } = createTenant(`bench-ingest-${Date.now()}`);
  const rawSubject = `usage.raw.v1.${tenantId}`;
  const uniqueSubject = `usage.unique.v1.${tenantId}`;
  log(`tenant ${tenantId}`);

  const nc = await connect({ servers: stackEnv.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'bench-ingest' });
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();

  // The bench's idempotency keys live in their own Redis database, emptied before and after,
  // so runs do not pile millions of keys into the database the demo and tests use.
  const redisUrl = benchRedisUrl(stackEnv);
  await flushRedis(redisUrl);
  if (REDIS_FILL > 0) {
    const filling = Date.now();
    const settled = await withRedis(redisUrl, async (r) => {
      await fillRedis(r, 0, REDIS_FILL);
      return settleRehash(r);
    });
    log(
      `Redis: ${(REDIS_FILL / 1e6).toFixed(2)} M keys put in first (--redis-fill), past the doubling at ${(2 ** Math.floor(Math.log2(REDIS_FILL)) / 1e6).toFixed(2)} M, ` +
        `in ${((Date.now() - filling) / 1000).toFixed(1)} s, the last ${(settled.ms / 1000).toFixed(1)} s of them working its move through (${describeSettled(settled.dicts)})`,
    );
  }

  const env = serviceEnv(redisUrl);
  /** @type {import('./common').AppHandle[]} */
  const apps = [];
  // Interrupted: take the services and the load generator down with us.
  stopChildrenOnInterrupt();
  /** @type {Error | undefined} */
  let failure;
  /** @type {string | undefined} */
  let resultLine;
  try {
    const dedup = await startApp('deduplicator', {
      ...env,
      DEDUP_STATS_INTERVAL_SECONDS: '0',
      // The bench's idempotency keys (about 2 M a minute) leave Redis after an hour rather than a day.
      DEDUP_WINDOW_HOURS: '1',
      ...(process.env.BENCH_DEDUP_CONCURRENCY
        ? { DEDUP_CONCURRENCY: process.env.BENCH_DEDUP_CONCURRENCY }
        : {}),
    });
    apps.push(dedup);
    const collector = await startApp(
      'collector',
      {
        ...env,
        COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: process.env.BENCH_RL ?? '100000000',
        COLLECTOR_NATS_INGEST: 'false',
      },
      { nice: COLLECTOR_NICE },
    );
    apps.push(collector);
    log(
      `collector :${collector.port} (pid ${collector.child.pid}, nice ${niceOf(collector.child.pid)}), deduplicator :${dedup.port} (pid ${dedup.child.pid}, nice ${niceOf(dedup.child.pid)})`,
    );

    // What reached USAGE_UNIQUE is read once both phases are over, not while the load runs, so
    // the reading does not compete with the services for the two cores. When an event came out of
    // the deduplicator is the time JetStream stored its message.
    const tally = new IdTally();
    /** Events per unique batch, with the time JetStream stored it, in stream order. */
    /** @type {[number, number][]} */
    const storedLog = [];
    let nextSeq = 0;
    const readUnique = async () => {
      nextSeq = await readStored(jsm, js, 'USAGE_UNIQUE', uniqueSubject, nextSeq, (m, storedAtMs) => {
        /** @type {{ events: { id: string }[] }} */
        const batch = m.json();
        tally.messages++;
        for (const e of batch.events) tally.add(e.id, storedAtMs);
        tally.events += batch.events.length;
        tally.lastAt = Math.max(tally.lastAt, storedAtMs);
        storedLog.push([storedAtMs, batch.events.length]);
      });
    };
    /** Unique events JetStream stored in [from, to) (ms). */
    const storedBetween = (/** @type {number} */ from, /** @type {number} */ to) =>
      storedLog.reduce((sum, [at, n]) => (at >= from && at < to ? sum + n : sum), 0);
    /** How many unique batches the stream holds for the bench tenant (cheap: the stream's own count). */
    const storedBatches = async () =>
      (await jsm.streams.info('USAGE_UNIQUE', { subjects_filter: uniqueSubject })).state.subjects?.[
        uniqueSubject
      ] ?? 0;

    /** Waits until the durable has nothing pending and no unique batch was stored for QUIET_MS. */
    const drain = () => {
      let count = -1;
      let changedAt = Date.now();
      return drainDurables(jsm, [['USAGE_RAW', 'deduplicator']], {
        quiet: async () => {
          const now = await storedBatches();
          if (now !== count) {
            count = now;
            changedAt = Date.now();
          }
          return Date.now() - changedAt >= QUIET_MS;
        },
      });
    };
    await drain();

    const base = `http://127.0.0.1:${collector.port}`;
    const runId = Date.now().toString(36);
    const cpu = cpuMeter({
      collector: collector.child.pid,
      deduplicator: dedup.child.pid,
      'nats-server': broker?.pid ?? pidOf('nats-server'),
      redis: pidOf('redis-server'),
    });

    // Phase 1: throughput.
    log(`phase 1: ${CONCURRENCY} in flight for ${DURATION_S} s`);
    const cpu0 = cpu.now();
    const p1Start = Date.now();
    /** The stream's count of unique batches when the steady window opens (after RAMP_S). */
    /** @type {Promise<{ at: number, batches: number }>} */
    const rampEnd = new Promise((resolve, reject) =>
      setTimeout(() => {
        const at = Date.now();
        storedBatches().then((batches) => resolve({ at, batches }), reject);
      }, RAMP_S * 1000),
    );
    rampEnd.catch(() => {}); // awaited after the load; a failed load must not also reject it unheard
    const p1 = await runMaxLoad(
      { url: base, key: apiKey, prefix: `b${runId}p1`, duration: DURATION_S, concurrency: CONCURRENCY },
      (s) => {
        void storedBatches().then((n) => log(`  t=${s.toFixed(0)}s unique batches stored so far ${n}`));
      },
    );
    const p1LoadEnd = Date.now();
    const batchesAtLoadEnd = await storedBatches();
    const ramp = await rampEnd;
    const drained1 = await drain();
    const cpu1 = cpu.now();
    // The phase-1 rate that paces phase 2: the unique batches the stream took between the end of
    // the ramp-up and the end of the load (two counts of the stream's own), times the events
    // per batch (new ids acknowledged / batches once drained). What the deduplicator works off
    // after the load stopped is not counted: it then has both cores to itself, a rate no
    // sustained load leaves it. The figure reported is counted from the stream itself once both
    // phases are over: reading millions of events back here would keep nats-server busy into
    // phase 2.
    const batchesDrained = Math.max(1, await storedBatches());
    const steadyS = Math.max(0.001, (p1LoadEnd - ramp.at) / 1000);
    const estimate = ((batchesAtLoadEnd - ramp.batches) * (p1.ackedNew / batchesDrained)) / steadyS;
    log(describeLoad(p1, 'phase 1'));
    log(`phase 1 ack latency (max concurrency, informational): ${describeLatency(p1)}`);
    const wall1 = (Date.now() - p1Start) / 1000;
    log(
      `phase 1 CPU (% of one core over ${wall1.toFixed(0)} s incl. drain): ${cpu.shares(cpu0, cpu1, wall1, p1.cpuS)}`,
    );

    // Phase 2: latency at 70% of the phase-1 unique rate (or at --paced-rate, to compare changes
    // at one fixed rate).
    const pacedRate = PACED_RATE > 0 ? PACED_RATE : Math.max(90, Math.round(estimate * 0.7));
    log(
      `phase 2: paced at ${pacedRate} unique events/s (${(pacedRate / 90).toFixed(0)} batches/s) for ${PACED_S} s after ${WARMUP_S} s of warm-up`,
    );
    // Phase 2's claims must not take Redis through a doubling that phase 1 happened to stop short of.
    if (REDIS_FILL > 0) {
      const topUp = await withRedis(redisUrl, (r) =>
        topUpRedis(r, pacedRate * (WARMUP_S + PACED_S), REDIS_FILL),
      );
      if (topUp.added > 0 || topUp.steps > 0)
        log(
          `Redis before phase 2: ${(topUp.added / 1e6).toFixed(2)} M fill keys added, in ${(topUp.ms / 1000).toFixed(1)} s with the move worked through (${describeSettled(topUp.dicts)})`,
        );
    }
    const keysBefore = await withRedis(redisUrl, redisDicts);
    const cpu2 = cpu.now();
    const p2Start = Date.now();
    // The collector's histogram from the end of the warm-up, timed from here: the load
    // generator's own clock starts after its process does (a few hundred ms later), so it
    // takes in the warm-up's last requests as well as the measured ones. Awaited after the load;
    // the no-op catch keeps a failed scrape from being an unhandled rejection meanwhile.
    const atWarmupEnd = sleep(WARMUP_S * 1000).then(() => serverHistogram(base));
    atWarmupEnd.catch(() => {});
    const probe = STALL_PROBE ? startStallProbe() : undefined;
    const p2 = await runLoad(
      loadArgs({
        url: base,
        key: apiKey,
        prefix: `b${runId}p2`,
        mode: 'paced',
        duration: PACED_S,
        rate: pacedRate,
        warmup: WARMUP_S,
      }),
    );
    const cpu3 = cpu.now();
    const wall2 = (Date.now() - p2Start) / 1000;
    const stalls = await probe?.stop();
    const server0 = await atWarmupEnd;
    const drained2 = await drain();
    const keysAfter = await withRedis(redisUrl, redisDicts);
    const server1 = await serverHistogram(base);
    await readUnique();
    const s1 = tally.perPrefix.get(p1.prefix) ?? { events: 0, first: p1Start, last: p1Start };
    const spanS = Math.max(0.001, (s1.last - p1Start) / 1000);
    const steadyEvents = storedBetween(ramp.at, p1LoadEnd);
    const uniquePerS = steadyEvents / steadyS;
    const r1 = tally.reconcile(p1);
    log(
      `phase 1: ${steadyEvents} unique events out of the deduplicator in the ${steadyS.toFixed(1)} s from t=${((ramp.at - p1Start) / 1000).toFixed(1)} s ` +
        `to the load's end = ${Math.round(uniquePerS)} unique/s (paced phase 2 on ${Math.round(estimate)}/s); all ${s1.events} were out ` +
        `${((s1.last - p1LoadEnd) / 1000).toFixed(1)} s after the load stopped (drain wait ${drained1.toFixed(1)} s): ` +
        `${Math.round(s1.events / spanS)}/s counting the drain, when the deduplicator has the machine to itself`,
    );
    log(
      `phase 1 reconcile: lost ${r1.lost} duplicated ${r1.duplicated}${r1.lost ? ` (e.g. n=${r1.lostSample.join(',')})` : ''}`,
    );
    const r2 = tally.reconcile(p2);
    const s2 = tally.perPrefix.get(p2.prefix) ?? { events: 0, first: 0, last: 0 };
    log(`${describeLoad(p2, 'phase 2')}, ${s2.events} unique out (drain wait ${drained2.toFixed(1)} s)`);
    // Timed from when each batch was due (wrk2's way): a batch the load generator sent late still
    // counts its wait. The figures from the actual send (all sessions before the eighth) follow.
    const p2p50 = p2.dueP50 ?? p2.p50;
    const p2p99 = p2.dueP99 ?? p2.p99;
    log(
      `phase 2 ack latency from each batch's due time: p50 ${p2p50.toFixed(1)} ms p99 ${p2p99.toFixed(1)} ms max ${(p2.dueMax ?? p2.max).toFixed(1)} ms`,
    );
    log(`phase 2 ack latency from the send: ${describeLatency(p2)}`);
    log(
      `phase 2 warm-up (${WARMUP_S} s, not in the figures above): p99 ${(p2.warmupP99 ?? 0).toFixed(1)} ms max ${(p2.warmupMax ?? 0).toFixed(1)} ms`,
    );
    log(
      `phase 2 inside the collector (its request histogram): ${describeServer(server0, server1)}; ` +
        `event-loop delay: collector p99 ${server1.loopP99} ms max ${server1.loopMax} ms, ` +
        `load generator p99 ${(p2.loopDelayP99 ?? 0).toFixed(1)} ms max ${(p2.loopDelayMax ?? 0).toFixed(1)} ms`,
    );
    log(
      `phase 2 CPU (% of one core over the ${wall2.toFixed(0)} s of paced load incl. warm-up): ${cpu.shares(cpu2, cpu3, wall2, p2.cpuS)}`,
    );
    if (stalls)
      log(`phase 2 host stalls after the warm-up: ${describeStalls(stalls, p2Start + WARMUP_S * 1000)}`);
    log(`phase 2 Redis keyspace: ${describeDoubling(keysBefore, keysAfter)}`);
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
    const target = uniquePerS >= 30_000 && p2p99 <= 50 && lost === 0 && duplicated === 0;
    log(
      `target (>= 30000 unique/s, p99 <= 50 ms, lost 0, duplicated 0): ${target ? 'met' : 'NOT met'}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    resultLine = `RESULT events_per_s=${Math.round(uniquePerS)} p50_ms=${p2p50.toFixed(1)} p99_ms=${p2p99.toFixed(1)} lost=${lost} duplicated=${duplicated}`;
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  } finally {
    stopLoad();
    for (const a of apps.reverse()) await a.stop();
    // the bench's own broker goes with its store; the stack's keeps nothing of the bench
    if (!broker)
      await purgeSubjects(
        jsm,
        [
          ['USAGE_RAW', rawSubject],
          ['USAGE_UNIQUE', uniqueSubject],
          ['USAGE_REJECTED', `usage.rejected.v1.${tenantId}`],
        ],
        log,
      );
    await flushRedis(redisUrl).catch((err) =>
      log(`flushing redis db ${BENCH_REDIS_DB} failed: ${String(err)}`),
    );
    await nc.close();
    await broker?.stop();
  }
  if (failure) throw failure;
  console.log(resultLine);
}

/**
 * The collector's `mu_http_request_duration_seconds` buckets for POST /v1/events: cumulative
 * counts by upper bound in seconds. Compared with the client's figures it tells time spent in
 * the service from time spent waiting for a core, a socket or the load generator.
 * @param {string} base
 * @returns {Promise<Map<string, number> & { loopP99?: string, loopMax?: string }>}
 */
async function serverHistogram(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  /** @type {Map<string, number> & { loopP99?: string, loopMax?: string }} */
  const buckets = new Map();
  // prom-client resets its event-loop histogram at every scrape: these cover the time since the last.
  const gauge = (/** @type {string} */ name) => {
    const m = new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text);
    return m ? (Number(m[1]) * 1000).toFixed(1) : '?';
  };
  buckets.loopP99 = gauge('nodejs_eventloop_lag_p99_seconds');
  buckets.loopMax = gauge('nodejs_eventloop_lag_max_seconds');
  for (const line of text.split('\n')) {
    if (!line.startsWith('mu_http_request_duration_seconds_bucket') || !line.includes('route="/v1/events"'))
      continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le) buckets.set(le, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/** @param {Map<string, number>} before @param {Map<string, number>} after */
function describeServer(before, after) {
  const total = (after.get('+Inf') ?? 0) - (before.get('+Inf') ?? 0);
  if (!total) return 'no requests recorded';
  /** @type {string[]} */
  const parts = [];
  for (const le of ['0.005', '0.01', '0.025', '0.05']) {
    const n = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    parts.push(`${((100 * n) / total).toFixed(1)}% <= ${Number(le) * 1000} ms`);
  }
  return `${total} requests, ${parts.join(', ')}`;
}

/**
 * Reads every message of `subject` from stream sequence `fromSeq` on (0: from the start) through
 * an ephemeral pull consumer deleted afterwards, calling `each(message, storedAtMs)`. Resolves
 * with the sequence to read from next time.
 * @param {import('nats').JetStreamManager} jsm
 * @param {import('nats').JetStreamClient} js
 * @param {string} stream
 * @param {string} subject
 * @param {number} fromSeq
 * @param {(m: import('nats').JsMsg, storedAtMs: number) => void} each
 * @returns {Promise<number>}
 */
async function readStored(jsm, js, stream, subject, fromSeq, each) {
  const ci = await jsm.consumers.add(stream, {
    filter_subject: subject,
    ack_policy: AckPolicy.None,
    ...(fromSeq > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq }
      : { deliver_policy: DeliverPolicy.All }),
    inactive_threshold: 30e9,
    mem_storage: true,
  });
  let next = fromSeq;
  try {
    const consumer = await js.consumers.get(stream, ci.name);
    let pending = ci.num_pending;
    while (pending > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, 2000), expires: 5000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        each(m, Math.floor(m.info.timestampNanos / 1e6));
        pending = m.info.pending;
        next = m.seq + 1;
      }
      if (got === 0) throw new Error(`${stream}: ${pending} messages of ${subject} not delivered`);
    }
  } finally {
    await jsm.consumers.delete(stream, ci.name).catch(() => undefined);
  }
  return next;
}

main().catch((err) => {
  console.error(`[bench] failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
