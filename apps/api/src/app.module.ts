import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { Streams } from '@mu/contracts';
import { PlatformModule, type Logger } from '@mu/platform';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { CurrentChargesController } from './charges/current-charges.controller';
import { CurrentChargesService } from './charges/current-charges.service';
import type { ApiEnv } from './config';
import { CorrectionsController } from './corrections/corrections.controller';
import { CorrectionsService } from './corrections/corrections.service';
import { CustomersController } from './customers/customers.controller';
import { CustomersService } from './customers/customers.service';
import { DbModule } from './db/db.module';
import { ApiKeyGuard } from './http/auth';
import { CatalogEvents } from './http/catalog-events';
import { ApiExceptionFilter } from './http/exception.filter';
import { IdempotencyInterceptor } from './http/idempotency';
import { createValidationPipe } from './http/validation';
import { ApiKeysController } from './keys/keys.controller';
import { MetersController } from './meters/meters.controller';
import { MetersService } from './meters/meters.service';
import { PlansController } from './plans/plans.controller';
import { PlansService } from './plans/plans.service';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { SubscriptionsService } from './subscriptions/subscriptions.service';
import { UsageModule } from './usage/usage.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { BillingSettingsModule } from './billing-settings/billing-settings.module';
import { InvoicesModule } from './invoices/invoices.module';
import { CouponsModule } from './coupons/coupons.module';
import { CreditsModule } from './credits/credits.module';

/** Serves the catalog, customers, subscriptions, usage and invoices over REST. */
@Module({})
export class AppModule {
  static forRoot(config: Readonly<ApiEnv>, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'api',
          config,
          nats: { streams: [Streams.BILLING_EVENTS] },
          redis: true,
          clickhouse: true,
          postgres: true,
          logger: opts.logger,
        }),
        DbModule,
        UsageModule,
        WebhooksModule,
        BillingSettingsModule,
        InvoicesModule,
        CouponsModule,
        CreditsModule,
      ],
      controllers: [
        ApiKeysController,
        CustomersController,
        MetersController,
        PlansController,
        SubscriptionsController,
        CurrentChargesController,
        CorrectionsController,
        AlertsController,
      ],
      providers: [
        CatalogEvents,
        CustomersService,
        MetersService,
        PlansService,
        SubscriptionsService,
        CurrentChargesService,
        CorrectionsService,
        AlertsService,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
