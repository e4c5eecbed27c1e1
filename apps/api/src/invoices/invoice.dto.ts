import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { CREDIT_DESTINATIONS, type CreditDestination } from '@mu/billing';
import { PageQuery } from '../http/pagination';

export const INVOICE_STATUSES = ['draft', 'finalized', 'paid', 'void', 'uncollectible'] as const;
const LINE_TYPES = ['usage', 'fixed', 'adjustment', 'discount', 'true_up'];

const POSITIVE_MONEY = /^(0|[1-9]\d{0,17})(\.\d{1,12})?$/;

export class InvoiceListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'only this customer’s invoices' })
  @IsOptional()
  @IsString()
  customer?: string;

  @ApiPropertyOptional({ description: 'only this subscription’s invoices' })
  @IsOptional()
  @IsString()
  subscription?: string;

  @ApiPropertyOptional({ enum: INVOICE_STATUSES })
  @IsOptional()
  @IsIn(INVOICE_STATUSES, { message: `status must be one of ${INVOICE_STATUSES.join(', ')}` })
  status?: (typeof INVOICE_STATUSES)[number];

  @ApiPropertyOptional({ description: 'periods starting at or after this instant (RFC 3339)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'periodFrom must be an RFC 3339 instant' })
  periodFrom?: string;

  @ApiPropertyOptional({ description: 'periods starting before this instant (RFC 3339)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'periodTo must be an RFC 3339 instant' })
  periodTo?: string;
}

export class CreditNoteListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'only credit notes of this invoice' })
  @IsOptional()
  @IsString()
  invoice?: string;

  @ApiPropertyOptional({ description: 'only credit notes of this customer’s invoices' })
  @IsOptional()
  @IsString()
  customer?: string;
}

export class VoidInvoiceDto {
  @ApiProperty({
    example: 'billed to the wrong customer',
    description: 'kept on the invoice and its credit note',
  })
  @IsString()
  @Length(1, 1900)
  reason!: string;
}

export class MarkPaidDto {
  @ApiPropertyOptional({
    description: 'when the payment was received (RFC 3339, not in the future); default now',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'paidAt must be an RFC 3339 instant' })
  paidAt?: string;
}

export class CreditLineRequestDto {
  @ApiProperty({ example: 'inl_01J...', description: 'a line of the invoice' })
  @IsString()
  @Length(1, 64)
  invoiceLineId!: string;

  @ApiProperty({
    example: '12.50',
    description: 'net amount to credit (tax is credited in proportion), at most what is left on the line',
  })
  @IsString()
  @Matches(POSITIVE_MONEY, { message: 'amount must be a positive decimal string such as "12.50"' })
  amount!: string;
}

export class CreateCreditNoteDto {
  @ApiProperty({ example: 'service outage on 12 March' }) @IsString() @Length(1, 2000) reason!: string;

  @ApiProperty({ type: [CreditLineRequestDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => CreditLineRequestDto)
  lines!: CreditLineRequestDto[];

  @ApiPropertyOptional({
    enum: CREDIT_DESTINATIONS,
    default: 'none',
    description:
      'where the total goes: `none` (you refund the customer your own way) or `balance` (a prepaid credit grant ' +
      'of the customer, no expiry, spent by the next invoices; paid invoices only, 409 INVOICE_STATE otherwise)',
  })
  @IsOptional()
  @IsIn(CREDIT_DESTINATIONS, { message: `creditTo must be one of: ${CREDIT_DESTINATIONS.join(', ')}` })
  creditTo?: CreditDestination;
}

export class UpcomingInvoiceQuery {
  @ApiPropertyOptional({ description: 'the subscription; required when the customer has several running' })
  @IsOptional()
  @IsString()
  subscription?: string;
}

// ---- answers (for the OpenAPI document; the objects come from @mu/billing's views) ----

export class LineTaxDto {
  @ApiProperty({ example: '19', description: 'percent' }) rate!: string;
  @ApiProperty({ example: 'DE' }) jurisdiction!: string;
  @ApiProperty({ enum: ['standard', 'reduced', 'reverse_charge', 'exempt', 'out_of_scope'] })
  treatment!: string;
  @ApiProperty({ description: 'the legal basis or mention for the invoice' }) note!: string;
}

export class InvoiceLineDto {
  @ApiProperty() id!: string;
  @ApiProperty() position!: number;
  @ApiProperty({ enum: LINE_TYPES }) type!: string;
  @ApiProperty() chargeKey!: string;
  @ApiProperty() description!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty() periodEnd!: string;
  @ApiProperty({ example: '1250000' }) quantity!: string;
  @ApiProperty({ nullable: true, type: String }) unitPrice!: string | null;
  @ApiProperty({ example: '435.00' }) amount!: string;
  @ApiProperty({ nullable: true, type: String, description: 'percent' }) taxRate!: string | null;
  @ApiProperty() taxAmount!: string;
  @ApiProperty({ nullable: true, type: String }) meterId!: string | null;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'the pricing breakdown (tiers...)' })
  breakdown!: unknown[];
  @ApiProperty({ type: [String], description: 'the breakdown, one line each, as printed' })
  details!: string[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'adjustments: the invoice of the period corrected',
  })
  adjustsInvoiceId!: string | null;
  @ApiProperty({ nullable: true, type: LineTaxDto }) tax!: LineTaxDto | null;
  @ApiProperty({ description: 'net amount credited on this line so far' }) credited!: string;
}

