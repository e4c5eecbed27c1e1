import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestClickHouse,
  createTestDatabase,
  type TestClickHouse,
  type TestDatabase,
} from '@mu/testing';
import { runClickHouseMigrations, runPostgresMigrations } from '../src';

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mu-mig-'));
  for (const [n, sql] of Object.entries(files)) writeFileSync(join(dir, n), sql);
  return dir;
}

let pg: TestDatabase;
let ch: TestClickHouse;
beforeAll(async () => {
  [pg, ch] = await Promise.all([createTestDatabase(), createTestClickHouse()]);
});
afterAll(async () => {
  await Promise.all([pg.drop(), ch.drop()]);
});

describe('Postgres migration runner (real Postgres)', () => {
  const dir = migrationsDir({
    '0001_accounts.sql': 'CREATE TABLE accounts (id text PRIMARY KEY);',
    // Not idempotent on purpose: it would fail if applied twice.
    '0002_seed.sql': "INSERT INTO accounts VALUES ('a'); ALTER TABLE accounts ADD COLUMN note text;",
  });

  it('applies each migration once, even when runners race', async () => {
    const reports = await Promise.all([1, 2, 3, 4].map(() => runPostgresMigrations(pg.pool, dir)));
    expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 0, 0, 2]);
    const again = await runPostgresMigrations(pg.pool, dir);
    expect(again).toEqual({ applied: [], alreadyApplied: 2 });
    const { rows } = await pg.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts');
    expect(rows[0]?.n).toBe(1);
    const recorded = await pg.pool.query('SELECT version, name FROM mu_schema_migrations ORDER BY version');
    expect(recorded.rows).toEqual([
      { version: '1', name: 'accounts' },
      { version: '2', name: 'seed' },
    ]);
  });

  it('rolls back a failing migration entirely and reports which one', async () => {
    const bad = migrationsDir({
      '0001_accounts.sql': 'CREATE TABLE accounts (id text PRIMARY KEY);',
      '0002_seed.sql': "INSERT INTO accounts VALUES ('a'); ALTER TABLE accounts ADD COLUMN note text;",
      '0003_broken.sql': "INSERT INTO accounts VALUES ('b'); SELECT * FROM no_such_table;",
    });
    await expect(runPostgresMigrations(pg.pool, bad)).rejects.toThrow(/0003_broken failed: .*no_such_table/);
    const { rows } = await pg.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM accounts WHERE id = 'b'",
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const edited = migrationsDir({
      '0001_accounts.sql': 'CREATE TABLE accounts (id text PRIMARY KEY, x int);',
      '0002_seed.sql': "INSERT INTO accounts VALUES ('a'); ALTER TABLE accounts ADD COLUMN note text;",
    });
    await expect(runPostgresMigrations(pg.pool, edited)).rejects.toThrow(
      /0001_accounts changed after it was applied/,
    );
  });
});

describe('ClickHouse migration runner (real ClickHouse)', () => {
  const dir = migrationsDir({
    '0001_events.sql': `CREATE TABLE IF NOT EXISTS {database}.events (k String, v Decimal(38, 12))
                        ENGINE = ReplacingMergeTree ORDER BY k;
                        CREATE TABLE IF NOT EXISTS {database}.totals (k String, total Decimal(38, 12)) ENGINE = MergeTree ORDER BY k;`,
    '0002_seed.sql': `INSERT INTO {database}.events VALUES ('a', 1.5)`,
  });

  it('applies each migration once, even when runners race, statement by statement', async () => {
    const reports = await Promise.all(
      [1, 2, 3].map(() => runClickHouseMigrations(ch.client, pg.pool, dir, { database: ch.database })),
    );
    expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 0, 2]);
    expect(await runClickHouseMigrations(ch.client, pg.pool, dir, { database: ch.database })).toEqual({
      applied: [],
      alreadyApplied: 2,
    });
    const rs = await ch.client.query({
      query: `SELECT count() AS n FROM ${ch.database}.events`,
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: '1' }]);
    const tables = await ch.client.query({
      query: `SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name`,
      query_params: { db: ch.database },
      format: 'JSONEachRow',
    });
    expect((await tables.json<{ name: string }>()).map((r) => r.name)).toEqual([
      'events',
      'mu_schema_migrations',
      'totals',
    ]);
  });

  it('names the failing migration', async () => {
    const bad = migrationsDir({
      '0001_bad.sql': 'CREATE TABLE {database}.x (k Strin) ENGINE = MergeTree ORDER BY k',
    });
    await expect(
      runClickHouseMigrations(ch.client, pg.pool, bad, { database: ch.database, table: 'other_migrations' }),
    ).rejects.toThrow(/clickhouse migration 0001_bad failed: .*Strin/);
  });
});
