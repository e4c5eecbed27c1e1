import { Module } from '@nestjs/common';
import { BillingSettingsController } from './billing-settings.controller';
import { BillingSettingsService } from './billing-settings.service';

/** The tenant's seller profile and invoicing settings (docs/invoicing.md). */
@Module({
  controllers: [BillingSettingsController],
  providers: [BillingSettingsService],
})
export class BillingSettingsModule {}
