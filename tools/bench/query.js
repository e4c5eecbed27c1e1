// @ts-check
// Billing-query benchmark (issue 6): `npm run bench:query [-- --rows 10000000 --customers 1000 --runs 200]`.
// Seeds a throwaway ClickHouse database (`mu_bench_query_<ms>`, its `meter_values` created AS the
// migrated `mu.meter_values`, so the same engine, sorting key and partitioning) with --rows meter
// values of one tenant and one `sum` meter: subject `cus_<number % customers>`, times spread over
// the three whole calendar months before the current one, event_id = number. Then times --runs
// billing queries (one random customer, one whole month) through `meterQuantity` of
// dist/libs/usage, as current charges and the invoicer ask, or the equivalent SQL when that
// module does not export it. Drops the database afterwards. The last line printed is
//   RESULT rows=<seeded> p50_ms=<n> p99_ms=<n>
'use strict';
const path = require('node:path');
const { createClient, ClickHouseLogLevel } = require('@clickhouse/client');
const { ROOT, arg, flag, makeLog, quantile, stackUp, pidFromFile, cpuMeter } = require('./common');

const ROWS = Number(arg('rows', '10000000'));
const CUSTOMERS = Number(arg('customers', '1000'));
const RUNS = Number(arg('runs', '200'));
const WARMUP = 10;
const INSERT_CHUNK = 2_000_000;
const OPTIMIZE = flag('optimize');
const TARGET_P99_MS = 100;
const TENANT = 'ten_bench_query';
const METER = 'mtr_bench_query';

const log = makeLog('bench:query');

/** @param {number} ms @returns {string} ClickHouse DateTime64(3) text in UTC */
const chTime = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

