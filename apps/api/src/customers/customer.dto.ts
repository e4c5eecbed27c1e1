import { ApiProperty, ApiPropertyOptional, PartialType, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsISO31661Alpha2,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { IsBillingCurrency, IsStringMap, IsTimeZone, KEY_PATTERN } from '../http/validators';

export class BillingAddressDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) line1?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) line2?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) city?: string;
  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2' }) @IsISO31661Alpha2() country!: string;
  @ApiPropertyOptional({ example: 'BY', description: 'state, province or region code' })
  @IsOptional()
  @IsString()
  @Length(1, 16)
  region?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 32) postalCode?: string;
}

export class TaxIdDto {
  @ApiProperty({ example: 'eu_vat' }) @IsString() @Matches(/^[a-z][a-z0-9_]{1,31}$/) type!: string;
  @ApiProperty({ example: 'DE123456789' }) @IsString() @Length(1, 64) value!: string;
}

export class CreateCustomerDto {
  @ApiProperty({ description: 'your id for this customer, unique per tenant', example: 'acme-corp' })
  @IsString()
  @Matches(KEY_PATTERN, { message: 'externalKey must be 1-128 letters, digits, _ . or -' })
  externalKey!: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() email?: string;

  @ApiPropertyOptional({ type: BillingAddressDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BillingAddressDto)
  billingAddress?: BillingAddressDto;

  @ApiPropertyOptional({ type: [TaxIdDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => TaxIdDto)
  taxIds?: TaxIdDto[];

  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() taxExempt?: boolean;
  @ApiPropertyOptional({ description: 'exemption certificate reference' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  exemptionId?: string;

  @ApiProperty({ example: 'EUR' }) @IsBillingCurrency() currency!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) @IsTimeZone() timeZone!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsStringMap()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    type: [String],
    description: 'usage event `subject` values that belong to this customer (default: [externalKey])',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  subjectKeys?: string[];
}

export class UpdateCustomerDto extends PartialType(OmitType(CreateCustomerDto, ['externalKey'] as const)) {}

export class CustomerDto {
  @ApiProperty() id!: string;
  @ApiProperty() externalKey!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: BillingAddressDto }) billingAddress!: BillingAddressDto | null;
  @ApiProperty({ type: [TaxIdDto] }) taxIds!: TaxIdDto[];
  @ApiProperty() taxExempt!: boolean;
  @ApiProperty({ nullable: true, type: String }) exemptionId!: string | null;
  @ApiProperty() currency!: string;
  @ApiProperty() timeZone!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata!: Record<
    string,
    string
  >;
  @ApiProperty({ type: [String] }) subjectKeys!: string[];
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true, type: String }) archivedAt!: string | null;
}
