import { Module } from '@nestjs/common';
import { CreditNotesController } from './credit-notes.controller';
import { CreditNotesService } from './credit-notes.service';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { UpcomingInvoiceController } from './upcoming-invoice.controller';

/**
 * Invoices and credit notes (docs/api.md, docs/invoicing.md). The invoicer closes periods into
 * invoices; here they are read, rendered, finalized early, voided, credited, marked paid or
 * uncollectible, previewed and verified, all through libs/billing.
 */
@Module({
  controllers: [InvoicesController, CreditNotesController, UpcomingInvoiceController],
  providers: [InvoicesService, CreditNotesService],
})
export class InvoicesModule {}
