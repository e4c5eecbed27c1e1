import { Inject, Injectable } from '@nestjs/common';
import { availableCredit, type CreditGrantRow } from '@mu/billing';
import { Dec } from '@mu/pricing';
import { newId } from '@mu/platform';
import { DB, rowOr404, type Db } from '../db/db.module';
import { NotFoundError, ValidationFailedError, type FieldIssue } from '../http/errors';
import { minorUnitIssues, money } from '../http/money';
import { toPage, type Page } from '../http/pagination';
import type {
  CreateCreditGrantDto,
  CreditBalanceDto,
  CreditGrantApplicationDto,
  CreditGrantDto,
  CreditGrantListQuery,
  CreditGrantStatus,
} from './credit-grant.dto';

/**
 * Prepaid credit per customer. Finalizing an invoice spends it (libs/billing, under row locks,
 * soonest expiry first) and records each spend in credit_grant_applications; here grants are
 * created, listed with that ledger, and voided.
 */
@Injectable()
export class CreditGrantsService {
  constructor(@Inject(DB) private readonly db: Db) {}

  async create(tenantId: string, customerId: string, input: CreateCreditGrantDto): Promise<CreditGrantDto> {
    const customer = await this.customer(tenantId, customerId);
    const issues: FieldIssue[] = minorUnitIssues('amount', input.amount, input.currency);
    const effectiveAt = input.effectiveAt ? new Date(input.effectiveAt) : new Date();
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= effectiveAt)
      issues.push({
        path: 'expiresAt',
        message: `expiresAt must be after effectiveAt (${effectiveAt.toISOString()})`,
      });
    if (issues.length) throw new ValidationFailedError(issues, 'invalid credit grant');
    const amount = money(input.amount, input.currency);
    const id = newId('cgr');
    await this.db
      .insertInto('credit_grants')
      .values({
        id,
        tenant_id: tenantId,
        customer_id: customer.id,
        name: input.name,
        currency: input.currency,
        amount,
        remaining: amount,
        effective_at: effectiveAt,
        expires_at: expiresAt,
      })
      .execute();
    return this.get(tenantId, id);
  }

  async get(tenantId: string, id: string): Promise<CreditGrantDto> {
    const [dto] = await this.toDtos(tenantId, [await this.row(tenantId, id)]);
    return dto!;
  }

  async list(tenantId: string, customerId: string, q: CreditGrantListQuery): Promise<Page<CreditGrantDto>> {
    const customer = await this.customer(tenantId, customerId);
    let query = this.db
      .selectFrom('credit_grants')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customer.id);
    if (q.currency) query = query.where('currency', '=', q.currency);
    if (q.cursor) query = query.where('id', '>', q.cursor);
    const page = toPage(
      await query
        .orderBy('id')
        .limit(q.limit + 1)
        .execute(),
      q.limit,
      (r) => r,
    );
    return { data: await this.toDtos(tenantId, page.data), nextCursor: page.nextCursor };
  }

  /**
   * What is left can no longer be spent; what invoices already spent stays spent (a void of one
   * of those invoices gives its part back, unspendable: the grant stays void). The update
   * takes the grant's row lock, so it waits for a finalization spending from it, and one that
   * starts afterwards no longer selects it.
   */
  async void(tenantId: string, id: string): Promise<CreditGrantDto> {
    const row = await this.row(tenantId, id);
    await this.db
      .updateTable('credit_grants')
      .set({ voided_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', row.id)
      .where('voided_at', 'is', null)
      .execute();
    return this.get(tenantId, row.id);
  }

  /** Per currency, the remaining credit of the grants usable now (effective, unexpired, not void). */
  async balance(tenantId: string, customerId: string, currency?: string): Promise<CreditBalanceDto> {
    const customer = await this.customer(tenantId, customerId);
    const at = new Date();
    let currencies: string[];
    if (currency) currencies = [currency];
    else {
      const rows = await this.db
        .selectFrom('credit_grants')
        .select('currency')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customer.id)
        .where('voided_at', 'is', null)
        .orderBy('currency')
        .execute();
      currencies = rows.map((r) => r.currency.trim());
    }
    const balances = [];
    for (const c of currencies) {
      // The invoicer's own definition of usable credit, so the balance is what an invoice can spend.
      const available = await availableCredit({ db: this.db }, tenantId, customer.id, c, at);
      if (currency || available.gt(0))
        balances.push({ currency: c, available: money(available.toFixed(), c) });
    }
    return { customerId: customer.id, at: at.toISOString(), balances };
  }

  private row(tenantId: string, id: string): Promise<CreditGrantRow> {
    return rowOr404(this.db, 'credit_grants', tenantId, id, 'credit grant');
  }

  private async customer(tenantId: string, id: string): Promise<{ id: string }> {
    const customer = await this.db
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!customer) throw new NotFoundError('customer', id);
    return customer;
  }

  private async toDtos(tenantId: string, rows: CreditGrantRow[]): Promise<CreditGrantDto[]> {
    if (!rows.length) return [];
    const spent = await this.db
      .selectFrom('credit_grant_applications as a')
      .innerJoin('invoices as i', (j) =>
        j.onRef('i.id', '=', 'a.invoice_id').onRef('i.tenant_id', '=', 'a.tenant_id'),
      )
      .select(['a.grant_id', 'a.invoice_id', 'a.amount', 'a.created_at', 'a.reinstated_at', 'i.number'])
      .where('a.tenant_id', '=', tenantId)
      .where(
        'a.grant_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('a.created_at')
      .orderBy('a.invoice_id')
      .execute();
    const now = new Date();
    return rows.map((r) => {
      const currency = r.currency.trim();
      const applications: CreditGrantApplicationDto[] = spent
        .filter((a) => a.grant_id === r.id)
        .map((a) => ({
          invoiceId: a.invoice_id,
          invoiceNumber: a.number,
          amount: money(a.amount, currency),
          createdAt: a.created_at.toISOString(),
          reinstatedAt: a.reinstated_at?.toISOString() ?? null,
        }));
      return {
        id: r.id,
        customerId: r.customer_id,
        name: r.name,
        currency,
        amount: money(r.amount, currency),
        remaining: money(r.remaining, currency),
        effectiveAt: r.effective_at.toISOString(),
        expiresAt: r.expires_at?.toISOString() ?? null,
        voidedAt: r.voided_at?.toISOString() ?? null,
        status: statusAt(r, now),
        applications,
        createdAt: r.created_at.toISOString(),
      };
    });
  }
}

function statusAt(g: CreditGrantRow, now: Date): CreditGrantStatus {
  if (g.voided_at) return 'voided';
  if (new Dec(g.remaining).isZero()) return 'depleted';
  if (g.expires_at && g.expires_at <= now) return 'expired';
  if (g.effective_at > now) return 'scheduled';
  return 'active';
}
