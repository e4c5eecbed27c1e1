// @ts-check
// Load generator for `npm run bench:ingest` (tools/bench/ingest.js starts it as a separate process).
// Sends 100-event CloudEvents batches to the collector's POST /v1/events over keep-alive HTTP.
// Event ids are `${prefix}-${n}` with n counting up; from the second batch on, 10 of the 100
// events of a batch are re-sends of events already acknowledged in earlier batches (same
// payload, so the deduplicator must drop them silently).
//   --mode max    --concurrency N  requests in flight for --duration s (throughput phase)
//   --mode paced  --rate R         R unique events/s, open loop, for --duration s (latency phase),
//                 --warmup W       after W s at that rate first, whose answers are not in the latencies
// Prints one JSON line on stdout at the end: counts, latencies and the acknowledged new ids
// as [start, count] ranges of n.
'use strict';
const net = require('node:net');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const BATCH = 100;
const DUP_PER_BATCH = 10;
const NEW_PER_BATCH = BATCH - DUP_PER_BATCH;

/**
 * @param {string} name
 * @param {string} [fallback]
 * @returns {string}
 */
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

const url = new URL(arg('url'));
const apiKey = arg('key');
const prefix = arg('prefix');
const mode = arg('mode', 'max');
const durationS = Number(arg('duration', '60'));
const concurrency = Number(arg('concurrency', '16'));
const rate = Number(arg('rate', '0'));
const warmupS = Number(arg('warmup', '0'));
const baseTime = Date.now() - 60 * 60 * 1000;

const authorization = `Bearer ${apiKey}`;

/** Acknowledged new ids: one byte per n (1 = acked). Grown as ids are handed out. */
let acked = new Uint8Array(1 << 20);
let nextN = 0;
/** Start n of every batch whose 90 new events were all acked: the pool duplicates are drawn from. */
/** @type {number[]} */
const ackedBatchStarts = [];
/** @type {number[]} */
const latencies = [];
/** Paced mode: the same answers timed from the moment each batch was due, not from its send. */
/** @type {number[]} */
const fromDue = [];
/** Ack latencies of the warm-up (paced mode), reported apart. */
/** @type {number[]} */
const warmupLatencies = [];
/** Ack latencies by the second (since the start) the request left in: where the tail sits in time. */
/** @type {number[][]} */
const bySecond = [];
/**
 * BENCH_LOAD_TRACE=<file>: every measured answer as `<due epoch ms> <late ms> <ms from send>`, one
 * line each, written at the end: to line the tail up against other traces (perf, --trace-gc).
 */
const traceFile = process.env.BENCH_LOAD_TRACE;
/** @type {number[]} */
const trace = [];
let measuredFrom = Date.now();
let requests = 0;
let okRequests = 0;
let failedRequests = 0;
let eventsSent = 0;
let eventsAccepted = 0;
let eventsRejected = 0;
let dupsSent = 0;
/** @type {Record<string, number>} */
const statusCounts = {};
let inFlight = 0;
let maxInFlight = 0;

let isoSecond = NaN;
let isoPrefix = '';
/**
 * `new Date(ms).toISOString()`, with the part up to the second kept from the last call: ids
 * count up, so consecutive events are a millisecond apart and a batch's 90 new events share one
 * or two seconds (a Date and its formatting per event were a quarter of this process's JS).
 * @param {number} ms
 */
function isoAt(ms) {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20); // through the '.'
  }
  const milli = ms - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/**
 * One event; its payload depends on n only, so a re-send is byte-for-byte the same event.
 * @param {number} n
 */
function event(n) {
  return `{"id":"${prefix}-${n}","source":"bench","type":"api.call","subject":"customer-${n % 1000}","time":"${isoAt(baseTime + (n % 3_000_000))}","data":{"tokens":${n % 977},"region":"eu"}}`;
}

/** @returns {{ body: string, start: number, n: number }} */
function nextBatch() {
  const hasDups = ackedBatchStarts.length > 0;
  const fresh = hasDups ? NEW_PER_BATCH : BATCH;
  const start = nextN;
  nextN += fresh;
  if (nextN > acked.length) {
    const grown = new Uint8Array(acked.length * 2);
    grown.set(acked);
    acked = grown;
  }
  /** @type {string[]} */
  const parts = [];
  for (let i = 0; i < fresh; i++) parts.push(event(start + i));
  if (hasDups) {
    for (let i = 0; i < DUP_PER_BATCH; i++) {
      const s = /** @type {number} */ (ackedBatchStarts[Math.floor(Math.random() * ackedBatchStarts.length)]);
      parts.push(event(s + Math.floor(Math.random() * NEW_PER_BATCH)));
    }
    dupsSent += DUP_PER_BATCH;
  }
  return { body: `[${parts.join(',')}]`, start, n: fresh };
}

