import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  Validate,
  ValidateNested,
} from 'class-validator';
import type { MessageContract } from '../validation';
import { DECIMAL_STRING, ISO_DATE, ReplyShape, RpcErrorV1, TENANT_ID } from './tax-quote';

/**
 * `fx.convert.v1`: convert an amount with the tenant's effective-dated FX table, over core NATS
 * request/reply (queue group TAX_QUEUE_GROUP). The reply records the rate used, so an invoice can show it.
 */
export class FxConvertRequestV1 {
  @IsString() @Matches(TENANT_ID) tenantId!: string;
  @IsString()
  @Matches(DECIMAL_STRING, { message: 'amount must be a decimal string such as "12.50"' })
  amount!: string;
  @IsString() @Matches(/^[A-Z]{3}$/) from!: string;
  @IsString() @Matches(/^[A-Z]{3}$/) to!: string;
  /** The conversion date: the latest rate effective on or before it applies. */
  @IsString() @Matches(ISO_DATE) date!: string;
  /** Refuse rates older than this many days (default: the service's FX_MAX_AGE_DAYS). */
  @IsOptional() @IsInt() @Min(0) @Max(3660) maxAgeDays?: number;
}

export const FxConvertRequest: MessageContract<FxConvertRequestV1> = {
  name: 'fx.convert.request',
  version: 1,
  schema: FxConvertRequestV1,
};

export class FxRateV1 {
  @IsString() @Matches(/^[A-Z]{3}$/) base!: string;
  @IsString() @Matches(/^[A-Z]{3}$/) quote!: string;
  @IsString() @Matches(DECIMAL_STRING) rate!: string;
  @IsString() @Matches(ISO_DATE) effectiveDate!: string;
  @IsString() @Length(1, 200) source!: string;
}

export class FxConversionV1 {
  @IsString() @Matches(ISO_DATE) date!: string;
  @IsString() @Matches(/^[A-Z]{3}$/) from!: string;
  @IsString() @Matches(/^[A-Z]{3}$/) to!: string;
  @IsString() @Matches(DECIMAL_STRING) sourceAmount!: string;
  @IsString() @Matches(DECIMAL_STRING) amount!: string;
  @IsString() @Matches(DECIMAL_STRING) rate!: string;
  @IsIn(['identity', 'direct', 'inverse', 'cross']) method!: 'identity' | 'direct' | 'inverse' | 'cross';
  @IsOptional() @IsString() @Matches(/^[A-Z]{3}$/) via?: string;
  @IsString() @Matches(ISO_DATE) effectiveDate!: string;
  @IsString() source!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => FxRateV1) legs!: FxRateV1[];
  @IsIn(['half_away_from_zero']) rounding!: 'half_away_from_zero';
}

export class FxConvertReplyV1 {
  @IsBoolean() @Validate(ReplyShape, ['conversion']) ok!: boolean;
  @IsOptional() @ValidateNested() @Type(() => FxConversionV1) conversion?: FxConversionV1;
  @IsOptional() @ValidateNested() @Type(() => RpcErrorV1) error?: RpcErrorV1;
}

export const FxConvertReply: MessageContract<FxConvertReplyV1> = {
  name: 'fx.convert.reply',
  version: 1,
  schema: FxConvertReplyV1,
};
