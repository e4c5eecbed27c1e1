import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { IsPositiveDecimal } from '../http/money';
import { PageQuery } from '../http/pagination';
import { IsBillingCurrency } from '../http/validators';

export const CREDIT_GRANT_STATUSES = ['scheduled', 'active', 'depleted', 'expired', 'voided'] as const;
export type CreditGrantStatus = (typeof CREDIT_GRANT_STATUSES)[number];

export class CreateCreditGrantDto {
  @ApiProperty({ example: 'Prepaid Q1' }) @IsString() @Length(1, 200) name!: string;

  @ApiProperty({ example: '500.00', description: "greater than 0, at most the currency's minor units" })
  @IsPositiveDecimal()
  amount!: string;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217; spent on invoices in this currency only' })
  @IsBillingCurrency()
  currency!: string;

  @ApiPropertyOptional({ description: 'RFC 3339; from when it can be spent (default now)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'effectiveAt must be an RFC 3339 instant' })
  effectiveAt?: string;

  @ApiPropertyOptional({ description: 'RFC 3339; what is left then is lost (default: never expires)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an RFC 3339 instant' })
  expiresAt?: string;
}

export class CreditGrantListQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'EUR', description: 'only grants in this currency' })
  @IsOptional()
  @IsBillingCurrency()
  currency?: string;
}

export class CreditBalanceQuery {
  @ApiPropertyOptional({ example: 'EUR', description: 'only this currency (answered even when 0)' })
  @IsOptional()
  @IsBillingCurrency()
  currency?: string;
}

export class CreditGrantApplicationDto {
  @ApiProperty() invoiceId!: string;
  @ApiProperty({ nullable: true, type: String }) invoiceNumber!: string | null;
  @ApiProperty({ description: 'credit this invoice spent from the grant' }) amount!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'when voiding the invoice gave the amount back to the grant; null while it stays spent',
  })
  reinstatedAt!: string | null;
}

export class CreditGrantDto {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() amount!: string;
  @ApiProperty({ description: 'not spent yet (what a void or the expiry leaves unspent)' })
  remaining!: string;
  @ApiProperty() effectiveAt!: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) voidedAt!: string | null;
  @ApiProperty({
    enum: CREDIT_GRANT_STATUSES,
    description: 'now: scheduled (not effective yet), active, depleted, expired or voided',
  })
  status!: CreditGrantStatus;
  @ApiProperty({ type: [CreditGrantApplicationDto], description: 'the invoices that spent it, oldest first' })
  applications!: CreditGrantApplicationDto[];
  @ApiProperty() createdAt!: string;
}

export class CreditBalanceLineDto {
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'remaining credit of the grants usable now' }) available!: string;
}

export class CreditBalanceDto {
  @ApiProperty() customerId!: string;
  @ApiProperty() at!: string;
  @ApiProperty({ type: [CreditBalanceLineDto] }) balances!: CreditBalanceLineDto[];
}
