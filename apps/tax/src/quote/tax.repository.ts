import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@mu/platform';
import type { Pool } from 'pg';

/**
 * The tenant's tax configuration and FX rates, read from Postgres (db/postgres/0200_tax_and_fx.sql).
 * Every query is scoped by tenant_id. Rows come back as plain JSON in the engine's input shape and
 * are validated by the engine (parseTaxContext, parseFxRates) before use.
 */
@Injectable()
export class TaxRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Overrides and US taxability in force on `date`, and the rounding choice: one round trip. */
  async taxContext(tenantId: string, date: string): Promise<Record<string, unknown>> {
    const { rows } = await this.pool.query<{
      rate_overrides: unknown[];
      us_taxability: unknown[];
      rounding: string | null;
    }>(
      `SELECT
         (SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                   'country', o.country, 'region', nullif(o.region, ''), 'taxCode', nullif(o.tax_code, ''),
                   'rate', o.rate::text, 'validFrom', o.valid_from::text, 'validTo', o.valid_to::text, 'note', o.note))
                 ORDER BY o.valid_from), '[]'::json)
            FROM tax_rate_overrides o
           WHERE o.tenant_id = $1 AND o.valid_from <= $2::date AND (o.valid_to IS NULL OR o.valid_to >= $2::date)) AS rate_overrides,
         (SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                   'state', u.state, 'taxCode', u.tax_code, 'taxable', u.taxable, 'taxablePortion', u.taxable_portion::text,
                   'validFrom', u.valid_from::text, 'validTo', u.valid_to::text, 'note', u.note))
                 ORDER BY u.valid_from), '[]'::json)
            FROM tax_us_taxability u
           WHERE u.tenant_id = $1 AND u.valid_from <= $2::date AND (u.valid_to IS NULL OR u.valid_to >= $2::date)) AS us_taxability,
         (SELECT s.rounding FROM tax_tenant_settings s WHERE s.tenant_id = $1) AS rounding`,
      [tenantId, date],
    );
    const row = rows[0]!;
    return {
      rateOverrides: row.rate_overrides,
      usTaxability: row.us_taxability,
      ...(row.rounding === null ? {} : { rounding: row.rounding }),
    };
  }

  /**
   * The latest rate on or before `date` of every pair that has `currencies` on either side (so
   * cross rates through any common base are found), optionally no older than `withinDays`.
   */
  async fxRates(
    tenantId: string,
    currencies: string[],
    date: string,
    withinDays?: number,
  ): Promise<unknown[]> {
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT DISTINCT ON (base, quote)
              base, quote, rate::text AS rate, effective_date::text AS "effectiveDate", source
         FROM fx_rates
        WHERE tenant_id = $1
          AND effective_date <= $2::date
          AND ($4::int IS NULL OR effective_date >= $2::date - $4::int)
          AND (base = ANY($3::bpchar[]) OR quote = ANY($3::bpchar[]))
        ORDER BY base, quote, effective_date DESC`,
      [tenantId, date, currencies, withinDays ?? null],
    );
    return rows;
  }
}
