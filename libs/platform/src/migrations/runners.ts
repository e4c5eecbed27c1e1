import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool, PoolClient } from 'pg';
import { checkApplied, loadMigrations, lockKey, migrationLabel as label, splitStatements } from './files';

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Hold a session-level Postgres advisory lock while `fn` runs. Concurrent runners
 * (every replica at boot, a deploy job) queue here; the lock dies with the session,
 * so a crashed runner never leaves it held.
 */
async function withAdvisoryLock<T>(
  pool: Pool,
  name: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const key = lockKey(name);
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    try {
      return await fn(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
    }
  } finally {
    client.release();
  }
}

/** Apply pending Postgres migrations, each in its own transaction with its record. */
export async function runPostgresMigrations(
  pool: Pool,
  dir: string,
  opts: { table?: string } = {},
): Promise<MigrationReport> {
  const table = opts.table ?? 'mu_schema_migrations';
  const files = loadMigrations(dir);
  return withAdvisoryLock(pool, `mu:migrations:postgres:${table}`, async (client) => {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
         version bigint PRIMARY KEY,
         name text NOT NULL,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: string; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM ${table} ORDER BY version`,
    );
    const pending = checkApplied(
      files,
      rows.map((r) => ({ ...r, version: Number(r.version) })),
      `postgres ${table}`,
    );
    const applied: string[] = [];
    for (const m of pending) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`postgres migration ${label(m)} failed: ${(err as Error).message}`);
      }
      applied.push(label(m));
    }
    return { applied, alreadyApplied: rows.length };
  });
}

/**
 * Apply pending ClickHouse migrations. ClickHouse has no transactions or locks, so the
 * runners serialise on a Postgres advisory lock (Postgres is part of every Mu deployment),
 * and each migration's statements must be safe to re-run (IF NOT EXISTS) in case a
 * runner dies between a statement and its record.
 */
export async function runClickHouseMigrations(
  ch: ClickHouseClient,
  lockPool: Pool,
  dir: string,
  opts: { database: string; table?: string },
): Promise<MigrationReport> {
  const { database } = opts;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`bad ClickHouse database name ${database}`);
  const table = `${database}.${opts.table ?? 'mu_schema_migrations'}`;
  const files = loadMigrations(dir);
  return withAdvisoryLock(lockPool, `mu:migrations:clickhouse:${table}`, async () => {
    await ch.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    await ch.command({
      query: `CREATE TABLE IF NOT EXISTS ${table} (
                version UInt64, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
              ENGINE = ReplacingMergeTree ORDER BY version`,
    });
    const rs = await ch.query({
      query: `SELECT version, name, checksum FROM ${table} FINAL ORDER BY version`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ version: string | number; name: string; checksum: string }>();
    const pending = checkApplied(
      files,
      rows.map((r) => ({ ...r, version: Number(r.version) })),
      `clickhouse ${table}`,
    );
    const applied: string[] = [];
    for (const m of pending) {
      for (const statement of splitStatements(m.sql.replaceAll('{database}', database))) {
        try {
          await ch.command({ query: statement });
        } catch (err) {
          throw new Error(`clickhouse migration ${label(m)} failed: ${(err as Error).message}`);
        }
      }
      await ch.insert({
        table,
        values: [{ version: m.version, name: m.name, checksum: m.checksum }],
        format: 'JSONEachRow',
      });
      applied.push(label(m));
    }
    return { applied, alreadyApplied: rows.length };
  });
}
