import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { CreditNoteView } from '@mu/billing';
import { CallerOf, type Caller } from '../http/auth';
import type { Page } from '../http/pagination';
import { CreditNotesService } from './credit-notes.service';
import { CreditNoteDto, CreditNoteListQuery, CreditNotePageDto } from './invoice.dto';
import { pdfResponse } from './invoices.controller';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1/credit-notes')
export class CreditNotesController {
  constructor(private readonly creditNotes: CreditNotesService) {}

  /** Credit notes in creation order; filter by invoice or customer. */
  @Get()
  @ApiOkResponse({ type: CreditNotePageDto })
  list(@CallerOf() caller: Caller, @Query() q: CreditNoteListQuery): Promise<Page<CreditNoteView>> {
    return this.creditNotes.list(caller.tenantId, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: CreditNoteDto })
  get(@CallerOf() caller: Caller, @Param('id') id: string): Promise<CreditNoteView> {
    return this.creditNotes.get(caller.tenantId, id);
  }

  @Get(':id/pdf')
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'the PDF', content: { 'application/pdf': {} } })
  async pdf(@CallerOf() caller: Caller, @Param('id') id: string): Promise<StreamableFile> {
    return pdfResponse(await this.creditNotes.pdf(caller.tenantId, id));
  }
}
