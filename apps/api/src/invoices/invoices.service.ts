import { Inject, Injectable } from '@nestjs/common';
import {
  computeInvoice,
  creditedTotal,
  creditNotesOf,
  InvoiceStateError,
  finalizeInvoice,
  invoiceDetailView,
  invoiceLines,
  invoicePdfDocument,
  invoiceView,
  liveInvoice,
  markInvoicePaid,
  markInvoiceUncollectible,
  periodOfSubscriptionAt,
  regenerateInvoice,
  taxViewOf,
  verifyInvoice,
  voidInvoice,
  type ComputedInvoice,
  type InvoiceDetailView,
  type InvoiceRow,
  type InvoiceVerification,
  type InvoiceView,
  type InvoicingDeps,
  type SubscriptionRow,
} from '@mu/billing';
import { renderInvoicePdf } from '@mu/invoice-pdf';
import {
  CLICKHOUSE,
  NATS,
  requestFxConversion,
  requestTaxQuote,
  RpcError,
  type ClickHouseClient,
} from '@mu/platform';
import { sql } from 'kysely';
import type { NatsConnection } from 'nats';
import { DB, type Db } from '../db/db.module';
import { NotFoundError, StateError, ValidationFailedError } from '../http/errors';
import { toPage, type Page } from '../http/pagination';
import type { InvoiceListQuery, UpcomingInvoiceDto } from './invoice.dto';
import { mapInvoicingErrors } from './invoicing-errors';

/** A payment time this far ahead of the server's clock is a mistake, not skew. */
const PAID_AT_SKEW_MS = 5 * 60_000;

export interface PdfFile {
  filename: string;
  bytes: Buffer;
}

/**
 * Invoices: read, rendered, moved through their lifecycle. The rules live in libs/billing
 * (lifecycle, credit notes, verification), shared with the invoicer and the CLI; this service
 * checks the request, scopes every query to the tenant, and maps the library's errors.
 */
