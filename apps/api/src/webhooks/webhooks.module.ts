import { Module } from '@nestjs/common';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { webhooksDbProvider } from './webhooks.db';

/**
 * Webhook endpoints and the delivery log (docs/api.md, docs/invoicing.md). Events are enqueued
 * by their producers (invoicer, rater) through @mu/webhooks; the invoicer sends them.
 */
@Module({
  controllers: [WebhookEndpointsController, WebhookDeliveriesController],
  providers: [webhooksDbProvider, WebhookEndpointsService, WebhookDeliveriesService],
})
export class WebhooksModule {}
