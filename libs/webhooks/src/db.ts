import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { WebhookTables } from './schema';

/**
 * The lib takes whatever Kysely (or transaction) the service has, whatever its schema type, and
 * sees only the webhook tables through it: the producer's transaction stays the producer's.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema: only the webhook tables are used
export type AnyKysely = Kysely<any>;

export function webhooksDb(db: AnyKysely): Kysely<WebhookTables> {
  return db as Kysely<WebhookTables>;
}

/** The database's now() plus `ms`: every schedule is in database time, whatever the hosts' clocks. */
export function nowPlusMs(ms: number): RawBuilder<Date> {
  return sql<Date>`now() + ${ms}::double precision * interval '1 millisecond'`;
}

export const dbNow = (): RawBuilder<Date> => sql<Date>`now()`;
