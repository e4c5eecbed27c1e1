// @ts-check
// Period-close benchmark: `npm run bench:invoice [-- --customers 1000 --events-per-customer 10000
// --concurrency 4 --tax --optimize --keep --reuse <database>]`.
//
// 1. A throwaway Postgres database and ClickHouse database (`mu_bench_invoice_<ms>`), migrated.
// 2. One tenant (grace period 0, so a closed period is finalized in the same pass, and one webhook
//    endpoint, so every invoice event is enqueued with a delivery), two meters on `api.call`
//    events (`count`, and `sum` of `$.tokens`), two published monthly plans (tokens priced
//    `graduated` with a fixed fee in arrears, or `volume` with a fixed fee in advance; calls in
//    packages), --customers customers in UTC (every tenth with two subject keys), each subscribed
//    from the first day of the previous calendar month.
// 3. --events-per-customer events per customer over that month, written straight into ClickHouse
//    (`events` and `meter_values`) the way the rater writes them: rows built by the rater's
//    `appendEventRows` and inserted by `UsageWriter`, --batch events per insert; each insert also
//    re-sends 1,000 events of the one before (redeliveries: they must count once).
// 4. The close: `PeriodCloser.tick(now)` from dist/ (the invoicer's pass, in libs/billing), with
//    --concurrency periods at once (a list, e.g. `1,4,8`, closes the same month again for each
//    value, in a Postgres database re-created and re-seeded in between; ClickHouse keeps its rows).
//    Without --tax there is no tax service (invoices say so); with --tax the tax service runs
//    from dist/ and the seller is German, its customers German (19%) or American (no German VAT).
// 5. Every invoice is checked against an independent computation: one ClickHouse query over the
//    raw events (`events FINAL`, tokens read from the JSON) per subject, priced with libs/pricing
//    `rate()` plus the plan's fixed fees (and, with --tax, the expected VAT), compared line by line
//    and in total. The events' own totals are also checked against what the generator sent.
// The databases are dropped at the end, unless --keep; `--reuse <database>` closes the month of
// such a kept pair again without seeding it again (Postgres is made anew; implies --keep).
// The last line printed is
//   RESULT invoices=<finalized invoices> seconds=<wall time of the close> mismatches=<invoices that differ>
'use strict';
const { performance } = require('node:perf_hooks');
const { Pool } = require('pg');
const { createClient, ClickHouseLogLevel } = require('@clickhouse/client');
const {
  arg,
  flag,
  makeLog,
  chTime,
  fromDist,
  quantile,
  stackUp,
  pidFromFile,
  pidsOf,
  cpuMeter,
  stopDemoService,
  startApp,
  benchDatabases,
} = require('./common');
const { mulberry32 } = require('../demo/lib');