export class TaxBreakdownDto {
  @ApiProperty() jurisdiction!: string;
  @ApiProperty({ description: 'percent' }) rate!: string;
  @ApiProperty() treatment!: string;
  @ApiProperty() netAmount!: string;
  @ApiProperty() taxAmount!: string;
  @ApiProperty() grossAmount!: string;
  @ApiProperty({ type: [String], description: 'line positions' }) lineIds!: string[];
}

export class TaxWarningDto {
  @ApiProperty() code!: string;
  @ApiProperty() path!: string;
  @ApiProperty() message!: string;
}

export class InvoiceTaxDto {
  @ApiProperty({ enum: ['calculated', 'not_calculated'] }) status!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) date!: string | null;
  @ApiProperty({ nullable: true, type: String }) rounding!: string | null;
  @ApiProperty({ type: [TaxBreakdownDto] }) breakdown!: TaxBreakdownDto[];
  @ApiProperty({ type: [TaxWarningDto] }) warnings!: TaxWarningDto[];
}

export class CreditNoteLineDto {
  @ApiPropertyOptional({ description: 'absent on a balancing line' }) invoiceLineId?: string;
  @ApiProperty() description!: string;
  @ApiProperty() amount!: string;
  @ApiProperty() taxAmount!: string;
}

export class CreditNoteDto {
  @ApiProperty() id!: string;
  @ApiProperty() invoiceId!: string;
  @ApiProperty({ nullable: true, type: String }) invoiceNumber!: string | null;
  @ApiProperty() customerId!: string;
  @ApiProperty({ example: 'CN-2026-000001' }) number!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() subtotal!: string;
  @ApiProperty() taxTotal!: string;
  @ApiProperty() total!: string;
  @ApiProperty({ type: [CreditNoteLineDto] }) lines!: CreditNoteLineDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'the prepaid credit grant the total went back to (`creditTo: balance`)',
  })
  creditGrantId!: string | null;
  @ApiProperty() createdAt!: string;
}

export class InvoiceDto {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() subscriptionId!: string;
  @ApiProperty({ enum: ['period', 'interim'] }) kind!: string;
  @ApiProperty({ enum: INVOICE_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null while a draft' }) number!: string | null;
  @ApiProperty() currency!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty() periodEnd!: string;
  @ApiProperty({ description: 'usage is counted up to this instant' }) usageThrough!: string;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description:
      'the conversion into the customer currency: { from, to, rate, effectiveDate, source, method }',
  })
  fx!: Record<string, string> | null;
  @ApiProperty() subtotal!: string;
  @ApiProperty() taxTotal!: string;
  @ApiProperty() total!: string;
  @ApiProperty({ description: 'prepaid credit spent on it at finalization' }) creditsApplied!: string;
  @ApiProperty({ nullable: true, type: String, description: 'total - creditsApplied' }) amountDue!:
    string | null;
  @ApiProperty({ description: 'credited by credit notes so far, tax included' }) creditedTotal!: string;
  @ApiProperty({ type: InvoiceTaxDto }) tax!: InvoiceTaxDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the seller when computed' })
  seller!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the customer when computed' })
  buyer!: Record<string, unknown>;
  @ApiProperty() computedAt!: string;
  @ApiProperty({ description: 'a draft is finalized at this instant' }) graceUntil!: string;
  @ApiProperty({ nullable: true, type: String }) issuedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) dueAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) finalizedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) paidAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) voidedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) uncollectibleAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) voidReason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the void invoice this one regenerates' })
  replacesId!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class InvoiceDetailDto extends InvoiceDto {
  @ApiProperty({ type: [InvoiceLineDto] }) lines!: InvoiceLineDto[];
  @ApiProperty({ type: [CreditNoteDto] }) creditNotes!: CreditNoteDto[];
}