@Injectable()
export class InvoicesService {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
    @Inject(NATS) private readonly nc: NatsConnection,
  ) {}

  /** The tax service over NATS request/reply, as the invoicer uses it. */
  private deps(withTax = true): InvoicingDeps {
    return {
      db: this.db,
      ch: this.ch,
      convertFx: (req) => requestFxConversion(this.nc, req),
      ...(withTax ? { quoteTax: (req) => requestTaxQuote(this.nc, req) } : {}),
    };
  }

  async list(tenantId: string, q: InvoiceListQuery): Promise<Page<InvoiceView>> {
    let query = this.db.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId);
    if (q.customer) query = query.where('customer_id', '=', q.customer);
    if (q.subscription) query = query.where('subscription_id', '=', q.subscription);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.periodFrom) query = query.where('period_start', '>=', new Date(q.periodFrom));
    if (q.periodTo) query = query.where('period_start', '<', new Date(q.periodTo));
    if (q.cursor) query = query.where('id', '>', q.cursor);
    const rows = await query
      .orderBy('id')
      .limit(q.limit + 1)
      .execute();
    const page = toPage(rows, q.limit, (r) => r);
    const credited = await this.creditedTotals(
      tenantId,
      page.data.map((r) => r.id),
    );
    return {
      data: page.data.map((r) => ({
        ...invoiceView(r),
        creditedTotal: creditedTotal([{ total: credited.get(r.id) ?? '0' }], r.currency),
      })),
      nextCursor: page.nextCursor,
    };
  }

  async get(tenantId: string, id: string): Promise<InvoiceDetailView> {
    const row = await this.row(tenantId, id);
    const [lines, notes] = await Promise.all([
      invoiceLines(this.db, tenantId, id),
      creditNotesOf(this.db, tenantId, id),
    ]);
    return invoiceDetailView(row, lines, notes);
  }

  async pdf(tenantId: string, id: string): Promise<PdfFile> {
    const row = await this.row(tenantId, id);
    const [lines, notes, timeZone] = await Promise.all([
      invoiceLines(this.db, tenantId, id),
      creditNotesOf(this.db, tenantId, id),
      this.timeZone(tenantId, row.customer_id),
    ]);
    const units = await this.units(
      tenantId,
      lines.map((l) => l.meter_id),
    );
    const bytes = await renderInvoicePdf(invoicePdfDocument(row, lines, notes, { timeZone, units }));
    return { filename: `${safeFileName(row.number ?? `draft-${row.id}`)}.pdf`, bytes };
  }

  /** Finalizes a draft now, before its grace period ends: recomputed, numbered, announced. */
  async finalize(tenantId: string, id: string): Promise<InvoiceDetailView> {
    const row = await this.row(tenantId, id);
    if (row.status !== 'draft') throw stateError(row, 'finalize', ['draft']);
    const done = await mapInvoicingErrors(() => finalizeInvoice(this.deps(), tenantId, id, new Date()));
    if (done.invoice?.id !== id || done.invoice.status !== 'finalized') {
      // Finalized, voided or replaced by someone else meanwhile.
      throw stateError(await this.row(tenantId, id), 'finalize', ['draft']);
    }
    return this.get(tenantId, id);
  }

  async void(tenantId: string, id: string, reason: string): Promise<InvoiceDetailView> {
    await mapInvoicingErrors(() => voidInvoice(this.db, tenantId, id, { reason }, new Date()));
    return this.get(tenantId, id);
  }

  /** A new draft for the period of a void invoice. */
  async regenerate(tenantId: string, id: string): Promise<InvoiceDetailView> {
    const row = await this.row(tenantId, id);
    if (row.status !== 'void') throw stateError(row, 'regenerate', ['void']);
    const live =
      row.kind !== 'period'
        ? undefined
        : await liveInvoice({ db: this.db }, tenantId, row.subscription_id, row.period_start.toISOString());
    if (live) {
      throw new StateError(
        'INVOICE_STATE',
        `invoice ${id} is void, but its period is already billed by invoice ${live.id} (${live.status})`,
      );
    }
    const done = await mapInvoicingErrors(() => regenerateInvoice(this.deps(), tenantId, id, new Date()));
    if (!done.invoice || done.invoice.id === id) {
      throw new StateError(
        'INVOICE_STATE',
        `invoice ${id}: its period could not be invoiced again (${done.action})`,
      );
    }
    return this.get(tenantId, done.invoice.id);
  }

  async markPaid(tenantId: string, id: string, paidAt: string | undefined): Promise<InvoiceDetailView> {
    const now = new Date();
    const at = paidAt ? new Date(paidAt) : now;
    if (at.getTime() > now.getTime() + PAID_AT_SKEW_MS) {
      throw new ValidationFailedError([{ path: 'paidAt', message: 'paidAt must not be in the future' }]);
    }
    await mapInvoicingErrors(() => markInvoicePaid(this.db, tenantId, id, { paidAt: at }, now));
    return this.get(tenantId, id);
  }

  async markUncollectible(tenantId: string, id: string): Promise<InvoiceDetailView> {
    await mapInvoicingErrors(() => markInvoiceUncollectible(this.db, tenantId, id, new Date()));
    return this.get(tenantId, id);
  }

  /** Recompute from the usage store and compare with the stored lines (`mu invoice verify`). */
  async verify(tenantId: string, id: string): Promise<InvoiceVerification> {
    await this.row(tenantId, id);
    return mapInvoicingErrors(() => verifyInvoice({ db: this.db, ch: this.ch }, tenantId, id));
  }

  /**
   * The running period's invoice as closing it now would make it, written nowhere. The tax is
   * quoted when the tax service answers; if it does not, the preview says so instead of failing.
   */
  async upcoming(tenantId: string, customerId: string, subscriptionId?: string): Promise<UpcomingInvoiceDto> {
    const customer = await this.db
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    if (!customer) throw new NotFoundError('customer', customerId);
    const now = new Date();
    const sub = await this.runningSubscription(tenantId, customerId, subscriptionId, now);
    const period = await periodOfSubscriptionAt(this.db, tenantId, sub, now);
    if (!period) {
      throw new StateError('NO_RUNNING_PERIOD', `subscription ${sub.id} has no billing period running now`);
    }
    let computed: ComputedInvoice;
    try {
      computed = await computeInvoice(this.deps(), tenantId, sub, period, { through: now });
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      computed = await mapInvoicingErrors(() =>
        computeInvoice(this.deps(false), tenantId, sub, period, { through: now }),
      );
      computed.tax = { status: 'not_calculated', reason: `the tax service did not quote (${err.code})` };
    }
    return {
      customerId: computed.customerId,
      subscriptionId: computed.subscriptionId,
      currency: computed.currency,
      periodStart: computed.period.start,
      periodEnd: computed.period.end,
      through: computed.through,
      lines: computed.lines,
      subtotal: computed.subtotal,
      taxTotal: computed.taxTotal,
      total: computed.total,
      creditsApplied: computed.creditsApplied,
      amountDue: computed.amountDue,
      tax: taxViewOf(computed.tax),
      seller: { ...computed.seller },
      buyer: { ...computed.buyer },
    };
  }

  private async runningSubscription(
    tenantId: string,
    customerId: string,
    subscriptionId: string | undefined,
    now: Date,
  ): Promise<SubscriptionRow> {
    let q = this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId);
    if (subscriptionId) {
      const sub = await q.where('id', '=', subscriptionId).executeTakeFirst();
      if (!sub) {
        throw new ValidationFailedError([
          {
            path: 'subscription',
            message: `subscription ${subscriptionId} of customer ${customerId} not found`,
          },
        ]);
      }
      return sub;
    }
    q = q
      .where('start_at', '<=', now)
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', now)]));
    const running = await q.orderBy('start_at').execute();
    if (running.length === 0) {
      throw new StateError('NO_RUNNING_PERIOD', `customer ${customerId} has no subscription running now`);
    }
    if (running.length > 1) {
      throw new ValidationFailedError([
        {
          path: 'subscription',
          message: `customer ${customerId} has ${running.length} running subscriptions: name one (${running.map((s) => s.id).join(', ')})`,
        },
      ]);
    }
    return running[0]!;
  }

  async row(tenantId: string, id: string): Promise<InvoiceRow> {
    const row = await this.db
      .selectFrom('invoices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('invoice', id);
    return row;
  }

  /** The customer's billing time zone: dates on paper are the customer's days. */
  async timeZone(tenantId: string, customerId: string): Promise<string> {
    const c = await this.db
      .selectFrom('customers')
      .select('time_zone')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    return c?.time_zone ?? 'UTC';
  }

  /** The unit of each meter, printed beside quantities. */
  async units(
    tenantId: string,
    meterIds: readonly (string | null)[],
  ): Promise<Record<string, string | null>> {
    const ids = [...new Set(meterIds.filter((m): m is string => m !== null))];
    if (ids.length === 0) return {};
    const rows = await this.db
      .selectFrom('meters')
      .select(['id', 'unit'])
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', ids)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.id, r.unit]));
  }

  private async creditedTotals(tenantId: string, invoiceIds: string[]): Promise<Map<string, string>> {
    if (invoiceIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('credit_notes')
      .select(['invoice_id', sql<string>`sum(total)::text`.as('credited')])
      .where('tenant_id', '=', tenantId)
      .where('invoice_id', 'in', invoiceIds)
      .groupBy('invoice_id')
      .execute();
    return new Map(rows.map((r) => [r.invoice_id, r.credited]));
  }
}

function stateError(row: Pick<InvoiceRow, 'id' | 'status'>, action: string, allowed: string[]): StateError {
  return new StateError('INVOICE_STATE', new InvoiceStateError(row.id, row.status, action, allowed).message);
}

/** A number format may contain `/` or `#`: keep the file name one safe token. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
