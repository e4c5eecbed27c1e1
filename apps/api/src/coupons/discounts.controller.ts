import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { PageQuery } from '../http/pagination';
import { ApplyDiscountDto, DiscountDto } from './coupon.dto';
import { DiscountsService } from './discounts.service';

@ApiTags('coupons')
@ApiBearerAuth()
@Controller('v1/subscriptions')
export class SubscriptionDiscountsController {
  constructor(private readonly discounts: DiscountsService) {}

  /** Applies a coupon to the subscription from a period start on (default: the current period). */
  @Post(':id/discounts')
  @ApiOkResponse({ type: DiscountDto })
  apply(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: ApplyDiscountDto,
  ): Promise<DiscountDto> {
    return this.discounts.apply(caller.tenantId, id, body);
  }

  /** Every coupon applied to the subscription, removed ones included (with removedAt). */
  @Get(':id/discounts')
  list(@CallerOf() caller: Caller, @Param('id') id: string, @Query() page: PageQuery) {
    return this.discounts.list(caller.tenantId, id, page);
  }

  /** Removes it from invoices computed from now on; finalized invoices keep their discount lines. */
  @Delete(':id/discounts/:discountId')
  @HttpCode(200)
  @ApiOkResponse({ type: DiscountDto, description: 'removed' })
  remove(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Param('discountId') discountId: string,
  ): Promise<DiscountDto> {
    return this.discounts.remove(caller.tenantId, id, discountId);
  }
}
