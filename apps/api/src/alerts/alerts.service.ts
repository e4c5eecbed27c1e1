import { Inject, Injectable } from '@nestjs/common';
import { alertThreshold, type AlertFiringRow, type AlertRow } from '@mu/billing';
import { newId } from '@mu/platform';
import { DB, rowOr404, type Db } from '../db/db.module';
import { NotFoundError, ValidationFailedError, type FieldIssue } from '../http/errors';
import { toPage, type Page, type PageQuery } from '../http/pagination';
import { MetersService } from '../meters/meters.service';
import type { AlertDto, AlertFiringDto, AlertListQuery, CreateAlertDto, UpdateAlertDto } from './alert.dto';

/**
 * Usage and spend alerts. The rater evaluates them after its flushes (libs/billing) and fires
 * each at most once per billing period; here they are defined and their firings listed.
 */
@Injectable()
export class AlertsService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly meters: MetersService,
  ) {}

  async create(tenantId: string, input: CreateAlertDto): Promise<AlertDto> {
    const issues = thresholdRules(input);
    if (input.metric === 'usage' && !input.meter)
      issues.push({ path: 'meter', message: 'meter is required for a usage alert' });
    if (input.metric === 'spend' && input.meter)
      issues.push({ path: 'meter', message: 'a spend alert watches the charges, not a meter; remove meter' });
    const sub = await this.db
      .selectFrom('subscriptions')
      .select(['id', 'customer_id'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', input.subscriptionId)
      .executeTakeFirst();
    if (!sub)
      issues.push({ path: 'subscriptionId', message: `subscription ${input.subscriptionId} not found` });
    let meterId: string | null = null;
    if (input.metric === 'usage' && input.meter) {
      try {
        meterId = (await this.meters.row(tenantId, input.meter)).id;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        issues.push({ path: 'meter', message: `meter ${input.meter} not found` });
      }
    }
    if (issues.length) throw new ValidationFailedError(issues);
    const id = newId('alr');
    await this.db
      .insertInto('alerts')
      .values({
        id,
        tenant_id: tenantId,
        customer_id: sub!.customer_id,
        subscription_id: sub!.id,
        name: input.name,
        metric: input.metric,
        meter_id: meterId,
        threshold: input.threshold ?? null,
        budget: input.budget ?? null,
        percent: input.percent ?? null,
        enabled: input.enabled ?? true,
        updated_at: new Date(),
      })
      .execute();
    return this.get(tenantId, id);
  }

  async get(tenantId: string, id: string): Promise<AlertDto> {
    return toDto(await this.row(tenantId, id));
  }

  async list(tenantId: string, q: AlertListQuery): Promise<Page<AlertDto>> {
    let query = this.db.selectFrom('alerts').selectAll().where('tenant_id', '=', tenantId);
    if (q.customer) query = query.where('customer_id', '=', q.customer);
    if (q.subscription) query = query.where('subscription_id', '=', q.subscription);
    if (q.cursor) query = query.where('id', '>', q.cursor);
    return toPage(
      await query
        .orderBy('id')
        .limit(q.limit + 1)
        .execute(),
      q.limit,
      toDto,
    );
  }

  async update(tenantId: string, id: string, input: UpdateAlertDto): Promise<AlertDto> {
    const row = await this.row(tenantId, id);
    const changesThreshold = [input.threshold, input.budget, input.percent].some((v) => v !== undefined);
    if (changesThreshold) {
      const issues = thresholdRules(input);
      if (issues.length) throw new ValidationFailedError(issues);
    }
    await this.db
      .updateTable('alerts')
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(changesThreshold
          ? {
              threshold: input.threshold ?? null,
              budget: input.budget ?? null,
              percent: input.percent ?? null,
            }
          : {}),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', row.id)
      .execute();
    return this.get(tenantId, row.id);
  }

  /** Deletes the alert and its firing history (firings already announced stay in the stream). */
  async remove(tenantId: string, id: string): Promise<AlertDto> {
    const dto = await this.get(tenantId, id);
    await this.db.deleteFrom('alerts').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    return dto;
  }

  async firings(tenantId: string, id: string, page: PageQuery): Promise<Page<AlertFiringDto>> {
    await this.row(tenantId, id);
    let q = this.db
      .selectFrom('alert_firings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('alert_id', '=', id);
    if (page.cursor) q = q.where('id', '>', page.cursor);
    return toPage(
      await q
        .orderBy('id')
        .limit(page.limit + 1)
        .execute(),
      page.limit,
      firingDto,
    );
  }

  private row(tenantId: string, id: string): Promise<AlertRow> {
    return rowOr404(this.db, 'alerts', tenantId, id, 'alert');
  }
}

/** Exactly one of: threshold, or budget with percent. */
function thresholdRules(input: { threshold?: string; budget?: string; percent?: string }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const hasBudget = input.budget !== undefined || input.percent !== undefined;
  if (input.threshold !== undefined && hasBudget)
    issues.push({ path: 'threshold', message: 'give either threshold, or budget and percent, not both' });
  else if (input.threshold === undefined && !hasBudget)
    issues.push({ path: 'threshold', message: 'threshold (or budget and percent) is required' });
  else if (hasBudget && (input.budget === undefined || input.percent === undefined))
    issues.push({
      path: input.budget === undefined ? 'budget' : 'percent',
      message: 'budget and percent go together',
    });
  for (const key of ['threshold', 'budget', 'percent'] as const) {
    const v = input[key];
    if (v !== undefined && Number(v) === 0)
      issues.push({ path: key, message: `${key} must be greater than 0` });
  }
  if (input.percent !== undefined && Number(input.percent) > 1000)
    issues.push({ path: 'percent', message: 'percent must be at most 1000' });
  return issues;
}

function toDto(r: AlertRow): AlertDto {
  return {
    id: r.id,
    customerId: r.customer_id,
    subscriptionId: r.subscription_id,
    name: r.name,
    metric: r.metric,
    meterId: r.meter_id,
    threshold: r.threshold,
    budget: r.budget,
    percent: r.percent,
    effectiveThreshold: alertThreshold(r).toFixed(),
    enabled: r.enabled,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function firingDto(f: AlertFiringRow): AlertFiringDto {
  return {
    id: f.id,
    alertId: f.alert_id,
    periodStart: f.period_start.toISOString(),
    periodEnd: f.period_end.toISOString(),
    value: f.value,
    threshold: f.threshold,
    currency: f.currency,
    firedAt: f.fired_at.toISOString(),
    publishedAt: f.published_at?.toISOString() ?? null,
  };
}
