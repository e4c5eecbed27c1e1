import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsPositiveDecimal } from '../http/money';
import { IsDecimalString, IsStringMap, KEY_PATTERN } from '../http/validators';

const MINIMUM_COMMITMENT =
  'minimum spend per period in the plan currency, prorated like fixed fees; a period whose charges ' +
  'come to less gets a true-up line for the difference';

export class PriceOverrideDto {
  @ApiProperty({ description: 'the plan charge this overrides' }) @Matches(KEY_PATTERN) chargeKey!: string;
  @ApiPropertyOptional({
    description: 'usage charges: a full price spec',
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  price?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'fixed fees: the amount' })
  @IsOptional()
  @IsDecimalString()
  amount?: string;
}

/** Which plan version: `planVersionId`, or `plan` (key or id) with an optional `version` (default: the latest published). */
export class PlanRefDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^plv_/) planVersionId?: string;
  @ApiPropertyOptional({ description: 'plan key or id' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  plan?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) version?: number;
}

export class CreateSubscriptionDto extends PlanRefDto {
  @ApiProperty() @IsString() @Matches(/^cus_/) customerId!: string;
  @ApiPropertyOptional({ description: 'RFC 3339 instant; default now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  startAt?: string;
  @ApiPropertyOptional({ description: 'RFC 3339 instant (exclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  endAt?: string;
  @ApiPropertyOptional({ enum: ['calendar', 'anniversary'], default: 'calendar' })
  @IsOptional()
  @IsIn(['calendar', 'anniversary'])
  billingAlignment?: 'calendar' | 'anniversary';
  @ApiPropertyOptional({ type: [PriceOverrideDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PriceOverrideDto)
  priceOverrides?: PriceOverrideDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsStringMap()
  metadata?: Record<string, string>;
  @ApiPropertyOptional({ nullable: true, type: String, example: '100.00', description: MINIMUM_COMMITMENT })
  @IsOptional()
  @IsPositiveDecimal()
  minimumCommitment?: string | null;
}

export class MinimumCommitmentDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: '100.00',
    description: `${MINIMUM_COMMITMENT}; null removes it`,
  })
  @ValidateIf((o: { amount?: unknown }) => o.amount !== null)
  @IsPositiveDecimal({
    message: 'amount must be a decimal string greater than 0, or null to remove the minimum',
  })
  amount!: string | null;
}

export class CancelSubscriptionDto {
  @ApiPropertyOptional({ enum: ['period_end', 'now'], default: 'period_end' })
  @IsOptional()
  @IsIn(['period_end', 'now'])
  at?: 'period_end' | 'now';
}

export class ChangePlanDto extends PlanRefDto {
  @ApiPropertyOptional({
    enum: ['now', 'period_end'],
    description: 'default: now for an upgrade (higher recurring fixed fees), period_end for a downgrade',
  })
  @IsOptional()
  @IsIn(['now', 'period_end'])
  effective?: 'now' | 'period_end';
}

export class PeriodsQuery {
  @ApiPropertyOptional({ description: 'the period containing this instant (default now)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

export class PhaseDto {
  @ApiProperty() planVersionId!: string;
  @ApiProperty() planKey!: string;
  @ApiProperty() version!: number;
  @ApiProperty() startAt!: string;
  @ApiProperty({ nullable: true, type: String }) endAt!: string | null;
  @ApiProperty() reason!: string;
}

export class SubscriptionDto {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ enum: ['active', 'canceled'] }) status!: string;
  @ApiProperty() billingAlignment!: string;
  @ApiProperty() billingCadence!: string;
  @ApiProperty() timeZone!: string;
  @ApiProperty() startAt!: string;
  @ApiProperty({ nullable: true, type: String }) endAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) trialEndAt!: string | null;
  @ApiProperty() cancelAtPeriodEnd!: boolean;
  @ApiProperty({ nullable: true, type: String }) canceledAt!: string | null;
  @ApiProperty({ type: [PriceOverrideDto] }) priceOverrides!: PriceOverrideDto[];
  @ApiProperty({ type: [PhaseDto] }) phases!: PhaseDto[];
  @ApiProperty({ nullable: true, type: String, description: MINIMUM_COMMITMENT })
  minimumCommitment!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata!: Record<
    string,
    string
  >;
  @ApiProperty() createdAt!: string;
}

export class PeriodDto {
  @ApiProperty() index!: number;
  @ApiProperty() start!: string;
  @ApiProperty() end!: string;
  @ApiProperty({ description: 'cut short by the start, the end or a cancellation' }) partial!: boolean;
  @ApiProperty({ description: 'share of the full period this one covers (exact decimal)' }) fraction!: string;
  @ApiProperty({ description: 'the plan version in force at the period start' }) planVersionId!: string;
}
