import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsBillingCurrency, IsDecimalString, KEY_PATTERN } from '../http/validators';

/** ISO 8601 durations Mu bills on: whole days, weeks, months or years. */
export const CADENCE = /^P([1-9]\d{0,2})([DWMY])$/;

export class CreatePlanDto {
  @ApiProperty({ example: 'pro' })
  @Matches(KEY_PATTERN, { message: 'key must be 1-128 letters, digits, _ . or -' })
  key!: string;
  @ApiProperty() @IsString() @Length(1, 256) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 2000) description?: string;
}

export class UpdatePlanDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 2000) description?: string;
}

export class FixedFeeDto {
  @ApiProperty({ example: 'platform' }) @Matches(KEY_PATTERN) key!: string;
  @ApiProperty() @IsString() @Length(1, 256) name!: string;
  @ApiProperty({ example: '49.00' }) @IsDecimalString() amount!: string;
  @ApiProperty({ enum: ['in_advance', 'in_arrears'] }) @IsIn(['in_advance', 'in_arrears']) timing!:
    'in_advance' | 'in_arrears';
}

export class UsageChargeDto {
  @ApiProperty({ example: 'api_calls' }) @Matches(KEY_PATTERN) key!: string;
  @ApiProperty() @IsString() @Length(1, 256) name!: string;
  @ApiProperty({ description: 'meter key or id' }) @IsString() @Length(1, 128) meter!: string;
  @ApiProperty({
    description: 'a price spec (docs/pricing.md); its currency must be the version currency',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  price!: Record<string, unknown>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'only usage whose dimensions take these values (meter groupBy names)',
  })
  @IsOptional()
  @IsObject()
  dimensions?: Record<string, string[]>;
}

export class PlanVersionInputDto {
  @ApiProperty({ example: 'EUR' }) @IsBillingCurrency() currency!: string;
  @ApiProperty({ example: 'P1M', description: 'ISO 8601: P1W, P1M, P3M, P1Y, ...' })
  @Matches(CADENCE, {
    message: 'billingCadence must be an ISO 8601 duration of days, weeks, months or years, e.g. P1M',
  })
  billingCadence!: string;
  @ApiPropertyOptional({ type: [FixedFeeDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => FixedFeeDto)
  fixedFees?: FixedFeeDto[];
  @ApiPropertyOptional({ type: [UsageChargeDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => UsageChargeDto)
  usageCharges?: UsageChargeDto[];
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @IsInt() @Min(0) @Max(365) trialDays?: number;
}

export class PlanVersionDto {
  @ApiProperty() id!: string;
  @ApiProperty() planId!: string;
  @ApiProperty() planKey!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['draft', 'published', 'archived'] }) status!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() billingCadence!: string;
  @ApiProperty({ type: [FixedFeeDto] }) fixedFees!: FixedFeeDto[];
  @ApiProperty({ type: 'array', items: { type: 'object' } }) usageCharges!: unknown[];
  @ApiProperty() trialDays!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) publishedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) archivedAt!: string | null;
}

export class PlanDto {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: [PlanVersionDto] }) versions!: PlanVersionDto[];
  @ApiProperty() createdAt!: string;
}
