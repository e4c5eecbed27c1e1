import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsInt,
  IsISO31661Alpha2,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { TaxIdDto } from '../customers/customer.dto';
import { IsNumberFormat } from './number-format';

export class SellerAddressDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) line1?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) line2?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) city?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 32) postalCode?: string;
  @ApiPropertyOptional({ example: 'CA', description: 'state, province or region code' })
  @IsOptional()
  @IsString()
  @Length(1, 16)
  region?: string;
  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2; where the seller is established (tax)' })
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code such as DE' })
  country!: string;
}

export class SellerProfileDto {
  @ApiProperty({ example: 'Mu Cloud GmbH' }) @IsString() @Length(1, 256) name!: string;

  @ApiPropertyOptional({ type: SellerAddressDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SellerAddressDto)
  address?: SellerAddressDto;

  @ApiPropertyOptional({ type: [TaxIdDto], description: 'the first is sent to the tax service' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => TaxIdDto)
  taxIds?: TaxIdDto[];

  @ApiPropertyOptional({ example: 'billing@mu-cloud.example' }) @IsOptional() @IsEmail() email?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['GB', 'US-CA', 'EU'],
    description:
      'tax registrations beyond the home country: a country (GB), a US state or Canadian province (US-CA), or EU (the OSS non-Union scheme)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @Matches(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, {
    each: true,
    message: 'each registration must be a country code (GB) or a country and region (US-CA)',
  })
  registrations?: string[];
}

const FORMAT_HELP =
  'text with {SEQ} or {SEQ:n} (the gapless number, zero-padded to n digits) and optionally {YYYY} (the year, which starts a new sequence)';

/** Fields left out keep their current value (or the default). */
export class PutBillingSettingsDto {
  @ApiPropertyOptional({ type: SellerProfileDto, description: 'replaces the seller profile as a whole' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SellerProfileDto)
  seller?: SellerProfileDto;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 2160,
    default: 24,
    description: 'how long after a period ends its invoice stays a draft (per customer override possible)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2160)
  gracePeriodHours?: number;

  @ApiPropertyOptional({ example: 'MU-{YYYY}-{SEQ:6}', description: FORMAT_HELP })
  @IsOptional()
  @IsNumberFormat()
  invoiceNumberFormat?: string;

  @ApiPropertyOptional({ example: 'CN-{YYYY}-{SEQ:6}', description: FORMAT_HELP })
  @IsOptional()
  @IsNumberFormat()
  creditNoteNumberFormat?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 365, default: 30, description: 'due date = issue + net terms' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365)
  netTermsDays?: number;
}

export class BillingSettingsDto {
  @ApiProperty({ type: SellerProfileDto, description: 'empty until set' }) seller!: Partial<SellerProfileDto>;
  @ApiProperty() gracePeriodHours!: number;
  @ApiProperty() invoiceNumberFormat!: string;
  @ApiProperty() creditNoteNumberFormat!: string;
  @ApiProperty() netTermsDays!: number;
  @ApiProperty({ nullable: true, type: String, description: 'null while the defaults apply' })
  updatedAt!: string | null;
}
