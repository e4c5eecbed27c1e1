import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import {
  CreateCreditGrantDto,
  CreditBalanceDto,
  CreditBalanceQuery,
  CreditGrantDto,
  CreditGrantListQuery,
} from './credit-grant.dto';
import { CreditGrantsService } from './credit-grants.service';

@ApiTags('credits')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomerCreditsController {
  constructor(private readonly grants: CreditGrantsService) {}

  /** Prepaid credit, spent by the customer's invoices in its currency when they are finalized. */
  @Post(':id/credit-grants')
  @ApiOkResponse({ type: CreditGrantDto })
  create(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: CreateCreditGrantDto,
  ): Promise<CreditGrantDto> {
    return this.grants.create(caller.tenantId, id, body);
  }

  /** The customer's grants with what is left and which invoices spent how much. */
  @Get(':id/credit-grants')
  list(@CallerOf() caller: Caller, @Param('id') id: string, @Query() q: CreditGrantListQuery) {
    return this.grants.list(caller.tenantId, id, q);
  }

  /** Credit usable now, per currency. */
  @Get(':id/credit-balance')
  @ApiOkResponse({ type: CreditBalanceDto })
  balance(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Query() q: CreditBalanceQuery,
  ): Promise<CreditBalanceDto> {
    return this.grants.balance(caller.tenantId, id, q.currency);
  }
}

@ApiTags('credits')
@ApiBearerAuth()
@Controller('v1/credit-grants')
export class CreditGrantsController {
  constructor(private readonly grants: CreditGrantsService) {}

  @Get(':id')
  @ApiOkResponse({ type: CreditGrantDto })
  get(@CallerOf() caller: Caller, @Param('id') id: string): Promise<CreditGrantDto> {
    return this.grants.get(caller.tenantId, id);
  }

  /** What is left is no longer spent; what invoices spent stays spent. */
  @Post(':id/void')
  @HttpCode(200)
  @ApiOkResponse({ type: CreditGrantDto })
  void(@CallerOf() caller: Caller, @Param('id') id: string): Promise<CreditGrantDto> {
    return this.grants.void(caller.tenantId, id);
  }
}
