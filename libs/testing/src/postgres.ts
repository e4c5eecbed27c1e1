import { Pool } from 'pg';
import { requireServices, uniqueId } from './infra';

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh Postgres database for one test file, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { postgres } = await requireServices('postgres');
  const name = uniqueId('mu_t');
  const admin = new Pool({ connectionString: postgres, max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(postgres);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = new Pool({ connectionString: url, max: 5 });
  // pool.end() resolves before its clients' sockets are closed, so DROP ... WITH (FORCE) below
  // can terminate one that is still closing; an idle client's error without a listener would
  // fail the test file that has already passed.
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      const a = new Pool({ connectionString: postgres, max: 1 });
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
