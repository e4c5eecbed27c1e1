import { Global, Module } from '@nestjs/common';
import { createKysely, PG_POOL, type Kysely } from '@mu/platform';
import type { Pool } from 'pg';
import type { Database } from '@mu/billing';

export const DB = Symbol('mu.api.db');
export type Db = Kysely<Database>;

// The pool belongs to PlatformModule, which ends it at shutdown; Kysely holds nothing else.
@Global()
@Module({
  providers: [{ provide: DB, inject: [PG_POOL], useFactory: (pool: Pool) => createKysely<Database>(pool) }],
  exports: [DB],
})
export class DbModule {}

/** Postgres unique violation on the given constraint (or any, without a name). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** Raised by the schema's triggers (immutable published versions, meter meaning). */
export function isCheckViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23514';
}
