import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsPositiveDecimal } from '../http/money';
import { IsBillingCurrency, KEY_PATTERN } from '../http/validators';

export const COUPON_DURATIONS = ['once', 'repeating', 'forever'] as const;
export type CouponDuration = (typeof COUPON_DURATIONS)[number];

export class CreateCouponDto {
  @ApiProperty({
    example: 'LAUNCH20',
    description: 'yours, unique per tenant (archived coupons keep theirs); letters, digits, _ . -',
  })
  @Matches(KEY_PATTERN, { message: 'code must be 1-128 letters, digits, _ . or -' })
  code!: string;

  @ApiProperty({ example: 'Launch offer: 20 % off' }) @IsString() @Length(1, 200) name!: string;

  @ApiPropertyOptional({ example: '20', description: 'percent off, above 0 and up to 100; or amountOff' })
  @IsOptional()
  @IsPositiveDecimal()
  percentOff?: string;

  @ApiPropertyOptional({
    example: '15.00',
    description: 'a fixed amount off each covered period, with currency; or percentOff',
  })
  @IsOptional()
  @IsPositiveDecimal()
  amountOff?: string;

  @ApiPropertyOptional({ example: 'EUR', description: 'ISO 4217; required with amountOff, only with it' })
  @IsOptional()
  @IsBillingCurrency()
  currency?: string;

  @ApiProperty({
    enum: COUPON_DURATIONS,
    description: 'once: one period; repeating: durationPeriods periods; forever',
  })
  @IsIn(COUPON_DURATIONS, { message: `duration must be one of ${COUPON_DURATIONS.join(', ')}` })
  duration!: CouponDuration;

  @ApiPropertyOptional({ example: 3, description: 'periods covered; required for repeating, only for it' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1200)
  durationPeriods?: number;

  @ApiPropertyOptional({
    example: 100,
    description: 'how many times it can be applied in all (removed applications count); default no limit',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  maxRedemptions?: number;

  @ApiPropertyOptional({
    example: '2027-01-01T00:00:00Z',
    description: 'RFC 3339, in the future: no new application from then on (applied ones keep working)',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'redeemBy must be an RFC 3339 instant' })
  redeemBy?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['growth'],
    description: 'plan keys: only subscriptions on one of these plans can get it; default any plan',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(KEY_PATTERN, { each: true, message: 'each plan must be a plan key' })
  plans?: string[];
}

export class CouponDto {
  @ApiProperty() id!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) percentOff!: string | null;
  @ApiProperty({ nullable: true, type: String }) amountOff!: string | null;
  @ApiProperty({ nullable: true, type: String }) currency!: string | null;
  @ApiProperty({ enum: COUPON_DURATIONS }) duration!: CouponDuration;
  @ApiProperty({ nullable: true, type: Number }) durationPeriods!: number | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'archived coupons cannot be newly applied; applications keep working',
  })
  archivedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) maxRedemptions!: number | null;
  @ApiProperty({ description: 'applications so far, removed ones included' }) timesRedeemed!: number;
  @ApiProperty({ nullable: true, type: String }) redeemBy!: string | null;
  @ApiProperty({ nullable: true, type: [String], description: 'plan keys; null: any plan' })
  plans!: string[] | null;
}

export class ApplyDiscountDto {
  @ApiProperty({ example: 'LAUNCH20', description: 'the coupon, by code or id' })
  @IsString()
  @Length(1, 128)
  coupon!: string;

  @ApiPropertyOptional({
    description:
      'RFC 3339; the coupon covers the periods starting at or after it (an instant inside a period ' +
      "means the next period). Default: the start of the subscription's current period, or its " +
      'start if it has not begun',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'appliesFrom must be an RFC 3339 instant' })
  appliesFrom?: string;
}

export class DiscountDto {
  @ApiProperty() id!: string;
  @ApiProperty() subscriptionId!: string;
  @ApiProperty({ type: CouponDto }) coupon!: CouponDto;
  @ApiProperty({ description: 'the start of the first period it covers' }) appliesFrom!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'removed: later invoices no longer get it; finalized ones keep their lines',
  })
  removedAt!: string | null;
}
