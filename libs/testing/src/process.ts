import { expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { requireServices, type ServiceName } from './infra';
import { sampleValue, scrapeMetrics } from './metrics';
import { waitFor } from './wait';

const ROOT = resolve(__dirname, '..', '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  logs: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

function entryOf(app: string): string {
  const entry = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  return entry;
}

function spawnApp(app: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [entryOf(app)], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let err = '';
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, logs, stderr: () => err, exited };
}

/** Run an app's real entry point (from `dist/`) and wait until it reports ready. */
export async function startServiceProcess(
  app: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const p = spawnApp(app, env);
  let exitCode: number | null | undefined;
  void p.exited.then((c) => (exitCode = c));
  const ready = await waitFor(
    () => {
      if (exitCode !== undefined) throw new Error(`${app} exited with ${exitCode}: ${p.stderr()}`);
      return p.logs.find((l) => l.msg === `${app} ready`);
    },
    { timeoutMs: 30_000, what: `${app} to report ready` },
  );
  return { ...p, port: ready.port as number };
}

/**
 * The lifecycle every Mu service must honour: boot against real dependencies, answer
 * liveness and readiness (one check per dependency), and on SIGTERM go not-ready,
 * drain, close its connections and exit 0.
 */
export async function expectServiceLifecycle(app: string, deps: ServiceName[]): Promise<void> {
  await requireServices(...deps);
  const p = await startServiceProcess(app);
  try {
    const base = `http://127.0.0.1:${p.port}`;
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    const report = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(ready.status).toBe(200);
    expect(report.status).toBe('ready');
    expect(Object.keys(report.checks).sort()).toEqual([...deps].sort());
    for (const d of deps) expect(report.checks[d]!.status).toBe('up');
    // Prometheus metrics on the same port: Node's process metrics and Mu's own.
    const samples = await scrapeMetrics(base);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name.startsWith('mu_'))).toBe(true);
  } finally {
    p.child.kill('SIGTERM');
  }
  const code = await Promise.race([
    p.exited,
    new Promise((r) => setTimeout(() => r('timeout'), 20_000).unref()),
  ]);
  expect(code).toBe(0);
  const messages = p.logs.map((l) => l.msg);
  expect(messages).toEqual(expect.arrayContaining([`${app} draining`, `${app} stopped`]));
  // Every line is structured JSON from pino: nothing else reaches stdout.
  expect(p.logs.filter((l) => 'raw' in l)).toEqual([]);
}

/** A service with a bad environment exits 1 and names every bad variable on stderr. */
export async function expectBadEnvironmentRefused(app: string, variables: string[]): Promise<void> {
  const env = Object.fromEntries(variables.map((v) => [v, 'bogus://not-a-valid-url']));
  const p = spawnApp(app, { ...env, PORT: '-1' });
  const code = await p.exited;
  expect(code).toBe(1);
  const stderr = p.stderr();
  expect(stderr).toContain(`${app}: invalid environment (${variables.length + 1} variables)`);
  for (const v of [...variables, 'PORT']) expect(stderr).toContain(`- ${v}:`);
  expect(stderr).not.toContain('bogus://');
}
