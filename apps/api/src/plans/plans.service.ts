import { Inject, Injectable } from '@nestjs/common';
import { currencyMinorUnits, parsePriceSpec, PricingError } from '@mu/pricing';
import { newId } from '@mu/platform';
import { DB, isCheckViolation, isUniqueViolation, type Db } from '../db/db.module';
import type { FixedFee, PlanRow, PlanVersionRow, UsageCharge } from '@mu/billing';
import { CatalogEvents } from '../http/catalog-events';
import {
  ConflictError,
  NotFoundError,
  StateError,
  ValidationFailedError,
  type FieldIssue,
} from '../http/errors';
import { toPage, type Page, type PageQuery } from '../http/pagination';
import type { CreatePlanDto, PlanDto, PlanVersionDto, PlanVersionInputDto, UpdatePlanDto } from './plan.dto';

/**
 * Plans and their versions. A version is a draft until published; published versions are
 * immutable (the database refuses changes too), so changing a price means a new version.
 */
@Injectable()
export class PlansService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly events: CatalogEvents,
  ) {}

  async create(tenantId: string, input: CreatePlanDto): Promise<PlanDto> {
    const id = newId('pln');
    try {
      await this.db
        .insertInto('plans')
        .values({
          id,
          tenant_id: tenantId,
          key: input.key,
          name: input.name,
          description: input.description ?? null,
          updated_at: new Date(),
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError('PLAN_EXISTS', `a plan with key ${input.key} already exists`);
      throw err;
    }
    this.events.announce(tenantId, 'plan', id, 'created');
    return this.get(tenantId, id);
  }

  async planRow(tenantId: string, idOrKey: string): Promise<PlanRow> {
    const row = await this.db
      .selectFrom('plans')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where(idOrKey.startsWith('pln_') ? 'id' : 'key', '=', idOrKey)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('plan', idOrKey);
    return row;
  }

  async get(tenantId: string, idOrKey: string): Promise<PlanDto> {
    const plan = await this.planRow(tenantId, idOrKey);
    const versions = await this.db
      .selectFrom('plan_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('plan_id', '=', plan.id)
      .orderBy('version')
      .execute();
    return planDto(plan, versions);
  }

  async list(tenantId: string, page: PageQuery): Promise<Page<PlanDto>> {
    let q = this.db.selectFrom('plans').selectAll().where('tenant_id', '=', tenantId);
    if (page.cursor) q = q.where('id', '>', page.cursor);
    const p = toPage(
      await q
        .orderBy('id')
        .limit(page.limit + 1)
        .execute(),
      page.limit,
      (r) => r,
    );
    const versions = p.data.length
      ? await this.db
          .selectFrom('plan_versions')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where(
            'plan_id',
            'in',
            p.data.map((r) => r.id),
          )
          .orderBy('version')
          .execute()
      : [];
    return {
      data: p.data.map((r) =>
        planDto(
          r,
          versions.filter((v) => v.plan_id === r.id),
        ),
      ),
      nextCursor: p.nextCursor,
    };
  }

  async update(tenantId: string, idOrKey: string, input: UpdatePlanDto): Promise<PlanDto> {
    const plan = await this.planRow(tenantId, idOrKey);
    await this.db
      .updateTable('plans')
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', plan.id)
      .execute();
    this.events.announce(tenantId, 'plan', plan.id, 'updated');
    return this.get(tenantId, plan.id);
  }

  /** A new draft, numbered after the plan's last version (the plan row is locked while numbering). */
  async createVersion(
    tenantId: string,
    planIdOrKey: string,
    input: PlanVersionInputDto,
  ): Promise<PlanVersionDto> {
    const plan = await this.planRow(tenantId, planIdOrKey);
    const content = await this.validateContent(tenantId, input);
    const id = newId('plv');
    await this.db.transaction().execute(async (tx) => {
      await tx.selectFrom('plans').select('id').where('id', '=', plan.id).forUpdate().execute();
      const last = await tx
        .selectFrom('plan_versions')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('plan_id', '=', plan.id)
        .executeTakeFirst();
      await tx
        .insertInto('plan_versions')
        .values({
          id,
          tenant_id: tenantId,
          plan_id: plan.id,
          version: Number(last?.v ?? 0) + 1,
          status: 'draft',
          ...content,
        })
        .execute();
    });
    this.events.announce(tenantId, 'plan', plan.id, 'updated');
    return this.getVersion(tenantId, plan.id, id);
  }

  /** Replace a draft's content. Published and archived versions refuse (409 PLAN_VERSION_IMMUTABLE). */
  async replaceVersion(
    tenantId: string,
    planIdOrKey: string,
    versionRef: string,
    input: PlanVersionInputDto,
  ): Promise<PlanVersionDto> {
    const v = await this.versionRow(tenantId, planIdOrKey, versionRef);
    if (v.status !== 'draft') throw immutable(v);
    const content = await this.validateContent(tenantId, input);
    await this.guardImmutable(v, () =>
      this.db
        .updateTable('plan_versions')
        .set(content)
        .where('tenant_id', '=', tenantId)
        .where('id', '=', v.id)
        .execute(),
    );
    return this.getVersion(tenantId, v.plan_id, v.id);
  }

  async publish(tenantId: string, planIdOrKey: string, versionRef: string): Promise<PlanVersionDto> {
    const v = await this.versionRow(tenantId, planIdOrKey, versionRef);
    if (v.status !== 'draft')
      throw new StateError(
        'PLAN_VERSION_NOT_DRAFT',
        `plan version ${v.version} is ${v.status}; only a draft can be published`,
      );
    await this.db
      .updateTable('plan_versions')
      .set({ status: 'published', published_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', v.id)
      .execute();
    this.events.announce(tenantId, 'plan', v.plan_id, 'updated');
    return this.getVersion(tenantId, v.plan_id, v.id);
  }

  /** Archived versions take no new subscriptions; existing ones continue. */
  async archiveVersion(tenantId: string, planIdOrKey: string, versionRef: string): Promise<PlanVersionDto> {
    const v = await this.versionRow(tenantId, planIdOrKey, versionRef);
    if (v.status !== 'published')
      throw new StateError(
        'PLAN_VERSION_NOT_PUBLISHED',
        `plan version ${v.version} is ${v.status}; only a published version can be archived`,
      );
    await this.db
      .updateTable('plan_versions')
      .set({ status: 'archived', archived_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', v.id)
      .execute();
    this.events.announce(tenantId, 'plan', v.plan_id, 'updated');
    return this.getVersion(tenantId, v.plan_id, v.id);
  }

  /** Delete a draft (never a published version). */
  async deleteDraft(tenantId: string, planIdOrKey: string, versionRef: string): Promise<void> {
    const v = await this.versionRow(tenantId, planIdOrKey, versionRef);
    if (v.status !== 'draft') throw immutable(v);
    await this.guardImmutable(v, () =>
      this.db.deleteFrom('plan_versions').where('tenant_id', '=', tenantId).where('id', '=', v.id).execute(),
    );
  }

  async getVersion(tenantId: string, planIdOrKey: string, versionRef: string): Promise<PlanVersionDto> {
    const v = await this.versionRow(tenantId, planIdOrKey, versionRef);
    const plan = await this.planRow(tenantId, v.plan_id);
    return versionDto(plan, v);
  }

  /** A version by id (`plv_...`) or number within the plan. */
  async versionRow(tenantId: string, planIdOrKey: string, versionRef: string): Promise<PlanVersionRow> {
    const plan = await this.planRow(tenantId, planIdOrKey);
    let q = this.db
      .selectFrom('plan_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('plan_id', '=', plan.id);
    if (versionRef.startsWith('plv_')) q = q.where('id', '=', versionRef);
    else if (/^\d{1,9}$/.test(versionRef)) q = q.where('version', '=', Number(versionRef));
    else throw new NotFoundError('plan version', versionRef);
    const v = await q.executeTakeFirst();
    if (!v) throw new NotFoundError('plan version', `${plan.key}/${versionRef}`);
    return v;
  }

  /** By id alone (`plv_...`), for subscriptions. */
  async versionById(tenantId: string, id: string): Promise<{ plan: PlanRow; version: PlanVersionRow }> {
    const v = await this.db
      .selectFrom('plan_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!v) throw new NotFoundError('plan version', id);
    return { plan: await this.planRow(tenantId, v.plan_id), version: v };
  }

  private async guardImmutable(v: PlanVersionRow, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      // A concurrent publish can land between our read and write; the trigger has the last word.
      if (isCheckViolation(err)) throw immutable({ ...v, status: 'published' });
      throw err;
    }
  }

  /** Every rule a version's content must meet, with every failure listed by path. */
  private async validateContent(tenantId: string, input: PlanVersionInputDto) {
    const issues: FieldIssue[] = [];
    const digits = currencyMinorUnits(input.currency);
    const fees: FixedFee[] = input.fixedFees ?? [];
    const keys = new Set<string>();
    fees.forEach((f, i) => {
      if ((f.amount.split('.')[1] ?? '').length > digits)
        issues.push({
          path: `fixedFees.${i}.amount`,
          message: `${input.currency} has ${digits} decimal places`,
        });
      if (keys.has(f.key))
        issues.push({ path: `fixedFees.${i}.key`, message: `charge key ${f.key} is used twice` });
      keys.add(f.key);
    });
    const charges: UsageCharge[] = [];
    const meterRefs = [...new Set((input.usageCharges ?? []).map((c) => c.meter))];
    const meters = meterRefs.length
      ? await this.db
          .selectFrom('meters')
          .select(['id', 'key', 'group_by', 'archived_at'])
          .where('tenant_id', '=', tenantId)
          .where((eb) => eb.or([eb('id', 'in', meterRefs), eb('key', 'in', meterRefs)]))
          .execute()
      : [];
    (input.usageCharges ?? []).forEach((c, i) => {
      if (keys.has(c.key))
        issues.push({ path: `usageCharges.${i}.key`, message: `charge key ${c.key} is used twice` });
      keys.add(c.key);
      const meter = meters.find((m) => m.id === c.meter || m.key === c.meter);
      if (!meter)
        issues.push({ path: `usageCharges.${i}.meter`, message: `meter ${c.meter} does not exist` });
      else if (meter.archived_at)
        issues.push({ path: `usageCharges.${i}.meter`, message: `meter ${c.meter} is archived` });
      try {
        const spec = parsePriceSpec(c.price);
        if (spec.currency !== input.currency)
          issues.push({
            path: `usageCharges.${i}.price.currency`,
            message: `must be the version currency ${input.currency}`,
          });
      } catch (err) {
        if (!(err instanceof PricingError)) throw err;
        for (const issue of err.issues) {
          const sub = issue.path.replace(/\[(\d+)\]/g, '.$1');
          issues.push({
            path: `usageCharges.${i}.price${sub ? `.${sub}` : ''}`,
            message: `${issue.message} [${issue.rule}]`,
          });
        }
      }
      for (const [dim, values] of Object.entries(c.dimensions ?? {})) {
        if (meter && !(dim in meter.group_by))
          issues.push({
            path: `usageCharges.${i}.dimensions.${dim}`,
            message: `meter ${meter.key} has no dimension ${dim}`,
          });
        if (!Array.isArray(values) || values.length === 0 || !values.every((x) => typeof x === 'string')) {
          issues.push({
            path: `usageCharges.${i}.dimensions.${dim}`,
            message: 'must be a non-empty array of strings',
          });
        }
      }
      if (meter)
        charges.push({
          key: c.key,
          name: c.name,
          meterId: meter.id,
          meterKey: meter.key,
          price: c.price,
          ...(c.dimensions ? { dimensions: c.dimensions } : {}),
        });
    });
    if (issues.length) throw new ValidationFailedError(issues, 'invalid plan version');
    return {
      currency: input.currency,
      billing_cadence: input.billingCadence,
      fixed_fees: JSON.stringify(
        fees.map((f) => ({ key: f.key, name: f.name, amount: f.amount, timing: f.timing })),
      ),
      usage_charges: JSON.stringify(charges),
      trial_days: input.trialDays ?? 0,
    };
  }
}

function immutable(v: PlanVersionRow): StateError {
  return new StateError(
    'PLAN_VERSION_IMMUTABLE',
    `plan version ${v.version} is ${v.status} and cannot change; create a new version`,
  );
}

export function versionDto(plan: PlanRow, v: PlanVersionRow): PlanVersionDto {
  return {
    id: v.id,
    planId: plan.id,
    planKey: plan.key,
    version: v.version,
    status: v.status,
    currency: v.currency,
    billingCadence: v.billing_cadence,
    fixedFees: v.fixed_fees,
    usageCharges: v.usage_charges,
    trialDays: v.trial_days,
    createdAt: v.created_at.toISOString(),
    publishedAt: v.published_at?.toISOString() ?? null,
    archivedAt: v.archived_at?.toISOString() ?? null,
  };
}

function planDto(p: PlanRow, versions: PlanVersionRow[]): PlanDto {
  return {
    id: p.id,
    key: p.key,
    name: p.name,
    description: p.description,
    versions: versions.map((v) => versionDto(p, v)),
    createdAt: p.created_at.toISOString(),
  };
}
