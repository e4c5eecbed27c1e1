// @ts-check
// What the demo's steps share (tools/demo.sh runs them): the API as the demo tenant, clear
// failures, local month boundaries, decimal formatting and text tables, a progress bar.
'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const STATE = path.join(ROOT, '.mu');

/**
 * The demo's customers (tools/demo/customers.js creates them): who they are, where (the billing
 * address decides their tax; a US address needs its state), and how much they use
 * (tools/demo/stream.js).
 */
const DEMO_CUSTOMERS = /** @type {const} */ ([
  {
    key: 'acme',
    name: 'Acme GmbH',
    timeZone: 'Europe/Berlin',
    address: { line1: 'Torstraße 140', city: 'Berlin', postalCode: '10119', country: 'DE' },
    callsPerDay: 4200,
    storageGb: 420,
    regions: ['eu-central-1', 'eu-west-1'],
  },
  {
    key: 'globex',
    name: 'Globex Corp',
    timeZone: 'America/New_York',
    address: {
      line1: '350 Fifth Avenue',
      city: 'New York',
      region: 'NY',
      postalCode: '10118',
      country: 'US',
    },
    callsPerDay: 1600,
    storageGb: 180,
    regions: ['us-east-1', 'us-west-2'],
  },
  {
    key: 'initech',
    name: 'Initech KK',
    timeZone: 'Asia/Tokyo',
    address: { line1: '1-1 Marunouchi', city: 'Tokyo', postalCode: '100-0005', country: 'JP' },
    callsPerDay: 650,
    storageGb: 60,
    regions: ['ap-northeast-1'],
  },
]);

/** A demo step that cannot go on: printed without a stack, exit code 1. */
class DemoError extends Error {}

/** @param {string} message @returns {never} */
function fail(message) {
  throw new DemoError(message);
}

/** @param {() => Promise<void>} step */
function run(step) {
  step().catch((err) => {
    const message = err instanceof DemoError ? err.message : err instanceof Error ? err.stack : String(err);
    process.stderr.write(`\ndemo: ${message}\n`);
    process.exit(1);
  });
}

/** @param {string} name @returns {string} */
function env(name) {
  const v = process.env[name];
  if (!v) fail(`${name} is not set (tools/demo.sh sets it)`);
  return v;
}

/**
 * One call to the Mu API as the demo tenant. Resolves with the status and the parsed body; any
 * status not in `ok` is an error naming the call and the API's answer.
 * @param {string} method
 * @param {string} route
 * @param {{ body?: unknown, ok?: number[], raw?: boolean }} [opts] raw: a 2xx body as bytes
 * @returns {Promise<{ status: number, body: any }>}
 */
async function api(method, route, opts = {}) {
  const url = `${env('MU_API_URL').replace(/\/$/, '')}${route}`;
  /** @type {Response} */
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${env('MU_API_KEY')}`,
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch (err) {
    return fail(`cannot reach the Mu API at ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const ok = opts.ok ?? [200, 201];
  if (opts.raw && res.ok && ok.includes(res.status))
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  const text = await res.text();
  /** @type {any} */
  let body = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: kept as text
  }
  if (!ok.includes(res.status)) {
    const e = body && typeof body === 'object' ? body.error : undefined;
    fail(
      `${method} ${route} answered ${res.status} ${e?.code ?? ''}: ${e?.message ?? String(text).slice(0, 300)}`,
    );
  }
  return { status: res.status, body };
}

/** Whether an answer is the API's "no such route" (a route this build does not have yet). */
const noRoute = (/** @type {{ status: number, body: any }} */ r) =>
  r.status === 404 && r.body?.error?.code === 'ROUTE_NOT_FOUND';

/**
 * The demo customers as the API knows them (created by tools/demo.sh).
 * @returns {Promise<{ key: string, id: string, name: string, timeZone: string, spec: (typeof DEMO_CUSTOMERS)[number] }[]>}
 */
async function demoCustomers() {
  const out = [];
  for (const spec of DEMO_CUSTOMERS) {
    const { body } = await api('GET', `/v1/customers?externalKey=${encodeURIComponent(spec.key)}`);
    const c = body?.data?.[0];
    if (!c) fail(`customer ${spec.key} not found: tools/demo.sh creates it`);
    out.push({ key: spec.key, id: c.id, name: c.name ?? spec.key, timeZone: c.timeZone ?? 'UTC', spec });
  }
  return out;
}

