import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, hashApiKey, PG_POOL } from '@mu/platform';
import type { Pool } from 'pg';
import type { CollectorEnv } from '../config';

export interface Caller {
  tenantId: string;
  keyId: string;
}

/** Bound on remembered keys; past it the cache starts over (a key is a cheap lookup to redo). */
const MAX_CACHED_KEYS = 10_000;

/**
 * Tenant API keys by SHA-256, as the api service stores them. Valid keys are remembered for
 * COLLECTOR_API_KEY_CACHE_SECONDS, so a revoked key still works here for up to that long;
 * unknown keys are not remembered (one indexed lookup each). Concurrent lookups of one key share
 * one query.
 */
@Injectable()
export class ApiKeys {
  private readonly ttlMs: number;
  private readonly cache = new Map<string, { caller: Caller; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<Caller | undefined>>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) config: Readonly<CollectorEnv>,
  ) {
    this.ttlMs = config.COLLECTOR_API_KEY_CACHE_SECONDS * 1000;
  }

  /** The caller for `Authorization` header text, or undefined for none, malformed, unknown or revoked. */
  async authenticate(authorization: string | undefined, nowMs = Date.now()): Promise<Caller | undefined> {
    const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!m) return undefined;
    const hash = hashApiKey(m[1]!);
    const hit = this.cache.get(hash);
    if (hit && hit.expiresAt > nowMs) return hit.caller;
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.lookup(hash).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, pending);
    }
    const caller = await pending;
    if (caller && this.ttlMs > 0) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
      this.cache.set(hash, { caller, expiresAt: nowMs + this.ttlMs });
    } else if (!caller) {
      this.cache.delete(hash);
    }
    return caller;
  }

  private async lookup(hash: string): Promise<Caller | undefined> {
    const r = await this.pool.query<{ id: string; tenant_id: string }>(
      'SELECT id, tenant_id FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = r.rows[0];
    return row ? { tenantId: row.tenant_id, keyId: row.id } : undefined;
  }
}
