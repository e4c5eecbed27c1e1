import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  createTestClickHouse,
  createTestDatabase,
  requireServices,
  type TestClickHouse,
  type TestDatabase,
} from '@mu/testing';

const run = promisify(execFile);
const MU = resolve(__dirname, '..', 'bin', 'mu.js');

let pg: TestDatabase;
let ch: TestClickHouse;
beforeAll(async () => {
  await requireServices('nats', 'postgres', 'clickhouse');
  [pg, ch] = await Promise.all([createTestDatabase(), createTestClickHouse()]);
});
afterAll(async () => {
  await Promise.all([pg.drop(), ch.drop()]);
});

describe('mu (built CLI)', () => {
  it('loads the service platform (NestJS, NATS, Redis, Postgres clients) only in commands that use it', async () => {
    // Every `mu` call used to pay ~0.8 s for @mu/platform; commands import it in run() instead.
    const main = resolve(__dirname, '..', '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
    const { stdout } = await run(process.execPath, [
      '-e',
      `require(${JSON.stringify(main)});` +
        `process.stdout.write(String(Object.keys(require.cache).filter((k) => /[\\/]libs[\\/](platform|contracts)[\\/]/.test(k)).length))`,
    ]);
    expect(stdout).toBe('0');
  });

  it('migrate applies the shipped migrations once', async () => {
    const env = { ...process.env, DATABASE_URL: pg.url, CLICKHOUSE_DATABASE: ch.database };
    const first = await run(process.execPath, [MU, 'migrate'], { env });
    expect(first.stdout).toMatch(/^postgres: \d+ applied/m);
    expect(first.stdout).toMatch(/^clickhouse: \d+ applied/m);
    const second = await run(process.execPath, [MU, 'migrate'], { env });
    expect(second.stdout).toMatch(/^postgres: 0 applied, \d+ already applied/m);
    expect(second.stdout).toMatch(/^clickhouse: 0 applied, \d+ already applied/m);
    const { rows } = await pg.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mu_schema_migrations',
    );
    expect(rows[0]?.n).toBeGreaterThanOrEqual(0);
  });

  it('migrate names every bad variable and exits 1', async () => {
    const env = { ...process.env, DATABASE_URL: 'mysql://x', CLICKHOUSE_URL: 'ftp://x' };
    const stderr: unknown = expect.stringMatching(
      /invalid environment \(2 variables\)[\s\S]*DATABASE_URL[\s\S]*CLICKHOUSE_URL/,
    );
    await expect(run(process.execPath, [MU, 'migrate'], { env })).rejects.toMatchObject({ code: 1, stderr });
  });

  it('streams provision creates every stream and consumer, idempotently', async () => {
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, [MU, 'streams', 'provision'], { env: process.env });
      expect(stdout).toContain(
        'streams: USAGE_RAW, USAGE_UNIQUE, USAGE_REJECTED, DEAD_LETTER, BILLING_EVENTS',
      );
      expect(stdout).toContain('consumers: USAGE_RAW/deduplicator, USAGE_UNIQUE/rater');
    }
  });
});