/** @param {number} at @param {string} timeZone @returns {number} ms to add to UTC to get local wall time */
function zoneOffset(at, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const n = (/** @type {string} */ t) => Number(parts.find((p) => p.type === t)?.value);
  return (
    Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) -
    Math.floor(at / 1000) * 1000
  );
}

/**
 * Local midnight of the first day of a month in a zone, as an instant.
 * @param {string} timeZone
 * @param {number} at an instant in the reference month
 * @param {number} back months before that one (1: the previous month)
 */
function localMonthStart(timeZone, at, back) {
  const off = zoneOffset(at, timeZone);
  const local = new Date(at + off);
  const wall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - back, 1);
  // The offset at the result, not at `at` (a DST change in between moves it).
  let t = wall - zoneOffset(wall, timeZone);
  t = wall - zoneOffset(t, timeZone);
  return t;
}

/** @param {number} at @param {string} timeZone @returns {{ hour: number, weekday: number }} local hour and day (0 = Sunday) */
function localClock(at, timeZone) {
  const local = new Date(at + zoneOffset(at, timeZone));
  return { hour: local.getUTCHours(), weekday: local.getUTCDay() };
}

/** `1234567.5` -> `1,234,567.5`: decimal text grouped, never through a float. */
function group(/** @type {string} */ decimal) {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(decimal);
  if (!m) return decimal;
  return `${m[1]}${(m[2] ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

/** A quantity for a table: at most `places` decimals (rounded down, display only). */
function quantity(/** @type {string} */ decimal, places = 2) {
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(decimal);
  if (!m) return decimal;
  const frac = (m[2] ?? '').slice(0, places).replace(/0+$/, '');
  return group(frac ? `${m[1]}.${frac}` : (m[1] ?? decimal));
}

/** Money for a table: exactly two decimals as stored (the API's amounts are already rounded). */
function money(/** @type {string} */ decimal) {
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(decimal);
  if (!m) return decimal;
  return group(`${m[1]}.${(m[2] ?? '').padEnd(2, '0')}`);
}

/**
 * A text table: the first row is the header; columns listed in `right` are right-aligned.
 * @param {string[][]} rows
 * @param {number[]} [right]
 * @param {string} [indent]
 */
function table(rows, right = [], indent = '    ') {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      (
        indent +
        r
          .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
      ).trimEnd(),
    )
    .join('\n');
}

/** @param {string} iso @param {string} timeZone @returns {string} the date part of an instant in a zone */
function dateIn(iso, timeZone) {
  const d = new Date(Date.parse(iso) + zoneOffset(Date.parse(iso), timeZone));
  return d.toISOString().slice(0, 10);
}

/**
 * A one-line progress bar: redrawn in place on a terminal, a line every few seconds otherwise.
 * @param {string} label
 * @param {number} total
 * @param {string} unit
 */
function progressBar(label, total, unit) {
  const tty = process.stderr.isTTY === true;
  const start = Date.now();
  let lastLine = 0;
  const line = (/** @type {number} */ done) => {
    const width = 28;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    const s = Math.max(0.001, (Date.now() - start) / 1000);
    return (
      `  ${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` +
      `${group(String(done))} / ${group(String(total))} ${unit}  ${group(String(Math.round(done / s)))} ${unit}/s`
    );
  };
  return {
    /** @param {number} done */
    update(done) {
      if (tty) process.stderr.write(`\r${line(done)}`);
      else if (Date.now() - lastLine > 5_000) {
        lastLine = Date.now();
        process.stderr.write(`${line(done)}\n`);
      }
    },
    /** @param {number} done @param {string} [suffix] */
    done(done, suffix = '') {
      process.stderr.write(
        `${tty ? '\r' : ''}${line(done)}  ${((Date.now() - start) / 1000).toFixed(1)} s${suffix}\n`,
      );
    },
  };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A small, fast, seedable PRNG (mulberry32): numbers in [0, 1), the same for the same seed, so
 * generated usage is the same every run.
 * @param {number} seed
 * @returns {() => number}
 */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = {
  mulberry32,
  ROOT,
  STATE,
  DEMO_CUSTOMERS,
  DemoError,
  fail,
  run,
  env,
  api,
  noRoute,
  demoCustomers,
  zoneOffset,
  localMonthStart,
  localClock,
  group,
  quantity,
  money,
  table,
  dateIn,
  progressBar,
  sleep,
};
