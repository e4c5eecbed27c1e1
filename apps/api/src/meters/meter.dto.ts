import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { AGGREGATIONS, FILTER_OPS } from '@mu/metering';
import { IsStringMap, KEY_PATTERN, MustBeAbsent } from '../http/validators';

/** A JSON path into the event's `data`: `$.a.b` or `$.items[0].qty` style, dots and indexes only. */
export const VALUE_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])+$/;

export class MeterFilterDto {
  @ApiProperty({ example: '$.region' })
  @Matches(VALUE_PATH, { message: 'path must be a JSON path like $.region' })
  path!: string;
  @ApiProperty({ enum: FILTER_OPS }) @IsIn(FILTER_OPS) op!: (typeof FILTER_OPS)[number];
  @ApiPropertyOptional({ description: 'for eq and neq' }) @IsOptional() @IsString() value?: string;
  @ApiPropertyOptional({ type: [String], description: 'for in and nin' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  values?: string[];
}

export class CreateMeterDto {
  @ApiProperty({ example: 'api_calls' })
  @Matches(KEY_PATTERN, { message: 'key must be 1-128 letters, digits, _ . or -' })
  key!: string;
  @ApiProperty() @IsString() @Length(1, 256) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 2000) description?: string;
  @ApiProperty({ example: 'api.call', description: 'the usage event `type` this meter counts' })
  @IsString()
  @Length(1, 256)
  eventType!: string;
  @ApiProperty({ enum: AGGREGATIONS }) @IsIn(AGGREGATIONS) aggregation!: (typeof AGGREGATIONS)[number];
  @ApiPropertyOptional({ example: '$.duration_ms', description: 'required for every aggregation but count' })
  @IsOptional()
  @Matches(VALUE_PATH, { message: 'valuePath must be a JSON path like $.duration_ms' })
  valuePath?: string;
  @ApiPropertyOptional({ type: [MeterFilterDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => MeterFilterDto)
  filters?: MeterFilterDto[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { region: '$.region' },
    description: 'dimension name -> JSON path',
  })
  @IsOptional()
  @IsStringMap()
  groupBy?: Record<string, string>;
  @ApiPropertyOptional({ example: 'request' }) @IsOptional() @IsString() @Length(1, 64) unit?: string;
}

const FIXED =
  'cannot change once a meter exists (it would change the meaning of recorded usage); create a new meter';

/** Only what does not change the meaning of usage already recorded. */
export class UpdateMeterDto {
  @MustBeAbsent({ message: `key ${FIXED}` }) key?: unknown;
  @MustBeAbsent({ message: `eventType ${FIXED}` }) eventType?: unknown;
  @MustBeAbsent({ message: `aggregation ${FIXED}` }) aggregation?: unknown;
  @MustBeAbsent({ message: `valuePath ${FIXED}` }) valuePath?: unknown;
  @MustBeAbsent({ message: `filters ${FIXED}` }) filters?: unknown;
  @MustBeAbsent({ message: `groupBy ${FIXED}` }) groupBy?: unknown;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 2000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 64) unit?: string;
}

export class MeterDto {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: AGGREGATIONS }) aggregation!: string;
  @ApiProperty({ nullable: true, type: String }) valuePath!: string | null;
  @ApiProperty({ type: [MeterFilterDto] }) filters!: MeterFilterDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) groupBy!: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) unit!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) archivedAt!: string | null;
}
