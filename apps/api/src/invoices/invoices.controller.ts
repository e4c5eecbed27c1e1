import { Body, Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { CreditNoteView, InvoiceDetailView, InvoiceVerification, InvoiceView } from '@mu/billing';
import { CallerOf, type Caller } from '../http/auth';
import type { Page } from '../http/pagination';
import { CreditNotesService } from './credit-notes.service';
import {
  CreateCreditNoteDto,
  CreditNoteDto,
  InvoiceDetailDto,
  InvoiceListQuery,
  InvoicePageDto,
  InvoiceVerificationDto,
  MarkPaidDto,
  VoidInvoiceDto,
} from './invoice.dto';
import { InvoicesService, type PdfFile } from './invoices.service';

export function pdfResponse(f: PdfFile): StreamableFile {
  return new StreamableFile(f.bytes, {
    type: 'application/pdf',
    disposition: `inline; filename="${f.filename}"`,
    length: f.bytes.length,
  });
}

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1/invoices')
export class InvoicesController {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly creditNotes: CreditNotesService,
  ) {}

  /** Invoices in creation order; filter by customer, subscription, status and period start. */
  @Get()
  @ApiOkResponse({ type: InvoicePageDto })
  list(@CallerOf() caller: Caller, @Query() q: InvoiceListQuery): Promise<Page<InvoiceView>> {
    return this.invoices.list(caller.tenantId, q);
  }

  /** The invoice as a PDF (the same as /pdf; the path the invoice's link uses). */
  @Get(':id.pdf')
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'the PDF', content: { 'application/pdf': {} } })
  async pdfAlias(@CallerOf() caller: Caller, @Param('id') id: string): Promise<StreamableFile> {
    return pdfResponse(await this.invoices.pdf(caller.tenantId, id));
  }

  /** The invoice with its lines (pricing breakdown), tax breakdown, seller, buyer and credit notes. */
  @Get(':id')
  @ApiOkResponse({ type: InvoiceDetailDto })
  get(@CallerOf() caller: Caller, @Param('id') id: string): Promise<InvoiceDetailView> {
    return this.invoices.get(caller.tenantId, id);
  }

  /** The invoice as a PDF; a draft is marked DRAFT and named draft-<id>.pdf. */
  @Get(':id/pdf')
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'the PDF', content: { 'application/pdf': {} } })
  async pdf(@CallerOf() caller: Caller, @Param('id') id: string): Promise<StreamableFile> {
    return pdfResponse(await this.invoices.pdf(caller.tenantId, id));
  }

  /** Recomputes the invoice from its events and compares it with the stored lines. */
  @Get(':id/verify')
  @ApiOkResponse({ type: InvoiceVerificationDto })
  verify(@CallerOf() caller: Caller, @Param('id') id: string): Promise<InvoiceVerification> {
    return this.invoices.verify(caller.tenantId, id);
  }

  /** Finalizes a draft before its grace period ends: recomputed, numbered, due after the net terms. */
  @Post(':id/finalize')
  @HttpCode(200)
  @ApiOkResponse({ type: InvoiceDetailDto })
  finalize(@CallerOf() caller: Caller, @Param('id') id: string): Promise<InvoiceDetailView> {
    return this.invoices.finalize(caller.tenantId, id);
  }

  /** Voids a finalized or uncollectible invoice and credits what is left of it, in one transaction. */
  @Post(':id/void')
  @HttpCode(200)
  @ApiOkResponse({ type: InvoiceDetailDto })
  void(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: VoidInvoiceDto,
  ): Promise<InvoiceDetailView> {
    return this.invoices.void(caller.tenantId, id, body.reason);
  }

  /** A new draft for the period of a void invoice. */
  @Post(':id/regenerate')
  @ApiCreatedResponse({ type: InvoiceDetailDto })
  regenerate(@CallerOf() caller: Caller, @Param('id') id: string): Promise<InvoiceDetailView> {
    return this.invoices.regenerate(caller.tenantId, id);
  }

  @Post(':id/mark-paid')
  @HttpCode(200)
  @ApiOkResponse({ type: InvoiceDetailDto })
  markPaid(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: MarkPaidDto,
  ): Promise<InvoiceDetailView> {
    return this.invoices.markPaid(caller.tenantId, id, body?.paidAt);
  }

  @Post(':id/mark-uncollectible')
  @HttpCode(200)
  @ApiOkResponse({ type: InvoiceDetailDto })
  markUncollectible(@CallerOf() caller: Caller, @Param('id') id: string): Promise<InvoiceDetailView> {
    return this.invoices.markUncollectible(caller.tenantId, id);
  }

  /** A partial credit of a finalized or paid invoice, line by line; tax is credited in proportion. */
  @Post(':id/credit-notes')
  @ApiCreatedResponse({ type: CreditNoteDto })
  createCreditNote(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: CreateCreditNoteDto,
  ): Promise<CreditNoteView> {
    return this.creditNotes.create(caller.tenantId, id, body);
  }
}
