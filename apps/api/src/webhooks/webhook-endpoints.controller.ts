import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CallerOf, type Caller } from '../http/auth';
import { PageQuery } from '../http/pagination';
import {
  CreateWebhookEndpointDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDetailDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
  WebhookEndpointWithSecretDto,
} from './webhook.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  /** Register an endpoint. The answer carries its signing secret, the only time it is shown. */
  @Post()
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  create(
    @CallerOf() caller: Caller,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<WebhookEndpointWithSecretDto> {
    return this.endpoints.create(caller.tenantId, body);
  }

  @Get()
  @ApiOkResponse({ type: WebhookEndpointListDto })
  list(@CallerOf() caller: Caller, @Query() page: PageQuery): Promise<WebhookEndpointListDto> {
    return this.endpoints.list(caller.tenantId, page);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookEndpointDto })
  get(@CallerOf() caller: Caller, @Param('id') id: string): Promise<WebhookEndpointDto> {
    return this.endpoints.get(caller.tenantId, id);
  }

  /** Change the URL, description, event types or enabled flag. */
  @Patch(':id')
  @ApiOkResponse({ type: WebhookEndpointDto })
  update(
    @CallerOf() caller: Caller,
    @Param('id') id: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.update(caller.tenantId, id, body);
  }

  /** Delete the endpoint and its delivery log. */
  @Delete(':id')
  @HttpCode(200)
  @ApiOkResponse({ type: WebhookEndpointDto, description: 'the deleted endpoint' })
  remove(@CallerOf() caller: Caller, @Param('id') id: string): Promise<WebhookEndpointDto> {
    return this.endpoints.remove(caller.tenantId, id);
  }

  /** Replace the signing secret at once; the new one is in this answer only. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({ type: WebhookEndpointWithSecretDto })
  rotateSecret(@CallerOf() caller: Caller, @Param('id') id: string): Promise<WebhookEndpointWithSecretDto> {
    return this.endpoints.rotateSecret(caller.tenantId, id);
  }

  /** Queue a `webhook.test` event to this endpoint; follow it in the delivery log. */
  @Post(':id/test')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookDeliveryDetailDto })
  async test(@CallerOf() caller: Caller, @Param('id') id: string): Promise<WebhookDeliveryDetailDto> {
    const deliveryId = await this.endpoints.sendTest(caller.tenantId, id);
    return this.deliveries.get(caller.tenantId, deliveryId);
  }
}
