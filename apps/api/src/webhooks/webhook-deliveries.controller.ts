import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { WebhookDeliveryDetailDto, WebhookDeliveryListDto, WebhookDeliveryListQuery } from './webhook.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  /** The delivery log, oldest first; filter by endpoint, status and event type. */
  @Get()
  @ApiOkResponse({ type: WebhookDeliveryListDto })
  list(@CallerOf() caller: Caller, @Query() q: WebhookDeliveryListQuery): Promise<WebhookDeliveryListDto> {
    return this.deliveries.list(caller.tenantId, q);
  }

  /** One delivery with the event sent and every attempt. */
  @Get(':id')
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  get(@CallerOf() caller: Caller, @Param('id') id: string): Promise<WebhookDeliveryDetailDto> {
    return this.deliveries.get(caller.tenantId, id);
  }

  /** Send a failed or pending delivery again now. */
  @Post(':id/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookDeliveryDetailDto })
  retry(@CallerOf() caller: Caller, @Param('id') id: string): Promise<WebhookDeliveryDetailDto> {
    return this.deliveries.retry(caller.tenantId, id);
  }
}