async function main() {
  const t0 = Date.now();
  const stackEnv = stackUp({
    migrate: 'all',
    need: ['dist/libs/platform/src/index.js', 'dist/libs/usage/src/index.js'],
  });
  const { createClickHouse } = require(path.join(ROOT, 'dist', 'libs', 'platform', 'src', 'index.js'));
  const usage = require(path.join(ROOT, 'dist', 'libs', 'usage', 'src', 'index.js'));
  /** @type {((ch: unknown, q: object) => Promise<string | null>) | undefined} */
  const meterQuantity = typeof usage.meterQuantity === 'function' ? usage.meterQuantity : undefined;

  const url = stackEnv.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
  const source = process.env.CLICKHOUSE_DATABASE ?? 'mu';
  const db = `mu_bench_query_${Date.now()}`;
  // Seeding runs long statements: a client of its own with a generous timeout.
  const admin = createClient({
    url,
    username: process.env.CLICKHOUSE_USER ?? 'default',
    password: process.env.CLICKHOUSE_PASSWORD ?? '',
    request_timeout: 1_800_000,
    log: { level: ClickHouseLogLevel.OFF },
  });
  // Queries: the client the services use (createClickHouse), on the bench database.
  const ch = createClickHouse(
    {
      CLICKHOUSE_URL: url,
      CLICKHOUSE_DATABASE: db,
      CLICKHOUSE_USER: process.env.CLICKHOUSE_USER ?? 'default',
      CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD,
    },
    'bench-query',
  );
  const cpu = cpuMeter({ clickhouse: pidFromFile('clickhouse') });

  const now = new Date();
  /** @param {number} back months before the current one @returns {[number, number]} [start, end) of that month */
  const month = (back) => [
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1),
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back + 1, 1),
  ];
  const spanFrom = month(3)[0];
  const spanTo = month(1)[1];

  const dropDb = () => admin.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  let interrupted = false;
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => {
      interrupted = true;
      log(`interrupted: dropping ${db}`);
      dropDb().finally(() => process.exit(130));
    });
  }

  /** @type {Error | undefined} */
  let failure;
  /** @type {string | undefined} */
  let resultLine;
  try {
    await admin.command({ query: `CREATE DATABASE ${db}` });
    await admin.command({ query: `CREATE TABLE ${db}.meter_values AS ${source}.meter_values` });

    const seedStart = Date.now();
    const c0 = cpu.now();
    for (let offset = 0; offset < ROWS && !interrupted; offset += INSERT_CHUNK) {
      const n = Math.min(INSERT_CHUNK, ROWS - offset);
      await admin.command({
        query: `
INSERT INTO ${db}.meter_values (tenant_id, meter_id, subject, time, source, event_id, value)
SELECT {t:String}, {m:String}, concat('cus_', toString(number % {customers:UInt64})),
       fromUnixTimestamp64Milli(toInt64({from:Int64} + cityHash64(number) % {span:UInt64}), 'UTC'),
       'bench', toString(number), toDecimal128(number % 100, 12) / 10
FROM numbers({offset:UInt64}, {n:UInt64})`,
        query_params: {
          t: TENANT,
          m: METER,
          customers: CUSTOMERS,
          from: spanFrom,
          span: spanTo - spanFrom,
          offset,
          n,
        },
      });
      log(`  seeded ${offset + n} rows (${((Date.now() - seedStart) / 1000).toFixed(1)} s)`);
    }
    const seedS = (Date.now() - seedStart) / 1000;
    if (OPTIMIZE) {
      const o0 = Date.now();
      await admin.command({ query: `OPTIMIZE TABLE ${db}.meter_values FINAL` });
      log(`OPTIMIZE TABLE ... FINAL: ${((Date.now() - o0) / 1000).toFixed(1)} s`);
    }
    const c1 = cpu.now();
    const count = async () =>
      /** @type {{ rows: string, parts: string }[]} */ (
        await (
          await admin.query({
            query: `SELECT (SELECT count() FROM ${db}.meter_values) AS rows,
                           (SELECT count() FROM system.parts WHERE database = {db:String} AND table = 'meter_values' AND active) AS parts`,
            query_params: { db },
            format: 'JSONEachRow',
          })
        ).json()
      )[0];
    const seeded = await count();
    const rows = Number(seeded?.rows ?? 0);
    log(
      `seeded ${rows} rows into ${db}.meter_values in ${seedS.toFixed(1)} s (${Math.round(rows / seedS)} rows/s; ` +
        `${CUSTOMERS} customers, ${chTime(spanFrom).slice(0, 10)} to ${chTime(spanTo).slice(0, 10)}, ~${Math.round(rows / CUSTOMERS / 3)} rows per customer-month); ` +
        `${seeded?.parts} active parts${OPTIMIZE ? ' after OPTIMIZE FINAL' : ' (as inserted; background merges go on during the runs)'}; ` +
        `CPU ${cpu.shares(c0, c1, seedS)}`,
    );

    /** One customer's quantity for one month. @param {string} subject @param {[number, number]} m */
    const billingQuery = async (subject, m) => {
      if (meterQuantity)
        return meterQuantity(ch, {
          tenantId: TENANT,
          meterId: METER,
          aggregation: 'sum',
          subjects: [subject],
          from: new Date(m[0]),
          to: new Date(m[1]),
        });
      const rs = await ch.query({
        query: `SELECT toString(sum(value)) AS v FROM meter_values FINAL
                 WHERE tenant_id = {t:String} AND meter_id = {m:String} AND subject IN {s:Array(String)}
                   AND time >= {from:DateTime64(3)} AND time < {to:DateTime64(3)}`,
        query_params: { t: TENANT, m: METER, s: [subject], from: chTime(m[0]), to: chTime(m[1]) },
        format: 'JSONEachRow',
      });
      return /** @type {{ v: string }[]} */ (await rs.json())[0]?.v ?? null;
    };
    log(
      `billing query: ${meterQuantity ? "meterQuantity (dist/libs/usage), aggregation 'sum'" : 'SQL sum(value) ... FINAL (no meterQuantity in dist/libs/usage)'}; ` +
        `${WARMUP} warm-up runs, then ${RUNS} timed, one at a time`,
    );

    // Check one answer against a plain aggregate, so the bench times a query that is right.
    const check = /** @type {[number, number]} */ (month(2));
    const expected = /** @type {{ v: string }[]} */ (
      await (
        await admin.query({
          query: `SELECT toString(sum(value)) AS v FROM ${db}.meter_values
                   WHERE subject = 'cus_7' AND time >= {from:DateTime64(3)} AND time < {to:DateTime64(3)}`,
          query_params: { from: chTime(check[0]), to: chTime(check[1]) },
          format: 'JSONEachRow',
        })
      ).json()
    )[0]?.v;
    const got = await billingQuery('cus_7', check);
    if (Number(got) !== Number(expected))
      throw new Error(`billing query answered ${got}, expected ${expected}`);

    const rand = (/** @type {number} */ k) => Math.floor(Math.random() * k);
    for (let i = 0; i < WARMUP; i++) await billingQuery(`cus_${rand(CUSTOMERS)}`, month(1 + rand(3)));
    /** @type {number[]} */
    const times = [];
    const c2 = cpu.now();
    const runStart = Date.now();
    for (let i = 0; i < RUNS && !interrupted; i++) {
      const subject = `cus_${rand(CUSTOMERS)}`;
      const m = month(1 + rand(3));
      const q0 = process.hrtime.bigint();
      await billingQuery(subject, m);
      times.push(Number(process.hrtime.bigint() - q0) / 1e6);
    }
    const runS = (Date.now() - runStart) / 1000;
    const c3 = cpu.now();
    const sorted = times.slice().sort((a, b) => a - b);
    const p50 = quantile(sorted, 0.5);
    const p99 = quantile(sorted, 0.99);
    const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
    const after = await count();
    log(
      `${times.length} runs in ${runS.toFixed(1)} s: p50 ${p50.toFixed(1)} ms p90 ${quantile(sorted, 0.9).toFixed(1)} ms ` +
        `p99 ${p99.toFixed(1)} ms max ${(sorted[sorted.length - 1] ?? 0).toFixed(1)} ms mean ${mean.toFixed(1)} ms; ` +
        `${after?.parts} active parts at the end; CPU ${cpu.shares(c2, c3, runS)}`,
    );
    log(
      `target (p99 <= ${TARGET_P99_MS} ms over ${rows} rows): ${p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    resultLine = `RESULT rows=${rows} p50_ms=${p50.toFixed(1)} p99_ms=${p99.toFixed(1)}`;
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  } finally {
    await dropDb().then(
      () => log(`dropped ${db}`),
      (err) => log(`dropping ${db} failed: ${err instanceof Error ? err.message : String(err)}`),
    );
    await ch.close();
    await admin.close();
  }
  if (failure) throw failure;
  console.log(resultLine);
}

main().catch((err) => {
  console.error(`[bench:query] failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
