import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { CallerOf, type Caller } from '../http/auth';
import { CurrentChargesService, type CurrentCharges } from './current-charges.service';

export class CurrentChargesQuery {
  @ApiPropertyOptional({ description: 'the instant to preview at (RFC 3339); default now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'at must be an RFC 3339 instant' })
  at?: string;
}

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/customers')
export class CurrentChargesController {
  constructor(private readonly charges: CurrentChargesService) {}

  /** The running period's line items and total per subscription, priced from the usage so far. */
  @Get(':id/current-charges')
  @ApiOkResponse({
    description:
      'per active subscription: the period, the usage lines (quantity, amount, pricing breakdown) and fixed fees, and the total before tax',
  })
  get(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Query() q: CurrentChargesQuery,
  ): Promise<CurrentCharges> {
    return this.charges.forCustomer(caller.tenantId, id, q.at ? new Date(q.at) : new Date());
  }
}