/**
 * A minimal keep-alive HTTP/1.1 client over raw sockets, one request at a time per connection,
 * as wrk does: a request is one socket write, an answer is read by its Content-Length. Node's
 * http.Agent cost the load generator about a quarter of a core at phase-2 rates, CPU the
 * services under test then did not have (on a 2-core machine every core counts).
 */
class Connection {
  constructor() {
    /** @type {((status: number, body: Buffer) => void) | undefined} */
    this.pending = undefined;
    /** @type {((err: Error) => void) | undefined} */
    this.failed = undefined;
    /** @type {Buffer} */
    this.buf = Buffer.alloc(0);
    this.socket = net.connect({ host: url.hostname, port: Number(url.port) });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => this.read(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => {
      open.delete(this);
      this.fail(new Error('connection closed'));
    });
    this.closed = false;
    open.add(this);
  }

  /** @param {string} head @param {string} body @param {(status: number, body: Buffer) => void} done @param {(err: Error) => void} failed */
  request(head, body, done, failed) {
    this.pending = done;
    this.failed = failed;
    this.socket.write(head + body);
  }

  /** @param {Buffer} chunk */
  read(chunk) {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const length = m ? Number(m[1]) : 0;
    if (this.buf.length < end + 4 + length) return;
    const status = Number(head.slice(9, 12));
    const body = this.buf.subarray(end + 4, end + 4 + length);
    this.buf = Buffer.alloc(0);
    const done = this.pending;
    this.pending = undefined;
    this.failed = undefined;
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    else idle.push(this);
    done?.(status, body);
  }

  /** @param {Error} err */
  fail(err) {
    this.close();
    const failed = this.failed;
    this.pending = undefined;
    this.failed = undefined;
    failed?.(err);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }
}

/** Idle connections; a request takes one or opens one (at most `concurrency` in max mode). */
/** @type {Connection[]} */
const idle = [];
/** @type {Set<Connection>} */
const open = new Set();
function connection() {
  for (;;) {
    const c = idle.pop();
    if (!c) break;
    if (!c.closed) return c;
  }
  return new Connection();
}

const requestHead = (/** @type {number} */ length) =>
  `POST /v1/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${authorization}\r\n` +
  `Content-Type: application/cloudevents-batch+json\r\nContent-Length: ${length}\r\n\r\n`;

/**
 * @param {{ body: string, start: number, n: number }} batch
 * @param {number} [lateMs] how long after its due time the batch leaves (paced mode)
 * @returns {Promise<void>}
 */
