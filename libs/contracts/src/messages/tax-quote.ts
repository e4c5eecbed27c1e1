import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import type { MessageContract } from '../validation';

/**
 * `tax.quote.v1`: request/reply over core NATS (no stream captures it). The tax service subscribes
 * in queue group `TAX_QUEUE_GROUP`, so replicas share requests. The wire shape is checked here; the
 * tax engine then checks what the shape cannot say (known countries, currency digits, ...) and
 * answers INVALID_TAX_REQUEST with field paths such as `lines[2].amount`. docs/tax.md has the rules.
 */

/** Queue group of the tax service's request/reply subscriptions. */
export const TAX_QUEUE_GROUP = 'tax';

/** Tenant ids are one subject token: letters, digits, `_` and `-`. */
export const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Plain decimal notation, optionally negative (credits); no exponent. */
export const DECIMAL_STRING = /^-?\d+(?:\.\d+)?$/;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
export const RPC_ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;

export class TaxSellerV1 {
  @IsString() @Matches(/^[A-Z]{2}$/) country!: string;
  @IsOptional() @IsString() @Length(1, 64) region?: string;
  @IsOptional() @IsString() @Length(1, 64) taxId?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) registrations?: string[];
}

export class TaxBuyerV1 {
  @IsString() @Matches(/^[A-Z]{2}$/) country!: string;
  @IsOptional() @IsString() @Length(1, 64) region?: string;
  @IsOptional() @IsString() @Length(1, 16) postalCode?: string;
  @IsOptional() @IsString() @Length(1, 64) taxId?: string;
  @IsOptional() @IsBoolean() exempt?: boolean;
  @IsOptional() @IsString() @Length(1, 128) exemptionId?: string;
}

export const TAX_BEHAVIORS_V1 = ['exclusive', 'inclusive'] as const;

export class TaxQuoteLineV1 {
  @IsString() @Length(1, 128) id!: string;
  @IsString()
  @Matches(DECIMAL_STRING, { message: 'amount must be a decimal string such as "12.50"' })
  amount!: string;
  @IsIn(TAX_BEHAVIORS_V1) taxBehavior!: (typeof TAX_BEHAVIORS_V1)[number];
  @IsOptional() @IsString() @Length(1, 64) taxCode?: string;
}

/** The quote request of docs/tax.md. */
export class TaxQuoteBodyV1 {
  @IsString() @Matches(ISO_DATE) date!: string;
  @IsString() @Matches(/^[A-Z]{3}$/) currency!: string;
  @ValidateNested() @Type(() => TaxSellerV1) seller!: TaxSellerV1;
  @ValidateNested() @Type(() => TaxBuyerV1) buyer!: TaxBuyerV1;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => TaxQuoteLineV1)
  lines!: TaxQuoteLineV1[];
}

export class TaxQuoteRequestV1 {
  @IsString() @Matches(TENANT_ID) tenantId!: string;
  @ValidateNested() @Type(() => TaxQuoteBodyV1) request!: TaxQuoteBodyV1;
}

export const TaxQuoteRequest: MessageContract<TaxQuoteRequestV1> = {
  name: 'tax.quote.request',
  version: 1,
  schema: TaxQuoteRequestV1,
};

export const TREATMENTS_V1 = ['standard', 'reduced', 'reverse_charge', 'exempt', 'out_of_scope'] as const;
const MONEY = { message: 'must be a decimal string' };

export class TaxQuotedLineV1 {
  @IsString() @Length(1, 128) id!: string;
  @IsString() taxCode!: string;
  @IsIn(TAX_BEHAVIORS_V1) taxBehavior!: (typeof TAX_BEHAVIORS_V1)[number];
  @IsString() @Matches(DECIMAL_STRING, MONEY) netAmount!: string;
  @IsString() @Matches(DECIMAL_STRING, MONEY) taxAmount!: string;
  @IsString() @Matches(DECIMAL_STRING, MONEY) grossAmount!: string;
  @IsString() @Matches(DECIMAL_STRING, MONEY) rate!: string;
  @IsString() @Length(2, 8) jurisdiction!: string;
  @IsIn(TREATMENTS_V1) treatment!: (typeof TREATMENTS_V1)[number];
  @IsString() note!: string;
  @IsIn(['dataset', 'tenant', 'none']) rateSource!: 'dataset' | 'tenant' | 'none';
}

