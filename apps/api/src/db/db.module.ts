import { Global, Module } from '@nestjs/common';
import { createKysely, PG_POOL, type Kysely } from '@mu/platform';
import type { Selectable } from 'kysely';
import type { Pool } from 'pg';
import type { Database } from '@mu/billing';
import { NotFoundError } from '../http/errors';

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

/** The tables of `DB` whose rows belong to one tenant and have their own `id`. */
export type TenantTable<DB> = {
  [K in keyof DB]: DB[K] extends { tenant_id: unknown; id: unknown } ? K : never;
}[keyof DB] &
  string;

/**
 * The tenant's row of `table` with this id, or 404 naming the `thing` (another tenant's id is
 * not found either: nothing tells it exists).
 */
export async function rowOr404<DB, T extends TenantTable<DB>>(
  db: Kysely<DB>,
  table: T,
  tenantId: string,
  id: string,
  thing: string,
): Promise<Selectable<DB[T]>> {
  // Kysely cannot type a where() over a generic table; the signature carries the types.
  const row: unknown = await (db as unknown as Kysely<Record<string, { tenant_id: string; id: string }>>)
    .selectFrom(table as string)
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(thing, id);
  return row as Selectable<DB[T]>;
}
