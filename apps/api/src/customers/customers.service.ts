import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@mu/platform';
import { DB, isUniqueViolation, type Db } from '../db/db.module';
import type { CustomerRow } from '@mu/billing';
import { CatalogEvents } from '../http/catalog-events';
import { ConflictError, NotFoundError } from '../http/errors';
import { toPage, type Page, type PageQuery } from '../http/pagination';
import type { CreateCustomerDto, CustomerDto, UpdateCustomerDto } from './customer.dto';

/** Customers and their subject keys. Every query is scoped by the caller's tenant. */
@Injectable()
export class CustomersService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly events: CatalogEvents,
  ) {}

  async create(tenantId: string, input: CreateCustomerDto): Promise<CustomerDto> {
    const id = newId('cus');
    const subjects = input.subjectKeys ?? [input.externalKey];
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx
          .insertInto('customers')
          .values({
            id,
            tenant_id: tenantId,
            external_key: input.externalKey,
            name: input.name ?? null,
            email: input.email ?? null,
            billing_address: input.billingAddress ? JSON.stringify(input.billingAddress) : null,
            country: input.billingAddress?.country ?? null,
            tax_ids: JSON.stringify(input.taxIds ?? []),
            tax_exempt: input.taxExempt ?? false,
            exemption_id: input.exemptionId ?? null,
            currency: input.currency,
            time_zone: input.timeZone,
            metadata: JSON.stringify(input.metadata ?? {}),
            updated_at: new Date(),
          })
          .execute();
        if (subjects.length) {
          await tx
            .insertInto('customer_subjects')
            .values(subjects.map((s) => ({ tenant_id: tenantId, subject_key: s, customer_id: id })))
            .execute();
        }
      });
    } catch (err) {
      throw this.mapConflict(err, input.externalKey);
    }
    this.events.announce(tenantId, 'customer', id, 'created');
    return this.get(tenantId, id);
  }

  async get(tenantId: string, id: string): Promise<CustomerDto> {
    const row = await this.db
      .selectFrom('customers')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('customer', id);
    const [withSubjects] = await this.withSubjects(tenantId, [row]);
    return withSubjects!;
  }

  async list(
    tenantId: string,
    page: PageQuery,
    filter: { externalKey?: string; subjectKey?: string } = {},
  ): Promise<Page<CustomerDto>> {
    let q = this.db
      .selectFrom('customers')
      .selectAll('customers')
      .where('customers.tenant_id', '=', tenantId);
    if (filter.externalKey) q = q.where('customers.external_key', '=', filter.externalKey);
    if (filter.subjectKey) {
      q = q
        .innerJoin('customer_subjects as cs', (j) =>
          j.onRef('cs.customer_id', '=', 'customers.id').on('cs.tenant_id', '=', tenantId),
        )
        .where('cs.subject_key', '=', filter.subjectKey);
    }
    if (page.cursor) q = q.where('customers.id', '>', page.cursor);
    const rows = await q
      .orderBy('customers.id')
      .limit(page.limit + 1)
      .execute();
    const page0 = toPage(rows, page.limit, (r) => r);
    return { data: await this.withSubjects(tenantId, page0.data), nextCursor: page0.nextCursor };
  }

  async update(tenantId: string, id: string, input: UpdateCustomerDto): Promise<CustomerDto> {
    try {
      await this.db.transaction().execute(async (tx) => {
        const updated = await tx
          .updateTable('customers')
          .set({
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.email !== undefined ? { email: input.email } : {}),
            ...(input.billingAddress !== undefined
              ? {
                  billing_address: JSON.stringify(input.billingAddress),
                  country: input.billingAddress.country,
                }
              : {}),
            ...(input.taxIds !== undefined ? { tax_ids: JSON.stringify(input.taxIds) } : {}),
            ...(input.taxExempt !== undefined ? { tax_exempt: input.taxExempt } : {}),
            ...(input.exemptionId !== undefined ? { exemption_id: input.exemptionId } : {}),
            ...(input.currency !== undefined ? { currency: input.currency } : {}),
            ...(input.timeZone !== undefined ? { time_zone: input.timeZone } : {}),
            ...(input.metadata !== undefined ? { metadata: JSON.stringify(input.metadata) } : {}),
            updated_at: new Date(),
          })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .returning('id')
          .executeTakeFirst();
        if (!updated) throw new NotFoundError('customer', id);
        if (input.subjectKeys !== undefined) {
          await tx
            .deleteFrom('customer_subjects')
            .where('tenant_id', '=', tenantId)
            .where('customer_id', '=', id)
            .execute();
          if (input.subjectKeys.length) {
            await tx
              .insertInto('customer_subjects')
              .values(
                input.subjectKeys.map((s) => ({ tenant_id: tenantId, subject_key: s, customer_id: id })),
              )
              .execute();
          }
        }
      });
    } catch (err) {
      throw this.mapConflict(err);
    }
    this.events.announce(tenantId, 'customer', id, 'updated');
    return this.get(tenantId, id);
  }

  /** Archive: the customer stays, with its subject keys, so invoices and late usage still resolve to it. */
  async archive(tenantId: string, id: string): Promise<CustomerDto> {
    const active = await this.db
      .selectFrom('subscriptions')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (active)
      throw new ConflictError(
        'CUSTOMER_HAS_ACTIVE_SUBSCRIPTIONS',
        `customer ${id} has active subscription ${active.id}; cancel it first`,
      );
    const done = await this.db
      .updateTable('customers')
      .set({ archived_at: new Date(), updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('archived_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!done) await this.get(tenantId, id); // 404 if absent; archiving twice is a no-op
    this.events.announce(tenantId, 'customer', id, 'deleted');
    return this.get(tenantId, id);
  }

  private async withSubjects(tenantId: string, rows: CustomerRow[]): Promise<CustomerDto[]> {
    if (rows.length === 0) return [];
    const subjects = await this.db
      .selectFrom('customer_subjects')
      .select(['customer_id', 'subject_key'])
      .where('tenant_id', '=', tenantId)
      .where(
        'customer_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('subject_key')
      .execute();
    const by = new Map<string, string[]>();
    for (const s of subjects) by.set(s.customer_id, [...(by.get(s.customer_id) ?? []), s.subject_key]);
    return rows.map((r) => toDto(r, by.get(r.id) ?? []));
  }

  private mapConflict(err: unknown, externalKey?: string): unknown {
    if (isUniqueViolation(err, 'customers_tenant_id_external_key_key')) {
      return new ConflictError(
        'CUSTOMER_EXISTS',
        `a customer with externalKey ${externalKey} already exists`,
      );
    }
    if (isUniqueViolation(err, 'customer_subjects_pkey')) {
      const detail = /\(tenant_id, subject_key\)=\([^,]+, (.*)\) already exists/.exec(
        (err as { detail?: string }).detail ?? '',
      );
      return new ConflictError(
        'SUBJECT_KEY_TAKEN',
        `subject key ${detail?.[1] ?? ''} already belongs to another customer`.replace('  ', ' '),
      );
    }
    return err;
  }
}

function toDto(r: CustomerRow, subjectKeys: string[]): CustomerDto {
  return {
    id: r.id,
    externalKey: r.external_key,
    name: r.name,
    email: r.email,
    billingAddress: r.billing_address,
    taxIds: r.tax_ids,
    taxExempt: r.tax_exempt,
    exemptionId: r.exemption_id,
    currency: r.currency,
    timeZone: r.time_zone,
    metadata: r.metadata,
    subjectKeys,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    archivedAt: r.archived_at?.toISOString() ?? null,
  };
}
