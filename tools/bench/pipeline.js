// @ts-check
// End-to-end benchmark (issue 6): `npm run bench [-- --duration 60 --concurrency 24 --keep-rows]`.
// The whole event path on one machine: collector -> USAGE_RAW -> deduplicator -> USAGE_UNIQUE ->
// rater -> ClickHouse (`events`, `meter_values`). The load is bench:ingest's (tools/bench/ingest-load.js,
// a separate process: 100-event batches, 10% re-sent duplicates) for a fresh tenant with one `count`
// meter on `api.call`, created before the load so every event gets a meter value.
//   phase 1  as fast as it goes for --duration s, then until ClickHouse has every row;
//            events_per_s = meter values landed / (last row's ingested_at - start of the load)
//   phase 2  paced at 70% of that rate (ack latency), while a probe sends one event every ~250 ms
//            and polls ClickHouse every ~50 ms with the billing query (meterQuantity) until the event
//            counts: freshness = visible - 202
//   then     every acknowledged id is looked up in `meter_values FINAL` (one streamed scan)
// The last line printed is
//   RESULT events_per_s=<n> p99_ms=<ack at 70%> freshness_p99_ms=<n> lost=<n> duplicated=<n>
'use strict';
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { connect } = require('nats');
const { Pool } = require('pg');
const {
  ROOT,
  arg,
  flag,
  makeLog,
  sleep,
  pidOf,
  pidFromFile,
  cpuMeter,
  stopChildrenOnInterrupt,
  holdBenchLock,
  stopLoad,
  stackUp,
  stopDemoService,
  createTenant,
  benchRedisUrl,
  flushRedis,
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
  BENCH_REDIS_DB,
} = require('./common');

const DURATION_S = Number(arg('duration', '60'));
const CONCURRENCY = Number(arg('concurrency', '24'));
const PACED_S = Math.max(10, Math.round(DURATION_S / 4));
const KEEP_ROWS = flag('keep-rows');
const PROBE_EVERY_MS = 250;
const POLL_EVERY_MS = 50;
/** A probe event not visible after this long counts with this freshness. */
const PROBE_GIVE_UP_MS = 30_000;
const EVENT_TYPE = 'api.call';
const DURABLES = /** @type {[string, string][]} */ ([
  ['USAGE_RAW', 'deduplicator'],
  ['USAGE_UNIQUE', 'rater'],
]);
const TARGET = { eventsPerS: 25_000, freshnessP99Ms: 2_000 };

const log = makeLog('bench');

/** @param {number} ms @returns {string} ClickHouse DateTime64(3) text in UTC */
const chTime = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/** @param {string} file a compiled module under dist/ */
const fromDist = (file) => require(path.join(ROOT, 'dist', file));

