import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema';

export type NumberedKind = 'invoice' | 'credit_note';

const SEQ = /\{SEQ(?::([1-9][0-9]?))?\}/;

/**
 * The next gapless number of a tenant's sequence, formatted. Must run inside the transaction
 * that uses it: the counter row is locked until that transaction ends, and a rollback returns
 * the number, so issued numbers have no gaps and concurrent finalizations queue on the row.
 * `{YYYY}` in the format starts a sequence per year (of `at`, UTC).
 */
export async function takeNumber(
  tx: Transaction<Database> | Kysely<Database>,
  tenantId: string,
  kind: NumberedKind,
  format: string,
  at: Date,
): Promise<string> {
  if (!SEQ.test(format)) throw new Error(`number format ${format} has no {SEQ}`);
  const year = String(at.getUTCFullYear());
  const scope = format.includes('{YYYY}') ? `${kind}:${year}` : kind;
  const row = await tx
    .insertInto('number_sequences')
    .values({ tenant_id: tenantId, scope, last_value: 1 })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'scope']).doUpdateSet({ last_value: sql`number_sequences.last_value + 1` }),
    )
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return formatNumber(format, year, Number(row.last_value));
}

export function formatNumber(format: string, year: string, seq: number): string {
  return format
    .replace('{YYYY}', year)
    .replace(SEQ, (_, pad?: string) => String(seq).padStart(Number(pad ?? 0), '0'));
}
