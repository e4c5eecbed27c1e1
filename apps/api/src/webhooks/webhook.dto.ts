import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  webhookUrlProblem,
  type DeliveryStatus,
} from '@mu/webhooks';
import { PageQuery } from '../http/pagination';

/**
 * An absolute http(s) URL without credentials. Whether http and private addresses are allowed
 * depends on the deployment (WEBHOOK_ALLOW_HTTP), which the service checks next.
 */
function IsWebhookUrl() {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'isWebhookUrl',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (v: unknown) => typeof v === 'string' && webhookUrlProblem(v, { allowHttp: true }) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `${propertyName} ${typeof args?.value === 'string' ? webhookUrlProblem(args.value, { allowHttp: true }) : 'must be a string'}`,
      },
    });
  };
}

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://example.com/mu/webhooks',
    description: 'where events are POSTed: https (http only where the server allows it, e.g. locally)',
    maxLength: 2048,
  })
  @IsWebhookUrl()
  url!: string;

  @ApiPropertyOptional({ maxLength: 500, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  description?: string | null;

  @ApiPropertyOptional({
    type: [String],
    enum: WEBHOOK_EVENT_TYPES,
    description: 'the event types sent to this endpoint; empty or absent: every type',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `eventTypes must each be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  eventTypes?: string[];

  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
}

export class UpdateWebhookEndpointDto extends PartialType(CreateWebhookEndpointDto) {}

export class WebhookEndpointDto {
  @ApiProperty({ example: 'whe_01J...' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: [String], enum: WEBHOOK_EVENT_TYPES, description: 'empty: every type' })
  eventTypes!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({
    example: 'whsec_...',
    description: 'the signing secret: returned here only (on create and rotate); store it now',
  })
  secret!: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) data!: WebhookEndpointDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed'];
const DELIVERABLE_TYPES = [...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT];

export class WebhookDeliveryListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'an endpoint id (whe_...)' })
  @IsOptional()
  @IsString()
  @Matches(/^whe_[0-9A-Z]{26}$/, { message: 'endpoint must be a webhook endpoint id (whe_...)' })
  endpoint?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;

  @ApiPropertyOptional({ enum: DELIVERABLE_TYPES })
  @IsOptional()
  @IsIn(DELIVERABLE_TYPES, { message: `eventType must be one of ${DELIVERABLE_TYPES.join(', ')}` })
  eventType?: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ example: 'whd_01J...' }) id!: string;
  @ApiProperty() endpointId!: string;
  @ApiProperty({ description: 'the event id, sent as Mu-Webhook-Id' }) eventId!: string;
  @ApiProperty({ enum: DELIVERABLE_TYPES }) eventType!: string;
  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description: 'pending: will be (re)tried; succeeded: a 2xx answer; failed: gave up',
  })
  status!: DeliveryStatus;
  @ApiProperty() attemptCount!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'while pending: when the next attempt is due (while an attempt runs: when its lease ends)',
  })
  nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) lastResponseStatus!: number | null;
  @ApiProperty({ nullable: true, type: String, description: "the first 1 KiB of the receiver's answer" })
  lastResponseBody!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class WebhookDeliveryListDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) data!: WebhookDeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class WebhookDeliveryAttemptDto {
  @ApiProperty() attempt!: number;
  @ApiProperty() startedAt!: string;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) outcome!: 'succeeded' | 'failed';
  @ApiProperty({ nullable: true, type: Number }) responseStatus!: number | null;
  @ApiProperty({ nullable: true, type: String }) responseBody!: string | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}

/** The body the receiver gets (docs/invoicing.md). */
export class WebhookEventDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: DELIVERABLE_TYPES }) type!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
}

export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ type: WebhookEventDto }) event!: WebhookEventDto;
  @ApiProperty({ type: [WebhookDeliveryAttemptDto], description: 'oldest first' })
  attempts!: WebhookDeliveryAttemptDto[];
}
