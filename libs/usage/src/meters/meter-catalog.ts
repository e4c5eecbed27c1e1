import { CatalogChanged, decodeMessage, Subjects } from '@mu/contracts';
import { compileMeter, type CompiledMeter, type MeterDefinition } from '@mu/metering';
import type { Logger, Pool } from '@mu/platform';
import type { NatsConnection, Subscription } from 'nats';

/** What the rater needs of one tenant: its live meters, compiled, and its retention. */
export interface TenantMeters {
  meters: CompiledMeter[];
  retentionDays: number;
  loadedAt: number;
}

interface MeterRow {
  id: string;
  key: string;
  event_type: string;
  aggregation: MeterDefinition['aggregation'];
  value_path: string | null;
  filters: MeterDefinition['filters'];
  group_by: Record<string, string>;
}

/**
 * Meters per tenant, from Postgres, cached. A `catalog.changed.v1` for a meter drops the
 * tenant's entry at once; the TTL bounds staleness if such a notice is lost (core NATS is
 * at most once). A meter created after an event was rated does not rate it retroactively:
 * usage counts from the meter's creation (documented in docs/metering.md).
 */
export class MeterCatalog {
  private readonly cache = new Map<string, Promise<TenantMeters>>();
  private sub?: Subscription;

  constructor(
    private readonly pg: Pool,
    private readonly logger: Logger,
    private readonly ttlMs = 30_000,
  ) {}

  /** Listen for catalog changes (meters) to drop cached entries. */
  watch(nc: NatsConnection): void {
    this.sub = nc.subscribe(Subjects.catalogChanged, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const change = decodeMessage(CatalogChanged, msg.data);
          if (change.kind === 'meter') this.cache.delete(change.tenantId);
        } catch (e) {
          this.logger.warn({ err: e }, 'undecodable catalog change ignored');
        }
      },
    });
  }

  close(): void {
    this.sub?.unsubscribe();
  }

  async forTenant(tenantId: string): Promise<TenantMeters> {
    const cached = this.cache.get(tenantId);
    if (cached) {
      const entry = await cached.catch(() => undefined);
      if (entry && Date.now() - entry.loadedAt < this.ttlMs) return entry;
      if (this.cache.get(tenantId) === cached) this.cache.delete(tenantId);
    }
    const loading = this.load(tenantId);
    this.cache.set(tenantId, loading);
    loading.catch(() => {
      if (this.cache.get(tenantId) === loading) this.cache.delete(tenantId);
    });
    return loading;
  }

  private async load(tenantId: string): Promise<TenantMeters> {
    const [meters, tenant] = await Promise.all([
      this.pg.query<MeterRow>(
        `SELECT id, key, event_type, aggregation, value_path, filters, group_by
           FROM meters WHERE tenant_id = $1 AND archived_at IS NULL ORDER BY id`,
        [tenantId],
      ),
      this.pg.query<{ raw_event_retention_days: number }>(
        'SELECT raw_event_retention_days FROM tenants WHERE id = $1',
        [tenantId],
      ),
    ]);
    const compiled: CompiledMeter[] = [];
    for (const r of meters.rows) {
      try {
        compiled.push(
          compileMeter({
            id: r.id,
            key: r.key,
            eventType: r.event_type,
            aggregation: r.aggregation,
            valuePath: r.value_path,
            filters: r.filters,
            groupBy: r.group_by,
          }),
        );
      } catch (err) {
        // One unusable meter must not stop its tenant's others: it rates nothing and says so.
        this.logger.error({ err, tenantId, meterId: r.id }, 'meter definition unusable; skipped');
      }
    }
    return {
      meters: compiled,
      retentionDays: tenant.rows[0]?.raw_event_retention_days ?? 3650,
      loadedAt: Date.now(),
    };
  }
}
