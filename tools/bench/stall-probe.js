// @ts-check
// BENCH_STALL_PROBE=1 for `npm run bench:ingest`: runs stall-probe.c (compiled on first use into
// .mu/) through phase 2 and says how often, and how long, a realtime thread on each core woke late:
// time in which the virtual CPUs did not run at all, which this guest does not report as steal.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, statSync } = require('node:fs');
const path = require('node:path');
const { STATE } = require('./common');

const SOURCE = path.join(__dirname, 'stall-probe.c');
const BINARY = path.join(STATE, 'bench-stall-probe');

/** @typedef {{ cpu: number, dueMs: number, lateMs: number }} LateTick */

/** Compiles the probe into .mu/ unless it is there and newer than its source; throws if cc fails. */
function buildStallProbe() {
  if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < statSync(SOURCE).mtimeMs) {
    mkdirSync(STATE, { recursive: true });
    execFileSync('cc', ['-O2', '-pthread', '-o', BINARY, SOURCE], { stdio: 'inherit' });
  }
}

/**
 * Starts the probe (built first if needed); stop() ends it and resolves with every tick that
 * was at least 2 ms late.
 * @returns {{ stop: () => Promise<{ late: LateTick[], realtime: boolean }> }}
 */
function startStallProbe() {
  buildStallProbe();
  const child = spawn(BINARY, ['2000', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c.toString('utf8')));
  child.stderr.on('data', (c) => (err += c.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const orphan = () => child.kill('SIGTERM');
  process.once('exit', orphan);
  return {
    stop: async () => {
      process.off('exit', orphan);
      child.kill('SIGTERM');
      await exited;
      const late = out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [cpu, dueMs, lateUs] = l.split(' ').map(Number);
          return { cpu: cpu ?? 0, dueMs: dueMs ?? 0, lateMs: (lateUs ?? 0) / 1000 };
        });
      return { late, realtime: !err.includes('not realtime') && err.includes('SCHED_FIFO') };
    },
  };
}

/**
 * One line on the ticks due from `fromMs` on: how many were 5 ms or more late (per core), the
 * longest, and how often both cores were held off at once (their late spans overlapping by 2 ms
 * or more): the whole guest stopped.
 * @param {{ late: LateTick[], realtime: boolean }} probe
 * @param {number} fromMs
 * @returns {string}
 */
function describeStalls(probe, fromMs) {
  if (!probe.realtime) return 'the probe could not run at realtime priority (needs root): no figures';
  const late = probe.late.filter((t) => t.dueMs >= fromMs);
  const big = late.filter((t) => t.lateMs >= 5);
  const perCpu = [...new Set(late.map((t) => t.cpu))]
    .sort((a, b) => a - b)
    .map((c) => `cpu${c} ${big.filter((t) => t.cpu === c).length}`);
  let both = 0;
  const byCpu = (/** @type {number} */ c) => late.filter((t) => t.cpu === c);
  for (const a of byCpu(0))
    for (const b of byCpu(1)) {
      const overlap = Math.min(a.dueMs + a.lateMs, b.dueMs + b.lateMs) - Math.max(a.dueMs, b.dueMs);
      if (overlap >= 2) both++;
    }
  const longest = late.reduce((m, t) => Math.max(m, t.lateMs), 0);
  const total = late.reduce((s, t) => s + t.lateMs, 0);
  return (
    `a SCHED_FIFO thread per core woke >= 5 ms late ${big.length} times (${perCpu.join(', ') || 'none'}), ` +
    `longest ${longest.toFixed(1)} ms, ${total.toFixed(0)} ms late in all (ticks >= 2 ms late); ` +
    `both cores held off at once ${both} times`
  );
}

module.exports = { buildStallProbe, startStallProbe, describeStalls };