async function main() {
  holdBenchLock('bench');
  const t0 = Date.now();
  log(
    `duration ${DURATION_S} s at ${CONCURRENCY} requests in flight, then ${PACED_S} s paced with the freshness probe; node ${process.version}, ${require('node:os').cpus().length} CPUs`,
  );
  const stackEnv = stackUp({
    migrate: 'all',
    need: [
      'dist/apps/collector/src/main.js',
      'dist/apps/deduplicator/src/main.js',
      'dist/apps/rater/src/main.js',
      'dist/libs/platform/src/index.js',
      'dist/libs/usage/src/index.js',
    ],
  });
  const { createClickHouse } = fromDist('libs/platform/src/index.js');
  const usage = fromDist('libs/usage/src/index.js');
  /** @type {((ch: unknown, q: object) => Promise<string | null>) | undefined} */
  const meterQuantity = typeof usage.meterQuantity === 'function' ? usage.meterQuantity : undefined;

  // Both services share production durables (`deduplicator` on USAGE_RAW, `rater` on
  // USAGE_UNIQUE): the demo's instances would take part of the bench's work. Stop only those.
  await stopDemoService('deduplicator', log);
  await stopDemoService('rater', log);

  const { tenantId, apiKey } = createTenant(`bench-${Date.now()}`);
  const meterId = `mtr_${randomBytes(10).toString('hex')}`;
  const pg = new Pool({ connectionString: stackEnv.DATABASE_URL, max: 1 });
  try {
    await pg.query(
      `INSERT INTO meters (id, tenant_id, key, name, event_type, aggregation, value_path, filters, group_by)
       VALUES ($1, $2, 'api_calls', 'API calls (bench)', $3, 'count', NULL, '[]', '{}')`,
      [meterId, tenantId, EVENT_TYPE],
    );
  } finally {
    await pg.end();
  }
  log(`tenant ${tenantId}, meter ${meterId} (count of ${EVENT_TYPE})`);

  const ch = createClickHouse(
    {
      CLICKHOUSE_URL: stackEnv.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
      CLICKHOUSE_DATABASE: process.env.CLICKHOUSE_DATABASE ?? 'mu',
      CLICKHOUSE_USER: process.env.CLICKHOUSE_USER ?? 'default',
      CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD,
    },
    'bench',
  );
  /**
   * @param {string} query
   * @param {Record<string, unknown>} params
   * @returns {Promise<Record<string, string>[]>}
   */
  const chRows = async (query, params) =>
    (await ch.query({ query, query_params: params, format: 'JSONEachRow' })).json();

  const nc = await connect({ servers: stackEnv.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'bench' });
  const jsm = await nc.jetstreamManager();
  const redisUrl = benchRedisUrl(stackEnv);
  await flushRedis(redisUrl);

  const env = serviceEnv(redisUrl);
  /** @type {import('./common').AppHandle[]} */
  const apps = [];
  stopChildrenOnInterrupt();
  /** @type {Error | undefined} */
  let failure;
  /** @type {string | undefined} */
  let resultLine;
  try {
    // Downstream first, so nothing queues in front of a service that is not up yet.
    const rater = await startApp('rater', { ...env, RATER_STATS_INTERVAL_SECONDS: '0' });
    apps.push(rater);
    const dedup = await startApp('deduplicator', {
      ...env,
      DEDUP_STATS_INTERVAL_SECONDS: '0',
      DEDUP_WINDOW_HOURS: '1',
    });
    apps.push(dedup);
    const collector = await startApp('collector', {
      ...env,
      COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '100000000',
      COLLECTOR_NATS_INGEST: 'false',
    });
    apps.push(collector);
    log(
      `collector :${collector.port} (pid ${collector.child.pid}), deduplicator :${dedup.port} (pid ${dedup.child.pid}), ` +
        `rater :${rater.port} (pid ${rater.child.pid}; RATER_BATCH_SIZE=${process.env.RATER_BATCH_SIZE ?? 'default'}, ` +
        `RATER_FLUSH_MS=${process.env.RATER_FLUSH_MS ?? 'default'}, RATER_CONCURRENCY=${process.env.RATER_CONCURRENCY ?? 'default'})`,
    );
    log(
      `freshness probe reads with ${meterQuantity ? 'meterQuantity (dist/libs/usage)' : 'SQL (no meterQuantity in dist/libs/usage)'}`,
    );

    // Whatever the durables still hold (the demo's backlog) is worked off before the load.
    const drain = () => drainDurables(jsm, DURABLES, { timeoutMs: 600_000 });
    await drain();

    const base = `http://127.0.0.1:${collector.port}`;
    const runId = Date.now().toString(36);
    const cpu = cpuMeter({
      collector: collector.child.pid,
      deduplicator: dedup.child.pid,
      rater: rater.child.pid,
      clickhouse: pidFromFile('clickhouse'),
      'nats-server': pidOf('nats-server'),
      redis: pidOf('redis-server'),
    });
    /** Meter values of the bench tenant (without FINAL: cheap, for progress only). */
    const landedRaw = async () =>
      Number(
        (
          await chRows(
            'SELECT count() AS n FROM meter_values WHERE tenant_id = {t:String} AND meter_id = {m:String}',
            {
              t: tenantId,
              m: meterId,
            },
          )
        )[0]?.n ?? 0,
      );
    /** @param {string} prefix meter values of one load phase, and when the last one landed */
    const landedOf = async (prefix) => {
      const [r] = await chRows(
        `SELECT count() AS n, toUnixTimestamp64Milli(max(ingested_at)) AS last_ms
           FROM meter_values FINAL
          WHERE tenant_id = {t:String} AND meter_id = {m:String} AND startsWith(event_id, {p:String})`,
        { t: tenantId, m: meterId, p: `${prefix}-` },
      );
      return { rows: Number(r?.n ?? 0), lastMs: Number(r?.last_ms ?? 0) };
    };

    /**
     * Deliveries beyond the first per durable: a message held past ackWait (or nak'ed) is sent
     * again. Both durables are unfiltered, so consumer deliveries - stream positions = redeliveries.
     */
    const redelivered = async () =>
      Promise.all(
        DURABLES.map(async ([stream, durable]) => {
          const d = (await jsm.consumers.info(stream, durable)).delivered;
          return d.consumer_seq - d.stream_seq;
        }),
      );
    const redelivered0 = await redelivered();

    // Phase 1: throughput, to the end of the pipeline.
    log(`phase 1: ${CONCURRENCY} in flight for ${DURATION_S} s`);
    const cpu0 = cpu.now();
    const p1Start = Date.now();
    const p1 = await runMaxLoad(
      { url: base, key: apiKey, prefix: `b${runId}p1`, duration: DURATION_S, concurrency: CONCURRENCY },
      (s) => {
        void (async () => {
          const [n, d, r] = await Promise.all([
            landedRaw(),
            jsm.consumers.info('USAGE_RAW', 'deduplicator'),
            jsm.consumers.info('USAGE_UNIQUE', 'rater'),
          ]);
          log(
            `  t=${s.toFixed(0)}s meter values in ClickHouse ${n} (${Math.round(n / s)}/s); backlog: deduplicator ${d.num_pending}+${d.num_ack_pending} unacked, rater ${r.num_pending}+${r.num_ack_pending} unacked messages`,
          );
        })().catch(() => undefined);
      },
    );
    const p1LoadEnd = Date.now();
    const rawAtLoadEnd = await landedRaw();
    const drained1 = await drain();
    const cpu1 = cpu.now();
    const l1 = await landedOf(p1.prefix);
    const spanS = Math.max(0.001, (l1.lastMs - p1Start) / 1000);
    const eventsPerS = l1.rows / spanS;
    log(describeLoad(p1, 'phase 1'));
    log(
      `phase 1: ${l1.rows} meter values in ClickHouse over ${spanS.toFixed(1)} s (load ${p1.elapsedS.toFixed(1)} s; ${rawAtLoadEnd} had landed when it stopped, ` +
        `the last ${((l1.lastMs - p1LoadEnd) / 1000).toFixed(1)} s after; drain wait ${drained1.toFixed(1)} s) = ${Math.round(eventsPerS)} events/s`,
    );
    log(`phase 1 ack latency (max concurrency, informational): ${describeLatency(p1)}`);
    const wall1 = (Date.now() - p1Start) / 1000;
    log(
      `phase 1 CPU (% of one core over ${wall1.toFixed(0)} s incl. drain): ${cpu.shares(cpu0, cpu1, wall1, p1.cpuS)}`,
    );

    // Phase 2: ack latency at 70% of the phase-1 rate, and freshness.
    const pacedRate = Math.max(90, Math.round(eventsPerS * 0.7));
    log(
      `phase 2: paced at ${pacedRate} unique events/s (${(pacedRate / 90).toFixed(0)} batches/s) for ${PACED_S} s, probe every ${PROBE_EVERY_MS} ms`,
    );
    const probe = new FreshnessProbe({
      url: `${base}/v1/events`,
      apiKey,
      prefix: `b${runId}probe`,
      subject: `probe-${runId}`,
      visible: async (subject, from, to) => {
        if (meterQuantity) {
          const q = await meterQuantity(ch, {
            tenantId,
            meterId,
            aggregation: 'count',
            subjects: [subject],
            from: new Date(from),
            to: new Date(to),
          });
          return Number(q ?? 0);
        }
        const [r] = await chRows(
          `SELECT count() AS n FROM meter_values FINAL
            WHERE tenant_id = {t:String} AND meter_id = {m:String} AND subject IN {s:Array(String)}
              AND time >= {from:DateTime64(3)} AND time < {to:DateTime64(3)} AND is_deleted = 0`,
          { t: tenantId, m: meterId, s: [subject], from: chTime(from), to: chTime(to) },
        );
        return Number(r?.n ?? 0);
      },
    });
    const cpu2a = cpu.now();
    const p2Start = Date.now();
    const probing = probe.run(p2Start + PACED_S * 1000);
    const p2 = await runLoad(
      loadArgs({
        url: base,
        key: apiKey,
        prefix: `b${runId}p2`,
        mode: 'paced',
        duration: PACED_S,
        rate: pacedRate,
      }),
    );
    await probing;
    const cpu2b = cpu.now();
    const wall2 = (Date.now() - p2Start) / 1000;
    const drained2 = await drain();
    const fresh = probe.summary();
    log(`${describeLoad(p2, 'phase 2')} (drain wait ${drained2.toFixed(1)} s)`);
    log(`phase 2 ack latency: ${describeLatency(p2)}`);
    log(
      `phase 2 freshness (202 -> counted by the billing query, polled every ${POLL_EVERY_MS} ms): ${fresh.probes} probes, ` +
        `p50 ${fresh.p50.toFixed(0)} ms p90 ${fresh.p90.toFixed(0)} ms p99 ${fresh.p99.toFixed(0)} ms max ${fresh.max.toFixed(0)} ms` +
        `${fresh.timeouts ? `, ${fresh.timeouts} not visible after ${PROBE_GIVE_UP_MS} ms` : ''}${fresh.failed ? `, ${fresh.failed} probe sends failed` : ''}; ` +
        `probe ack p50 ${fresh.ackP50.toFixed(1)} ms, query p50 ${fresh.queryP50.toFixed(1)} ms p99 ${fresh.queryP99.toFixed(1)} ms`,
    );
    log(
      `phase 2 CPU (% of one core over ${wall2.toFixed(0)} s, probe included): ${cpu.shares(cpu2a, cpu2b, wall2, p2.cpuS)}`,
    );

    // Reconciliation: one streamed scan of the tenant's meter values, FINAL (as billing reads).
    const scanStart = Date.now();
    const tally = new IdTally();
    const rs = await ch.query({
      query:
        'SELECT event_id FROM meter_values FINAL WHERE tenant_id = {t:String} AND meter_id = {m:String} AND is_deleted = 0',
      query_params: { t: tenantId, m: meterId },
      format: 'TabSeparated',
    });
    let rows = 0;
    for await (const chunk of rs.stream()) {
      for (const row of /** @type {{ text: string }[]} */ (chunk)) {
        rows++;
        tally.add(row.text, 0);
      }
    }
    const probeAcked = probe.acked();
    /** @type {[string, { prefix: string, ranges: [number, number][] }][]} */
    const parts = [
      ['phase 1', p1],
      ['phase 2', p2],
      ['probe', { prefix: probe.prefix, ranges: probeAcked }],
    ];
    let lost = 0;
    let found = 0;
    let repeated = 0;
    for (const [name, report] of parts) {
      const r = tally.reconcile(report);
      lost += r.lost;
      found += r.found;
      repeated += r.duplicated;
      log(
        `${name} reconcile: ${r.found} acknowledged ids in meter_values FINAL, lost ${r.lost}${r.lost ? ` (e.g. n=${r.lostSample.join(',')})` : ''}, ` +
          `ids more than once ${r.duplicated}, rows beyond one per acknowledged id ${r.extra}`,
      );
    }
    // Rows FINAL keeps beyond one per acknowledged id: repeats, ids never acknowledged, strangers.
    const duplicated = rows - found;
    log(
      `reconcile: ${rows} rows for the tenant in meter_values FINAL (scan ${((Date.now() - scanStart) / 1000).toFixed(1)} s), ${found} acknowledged ids found, ` +
        `duplicated ${duplicated} (ids more than once ${repeated}, foreign ids ${tally.foreign})`,
    );

    const redelivered1 = await redelivered();
    log(
      `redeliveries during the run: ${DURABLES.map(([, d], i) => `${d} ${(redelivered1[i] ?? 0) - (redelivered0[i] ?? 0)}`).join(', ')} ` +
        `(a rater redelivery is re-inserted, and collapses by event key)`,
    );
    const failedRequests = p1.failedRequests + p2.failedRequests;
    if (failedRequests)
      log(
        `warning: ${failedRequests} requests were not answered 202 (their events count as not acknowledged)`,
      );
    const target =
      eventsPerS >= TARGET.eventsPerS && fresh.p99 <= TARGET.freshnessP99Ms && lost === 0 && duplicated === 0;
    log(
      `target (>= ${TARGET.eventsPerS} events/s into ClickHouse, freshness p99 <= ${TARGET.freshnessP99Ms} ms, lost 0, duplicated 0): ` +
        `${target ? 'met' : 'NOT met'}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    resultLine =
      `RESULT events_per_s=${Math.round(eventsPerS)} p99_ms=${p2.p99.toFixed(1)} freshness_p99_ms=${fresh.p99.toFixed(0)} ` +
      `lost=${lost} duplicated=${duplicated}`;
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  } finally {
    stopLoad();
    for (const a of apps.reverse()) await a.stop();
    await purgeSubjects(
      jsm,
      [
        ['USAGE_RAW', `usage.raw.v1.${tenantId}`],
        ['USAGE_UNIQUE', `usage.unique.v1.${tenantId}`],
        ['USAGE_REJECTED', `usage.rejected.v1.${tenantId}`],
      ],
      log,
    );
    await flushRedis(redisUrl).catch((err) =>
      log(`flushing redis db ${BENCH_REDIS_DB} failed: ${String(err)}`),
    );
    if (KEEP_ROWS) log(`--keep-rows: the tenant's rows stay in ClickHouse (tenant_id = '${tenantId}')`);
    else {
      // Mutations, run by ClickHouse in the background; the rollup loses the tenant's rows too.
      for (const table of ['events', 'meter_values', 'meter_values_hourly', 'rejected_events']) {
        try {
          await ch.command({
            query: `ALTER TABLE ${table} DELETE WHERE tenant_id = {t:String}`,
            query_params: { t: tenantId },
          });
        } catch (err) {
          log(
            `deleting the tenant's rows from ${table} failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      log(`the tenant's rows are being deleted from ClickHouse (ALTER TABLE ... DELETE, in the background)`);
    }
    await ch.close();
    await nc.close();
  }
  if (failure) throw failure;
  console.log(resultLine);
}

/**
 * One event at a time for its own subject: sent, acknowledged (202), then the billing query is
 * polled until the event counts. The next leaves PROBE_EVERY_MS after the previous one was sent,
 * or as soon as it became visible if that took longer, so the count identifies the event.
 */
class FreshnessProbe {
  /**
   * @param {{ url: string, apiKey: string, prefix: string, subject: string,
   *   visible: (subject: string, fromMs: number, toMs: number) => Promise<number> }} o
   */
  constructor(o) {
    this.o = o;
    this.prefix = o.prefix;
    /** @type {number[]} */
    this.freshness = [];
    /** @type {number[]} */
    this.acks = [];
    /** @type {number[]} */
    this.queries = [];
    /** @type {number[]} n of acknowledged probe events */
    this.ackedNs = [];
    this.timeouts = 0;
    this.failed = 0;
  }

  /** @param {number} until */
  async run(until) {
    // Every probe event has the same time (the start), so the one month queried always holds it.
    const at = Date.now();
    const d = new Date(at);
    const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const to = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const time = d.toISOString();
    let expected = await this.o.visible(this.o.subject, from, to);
    for (let n = 0; Date.now() < until; n++) {
      const sent = Date.now();
      const body = JSON.stringify([
        {
          id: `${this.prefix}-${n}`,
          source: 'bench',
          type: EVENT_TYPE,
          subject: this.o.subject,
          time,
          data: { probe: n },
        },
      ]);
      let ackedAt = 0;
      try {
        const res = await fetch(this.o.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.o.apiKey}`,
            'content-type': 'application/cloudevents-batch+json',
          },
          body,
        });
        const answer = /** @type {{ accepted?: number }} */ (await res.json());
        ackedAt = Date.now();
        if (res.status !== 202 || answer.accepted !== 1)
          throw new Error(`probe: ${res.status} ${JSON.stringify(answer)}`);
      } catch (err) {
        this.failed++;
        if (this.failed <= 3) log(`probe send failed: ${err instanceof Error ? err.message : String(err)}`);
        await sleep(PROBE_EVERY_MS);
        continue;
      }
      this.acks.push(ackedAt - sent);
      this.ackedNs.push(n);
      expected++;
      for (;;) {
        const q0 = Date.now();
        const count = await this.o.visible(this.o.subject, from, to);
        const q1 = Date.now();
        this.queries.push(q1 - q0);
        if (count >= expected) {
          this.freshness.push(q1 - ackedAt);
          break;
        }
        if (q1 - ackedAt > PROBE_GIVE_UP_MS) {
          this.timeouts++;
          this.freshness.push(PROBE_GIVE_UP_MS);
          expected = count; // re-synchronise: a late event must not be taken for the next one
          break;
        }
        await sleep(Math.max(0, POLL_EVERY_MS - (q1 - q0)));
      }
      await sleep(Math.max(0, sent + PROBE_EVERY_MS - Date.now()));
    }
  }

  /** @returns {[number, number][]} acknowledged probe ids as [start, count] ranges */
  acked() {
    return this.ackedNs.map((n) => /** @type {[number, number]} */ ([n, 1]));
  }

  summary() {
    const f = this.freshness.slice().sort((a, b) => a - b);
    const a = this.acks.slice().sort((x, y) => x - y);
    const q = this.queries.slice().sort((x, y) => x - y);
    return {
      probes: f.length,
      p50: quantile(f, 0.5),
      p90: quantile(f, 0.9),
      p99: quantile(f, 0.99),
      max: f.length ? /** @type {number} */ (f[f.length - 1]) : 0,
      timeouts: this.timeouts,
      failed: this.failed,
      ackP50: quantile(a, 0.5),
      queryP50: quantile(q, 0.5),
      queryP99: quantile(q, 0.99),
    };
  }
}

main().catch((err) => {
  console.error(`[bench] failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
