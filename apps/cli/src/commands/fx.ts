import { readFile } from 'node:fs/promises';
import type { FxRate, parseFxCsv } from '@mu/tax-engine';
import type { Pool } from 'pg';
import { CommandError, UsageError, requiredString, type Command, optionalString } from '../command';

const USAGE = 'fx import --tenant TENANT --csv FILE [--base EUR] [--source TEXT]';
/** Rows per INSERT: one statement per chunk keeps the parameter arrays small and the import fast. */
const CHUNK = 5_000;
const UNDEFINED_TABLE = '42P01';

/**
 * Upsert the rates in one transaction: a failed import leaves the table as it was, and importing
 * the same file again changes nothing (the primary key is tenant, pair and date).
 */
export async function importFxRates(
  pool: Pool,
  tenantId: string,
  rates: readonly FxRate[],
): Promise<{ inserted: number; updated: number }> {
  const client = await pool.connect();
  let inserted = 0;
  let updated = 0;
  try {
    await client.query('BEGIN');
    for (let i = 0; i < rates.length; i += CHUNK) {
      const chunk = rates.slice(i, i + CHUNK);
      const { rows } = await client.query<{ inserted: boolean }>(
        `INSERT INTO fx_rates (tenant_id, base, quote, rate, effective_date, source)
         SELECT $1, t.base, t.quote, t.rate::numeric, t.day::date, t.source
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(base, quote, rate, day, source)
         ON CONFLICT (tenant_id, base, quote, effective_date)
         DO UPDATE SET rate = EXCLUDED.rate, source = EXCLUDED.source, imported_at = now()
         RETURNING (xmax = 0) AS inserted`,
        [
          tenantId,
          chunk.map((r) => r.base),
          chunk.map((r) => r.quote),
          chunk.map((r) => r.rate),
          chunk.map((r) => r.effectiveDate),
          chunk.map((r) => r.source),
        ],
      );
      const fresh = rows.filter((r) => r.inserted).length;
      inserted += fresh;
      updated += rows.length - fresh;
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    if ((err as { code?: string }).code === UNDEFINED_TABLE)
      throw new CommandError('the fx_rates table does not exist: run `mu migrate` first');
    throw err;
  } finally {
    client.release();
  }
  return { inserted, updated };
}

/** `mu fx import`: load ECB-style reference rates (a CSV of rates per base currency) for one tenant. */
export const fxImportCommand: Command = {
  name: 'fx import',
  summary: "import an ECB-style FX rate CSV into a tenant's effective-dated rates (DATABASE_URL)",
  usage: USAGE,
  options: {
    tenant: { type: 'string' },
    csv: { type: 'string' },
    base: { type: 'string' },
    source: { type: 'string' },
  },
  async run(args, io) {
    const tenantId = requiredString(args, 'tenant', fxImportCommand);
    const csvPath = requiredString(args, 'csv', fxImportCommand);
    if (args.positionals.length > 0)
      throw new UsageError(`unexpected argument '${args.positionals.join(' ')}'\nusage: mu ${USAGE}`);
    const { TENANT_ID } = await import('@mu/contracts');
    if (!TENANT_ID.test(tenantId))
      throw new UsageError(
        `--tenant must be letters, digits, _ and - (1-64), not ${JSON.stringify(tenantId)}`,
      );
    let text: string;
    try {
      text = await readFile(csvPath, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read --csv ${csvPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    const { FxCsvError, parseFxCsv: parse } = await import('@mu/tax-engine');
    let parsed: ReturnType<typeof parseFxCsv>;
    try {
      parsed = parse(text, {
        base: optionalString(args, 'base'),
        source: optionalString(args, 'source'),
      });
    } catch (err) {
      if (err instanceof FxCsvError) throw new UsageError(`${csvPath}: ${err.message}`);
      throw err;
    }
    const { createPgPool, loadConfig, ServiceEnv, WithPostgres } = await import('@mu/platform');
    class FxImportEnv extends WithPostgres(ServiceEnv) {}
    const config = loadConfig('mu fx import', FxImportEnv);
    const pool = createPgPool(config, 'mu-cli');
    try {
      const { inserted, updated } = await importFxRates(pool, tenantId, parsed.rates);
      const skipped =
        parsed.skipped.length > 0 ? `; skipped ${parsed.skipped.join(', ')} (not ISO 4217 currencies)` : '';
      io.out(
        `fx import: tenant ${tenantId}: ${parsed.rates.length} rates (${inserted} new, ${updated} updated), ` +
          `${parsed.currencies.length} currencies, ${parsed.firstDate} to ${parsed.lastDate}${skipped}\n`,
      );
    } finally {
      await pool.end();
    }
  },
};
