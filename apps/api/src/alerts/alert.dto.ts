import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQuery } from '../http/pagination';

/** A positive decimal string: quantities, money, percentages. */
const POSITIVE_DECIMAL = /^(0|[1-9]\d{0,17})(\.\d{1,12})?$/;
const DECIMAL_MESSAGE = (field: string) => `${field} must be a positive decimal string like "100" or "12.5"`;

export class CreateAlertDto {
  @ApiProperty({ example: 'sub_01J...', description: 'the subscription whose running period is watched' })
  @IsString()
  @Length(1, 64)
  subscriptionId!: string;

  @ApiProperty({ example: '80% of the monthly budget' }) @IsString() @Length(1, 200) name!: string;

  @ApiProperty({
    enum: ['usage', 'spend'],
    description: "usage: a meter's quantity this period; spend: the period's charges before tax",
  })
  @IsIn(['usage', 'spend'])
  metric!: 'usage' | 'spend';

  @ApiPropertyOptional({
    example: 'api_calls',
    description: 'meter key or id; required for usage, absent for spend',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  meter?: string;

  @ApiPropertyOptional({
    example: '1000000',
    description: 'absolute threshold (quantity, or money in the plan currency)',
  })
  @IsOptional()
  @Matches(POSITIVE_DECIMAL, { message: DECIMAL_MESSAGE('threshold') })
  threshold?: string;

  @ApiPropertyOptional({ example: '500.00', description: 'with percent, instead of threshold' })
  @IsOptional()
  @Matches(POSITIVE_DECIMAL, { message: DECIMAL_MESSAGE('budget') })
  budget?: string;

  @ApiPropertyOptional({ example: '80', description: 'percent of the budget (up to 1000)' })
  @IsOptional()
  @Matches(POSITIVE_DECIMAL, { message: DECIMAL_MESSAGE('percent') })
  percent?: string;

  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
}

export class UpdateAlertDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(POSITIVE_DECIMAL, { message: DECIMAL_MESSAGE('threshold') })
  threshold?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(POSITIVE_DECIMAL, { message: DECIMAL_MESSAGE('budget') })
  budget?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(POSITIVE_DECIMAL, { message: DECIMAL_MESSAGE('percent') })
  percent?: string;
}

export class AlertListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'only this customer’s alerts' })
  @IsOptional()
  @IsString()
  customer?: string;
  @ApiPropertyOptional({ description: 'only this subscription’s alerts' })
  @IsOptional()
  @IsString()
  subscription?: string;
}

export class AlertDto {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() subscriptionId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['usage', 'spend'] }) metric!: 'usage' | 'spend';
  @ApiPropertyOptional({ nullable: true }) meterId!: string | null;
  @ApiPropertyOptional({ nullable: true }) threshold!: string | null;
  @ApiPropertyOptional({ nullable: true }) budget!: string | null;
  @ApiPropertyOptional({ nullable: true }) percent!: string | null;
  @ApiProperty({ description: 'the threshold it fires at, absolute or percent of budget' })
  effectiveThreshold!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class AlertFiringDto {
  @ApiProperty() id!: string;
  @ApiProperty() alertId!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty() periodEnd!: string;
  @ApiProperty({ description: 'what was measured when it fired' }) value!: string;
  @ApiProperty() threshold!: string;
  @ApiPropertyOptional({ nullable: true }) currency!: string | null;
  @ApiProperty() firedAt!: string;
  @ApiPropertyOptional({ nullable: true, description: 'when billing.alert.triggered.v1 was acknowledged' })
  publishedAt!: string | null;
}
