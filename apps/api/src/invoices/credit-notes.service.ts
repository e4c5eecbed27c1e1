import { Inject, Injectable } from '@nestjs/common';
import {
  creditNotePdfDocument,
  creditNoteView,
  invoiceLines,
  issueCreditNote,
  type CreditNoteRow,
  type CreditNoteView,
  type InvoiceRow,
} from '@mu/billing';
import { renderInvoicePdf } from '@mu/invoice-pdf';
import { DB, type Db } from '../db/db.module';
import { NotFoundError } from '../http/errors';
import { toPage, type Page } from '../http/pagination';
import type { CreateCreditNoteDto, CreditNoteListQuery } from './invoice.dto';
import { InvoicesService, safeFileName, type PdfFile } from './invoices.service';
import { mapInvoicingErrors } from './invoicing-errors';

type CreditNoteWithInvoice = CreditNoteRow & { customer_id: string; invoice_number: string | null };

/** Credit notes: issued against finalized or paid invoices (libs/billing), listed and rendered. */
@Injectable()
export class CreditNotesService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly invoices: InvoicesService,
  ) {}

  async create(tenantId: string, invoiceId: string, input: CreateCreditNoteDto): Promise<CreditNoteView> {
    const { invoice, creditNote } = await mapInvoicingErrors(() =>
      issueCreditNote(
        this.db,
        tenantId,
        invoiceId,
        {
          reason: input.reason,
          lines: input.lines.map((l) => ({ invoiceLineId: l.invoiceLineId, amount: l.amount })),
          creditTo: input.creditTo,
        },
        new Date(),
      ),
    );
    return creditNoteView(creditNote, invoice);
  }

  async list(tenantId: string, q: CreditNoteListQuery): Promise<Page<CreditNoteView>> {
    let query = this.query(tenantId);
    if (q.invoice) query = query.where('n.invoice_id', '=', q.invoice);
    if (q.customer) query = query.where('i.customer_id', '=', q.customer);
    if (q.cursor) query = query.where('n.id', '>', q.cursor);
    const rows = await query
      .orderBy('n.id')
      .limit(q.limit + 1)
      .execute();
    return toPage(rows, q.limit, view);
  }

  async get(tenantId: string, id: string): Promise<CreditNoteView> {
    return view(await this.row(tenantId, id));
  }

  async pdf(tenantId: string, id: string): Promise<PdfFile> {
    const note = await this.row(tenantId, id);
    const invoice: InvoiceRow = await this.invoices.row(tenantId, note.invoice_id);
    const lines = await invoiceLines(this.db, tenantId, invoice.id);
    const [timeZone, units] = await Promise.all([
      this.invoices.timeZone(tenantId, invoice.customer_id),
      this.invoices.units(
        tenantId,
        lines.map((l) => l.meter_id),
      ),
    ]);
    const bytes = await renderInvoicePdf(creditNotePdfDocument(note, invoice, lines, { timeZone, units }));
    return { filename: `${safeFileName(note.number)}.pdf`, bytes };
  }

  private query(tenantId: string) {
    return this.db
      .selectFrom('credit_notes as n')
      .innerJoin('invoices as i', (j) =>
        j.onRef('i.id', '=', 'n.invoice_id').onRef('i.tenant_id', '=', 'n.tenant_id'),
      )
      .selectAll('n')
      .select(['i.customer_id', 'i.number as invoice_number'])
      .where('n.tenant_id', '=', tenantId);
  }

  private async row(tenantId: string, id: string): Promise<CreditNoteWithInvoice> {
    const row = await this.query(tenantId).where('n.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('credit note', id);
    return row;
  }
}

function view(r: CreditNoteWithInvoice): CreditNoteView {
  return creditNoteView(r, { customer_id: r.customer_id, number: r.invoice_number });
}
