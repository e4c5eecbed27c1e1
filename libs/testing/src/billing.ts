import { newId } from '@mu/platform';
import type { Pool } from 'pg';

export interface SeedMeter {
  key: string;
  aggregation: string;
  eventType?: string;
  valuePath?: string | null;
}

export interface SeedCharge {
  key: string;
  name?: string;
  meter: string;
  price: unknown;
}

export interface SeedPlan {
  currency?: string;
  cadence?: string;
  charges?: SeedCharge[];
  fixedFees?: { key: string; name: string; amount: string; timing: 'in_advance' | 'in_arrears' }[];
}

/** Meters of a tenant, inserted as the api would; returns their ids by key. */
export async function seedMeters(
  pool: Pool,
  tenantId: string,
  meters: SeedMeter[],
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const m of meters) {
    ids[m.key] = newId('mtr');
    await pool.query(
      `INSERT INTO meters (id, tenant_id, key, name, event_type, aggregation, value_path)
       VALUES ($1, $2, $3, $3, $4, $5, $6)`,
      [ids[m.key], tenantId, m.key, m.eventType ?? 'api.call', m.aggregation, m.valuePath ?? null],
    );
  }
  return ids;
}

/** A published plan version; charges name meters by key (ids from `meterIds`). */
export async function seedPlanVersion(
  pool: Pool,
  tenantId: string,
  meterIds: Record<string, string>,
  plan: SeedPlan,
  key = newId('plan').toLowerCase(),
): Promise<string> {
  const planId = newId('pln');
  await pool.query(`INSERT INTO plans (id, tenant_id, key, name) VALUES ($1, $2, $3, $3)`, [
    planId,
    tenantId,
    key,
  ]);
  const versionId = newId('plv');
  const charges = (plan.charges ?? []).map((c) => ({
    key: c.key,
    name: c.name ?? c.key,
    meterId: meterIds[c.meter],
    meterKey: c.meter,
    price: c.price,
  }));
  await pool.query(
    `INSERT INTO plan_versions (id, tenant_id, plan_id, version, status, currency, billing_cadence, usage_charges, fixed_fees, published_at)
     VALUES ($1, $2, $3, 1, 'published', $4, $5, $6, $7, now())`,
    [
      versionId,
      tenantId,
      planId,
      plan.currency ?? 'EUR',
      plan.cadence ?? 'P1M',
      JSON.stringify(charges),
      JSON.stringify(plan.fixedFees ?? []),
    ],
  );
  return versionId;
}

export interface SeedCustomer {
  externalKey?: string;
  subjects?: string[];
  currency?: string;
  timeZone?: string;
  country?: string | null;
  billingAddress?: Record<string, string> | null;
  taxIds?: { type: string; value: string }[];
}

/** A customer with subject keys and a subscription on `versionId` from `start` (to `end`). */
export async function seedSubscription(
  pool: Pool,
  tenantId: string,
  versionId: string,
  start: Date,
  opts: SeedCustomer & { end?: Date | null } = {},
): Promise<{ customerId: string; subscriptionId: string; subjects: string[] }> {
  const customerId = newId('cus');
  const subjects = opts.subjects ?? [customerId];
  await pool.query(
    `INSERT INTO customers (id, tenant_id, external_key, name, currency, time_zone, country, billing_address, tax_ids)
     VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8)`,
    [
      customerId,
      tenantId,
      opts.externalKey ?? customerId,
      opts.currency ?? 'EUR',
      opts.timeZone ?? 'UTC',
      opts.country ?? null,
      opts.billingAddress ? JSON.stringify(opts.billingAddress) : null,
      JSON.stringify(opts.taxIds ?? []),
    ],
  );
  for (const s of subjects) {
    await pool.query(
      `INSERT INTO customer_subjects (tenant_id, subject_key, customer_id) VALUES ($1, $2, $3)`,
      [tenantId, s, customerId],
    );
  }
  const subscriptionId = newId('sub');
  const end = opts.end ?? null;
  await pool.query(
    `INSERT INTO subscriptions (id, tenant_id, customer_id, status, billing_alignment, start_at, end_at)
     VALUES ($1, $2, $3, $4, 'calendar', $5, $6)`,
    [subscriptionId, tenantId, customerId, end ? 'canceled' : 'active', start, end],
  );
  await pool.query(
    `INSERT INTO subscription_phases (id, tenant_id, subscription_id, plan_version_id, start_at, end_at, reason)
     VALUES ($1, $2, $3, $4, $5, $6, 'created')`,
    [newId('sph'), tenantId, subscriptionId, versionId, start, end],
  );
  return { customerId, subscriptionId, subjects };
}
