import { Module } from '@nestjs/common';
import { WebhookDispatcherService } from './webhook-dispatcher.service';

/** Sends the webhook outbox (@mu/webhooks). Postgres, config and logger come from PlatformModule. */
@Module({ providers: [WebhookDispatcherService], exports: [WebhookDispatcherService] })
export class WebhooksModule {}
