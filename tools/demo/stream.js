// @ts-check
// Demo step: a month of sample usage through the real pipeline (collector HTTP -> deduplicator ->
// rater -> ClickHouse) for the demo customers, then a wait until the rater has written it all.
//
// Per customer, hour by hour from the start of the previous month (as far back as the
// collector's late-arrival window allows: 34 days) up to now:
//   api.call        calls in a daily rhythm of the customer's time zone (quieter nights and
//                   weekends), with tokens, model and region in `data`;
//   storage.sample  one gauge reading of the GB stored, on the hour.
// Every event is a function of its hour alone (id, time and data), so a second run sends the
// same events again only where it must, and the deduplicator drops them: .mu/demo-usage.json
// records, per API key, up to when the last run sent everything, and only later events are new.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { connect } = require('nats');
const {
  STATE,
  run,
  env,
  fail,
  demoCustomers,
  localMonthStart,
  localClock,
  group,
  progressBar,
  sleep,
  mulberry32,
} = require('./lib');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The collector refuses events older than 35 days: a day of margin. */
const WINDOW_DAYS = 34;
const BATCH = 1_000;
const IN_FLIGHT = 4;
const MARKER = path.join(STATE, 'demo-usage.json');
const MODELS = ['mu-small', 'mu-small', 'mu-small', 'mu-large'];
const ENDPOINTS = ['/v1/chat', '/v1/chat', '/v1/embed', '/v1/moderate'];

/** A seedable PRNG from a string (its FNV-1a hash seeds mulberry32). */
function prng(/** @type {string} */ seed) {
  let a = 2166136261;
  for (let i = 0; i < seed.length; i++) a = Math.imul(a ^ seed.charCodeAt(i), 16777619);
  return mulberry32(a);
}

/** Relative traffic by local hour: low at night, a working-day hump, a mean of 1. */
const HOURLY = (() => {
  const w = Array.from({ length: 24 }, (_, h) => 0.25 + Math.max(0, Math.sin((Math.PI * (h - 7)) / 14)));
  const mean = w.reduce((a, b) => a + b, 0) / 24;
  return w.map((x) => x / mean);
})();

/**
 * The events of one customer and hour that happened before `until`.
 * @param {{ key: string, timeZone: string, spec: { callsPerDay: number, storageGb: number, regions: readonly string[] } }} c
 * @param {number} hour the hour's start (epoch ms, a whole UTC hour)
 * @param {number} until
 */
function eventsOf(c, hour, until) {
  const rand = prng(`${c.key}:${hour}`);
  const { hour: localHour, weekday } = localClock(hour, c.timeZone);
  const weekend = weekday === 0 || weekday === 6 ? 0.55 : 1;
  const calls = Math.round(
    (c.spec.callsPerDay / 24) * (HOURLY[localHour] ?? 1) * weekend * (0.85 + 0.3 * rand()),
  );
  const h = hour / HOUR;
  /** @type {object[]} */
  const out = [];
  if (hour < until) {
    // Storage: a slow wave over weeks around the customer's size, read on the hour.
    const gb =
      c.spec.storageGb * (1 + 0.2 * Math.sin((2 * Math.PI * hour) / (45 * DAY))) * (0.99 + 0.02 * rand());
    out.push({
      id: `demo-${c.key}-storage-${h}`,
      source: 'demo-storage-agent',
      type: 'storage.sample',
      subject: c.key,
      time: new Date(hour).toISOString(),
      data: { gb: Math.round(gb * 10) / 10 },
    });
  }
  for (let k = 0; k < calls; k++) {
    const time = hour + Math.floor(rand() * HOUR);
    const tokens = 50 + Math.floor(rand() * rand() * 4000);
    const model = MODELS[Math.floor(rand() * MODELS.length)];
    const endpoint = ENDPOINTS[Math.floor(rand() * ENDPOINTS.length)];
    const region = c.spec.regions[Math.floor(rand() * c.spec.regions.length)];
    if (time >= until) continue;
    out.push({
      id: `demo-${c.key}-call-${h}-${k}`,
      source: 'demo-gateway',
      type: 'api.call',
      subject: c.key,
      time: new Date(time).toISOString(),
      data: { endpoint, model, region, tokens },
    });
  }
  return out;
}

/** @returns {Record<string, number>} per API key hash, up to when every event was sent */
function readMarker() {
  try {
    return existsSync(MARKER) ? JSON.parse(readFileSync(MARKER, 'utf8')) : {};
  } catch {
    return {};
  }
}

