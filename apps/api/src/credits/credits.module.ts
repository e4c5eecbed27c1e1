import { Module } from '@nestjs/common';
import { CreditGrantsController, CustomerCreditsController } from './credit-grants.controller';
import { CreditGrantsService } from './credit-grants.service';

/**
 * Prepaid credit grants and balances (docs/api.md, docs/invoicing.md). Finalizing an invoice
 * spends the credit (libs/billing); here it is granted, listed with its ledger, and voided.
 */
@Module({
  controllers: [CustomerCreditsController, CreditGrantsController],
  providers: [CreditGrantsService],
})
export class CreditsModule {}