export class InvoicePageDto {
  @ApiProperty({ type: [InvoiceDto] }) data!: InvoiceDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class CreditNotePageDto {
  @ApiProperty({ type: [CreditNoteDto] }) data!: CreditNoteDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class VerifiedFiguresDto {
  @ApiProperty() quantity!: string;
  @ApiProperty() amount!: string;
}

export class VerifiedLineDto {
  @ApiProperty() type!: string;
  @ApiProperty() chargeKey!: string;
  @ApiProperty() description!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty() periodEnd!: string;
  @ApiProperty({ nullable: true, type: VerifiedFiguresDto }) stored!: VerifiedFiguresDto | null;
  @ApiProperty({ nullable: true, type: VerifiedFiguresDto, description: 'billed later as adjustments' })
  adjustedLater!: VerifiedFiguresDto | null;
  @ApiProperty({ nullable: true, type: VerifiedFiguresDto }) computed!: VerifiedFiguresDto | null;
  @ApiProperty() matches!: boolean;
}

export class VerifyDifferenceDto {
  @ApiProperty() chargeKey!: string;
  @ApiProperty() type!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty({ enum: ['quantity', 'amount', 'line'] }) field!: string;
  @ApiProperty({ nullable: true, type: String }) stored!: string | null;
  @ApiProperty({ nullable: true, type: String }) computed!: string | null;
  @ApiProperty() message!: string;
}

export class StoredComputedDto {
  @ApiProperty() stored!: string;
  @ApiProperty() computed!: string;
}

export class InvoiceVerificationDto {
  @ApiProperty() invoiceId!: string;
  @ApiProperty({ nullable: true, type: String }) number!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty() periodEnd!: string;
  @ApiProperty() matches!: boolean;
  @ApiProperty({ type: [VerifiedLineDto] }) lines!: VerifiedLineDto[];
  @ApiProperty({ type: [VerifyDifferenceDto] }) differences!: VerifyDifferenceDto[];
  @ApiProperty({ type: StoredComputedDto }) subtotal!: StoredComputedDto;
}

export class UpcomingLineDto {
  @ApiProperty({ enum: LINE_TYPES }) type!: string;
  @ApiProperty() chargeKey!: string;
  @ApiProperty() description!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty() periodEnd!: string;
  @ApiProperty() quantity!: string;
  @ApiProperty({ nullable: true, type: String }) unitPrice!: string | null;
  @ApiProperty() amount!: string;
  @ApiProperty({ nullable: true, type: String }) taxRate!: string | null;
  @ApiProperty() taxAmount!: string;
  @ApiProperty({ nullable: true, type: String }) meterId!: string | null;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) breakdown!: unknown[];
  @ApiProperty({ type: [String] }) details!: string[];
  @ApiProperty({ nullable: true, type: String }) adjustsInvoiceId!: string | null;
}

export class UpcomingInvoiceDto {
  @ApiProperty() customerId!: string;
  @ApiProperty() subscriptionId!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty() periodEnd!: string;
  @ApiProperty({ description: 'usage is counted up to this instant (now)' }) through!: string;
  @ApiProperty({ type: [UpcomingLineDto] }) lines!: UpcomingLineDto[];
  @ApiProperty() subtotal!: string;
  @ApiProperty() taxTotal!: string;
  @ApiProperty() total!: string;
  @ApiProperty({ description: 'prepaid credit it would spend if finalized now' }) creditsApplied!: string;
  @ApiProperty() amountDue!: string;
  @ApiProperty({ type: InvoiceTaxDto }) tax!: InvoiceTaxDto;
  @ApiProperty({ type: 'object', additionalProperties: true }) seller!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) buyer!: Record<string, unknown>;
}