run(async () => {
  const collector = env('MU_COLLECTOR_URL').replace(/\/$/, '');
  const key = env('MU_API_KEY');
  const keyHash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const now = Date.now();
  const windowStart = Math.ceil((now - WINDOW_DAYS * DAY) / HOUR) * HOUR;
  const marker = readMarker();
  const sentThrough = marker[keyHash] ?? 0;

  const customers = await demoCustomers();
  /** @type {object[]} */
  const events = [];
  let from = Infinity;
  for (const c of customers) {
    // From the start of the customer's previous month (its subscription starts there), or the
    // oldest hour the collector still takes; after an earlier run, only what came since.
    const start = Math.max(localMonthStart(c.timeZone, now, 1), windowStart, sentThrough);
    from = Math.min(from, start);
    for (let hour = Math.floor(start / HOUR) * HOUR; hour < now; hour += HOUR) {
      for (const e of eventsOf(c, hour, now)) {
        if (Date.parse(/** @type {{ time: string }} */ (e).time) >= start) events.push(e);
      }
    }
  }
  if (events.length === 0) {
    console.log('  usage: nothing new since the last run');
    return;
  }
  console.log(
    `  usage: ${group(String(events.length))} events (API calls with tokens, hourly storage readings) for ` +
      `${customers.map((c) => c.key).join(', ')}, ${new Date(from).toISOString().slice(0, 16)}Z to now, ` +
      `through the collector (${collector})`,
  );

  // Send: batches of 1,000 over a few requests in flight; 429 and 503 are retried.
  const bar = progressBar('sending ', events.length, 'events');
  let next = 0;
  let accepted = 0;
  let rejected = 0;
  /** @type {string[]} */
  const rejections = [];
  const sendOne = async (/** @type {object[]} */ batch) => {
    for (let attempt = 1; ; attempt++) {
      /** @type {Response} */
      let res;
      try {
        res = await fetch(`${collector}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents-batch+json' },
          body: JSON.stringify(batch),
        });
      } catch (err) {
        if (attempt < 5) {
          await sleep(500 * attempt);
          continue;
        }
        return fail(
          `cannot reach the collector at ${collector}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const body = /** @type {any} */ (await res.json().catch(() => null));
      if (res.status === 429 || res.status === 503) {
        if (attempt >= 30)
          fail(`the collector kept answering ${res.status}: ${JSON.stringify(body?.error ?? body)}`);
        await sleep(Math.max(200, Number(res.headers.get('retry-after') ?? '1') * 1000));
        continue;
      }
      if (res.status !== 202 && res.status !== 400)
        fail(`the collector answered ${res.status}: ${JSON.stringify(body?.error ?? body).slice(0, 300)}`);
      accepted += Number(body?.accepted ?? 0);
      rejected += Number(body?.rejected ?? 0);
      for (const r of body?.results ?? []) {
        if (r.status === 'rejected' && rejections.length < 3)
          rejections.push(`${r.id}: ${r.error?.code} ${r.error?.message}`);
      }
      return;
    }
  };
  const worker = async () => {
    while (next < events.length) {
      const batch = events.slice(next, next + BATCH);
      next += batch.length;
      await sendOne(batch);
      bar.update(accepted + rejected);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  bar.done(accepted + rejected, rejected ? `, ${group(String(rejected))} rejected` : '');
  if (rejected) {
    console.log(`  some events were refused, e.g. ${rejections.join('; ')}`);
    if (accepted === 0) fail('the collector accepted none of the events');
  }

  // Wait until the deduplicator and the rater have nothing left: by then ClickHouse has every row
  // (the rater acknowledges after its insert).
  const nc = await connect({ servers: env('NATS_URL').split(','), name: 'mu-demo' }).catch((err) =>
    fail(`cannot reach NATS at ${process.env.NATS_URL}: ${err instanceof Error ? err.message : String(err)}`),
  );
  try {
    const jsm = await nc.jetstreamManager();
    const durables = [
      ['USAGE_RAW', 'deduplicator'],
      ['USAGE_UNIQUE', 'rater'],
    ];
    const t0 = Date.now();
    const tty = process.stderr.isTTY === true;
    let calm = 0;
    let lastPrint = 0;
    for (;;) {
      const backlog = [];
      let waiting = 0;
      for (const [stream, durable] of durables) {
        const info = await jsm.consumers.info(
          /** @type {string} */ (stream),
          /** @type {string} */ (durable),
        );
        waiting += info.num_pending + info.num_ack_pending;
        backlog.push(`${durable} ${info.num_pending + info.num_ack_pending}`);
      }
      calm = waiting === 0 ? calm + 1 : 0;
      const line = `  metering: batches waiting: ${backlog.join(', ')}  (${((Date.now() - t0) / 1000).toFixed(0)} s)`;
      if (calm >= 2) {
        process.stderr.write(
          `${tty ? '\r' : ''}  metering: every event is in ClickHouse (${((Date.now() - t0) / 1000).toFixed(1)} s after the last one was sent)\n`,
        );
        break;
      }
      if (tty) process.stderr.write(`\r${line}   `);
      else if (Date.now() - lastPrint > 5_000) {
        lastPrint = Date.now();
        process.stderr.write(`${line}\n`);
      }
      if (Date.now() - t0 > 240_000)
        fail(
          `the pipeline did not catch up within 240 s (${backlog.join(', ')}): see .mu/logs/deduplicator.log and rater.log`,
        );
      await sleep(500);
    }
  } finally {
    await nc.close();
  }
  if (rejected === 0) writeFileSync(MARKER, JSON.stringify({ ...readMarker(), [keyHash]: now }, null, 2));
});
