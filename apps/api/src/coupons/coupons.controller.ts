import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { PageQuery } from '../http/pagination';
import { CouponDto, CreateCouponDto } from './coupon.dto';
import { CouponsService } from './coupons.service';

@ApiTags('coupons')
@ApiBearerAuth()
@Controller('v1/coupons')
export class CouponsController {
  constructor(private readonly coupons: CouponsService) {}

  /** A percentage (up to 100) or a fixed amount in a currency off, once, for N periods or forever. */
  @Post()
  @ApiOkResponse({ type: CouponDto })
  create(@CallerOf() caller: Caller, @Body() body: CreateCouponDto): Promise<CouponDto> {
    return this.coupons.create(caller.tenantId, body);
  }

  @Get()
  list(@CallerOf() caller: Caller, @Query() page: PageQuery) {
    return this.coupons.list(caller.tenantId, page);
  }

  @Get(':idOrCode')
  @ApiOkResponse({ type: CouponDto })
  get(@CallerOf() caller: Caller, @Param('idOrCode') idOrCode: string): Promise<CouponDto> {
    return this.coupons.get(caller.tenantId, idOrCode);
  }

  /** Archives: no new applications; subscriptions that have it keep it. */
  @Delete(':idOrCode')
  @HttpCode(200)
  @ApiOkResponse({ type: CouponDto, description: 'archived' })
  archive(@CallerOf() caller: Caller, @Param('idOrCode') idOrCode: string): Promise<CouponDto> {
    return this.coupons.archive(caller.tenantId, idOrCode);
  }
}