function send(batch, lateMs) {
  const t0 = process.hrtime.bigint();
  const sentAt = Date.now();
  inFlight++;
  if (inFlight > maxInFlight) maxInFlight = inFlight;
  requests++;
  eventsSent += batch.n + (batch.n === BATCH ? 0 : DUP_PER_BATCH);
  return new Promise((resolve) => {
    const answered = (/** @type {number} */ status, /** @type {Buffer} */ answer) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      inFlight--;
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (status === 202) {
        okRequests++;
        const second = Math.floor((sentAt - measuredFrom) / 1000);
        if (second >= 0) {
          latencies.push(ms);
          if (lateMs !== undefined) fromDue.push(ms + lateMs);
          if (traceFile && lateMs !== undefined) trace.push(sentAt - lateMs, lateMs, ms);
          (bySecond[second] ??= []).push(ms);
        } else warmupLatencies.push(ms);
        const text = answer.toString('latin1');
        // The answer opens {"batchId":…,"accepted":N,"rejected":M,…: with nothing rejected
        // every event was accepted, and the per-event results need not be parsed.
        if (text.slice(0, 120).includes('"rejected":0,')) {
          eventsAccepted += BATCH; // new and re-sent alike
          acked.fill(1, batch.start, batch.start + batch.n);
          ackedBatchStarts.push(batch.start);
        } else {
          /** @type {{ accepted: number, rejected: number, results: { index: number, status: string }[] }} */
          const parsed = JSON.parse(text);
          eventsAccepted += parsed.accepted;
          eventsRejected += parsed.rejected;
          let all = true;
          for (const r of parsed.results) {
            if (r.index >= batch.n) continue; // a duplicate: its id was acked before
            if (r.status === 'accepted') acked[batch.start + r.index] = 1;
            else all = false;
          }
          if (all) ackedBatchStarts.push(batch.start);
        }
      } else {
        failedRequests++;
        if (failedRequests <= 5)
          process.stderr.write(`load: ${status} ${answer.toString('utf8').slice(0, 300)}\n`);
      }
      resolve();
    };
    const failed = (/** @type {Error} */ err) => {
      inFlight--;
      failedRequests++;
      statusCounts.error = (statusCounts.error ?? 0) + 1;
      if (failedRequests <= 5) process.stderr.write(`load: ${err.message}\n`);
      resolve();
    };
    connection().request(requestHead(Buffer.byteLength(batch.body)), batch.body, answered, failed);
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runMax() {
  const end = Date.now() + durationS * 1000;
  const worker = async () => {
    while (Date.now() < end) await send(nextBatch());
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function runPaced() {
  // Batches per second so that the unique (new) events arrive at `rate`/s. Open loop: a batch
  // leaves at its scheduled time whatever the answers do, so a slow answer cannot hide queueing.
  // The loop sleeps until the next batch is due (one wake-up per batch, not a polling tick).
  const perSecond = rate / NEW_PER_BATCH;
  const t0 = Date.now();
  const end = t0 + (warmupS + durationS) * 1000;
  let sent = 0;
  /** @type {Promise<void>[]} */
  const pending = [];
  for (;;) {
    const now = Date.now();
    if (now >= end) break;
    const due = Math.floor(((now - t0) / 1000) * perSecond) + 1;
    while (sent < due) {
      sent++;
      // due at t0 + (sent - 1) / perSecond; as wrk2 does, the answer is also timed from then, so
      // a late send (this process waiting for a core) is not left out of the latency
      const batch = nextBatch();
      pending.push(send(batch, Math.max(0, Date.now() - (t0 + ((sent - 1) / perSecond) * 1000))));
    }
    const nextAt = t0 + (sent / perSecond) * 1000;
    await sleep(Math.max(1, Math.ceil(nextAt - Date.now())));
  }
  await Promise.all(pending);
}

/** @param {number[]} sorted @param {number} q */
function quantile(sorted, q) {
  if (sorted.length === 0) return 0;
  return /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
}

async function main() {
  // This process's own event-loop delay: a late callback here reads as ack latency.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const started = Date.now();
  measuredFrom = started + (mode === 'paced' ? warmupS * 1000 : 0);
  if (mode === 'max') await runMax();
  else await runPaced();
  const elapsedS = (Date.now() - started) / 1000;
  /** @type {[number, number][]} */
  const ranges = [];
  let i = 0;
  while (i < nextN) {
    if (!acked[i]) {
      i++;
      continue;
    }
    const s = i;
    while (i < nextN && acked[i]) i++;
    ranges.push([s, i - s]);
  }
  const ackedNew = ranges.reduce((a, r) => a + r[1], 0);
  const sorted = latencies.slice().sort((a, b) => a - b);
  const sortedDue = fromDue.slice().sort((a, b) => a - b);
  const cpu = process.cpuUsage();
  process.stdout.write(
    JSON.stringify({
      mode,
      prefix,
      elapsedS,
      requests,
      okRequests,
      failedRequests,
      statusCounts,
      maxInFlight,
      eventsSent,
      eventsAccepted,
      eventsRejected,
      dupsSent,
      idsIssued: nextN,
      ackedNew,
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p99: quantile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1] : 0,
      dueP50: quantile(sortedDue, 0.5),
      dueP99: quantile(sortedDue, 0.99),
      dueMax: sortedDue.length ? sortedDue[sortedDue.length - 1] : 0,
      cpuS: (cpu.user + cpu.system) / 1e6,
      warmupP99: quantile(
        warmupLatencies.sort((a, b) => a - b),
        0.99,
      ),
      warmupMax: warmupLatencies.length ? warmupLatencies[warmupLatencies.length - 1] : 0,
      loopDelayP99: loop.percentile(99) / 1e6,
      loopDelayMax: loop.max / 1e6,
      // [second, requests, p99, max] per second of sending; Array.from visits the seconds in
      // which nothing was answered too (map would leave them holes, null in the JSON)
      seconds: Array.from(bySecond, (l, i) => {
        const s = (l ?? []).slice().sort((a, b) => a - b);
        return [i, s.length, quantile(s, 0.99), s.length ? s[s.length - 1] : 0];
      }),
      ranges,
    }) + '\n',
  );
  for (const c of open) c.close();
  if (traceFile) {
    const lines = [];
    for (let j = 0; j < trace.length; j += 3)
      lines.push(`${trace[j]} ${trace[j + 1]} ${trace[j + 2]?.toFixed(2)}`);
    require('node:fs').writeFileSync(traceFile, lines.join('\n') + '\n');
  }
}

main().catch((err) => {
  process.stderr.write(`load: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
