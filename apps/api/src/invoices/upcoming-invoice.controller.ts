import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { UpcomingInvoiceDto, UpcomingInvoiceQuery } from './invoice.dto';
import { InvoicesService } from './invoices.service';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1/customers')
export class UpcomingInvoiceController {
  constructor(private readonly invoices: InvoicesService) {}

  /** The running period's invoice as closing it now would make it (tax included); nothing is written. */
  @Get(':id/upcoming-invoice')
  @ApiOkResponse({ type: UpcomingInvoiceDto })
  get(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Query() q: UpcomingInvoiceQuery,
  ): Promise<UpcomingInvoiceDto> {
    return this.invoices.upcoming(caller.tenantId, id, q.subscription);
  }
}
