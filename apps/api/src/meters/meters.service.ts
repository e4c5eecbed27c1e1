import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@mu/platform';
import { DB, isUniqueViolation, type Db } from '../db/db.module';
import type { MeterRow } from '@mu/billing';
import { CatalogEvents } from '../http/catalog-events';
import { ConflictError, NotFoundError, ValidationFailedError, type FieldIssue } from '../http/errors';
import { toPage, type Page, type PageQuery } from '../http/pagination';
import { VALUE_PATH, type CreateMeterDto, type MeterDto, type UpdateMeterDto } from './meter.dto';

@Injectable()
export class MetersService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly events: CatalogEvents,
  ) {}

  async create(tenantId: string, input: CreateMeterDto): Promise<MeterDto> {
    const issues = meterRules(input);
    if (issues.length) throw new ValidationFailedError(issues);
    const id = newId('mtr');
    try {
      await this.db
        .insertInto('meters')
        .values({
          id,
          tenant_id: tenantId,
          key: input.key,
          name: input.name,
          description: input.description ?? null,
          event_type: input.eventType,
          aggregation: input.aggregation,
          value_path: input.valuePath ?? null,
          filters: JSON.stringify(input.filters ?? []),
          group_by: JSON.stringify(input.groupBy ?? {}),
          unit: input.unit ?? null,
          updated_at: new Date(),
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError('METER_EXISTS', `a meter with key ${input.key} already exists`);
      throw err;
    }
    this.events.announce(tenantId, 'meter', id, 'created');
    return this.get(tenantId, id);
  }

  /** By id (`mtr_...`) or by key. */
  async get(tenantId: string, idOrKey: string): Promise<MeterDto> {
    return toDto(await this.row(tenantId, idOrKey));
  }

  async row(tenantId: string, idOrKey: string): Promise<MeterRow> {
    const row = await this.db
      .selectFrom('meters')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where(idOrKey.startsWith('mtr_') ? 'id' : 'key', '=', idOrKey)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('meter', idOrKey);
    return row;
  }

  async list(tenantId: string, page: PageQuery): Promise<Page<MeterDto>> {
    let q = this.db.selectFrom('meters').selectAll().where('tenant_id', '=', tenantId);
    if (page.cursor) q = q.where('id', '>', page.cursor);
    return toPage(
      await q
        .orderBy('id')
        .limit(page.limit + 1)
        .execute(),
      page.limit,
      toDto,
    );
  }

  async update(tenantId: string, idOrKey: string, input: UpdateMeterDto): Promise<MeterDto> {
    const row = await this.row(tenantId, idOrKey);
    await this.db
      .updateTable('meters')
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.unit !== undefined ? { unit: input.unit } : {}),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', row.id)
      .execute();
    this.events.announce(tenantId, 'meter', row.id, 'updated');
    return this.get(tenantId, row.id);
  }

  /** Archived meters stop matching new plan versions; usage already metered stays. */
  async archive(tenantId: string, idOrKey: string): Promise<MeterDto> {
    const row = await this.row(tenantId, idOrKey);
    await this.db
      .updateTable('meters')
      .set({ archived_at: row.archived_at ?? new Date(), updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', row.id)
      .execute();
    this.events.announce(tenantId, 'meter', row.id, 'deleted');
    return this.get(tenantId, row.id);
  }
}

function meterRules(m: CreateMeterDto): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (m.aggregation !== 'count' && !m.valuePath)
    issues.push({ path: 'valuePath', message: `valuePath is required for aggregation ${m.aggregation}` });
  if (m.aggregation === 'count' && m.valuePath)
    issues.push({ path: 'valuePath', message: 'count counts events and takes no valuePath' });
  (m.filters ?? []).forEach((f, i) => {
    const needsValue = f.op === 'eq' || f.op === 'neq';
    const needsValues = f.op === 'in' || f.op === 'nin';
    if (needsValue !== (f.value !== undefined))
      issues.push({
        path: `filters.${i}.value`,
        message: needsValue ? `value is required for ${f.op}` : `value does not belong to ${f.op}`,
      });
    if (needsValues !== (f.values !== undefined))
      issues.push({
        path: `filters.${i}.values`,
        message: needsValues ? `values is required for ${f.op}` : `values does not belong to ${f.op}`,
      });
  });
  for (const [dim, path] of Object.entries(m.groupBy ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(dim))
      issues.push({
        path: `groupBy.${dim}`,
        message: 'dimension names are identifiers (letters, digits, _)',
      });
    if (!VALUE_PATH.test(path))
      issues.push({ path: `groupBy.${dim}`, message: 'must be a JSON path like $.region' });
  }
  return issues;
}

function toDto(r: MeterRow): MeterDto {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    description: r.description,
    eventType: r.event_type,
    aggregation: r.aggregation,
    valuePath: r.value_path,
    filters: r.filters,
    groupBy: r.group_by,
    unit: r.unit,
    createdAt: r.created_at.toISOString(),
    archivedAt: r.archived_at?.toISOString() ?? null,
  };
}
