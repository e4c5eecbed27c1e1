import { Module } from '@nestjs/common';
import { CouponsController } from './coupons.controller';
import { CouponsService } from './coupons.service';
import { SubscriptionDiscountsController } from './discounts.controller';
import { DiscountsService } from './discounts.service';

/**
 * Coupons and their application to subscriptions (docs/api.md, docs/invoicing.md). The discount
 * lines themselves are computed by libs/billing when a period is invoiced.
 */
@Module({
  controllers: [CouponsController, SubscriptionDiscountsController],
  providers: [CouponsService, DiscountsService],
})
export class CouponsModule {}
