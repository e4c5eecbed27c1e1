import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { newId } from '../ids';

export const API_KEY_PREFIX = 'mu_sk_';

export interface GeneratedApiKey {
  id: string;
  /** Shown to the user once; never stored. */
  secret: string;
  /** Stored, to tell keys apart in listings. */
  prefix: string;
  /** Stored: SHA-256 of the secret. */
  hash: string;
}

/** SHA-256 hex. The secrets are 256-bit random, so a slow password hash would add nothing. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateApiKey(): GeneratedApiKey {
  const secret = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return {
    id: newId('key'),
    secret,
    prefix: secret.slice(0, API_KEY_PREFIX.length + 6),
    hash: hashApiKey(secret),
  };
}

/** Bootstrap: a tenant and its first key, in one transaction (`mu tenant create`). */
export async function createTenantWithKey(
  pool: Pool,
  name: string,
  keyName = 'default',
): Promise<{ tenantId: string; keyId: string; secret: string }> {
  const tenantId = newId('ten');
  const key = generateApiKey();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, name]);
    await client.query(
      'INSERT INTO api_keys (id, tenant_id, name, prefix, secret_hash) VALUES ($1, $2, $3, $4, $5)',
      [key.id, tenantId, keyName, key.prefix, key.hash],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  return { tenantId, keyId: key.id, secret: key.secret };
}
