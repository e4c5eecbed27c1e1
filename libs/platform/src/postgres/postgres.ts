import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import type { PostgresConfig } from '../config/env';

export { Pool } from 'pg';
export type { Kysely } from 'kysely';

export function createPgPool(
  config: Pick<PostgresConfig, 'DATABASE_URL' | 'DATABASE_POOL_MAX'>,
  name: string,
): Pool {
  return new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    application_name: name,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
}

/** A typed query builder over an existing pool (the pool's owner closes it). */
export function createKysely<DB>(pool: Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
