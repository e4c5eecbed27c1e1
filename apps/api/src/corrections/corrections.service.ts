import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { UsageEventV1 } from '@mu/contracts';
import {
  CLICKHOUSE,
  LOGGER,
  newId,
  PG_POOL,
  type ClickHouseClient,
  type Logger,
  type Pool,
} from '@mu/platform';
import {
  appendEventRows,
  loadStoredEvent,
  MeterCatalog,
  sourcesOfEvent,
  UsageWriter,
  voidRows,
  type StoredEvent,
} from '@mu/usage';
import { DB, type Db } from '../db/db.module';
import type { Selectable } from 'kysely';
import type { EventCorrectionsTable } from '@mu/billing';
import { ConflictError, NotFoundError } from '../http/errors';
import type { AmendEventDto, CorrectionDto, VoidEventDto } from './correction.dto';

/**
 * Voids and amends accepted events. Nothing in the usage store is edited or deleted: a void
 * writes the event's live rows again with a higher version and is_deleted = 1; an amendment
 * writes the void and then the corrected event, rated by the tenant's meters now, one version
 * higher still. Every correction is recorded in Postgres first (who, when, why, what changed);
 * if the usage store then refuses the write, the record is removed and the caller gets the
 * error, so a record always means an applied correction. The write's insert token is the
 * correction id, so a retried write is not applied twice.
 */
@Injectable()
export class CorrectionsService implements OnModuleDestroy {
  private readonly writer: UsageWriter;
  private readonly catalog: MeterCatalog;

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
    @Inject(PG_POOL) pg: Pool,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.writer = new UsageWriter(ch);
    // Corrections are rare: read the meters afresh every time.
    this.catalog = new MeterCatalog(pg, logger, 0);
  }

  onModuleDestroy(): void {
    this.catalog.close();
  }

  async void(tenantId: string, actor: string, eventId: string, input: VoidEventDto): Promise<CorrectionDto> {
    const { source, stored } = await this.find(tenantId, eventId, input.source);
    const version = stored.maxVersion + 1;
    return this.apply(
      tenantId,
      actor,
      { source, eventId, action: 'void', reason: input.reason, version },
      {},
      () => voidRows(stored, version),
    );
  }

  async amend(
    tenantId: string,
    actor: string,
    eventId: string,
    input: AmendEventDto,
  ): Promise<CorrectionDto> {
    const { source, stored } = await this.find(tenantId, eventId, input.source);
    const old = stored.event;
    if (!old) {
      throw new ConflictError(
        'RAW_EVENT_EXPIRED',
        `event ${eventId} has no raw data any more (retention); it can be voided, not amended`,
      );
    }
    const before: UsageEventV1 = {
      id: eventId,
      source,
      type: old.type,
      subject: old.subject,
      time: `${old.time.replace(' ', 'T')}Z`,
      data: JSON.parse(old.data) as Record<string, unknown>,
    };
    const after: UsageEventV1 = {
      ...before,
      ...(input.type !== undefined ? { type: input.type } : {}),
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      ...(input.time !== undefined ? { time: new Date(input.time).toISOString() } : {}),
      ...(input.data !== undefined ? { data: input.data } : {}),
    };
    const changes: Record<string, unknown> = {};
    for (const k of ['type', 'subject', 'time', 'data'] as const) {
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k]))
        changes[k] = { from: before[k], to: after[k] };
    }
    if (Object.keys(changes).length === 0) {
      throw new ConflictError(
        'NOTHING_TO_AMEND',
        'the amendment changes none of type, subject, time or data',
      );
    }
    const tenant = await this.catalog.forTenant(tenantId);
    const voidVersion = stored.maxVersion + 1;
    return this.apply(
      tenantId,
      actor,
      { source, eventId, action: 'amend', reason: input.reason, version: voidVersion + 1 },
      changes,
      () => {
        const rows = voidRows(stored, voidVersion);
        appendEventRows(rows, after, {
          tenantId,
          tenant,
          receivedAt: old.received_at,
          rawSequence: old.raw_sequence,
          version: voidVersion + 1,
        });
        return rows;
      },
    );
  }

  async list(tenantId: string, eventId: string, source?: string): Promise<CorrectionDto[]> {
    let q = this.db
      .selectFrom('event_corrections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('event_id', '=', eventId);
    if (source !== undefined) q = q.where('source', '=', source);
    return (await q.orderBy('created_at').orderBy('id').execute()).map(toDto);
  }

  private async find(
    tenantId: string,
    eventId: string,
    source: string | undefined,
  ): Promise<{ source: string; stored: StoredEvent }> {
    let chosen = source;
    if (chosen === undefined) {
      const sources = await sourcesOfEvent(this.ch, tenantId, eventId);
      if (sources.length === 0) throw new NotFoundError('event', eventId);
      if (sources.length > 1) {
        throw new ConflictError(
          'AMBIGUOUS_EVENT_ID',
          `event id ${eventId} exists under several sources (${sources.join(', ')}): give source`,
        );
      }
      chosen = sources[0]!;
    }
    const stored = await loadStoredEvent(this.ch, tenantId, chosen, eventId);
    if (!stored.event && stored.values.length === 0) throw new NotFoundError('event', eventId);
    return { source: chosen, stored };
  }

  private async apply(
    tenantId: string,
    actor: string,
    c: { source: string; eventId: string; action: 'void' | 'amend'; reason: string; version: number },
    changes: Record<string, unknown>,
    rows: () => ReturnType<typeof voidRows>,
  ): Promise<CorrectionDto> {
    const id = newId('cor');
    const record = await this.db
      .insertInto('event_corrections')
      .values({
        id,
        tenant_id: tenantId,
        source: c.source,
        event_id: c.eventId,
        action: c.action,
        reason: c.reason,
        actor,
        version: c.version,
        changes: JSON.stringify(changes),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    try {
      await this.writer.write(rows(), `correction:${id}`);
    } catch (err) {
      await this.db.deleteFrom('event_corrections').where('id', '=', id).execute();
      throw err;
    }
    return toDto(record);
  }
}

function toDto(r: Selectable<EventCorrectionsTable>): CorrectionDto {
  return {
    id: r.id,
    source: r.source,
    eventId: r.event_id,
    action: r.action,
    reason: r.reason,
    actor: r.actor,
    changes: r.changes,
    createdAt: r.created_at.toISOString(),
  };
}