export class TaxBreakdownEntryV1 {
  @IsString() @Length(2, 8) jurisdiction!: string;
  @IsString() @Matches(DECIMAL_STRING, MONEY) rate!: string;
  @IsIn(TREATMENTS_V1) treatment!: (typeof TREATMENTS_V1)[number];
  @IsString() @Matches(DECIMAL_STRING, MONEY) netAmount!: string;
  @IsString() @Matches(DECIMAL_STRING, MONEY) taxAmount!: string;
  @IsString() @Matches(DECIMAL_STRING, MONEY) grossAmount!: string;
  @IsArray() @IsString({ each: true }) lineIds!: string[];
}

export class TaxWarningV1 {
  @IsString() @Matches(RPC_ERROR_CODE) code!: string;
  @IsString() path!: string;
  @IsString() message!: string;
}

/** The quote of docs/tax.md: lines, totals, a breakdown per jurisdiction and rate, and warnings. */
export class TaxQuoteV1 {
  @IsString() @Matches(ISO_DATE) date!: string;
  @IsString() @Matches(/^[A-Z]{3}$/) currency!: string;
  @IsIn(['per_line', 'per_invoice_per_rate']) rounding!: 'per_line' | 'per_invoice_per_rate';
  @IsArray() @ValidateNested({ each: true }) @Type(() => TaxQuotedLineV1) lines!: TaxQuotedLineV1[];
  @IsString() @Matches(DECIMAL_STRING, MONEY) netTotal!: string;
  @IsString() @Matches(DECIMAL_STRING, MONEY) taxTotal!: string;
  @IsString() @Matches(DECIMAL_STRING, MONEY) grossTotal!: string;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TaxBreakdownEntryV1)
  breakdown!: TaxBreakdownEntryV1[];
  @IsArray() @ValidateNested({ each: true }) @Type(() => TaxWarningV1) warnings!: TaxWarningV1[];
}

/** One problem with a request, named by its field path. */
export class RpcIssueV1 {
  @IsString() path!: string;
  @IsString() message!: string;
  @IsOptional() @IsString() rule?: string;
}

/**
 * An error reply. Codes are stable: CONTRACT_VIOLATION and INVALID_* (the request can never
 * succeed as sent), FX_RATE_NOT_FOUND, UNKNOWN_CURRENCY, TIMEOUT and INTERNAL (worth a retry).
 */
export class RpcErrorV1 {
  @IsString() @Matches(RPC_ERROR_CODE) code!: string;
  @IsString() message!: string;
  @IsArray()
  @ArrayMaxSize(1_000)
  @ValidateNested({ each: true })
  @Type(() => RpcIssueV1)
  issues!: RpcIssueV1[];
}

/** A reply carries its result when `ok` is true and an error when it is false, never both. */
@ValidatorConstraint({ name: 'replyShape' })
export class ReplyShape implements ValidatorConstraintInterface {
  validate(ok: unknown, args: ValidationArguments): boolean {
    const reply = args.object as Record<string, unknown>;
    const [resultField] = args.constraints as [string];
    const hasResult = reply[resultField] !== undefined;
    const hasError = reply.error !== undefined;
    return ok === true ? hasResult && !hasError : ok === false && hasError && !hasResult;
  }
  defaultMessage(args: ValidationArguments): string {
    const [resultField] = args.constraints as [string];
    return `ok: true needs ${resultField} and no error; ok: false needs error and no ${resultField}`;
  }
}

export class TaxQuoteReplyV1 {
  @IsBoolean() @Validate(ReplyShape, ['quote']) ok!: boolean;
  @IsOptional() @ValidateNested() @Type(() => TaxQuoteV1) quote?: TaxQuoteV1;
  @IsOptional() @ValidateNested() @Type(() => RpcErrorV1) error?: RpcErrorV1;
}

export const TaxQuoteReply: MessageContract<TaxQuoteReplyV1> = {
  name: 'tax.quote.reply',
  version: 1,
  schema: TaxQuoteReplyV1,
};
