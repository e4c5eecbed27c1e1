import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { CallerOf, type Caller } from '../http/auth';
import { PageQuery } from '../http/pagination';
import {
  CancelSubscriptionDto,
  ChangePlanDto,
  CreateSubscriptionDto,
  MinimumCommitmentDto,
  PeriodDto,
  PeriodsQuery,
  SubscriptionDto,
} from './subscription.dto';
import { SubscriptionsService } from './subscriptions.service';

class SubscriptionListQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() customerId?: string;
  @ApiPropertyOptional({ enum: ['active', 'canceled'] })
  @IsOptional()
  @IsIn(['active', 'canceled'])
  status?: string;
}

@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(private readonly subs: SubscriptionsService) {}

  @Post()
  @ApiOkResponse({ type: SubscriptionDto })
  create(@CallerOf() c: Caller, @Body() body: CreateSubscriptionDto): Promise<SubscriptionDto> {
    return this.subs.create(c.tenantId, body);
  }

  @Get()
  list(@CallerOf() c: Caller, @Query() q: SubscriptionListQuery) {
    return this.subs.list(c.tenantId, q, { customerId: q.customerId, status: q.status });
  }

  @Get(':id')
  @ApiOkResponse({ type: SubscriptionDto })
  get(@CallerOf() c: Caller, @Param('id') id: string): Promise<SubscriptionDto> {
    return this.subs.get(c.tenantId, id);
  }

  @Get(':id/periods')
  @ApiOkResponse({ type: [PeriodDto] })
  async periods(
    @CallerOf() c: Caller,
    @Param('id') id: string,
    @Query() q: PeriodsQuery,
  ): Promise<{ data: PeriodDto[] }> {
    return { data: await this.subs.periods(c.tenantId, id, q) };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: SubscriptionDto })
  cancel(
    @CallerOf() c: Caller,
    @Param('id') id: string,
    @Body() body: CancelSubscriptionDto,
  ): Promise<SubscriptionDto> {
    return this.subs.cancel(c.tenantId, id, body);
  }

  /** Sets the minimum spend per period (a shortfall is a true-up line), or removes it with null. */
  @Put(':id/minimum-commitment')
  @ApiOkResponse({ type: SubscriptionDto })
  setMinimumCommitment(
    @CallerOf() c: Caller,
    @Param('id') id: string,
    @Body() body: MinimumCommitmentDto,
  ): Promise<SubscriptionDto> {
    return this.subs.setMinimumCommitment(c.tenantId, id, body);
  }

  @Post(':id/change-plan')
  @HttpCode(200)
  changePlan(@CallerOf() c: Caller, @Param('id') id: string, @Body() body: ChangePlanDto) {
    return this.subs.changePlan(c.tenantId, id, body);
  }
}