const CUSTOMERS = positive('customers', '1000');
const EVENTS_PER_CUSTOMER = positive('events-per-customer', '10000');
const BATCH_EVENTS = positive('batch', '100000');
const CONCURRENCIES = arg('concurrency', '4')
  .split(',')
  .map((c) => {
    const n = Number(c);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--concurrency: ${c} is not 1..64`);
    return n;
  });
const TAX = flag('tax');
const REUSE = arg('reuse', '') || undefined;
const KEEP = flag('keep') || REUSE !== undefined;
const OPTIMIZE = flag('optimize');
const DUPLICATES_PER_BATCH = 1_000;
const TARGET_SECONDS = 60;
const SOURCE = 'bench';
const EVENT_TYPE = 'api.call';

const log = makeLog('bench:invoice');

/** @param {string} name @param {string} fallback */
function positive(name, fallback) {
  const n = Number(arg(name, fallback));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

// The compiled code under test and the code the bench builds on.
const platform = fromDist('libs/platform/src/index.js');
const usage = fromDist('libs/usage/src/index.js');
const metering = fromDist('libs/metering/src/index.js');
const pricing = fromDist('libs/pricing/src/index.js');
const billing = fromDist('libs/billing/src/index.js');
// The invoicer's pass: in libs/billing (@mu/billing) now, in apps/invoicer before.
const { PeriodCloser } = billing.PeriodCloser
  ? billing
  : fromDist('apps/invoicer/src/close/period-closer.js');
const { Dec } = pricing;

const PRICES = {
  calls: {
    currency: 'EUR',
    model: 'package',
    packageSize: '1000',
    packageAmount: '0.35',
    freeQuantity: '500',
  },
  tokensGraduated: {
    currency: 'EUR',
    model: 'graduated',
    tiers: [
      { upTo: '1000000', unitAmount: '0.00002' },
      { upTo: '10000000', unitAmount: '0.000015' },
      { upTo: null, unitAmount: '0.00001' },
    ],
  },
  tokensVolume: {
    currency: 'EUR',
    model: 'volume',
    tiers: [
      { upTo: '2000000', unitAmount: '0.000021' },
      { upTo: '10000000', unitAmount: '0.0000163', flatAmount: '5' },
      { upTo: null, unitAmount: '0.0000125', flatAmount: '10' },
    ],
    minimumAmount: '10.00',
  },
};

/**
 * @typedef {{ index: number, id: string, externalKey: string, subjects: string[], plan: 'graduated' | 'volume',
 *   country: string, region: string | null, subscriptionId: string, phaseId: string,
 *   seededCalls: number, seededTokens: number }} BenchCustomer
 */

async function main() {
  const t0 = Date.now();
  const stackEnv = stackUp({
    need: [
      'dist/libs/billing/src/index.js',
      'dist/libs/usage/src/index.js',
      ...(TAX ? ['dist/apps/tax/src/main.js'] : []),
    ],
  });
  const chUrl = stackEnv.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
  const dbs = await benchDatabases('mu_bench_invoice', stackEnv, REUSE);
  log(
    REUSE
      ? `reusing the ClickHouse database ${dbs.name} (its seeded usage); Postgres made anew, migrated`
      : `Postgres and ClickHouse databases ${dbs.name}, migrated`,
  );

  /** @type {import('./common').AppHandle | undefined} */
  let taxApp;
  /** @type {import('nats').NatsConnection | undefined} */
  let nc;
  // Long statements (seeding, the oracle's scan, OPTIMIZE): a client of its own, generous timeout.
  const admin = createClient({
    url: chUrl,
    database: dbs.clickhouseDatabase,
    username: process.env.CLICKHOUSE_USER ?? 'default',
    password: process.env.CLICKHOUSE_PASSWORD ?? '',
    request_timeout: 1_800_000,
    clickhouse_settings: { output_format_json_quote_decimals: 1, output_format_json_quote_64bit_integers: 1 },
    log: { level: ClickHouseLogLevel.OFF },
  });
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    await taxApp?.stop();
    await nc?.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
    if (KEEP) {
      log(
        `databases ${dbs.name} (Postgres and ClickHouse) are left in place: \`--reuse ${dbs.name}\` closes their month again; ` +
          `drop them with DROP DATABASE ${dbs.name} (both)`,
      );
      return;
    }
    await dbs.drop().then(
      () => log(`dropped ${dbs.name} (Postgres and ClickHouse)`),
      (err) => log(`dropping ${dbs.name} failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => {
      log('interrupted: cleaning up');
      void cleanUp().finally(() => process.exit(130));
    });
  }

  /** @type {Error | undefined} */
  let failure;
  /** @type {string | undefined} */
  let resultLine;
  try {
    // ---- what is billed: new, or what a kept database was seeded with (bench_meta) -------------
    /** @type {BenchMeta | undefined} */
    const meta = REUSE ? await readMeta(admin) : undefined;
    if (REUSE && !meta)
      throw new Error(`${REUSE} has no bench_meta table: not kept by \`bench:invoice --keep\``);
    const now0 = new Date();
    const monthStart = meta?.monthStart ?? Date.UTC(now0.getUTCFullYear(), now0.getUTCMonth() - 1, 1);
    const monthEnd = meta?.monthEnd ?? Date.UTC(now0.getUTCFullYear(), now0.getUTCMonth(), 1);
    const customerCount = meta?.customers.length ?? CUSTOMERS;
    const eventsPerCustomer = meta?.eventsPerCustomer ?? EVENTS_PER_CUSTOMER;
    log(
      `${customerCount} customers x ${eventsPerCustomer} events = ${customerCount * eventsPerCustomer} events in ` +
        `${chTime(monthStart).slice(0, 7)}; close with concurrency ${CONCURRENCIES.join(', ')}; ` +
        `tax ${TAX ? 'on (tax service from dist/)' : 'off'}; node ${process.version}, ${require('node:os').cpus().length} CPUs`,
    );
    /** @type {Record<string, string>} */
    const ids = meta?.ids ?? {
      tenant: platform.newId('ten'),
      meterCalls: platform.newId('mtr'),
      meterTokens: platform.newId('mtr'),
      planGraduated: platform.newId('pln'),
      planVolume: platform.newId('pln'),
      versionGraduated: platform.newId('plv'),
      versionVolume: platform.newId('plv'),
    };
    /** @type {BenchCustomer[]} */
    const customers = [];
    for (let i = 0; i < customerCount; i++) {
      const key = `acct-${String(i).padStart(6, '0')}`;
      const us = TAX && i % 4 === 3;
      const seeded = meta?.customers[i];
      customers.push({
        index: i,
        id: platform.newId('cus'),
        externalKey: `bench-${String(i).padStart(6, '0')}`,
        subjects: i % 10 === 9 ? [`${key}-a`, `${key}-b`] : [key],
        plan: i % 2 === 0 ? 'graduated' : 'volume',
        country: us ? 'US' : 'DE',
        region: us ? 'NY' : null,
        subscriptionId: platform.newId('sub'),
        phaseId: platform.newId('sph'),
        seededCalls: seeded?.[0] ?? 0,
        seededTokens: seeded?.[1] ?? 0,
      });
    }
    const seedPostgres = () => seedCatalog(dbs.databaseUrl, ids, customers, monthStart);
    const s0 = Date.now();
    await seedPostgres();
    log(
      `catalog in Postgres: tenant ${ids.tenant}, meters api_calls (count) and tokens (sum of $.tokens), ` +
        `plans graduated/volume, ${customerCount} customers and subscriptions from ${new Date(monthStart).toISOString()} ` +
        `(${((Date.now() - s0) / 1000).toFixed(1)} s)`,
    );

    // ---- the usage, in ClickHouse --------------------------------------------------------------
    let seedS = NaN;
    if (meta)
      log(
        `usage: as seeded by an earlier run (${customerCount * eventsPerCustomer} events; not timed again)`,
      );
    else {
      seedS = await seedUsage(dbs.clickhouseDatabase, chUrl, ids, customers, monthStart, monthEnd, admin);
      await writeMeta(admin, {
        ids,
        monthStart,
        monthEnd,
        eventsPerCustomer,
        customers: customers.map((c) => [c.seededCalls, c.seededTokens]),
      });
    }
    if (OPTIMIZE) {
      const o0 = Date.now();
      await admin.command({ query: 'OPTIMIZE TABLE meter_values FINAL' });
      await admin.command({ query: 'OPTIMIZE TABLE events FINAL' });
      log(`OPTIMIZE TABLE meter_values, events FINAL: ${((Date.now() - o0) / 1000).toFixed(1)} s`);
    }

    // ---- the independent computation (once: the same rows are closed in every run) -------------
    const expected = await expectedInvoices(admin, ids, customers, monthStart, monthEnd);

    // ---- the tax service (started per run: a re-created database drops its connections) -------
    if (TAX) {
      // The demo's tax service answers the same queue group (`tax`) from another database.
      await stopDemoService('tax', log);
      nc = await platform.connectNats(
        { NATS_URL: stackEnv.NATS_URL ?? 'nats://127.0.0.1:4222' },
        'bench-invoice',
      );
    }
    const conn = nc;
    /** @type {((req: unknown) => Promise<unknown>) | undefined} */
    const quoteTax = conn && ((req) => platform.requestTaxQuote(conn, req));
    const startTax = async () => {
      if (!TAX) return;
      taxApp = await startApp('tax', { ...dbs.env, LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true' });
      log(`tax service :${taxApp.port} (pid ${taxApp.child.pid}) on ${dbs.name}`);
    };
    const stopTax = async () => {
      await taxApp?.stop();
      taxApp = undefined;
    };

    // ---- the close, once per concurrency -------------------------------------------------------
    /** @type {{ concurrency: number, seconds: number, invoices: number, mismatches: number }[]} */
    const runs = [];
    for (const [k, concurrency] of CONCURRENCIES.entries()) {
      if (k > 0) {
        await stopTax();
        const r0 = Date.now();
        await dbs.resetPostgres();
        await seedPostgres();
        log(
          `Postgres re-created and re-seeded for the next run (${((Date.now() - r0) / 1000).toFixed(1)} s)`,
        );
      }
      await startTax();
      const run = await closeOnce({
        concurrency,
        dbs,
        chUrl,
        tenantId: /** @type {string} */ (ids.tenant),
        customers,
        expected,
        quoteTax,
        taxPid: taxApp?.child.pid,
      });
      runs.push({ concurrency, ...run });
    }

    for (const r of runs) {
      log(
        `concurrency ${r.concurrency}: ${r.invoices} invoices finalized in ${r.seconds.toFixed(1)} s ` +
          `(${(r.invoices / r.seconds).toFixed(1)}/s), ${r.mismatches} mismatches`,
      );
    }
    const last = /** @type {(typeof runs)[number]} */ (runs[runs.length - 1]);
    const met = last.invoices === customerCount && last.seconds <= TARGET_SECONDS && last.mismatches === 0;
    log(
      `target (${customerCount} invoices, close <= ${TARGET_SECONDS} s, 0 mismatches): ${met ? 'met' : 'NOT met'}; ` +
        `seeding ${Number.isNaN(seedS) ? 'reused' : `${seedS.toFixed(0)} s`}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    resultLine = `RESULT invoices=${last.invoices} seconds=${last.seconds.toFixed(1)} mismatches=${last.mismatches}`;
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  } finally {
    await cleanUp();
  }
  if (failure) throw failure;
  console.log(resultLine);
}

/**
 * @typedef {{ ids: Record<string, string>, monthStart: number, monthEnd: number, eventsPerCustomer: number,
 *   customers: [number, number][] }} BenchMeta what a seeded ClickHouse database holds: ids, the month,
 *   and per customer the calls and tokens the generator sent
 */

/** @param {import('@clickhouse/client').ClickHouseClient} admin @param {BenchMeta} meta */
async function writeMeta(admin, meta) {
  await admin.command({
    query: 'CREATE TABLE IF NOT EXISTS bench_meta (json String) ENGINE = MergeTree ORDER BY tuple()',
  });
  await admin.insert({
    table: 'bench_meta',
    values: [{ json: JSON.stringify(meta) }],
    format: 'JSONEachRow',
  });
}

/** @param {import('@clickhouse/client').ClickHouseClient} admin @returns {Promise<BenchMeta | undefined>} */
async function readMeta(admin) {
  try {
    const rows = /** @type {{ json: string }[]} */ (
      await (
        await admin.query({ query: 'SELECT json FROM bench_meta LIMIT 1', format: 'JSONEachRow' })
      ).json()
    );
    return rows[0] ? JSON.parse(rows[0].json) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tenant, its billing settings, meters, plans and customers with their subscriptions, in bulk.
 * @param {string} url
 * @param {Record<string, string>} ids
 * @param {BenchCustomer[]} customers
 * @param {number} monthStart
 */
async function seedCatalog(url, ids, customers, monthStart) {
  const pool = new Pool({ connectionString: url, max: 1 });
  const q = (/** @type {string} */ sql, /** @type {unknown[]} */ params = []) => pool.query(sql, params);
  try {
    await q('BEGIN');
    await q(`INSERT INTO tenants (id, name) VALUES ($1, 'Bench Invoicing GmbH')`, [ids.tenant]);
    await q(
      `INSERT INTO tenant_billing_settings (tenant_id, seller, grace_period_hours) VALUES ($1, $2, 0)`,
      [
        ids.tenant,
        JSON.stringify({
          name: 'Bench Invoicing GmbH',
          address: { line1: 'Musterstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
          email: 'billing@bench.invalid',
        }),
      ],
    );
    // One endpoint for every event type: each invoice event is enqueued with a delivery (nothing
    // dispatches them here).
    await q(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, secret) VALUES ($1, $2, 'https://hooks.bench.invalid/mu', 'whsec_bench')`,
      [platform.newId('whe'), ids.tenant],
    );
    await q(
      `INSERT INTO meters (id, tenant_id, key, name, event_type, aggregation, value_path, unit) VALUES
         ($1, $3, 'api_calls', 'API calls', $4, 'count', NULL, 'call'),
         ($2, $3, 'tokens', 'Tokens', $4, 'sum', '$.tokens', 'token')`,
      [ids.meterCalls, ids.meterTokens, ids.tenant, EVENT_TYPE],
    );
    for (const plan of /** @type {const} */ (['graduated', 'volume'])) {
      const planId = plan === 'graduated' ? ids.planGraduated : ids.planVolume;
      const versionId = plan === 'graduated' ? ids.versionGraduated : ids.versionVolume;
      await q(`INSERT INTO plans (id, tenant_id, key, name) VALUES ($1, $2, $3, $4)`, [
        planId,
        ids.tenant,
        `bench-${plan}`,
        `Bench ${plan}`,
      ]);
      await q(
        `INSERT INTO plan_versions (id, tenant_id, plan_id, version, status, currency, billing_cadence, usage_charges, fixed_fees, published_at)
         VALUES ($1, $2, $3, 1, 'published', 'EUR', 'P1M', $4, $5, now())`,
        [
          versionId,
          ids.tenant,
          planId,
          JSON.stringify([
            {
              key: 'calls',
              name: 'API calls',
              meterId: ids.meterCalls,
              meterKey: 'api_calls',
              price: PRICES.calls,
            },
            {
              key: 'tokens',
              name: 'Tokens',
              meterId: ids.meterTokens,
              meterKey: 'tokens',
              price: plan === 'graduated' ? PRICES.tokensGraduated : PRICES.tokensVolume,
            },
          ]),
          JSON.stringify([
            plan === 'graduated'
              ? { key: 'platform', name: 'Platform fee', amount: '29.00', timing: 'in_arrears' }
              : { key: 'platform', name: 'Platform fee', amount: '49.00', timing: 'in_advance' },
          ]),
        ],
      );
    }
    const start = new Date(monthStart);
    await q(
      `INSERT INTO customers (id, tenant_id, external_key, name, currency, time_zone, country, billing_address)
       SELECT id, $1, ext, name, 'EUR', 'UTC', country, addr::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, ext, name, country, addr)`,
      [
        ids.tenant,
        customers.map((c) => c.id),
        customers.map((c) => c.externalKey),
        customers.map((c) => `Bench customer ${c.index}`),
        customers.map((c) => c.country),
        customers.map((c) =>
          JSON.stringify(
            c.country === 'US'
              ? { line1: '1 Main St', city: 'New York', region: 'NY', postalCode: '10001', country: 'US' }
              : { line1: 'Hauptstraße 2', city: 'Hamburg', postalCode: '20095', country: 'DE' },
          ),
        ),
      ],
    );
    await q(
      `INSERT INTO customer_subjects (tenant_id, subject_key, customer_id)
       SELECT $1, s, c FROM unnest($2::text[], $3::text[]) AS t(s, c)`,
      [
        ids.tenant,
        customers.flatMap((c) => c.subjects),
        customers.flatMap((c) => c.subjects.map(() => c.id)),
      ],
    );
    await q(
      `INSERT INTO subscriptions (id, tenant_id, customer_id, status, billing_alignment, start_at)
       SELECT id, $1, c, 'active', 'calendar', $2 FROM unnest($3::text[], $4::text[]) AS t(id, c)`,
      [ids.tenant, start, customers.map((c) => c.subscriptionId), customers.map((c) => c.id)],
    );
    await q(
      `INSERT INTO subscription_phases (id, tenant_id, subscription_id, plan_version_id, start_at, reason)
       SELECT id, $1, s, v, $2, 'created' FROM unnest($3::text[], $4::text[], $5::text[]) AS t(id, s, v)`,
      [
        ids.tenant,
        start,
        customers.map((c) => c.phaseId),
        customers.map((c) => c.subscriptionId),
        customers.map((c) => (c.plan === 'graduated' ? ids.versionGraduated : ids.versionVolume)),
      ],
    );
    await q('COMMIT');
  } catch (err) {
    await q('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await pool.end();
  }
}

/**
 * The month's events, written as the rater writes them: `appendEventRows` (the rater's metering of
 * one event into its `events` row and one `meter_values` row per matching meter) and `UsageWriter`,
 * BATCH_EVENTS events per insert. Building the next batch overlaps the insert of the previous one.
 * Returns the seconds it took.
 * @param {string} database
 * @param {string} chUrl
 * @param {Record<string, string>} ids
 * @param {BenchCustomer[]} customers
 * @param {number} monthStart
 * @param {number} monthEnd
 * @param {import('@clickhouse/client').ClickHouseClient} admin
 */
async function seedUsage(database, chUrl, ids, customers, monthStart, monthEnd, admin) {
  const ch = platform.createClickHouse(
    {
      CLICKHOUSE_URL: chUrl,
      CLICKHOUSE_DATABASE: database,
      CLICKHOUSE_USER: process.env.CLICKHOUSE_USER ?? 'default',
      CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD,
    },
    'bench-invoice-seed',
  );
  const writer = new usage.UsageWriter(ch);
  const tenantMeters = {
    meters: [
      metering.compileMeter({
        id: ids.meterCalls,
        key: 'api_calls',
        eventType: EVENT_TYPE,
        aggregation: 'count',
        valuePath: null,
        filters: [],
        groupBy: {},
      }),
      metering.compileMeter({
        id: ids.meterTokens,
        key: 'tokens',
        eventType: EVENT_TYPE,
        aggregation: 'sum',
        valuePath: '$.tokens',
        filters: [],
        groupBy: {},
      }),
    ],
    retentionDays: 3650,
    loadedAt: Date.now(),
  };
  const span = monthEnd - monthStart;
  const models = ['small', 'medium', 'large'];
  const total = customers.length * EVENTS_PER_CUSTOMER;
  const start = Date.now();
  let sent = 0;
  let resent = 0;
  let rawSequence = 0;
  let batchNo = 0;
  let lastReport = start;
  /** @type {import('@mu/contracts').UsageEventV1[]} the tail of the previous batch, sent again */
  let tail = [];
  /** @type {Promise<void>} */
  let inflight = Promise.resolve();
  const newRows = () =>
    /** @type {{ events: object[], meterValues: object[], rejected: object[] }} */ ({
      events: [],
      meterValues: [],
      rejected: [],
    });
  let rows = newRows();
  /** @type {import('@mu/contracts').UsageEventV1[]} */
  let batchEvents = [];
  const receivedAt = chTime(Date.now());
  const append = (/** @type {import('@mu/contracts').UsageEventV1} */ e) =>
    usage.appendEventRows(rows, e, {
      tenantId: ids.tenant,
      tenant: tenantMeters,
      receivedAt,
      rawSequence: rawSequence++,
    });
  const flush = async () => {
    if (batchEvents.length === 0) return;
    for (const e of tail) append(e);
    resent += tail.length;
    tail = batchEvents.slice(-DUPLICATES_PER_BATCH);
    const full = rows;
    const token = `${database}:${batchNo++}`;
    rows = newRows();
    batchEvents = [];
    await inflight;
    inflight = writer.write(full, token);
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      const s = (Date.now() - start) / 1000;
      log(`  seeded ${sent} of ${total} events (${Math.round(sent / s)} events/s)`);
    }
  };
  try {
    for (const c of customers) {
      // The same customers get the same events every run.
      const rand = mulberry32((c.index + 1) * 2654435761);
      // Tokens per event: uniform in [0, 2 x mean], the mean log-uniform from 20 to 2,000 per
      // customer, so monthly totals spread from ~200 k to ~20 M (every tier of both plans).
      const mean = 20 * Math.pow(100, rand());
      for (let n = 0; n < EVENTS_PER_CUSTOMER; n++) {
        // The period's first and last instants are included: bounds are [start, end).
        const time = n === 0 ? monthStart : n === 1 ? monthEnd - 1 : monthStart + Math.floor(rand() * span);
        const tokens = Math.floor(rand() * 2 * mean);
        const e = {
          id: `${c.externalKey}-${n}`,
          source: SOURCE,
          type: EVENT_TYPE,
          subject: /** @type {string} */ (c.subjects[n % c.subjects.length]),
          time: new Date(time).toISOString(),
          data: { tokens, model: models[n % 3], region: n % 2 ? 'eu-west-1' : 'us-east-1' },
        };
        c.seededCalls++;
        c.seededTokens += tokens;
        append(e);
        batchEvents.push(e);
        sent++;
        if (batchEvents.length >= BATCH_EVENTS) await flush();
      }
      // Let the insert in flight stream its body between customers.
      await new Promise((r) => setImmediate(r));
    }
    await flush();
    await inflight;
  } finally {
    await ch.close();
  }
  const seconds = (Date.now() - start) / 1000;
  const parts = /** @type {{ table: string, parts: string, rows: string }[]} */ (
    await (
      await admin.query({
        query: `SELECT table, toString(count()) AS parts, toString(sum(rows)) AS rows FROM system.parts
                 WHERE database = currentDatabase() AND active AND table IN ('events', 'meter_values')
                 GROUP BY table ORDER BY table`,
        format: 'JSONEachRow',
      })
    ).json()
  );
  log(
    `seeding: ${sent} events (+${resent} re-sent duplicates) in ${batchNo} inserts of ~${BATCH_EVENTS} through UsageWriter ` +
      `in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)} events/s); ` +
      `active parts: ${parts.map((p) => `${p.table} ${p.parts} (${p.rows} rows)`).join(', ')}`,
  );
  return seconds;
}

/**
 * @typedef {{ type: string, chargeKey: string, periodStart: string, quantity: string, amount: string,
 *   taxAmount: string }} ExpectedLine
 * @typedef {{ customer: BenchCustomer, lines: ExpectedLine[], subtotal: string, taxTotal: string, total: string,
 *   taxStatus: string }} ExpectedInvoice
 */

/**
 * Every invoice as it should be, without the invoicing code: one ClickHouse query over the raw
 * events (deduplicated by FINAL, tokens read from the event JSON) per subject, then libs/pricing
 * `rate()` on each quantity, the plans' fixed fees, and the expected VAT with --tax.
 * @param {import('@clickhouse/client').ClickHouseClient} admin
 * @param {Record<string, string>} ids
 * @param {BenchCustomer[]} customers
 * @param {number} monthStart
 * @param {number} monthEnd
 * @returns {Promise<Map<string, ExpectedInvoice>>} by customer id
 */
async function expectedInvoices(admin, ids, customers, monthStart, monthEnd) {
  const q0 = Date.now();
  const rows = /** @type {{ subject: string, calls: string, tokens: string, bad: string }[]} */ (
    await (
      await admin.query({
        query: `
SELECT subject,
       toString(count()) AS calls,
       toString(sum(toDecimal128(JSONExtractRaw(data, 'tokens'), 12))) AS tokens,
       toString(countIf(NOT JSONHas(data, 'tokens'))) AS bad
  FROM events FINAL
 WHERE tenant_id = {t:String} AND type = {type:String} AND is_deleted = 0
   AND time >= {from:DateTime64(3)} AND time < {to:DateTime64(3)}
 GROUP BY subject`,
        query_params: { t: ids.tenant, type: EVENT_TYPE, from: chTime(monthStart), to: chTime(monthEnd) },
        format: 'JSONEachRow',
      })
    ).json()
  );
  const bySubject = new Map(rows.map((r) => [r.subject, r]));
  log(
    `independent computation: ${rows.length} subjects from events FINAL in ${((Date.now() - q0) / 1000).toFixed(1)} s ` +
      `(count of api.call events, sum of JSON $.tokens), priced with libs/pricing rate()`,
  );
  const periodStart = new Date(monthStart).toISOString();
  const nextStart = new Date(monthEnd).toISOString();
  /** @type {Map<string, ExpectedInvoice>} */
  const out = new Map();
  let seedDiffs = 0;
  for (const c of customers) {
    let calls = new Dec(0);
    let tokens = new Dec(0);
    for (const s of c.subjects) {
      const r = bySubject.get(s);
      if (!r) continue;
      if (r.bad !== '0') throw new Error(`${r.bad} events of ${s} have no tokens`);
      calls = calls.plus(r.calls);
      tokens = tokens.plus(r.tokens);
    }
    if (!calls.eq(c.seededCalls) || !tokens.eq(c.seededTokens)) {
      if (seedDiffs++ < 5)
        log(
          `  WARNING ${c.externalKey}: events FINAL has ${calls.toFixed()} calls / ${tokens.toFixed()} tokens, ` +
            `the generator sent ${c.seededCalls} / ${c.seededTokens}`,
        );
    }
    const tokenPrice = c.plan === 'graduated' ? PRICES.tokensGraduated : PRICES.tokensVolume;
    const priced = (/** @type {unknown} */ price, /** @type {Dec} */ quantity) =>
      pricing.rate(pricing.parsePriceSpec(price), { quantity: quantity.toFixed() });
    /** @type {ExpectedLine[]} */
    const lines = [];
    const callsRated = priced(PRICES.calls, calls);
    lines.push({
      type: 'usage',
      chargeKey: 'calls',
      periodStart,
      quantity: calls.toFixed(),
      amount: callsRated.amount,
      taxAmount: '0',
    });
    const tokensRated = priced(tokenPrice, tokens);
    lines.push({
      type: 'usage',
      chargeKey: 'tokens',
      periodStart,
      quantity: tokens.toFixed(),
      amount: tokensRated.amount,
      taxAmount: '0',
    });
    // A full first period: a fee in arrears bills this period; a fee in advance bills this period
    // (no earlier invoice did) and the next one, which follows at once.
    if (c.plan === 'graduated') {
      lines.push({
        type: 'fixed',
        chargeKey: 'platform',
        periodStart,
        quantity: '1',
        amount: '29.00',
        taxAmount: '0',
      });
    } else {
      lines.push({
        type: 'fixed',
        chargeKey: 'platform',
        periodStart,
        quantity: '1',
        amount: '49.00',
        taxAmount: '0',
      });
      lines.push({
        type: 'fixed',
        chargeKey: 'platform',
        periodStart: nextStart,
        quantity: '1',
        amount: '49.00',
        taxAmount: '0',
      });
    }
    const money = (/** @type {Dec} */ d) => pricing.roundMoney(d, 2, 'half_away_from_zero');
    const subtotal = money(lines.reduce((s, l) => s.plus(l.amount), new Dec(0)));
    let taxStatus = 'not_calculated';
    if (TAX) {
      taxStatus = 'calculated';
      // Seller in Germany: a German buyer pays 19% per line; an American one no German VAT.
      const rate = c.country === 'DE' ? new Dec('0.19') : new Dec(0);
      for (const l of lines) l.taxAmount = money(new Dec(l.amount).times(rate));
    }
    const taxTotal = money(lines.reduce((s, l) => s.plus(l.taxAmount), new Dec(0)));
    out.set(c.id, {
      customer: c,
      lines,
      subtotal,
      taxTotal,
      total: money(new Dec(subtotal).plus(taxTotal)),
      taxStatus,
    });
  }
  if (seedDiffs) log(`WARNING: ${seedDiffs} customers' events in ClickHouse differ from what was seeded`);
  else
    log(
      `events FINAL hold exactly what the generator sent (${customers.length} customers; duplicates collapsed)`,
    );
  return out;
}

/** Times of one kind of query. */
class Timings {
  constructor() {
    /** @type {Map<string, number[]>} */
    this.byKind = new Map();
  }

  /** @param {string} kind @param {number} ms */
  add(kind, ms) {
    let t = this.byKind.get(kind);
    if (!t) this.byKind.set(kind, (t = []));
    t.push(ms);
  }

  /** @param {string} [only] */
  all(only) {
    return [...this.byKind.entries()].filter(([k]) => !only || k === only).flatMap(([, t]) => t);
  }

  /** @param {number} wallS */
  describe(wallS) {
    const sum = (/** @type {number[]} */ t) => t.reduce((a, b) => a + b, 0);
    return [...this.byKind.entries()]
      .sort((a, b) => sum(b[1]) - sum(a[1]))
      .map(([k, t]) => {
        const sorted = t.slice().sort((a, b) => a - b);
        return (
          `    ${k.padEnd(34)} ${String(t.length).padStart(6)} x  mean ${(sum(t) / t.length).toFixed(2).padStart(7)} ms  ` +
          `p99 ${quantile(sorted, 0.99).toFixed(1).padStart(7)} ms  total ${(sum(t) / 1000).toFixed(1).padStart(6)} s ` +
          `(${((sum(t) / 1000 / wallS) * 100).toFixed(0)}% of the wall time)`
        );
      })
      .join('\n');
  }
}

/** @param {string} sql a Postgres statement, classified for the profile */
function pgKind(sql) {
  const s = sql.replace(/\s+/g, ' ').trim().toLowerCase();
  if (/^(begin|commit|rollback|savepoint|release)/.test(s)) return `pg ${s.split(' ')[0]}`;
  const m =
    /^(select)\b.*? from "?([a-z_]+)"?/.exec(s) ??
    /^(insert into|update|delete from) "?([a-z_]+)"?/.exec(s) ??
    /^(with)\b/.exec(s);
  return m ? `pg ${m[1]} ${m[2] ?? ''}`.trim() : `pg ${s.slice(0, 24)}`;
}

/**
 * One pass of the invoicer's period close over the seeded month, timed and profiled, then checked.
 * @param {{ concurrency: number, dbs: import('./common').BenchDatabases, chUrl: string, tenantId: string,
 *   customers: BenchCustomer[], expected: Map<string, ExpectedInvoice>,
 *   quoteTax: ((req: unknown) => Promise<unknown>) | undefined, taxPid: number | undefined }} o
 */
async function closeOnce(o) {
  const timings = new Timings();
  const pool = new Pool({
    connectionString: o.dbs.databaseUrl,
    max: Math.max(10, o.concurrency + 2),
    application_name: 'bench-invoice',
  });
  // A connection cut by the clean-up (Ctrl-C drops the database) must not crash the process.
  pool.on('error', () => undefined);
  // Every statement the closer sends, timed per kind (the pool's clients are wrapped as they connect).
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    const query = client.query.bind(client);
    /** @type {any} */ (client).query = (/** @type {any[]} */ ...args) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0]?.text ?? '');
      const q0 = performance.now();
      const p = /** @type {any} */ (query)(...args);
      if (p && typeof p.then === 'function')
        p.then(
          () => timings.add(pgKind(text), performance.now() - q0),
          () => timings.add(`${pgKind(text)} (failed)`, performance.now() - q0),
        );
      return p;
    };
  });
  const ch = platform.createClickHouse(
    {
      CLICKHOUSE_URL: o.chUrl,
      CLICKHOUSE_DATABASE: o.dbs.clickhouseDatabase,
      CLICKHOUSE_USER: process.env.CLICKHOUSE_USER ?? 'default',
      CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD,
    },
    'bench-invoicer',
  );
  // ClickHouse queries: client-side time (queueing in the embedded server's one session included)
  // and the engine's own elapsed time (X-ClickHouse-Summary).
  let chEngineMs = 0;
  const chQuery = ch.query.bind(ch);
  /** @type {any} */ (ch).query = async (/** @type {any} */ params) => {
    const q0 = performance.now();
    const rs = await chQuery(params);
    const ms = performance.now() - q0;
    const kind = /FROM meter_values FINAL/.test(params.query)
      ? 'clickhouse meterQuantity'
      : 'clickhouse other';
    timings.add(kind, ms);
    try {
      const summary = JSON.parse(String(rs.response_headers?.['x-clickhouse-summary'] ?? '{}'));
      chEngineMs += Number(summary.elapsed_ns ?? 0) / 1e6;
    } catch {
      // no summary
    }
    return rs;
  };
  let quoted = 0;
  const quoteTax =
    o.quoteTax &&
    (async (/** @type {unknown} */ req) => {
      const q0 = performance.now();
      try {
        return await /** @type {(r: unknown) => Promise<unknown>} */ (o.quoteTax)(req);
      } finally {
        quoted++;
        timings.add('nats tax.quote', performance.now() - q0);
      }
    });
  const db = platform.createKysely(pool);
  const logger = platform.createLogger({ service: 'bench-invoicer', level: 'warn' });
  const closer = new PeriodCloser({ db, ch, quoteTax }, logger, {
    draftRefreshMs: 300_000,
    concurrency: o.concurrency,
  });
  // Time the listing of ended periods apart from closing them (a wrapper, nothing changed inside).
  let listingMs = 0;
  const endedPeriods = /** @type {any} */ (closer).endedPeriods.bind(closer);
  /** @type {any} */ (closer).endedPeriods = async (/** @type {Date} */ at) => {
    const l0 = performance.now();
    try {
      return await endedPeriods(at);
    } finally {
      listingMs = performance.now() - l0;
    }
  };
  platform.Metrics.periodCloseSeconds.reset();
  const [partsRow] = /** @type {{ parts: string }[]} */ (
    await (
      await chQuery({
        query: `SELECT toString(count()) AS parts FROM system.parts WHERE database = currentDatabase() AND table = 'meter_values' AND active`,
        format: 'JSONEachRow',
      })
    ).json()
  );
  const cpu = cpuMeter({
    clickhouse: pidFromFile('clickhouse'),
    postgres: () => pidsOf('postgres'),
    ...(o.taxPid ? { tax: o.taxPid } : {}),
  });
  log(
    `close: PeriodCloser.tick(now), concurrency ${o.concurrency}, ${o.customers.length} subscriptions, ` +
      `meter_values has ${partsRow?.parts} active parts`,
  );
  const c0 = cpu.now();
  const w0 = performance.now();
  /** @type {{ created: number, refreshed: number, finalized: number, unchanged: number, failed: number }} */
  const tick = await closer.tick(new Date());
  const seconds = (performance.now() - w0) / 1000;
  const c1 = cpu.now();
  log(
    `close: ${JSON.stringify(tick)} in ${seconds.toFixed(1)} s (${(tick.finalized / seconds).toFixed(1)} invoices/s)`,
  );

  // Where the time went.
  const hist = await platform.Metrics.periodCloseSeconds.get();
  const histSum = hist.values.find((/** @type {any} */ v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  const histCount = hist.values.find((/** @type {any} */ v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const sumOf = (/** @type {number[]} */ t) => t.reduce((a, b) => a + b, 0);
  const chClient = sumOf(timings.all('clickhouse meterQuantity')) + sumOf(timings.all('clickhouse other'));
  const chCount = timings.all('clickhouse meterQuantity').length + timings.all('clickhouse other').length;
  const pgAll = [...timings.byKind.entries()].filter(([k]) => k.startsWith('pg ')).flatMap(([, t]) => t);
  log(
    `profile: listing ended periods ${(listingMs / 1000).toFixed(1)} s (before any close starts); ` +
      `per period ${histCount ? ((histSum / histCount) * 1000).toFixed(0) : '?'} ms on average with ${o.concurrency} at once ` +
      `(${histCount} periods); ClickHouse ${chCount} queries, ${(chClient / 1000).toFixed(1)} s client-side, ` +
      `engine ${(chEngineMs / 1000).toFixed(1)} s = ${((chEngineMs / 1000 / seconds) * 100).toFixed(0)}% of the wall time ` +
      `(one session: queries run one at a time); Postgres ${pgAll.length} statements, ${(sumOf(pgAll) / 1000).toFixed(1)} s` +
      `${quoted ? `; ${quoted} tax quotes` : ''}`,
  );
  console.log(timings.describe(seconds));
  log(
    `CPU over the close (% of one core; 'bench' is the PeriodCloser, in this process): ${cpu.shares(c0, c1, seconds)}`,
  );

  // The next pass, with nothing left to close: what every INVOICER_CLOSE_INTERVAL_SECONDS costs
  // in steady state (the listing looks at every subscription each time).
  const i0 = performance.now();
  const idle = await closer.tick(new Date());
  log(
    `the next pass, nothing to close: ${((performance.now() - i0) / 1000).toFixed(1)} s ` +
      `(${JSON.stringify(idle)}; listing ${(listingMs / 1000).toFixed(1)} s)`,
  );

  // The check.
  const check = await compareInvoices(pool, o.tenantId, o.expected);
  await pool.end();
  await ch.close();
  return { seconds, invoices: check.finalized, mismatches: check.mismatches };
}

/**
 * Every customer's invoice in Postgres against the independent computation.
 * @param {import('pg').Pool} pool
 * @param {string} tenantId
 * @param {Map<string, ExpectedInvoice>} expected
 */
async function compareInvoices(pool, tenantId, expected) {
  const invoices = (
    await pool.query(
      `SELECT id, customer_id, status, number, currency, subtotal::text AS subtotal, tax_total::text AS tax_total,
              total::text AS total, tax->>'status' AS tax_status
         FROM invoices WHERE tenant_id = $1`,
      [tenantId],
    )
  ).rows;
  const lines = (
    await pool.query(
      `SELECT invoice_id, type, charge_key, period_start, quantity::text AS quantity, amount::text AS amount,
              tax_amount::text AS tax_amount
         FROM invoice_lines WHERE tenant_id = $1 ORDER BY invoice_id, position`,
      [tenantId],
    )
  ).rows;
  /** @type {Map<string, any[]>} */
  const linesOf = new Map();
  for (const l of lines) {
    let list = linesOf.get(l.invoice_id);
    if (!list) linesOf.set(l.invoice_id, (list = []));
    list.push(l);
  }
  /** @type {Map<string, any[]>} */
  const invoicesOf = new Map();
  for (const i of invoices) {
    let list = invoicesOf.get(i.customer_id);
    if (!list) invoicesOf.set(i.customer_id, (list = []));
    list.push(i);
  }
  const eq = (/** @type {string} */ a, /** @type {string} */ b) => new Dec(a).eq(b);
  let mismatches = 0;
  let finalized = 0;
  /** @type {string[]} */
  const samples = [];
  for (const [customerId, exp] of expected) {
    /** @type {string[]} */
    const diffs = [];
    const mine = invoicesOf.get(customerId) ?? [];
    const inv = mine[0];
    if (mine.length !== 1 || !inv) diffs.push(`${mine.length} invoices, expected 1`);
    if (inv) {
      if (inv.status === 'finalized' && inv.number) finalized++;
      else diffs.push(`status ${inv.status}, number ${inv.number}`);
      if (inv.currency.trim() !== 'EUR') diffs.push(`currency ${inv.currency}`);
      if (!eq(inv.subtotal, exp.subtotal)) diffs.push(`subtotal ${inv.subtotal}, expected ${exp.subtotal}`);
      if (!eq(inv.tax_total, exp.taxTotal)) diffs.push(`tax ${inv.tax_total}, expected ${exp.taxTotal}`);
      if (!eq(inv.total, exp.total)) diffs.push(`total ${inv.total}, expected ${exp.total}`);
      if (inv.tax_status !== exp.taxStatus)
        diffs.push(`tax status ${inv.tax_status}, expected ${exp.taxStatus}`);
      const stored = new Map(
        (linesOf.get(inv.id) ?? []).map((l) => [
          `${l.type}|${l.charge_key}|${new Date(l.period_start).toISOString()}`,
          l,
        ]),
      );
      if (stored.size !== (linesOf.get(inv.id) ?? []).length)
        diffs.push('two lines for one charge and period');
      for (const e of exp.lines) {
        const key = `${e.type}|${e.chargeKey}|${e.periodStart}`;
        const l = stored.get(key);
        stored.delete(key);
        if (!l) {
          diffs.push(`no ${key} line`);
          continue;
        }
        if (!eq(l.quantity, e.quantity)) diffs.push(`${key} quantity ${l.quantity}, expected ${e.quantity}`);
        if (!eq(l.amount, e.amount)) diffs.push(`${key} amount ${l.amount}, expected ${e.amount}`);
        if (!eq(l.tax_amount, e.taxAmount)) diffs.push(`${key} tax ${l.tax_amount}, expected ${e.taxAmount}`);
      }
      for (const key of stored.keys()) diffs.push(`unexpected ${key} line`);
    }
    if (diffs.length) {
      mismatches++;
      if (samples.length < 5)
        samples.push(`${exp.customer.externalKey} (${exp.customer.plan}): ${diffs.join('; ')}`);
    }
  }
  // Invoice numbers: one gapless sequence, in the format MU-{YYYY}-{SEQ:6}.
  const numbers = invoices
    .map((i) => /** @type {string | null} */ (i.number))
    .filter((n) => n !== null)
    .map((n) => Number(/^MU-\d{4}-(\d{6})$/.exec(/** @type {string} */ (n))?.[1] ?? NaN))
    .sort((a, b) => a - b);
  const gapless = numbers.every((n, i) => n === i + 1);
  log(
    `check: ${invoices.length} invoices (${finalized} finalized), ${lines.length} lines, against ${expected.size} expected: ` +
      `${mismatches} mismatches; numbers ${gapless ? `gapless 1..${numbers.length}` : 'NOT gapless'}`,
  );
  for (const s of samples) log(`  mismatch ${s}`);
  return { finalized, mismatches };
}

main().catch((err) => {
  console.error(`[bench:invoice] failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
