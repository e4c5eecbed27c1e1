import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { AGGREGATIONS, DIMENSION_NAME, WINDOW_SIZES, type WindowSize } from '@mu/usage';
import { IsTimeZone } from '../http/validators';

/** At most this many windows per request, whatever their size (1,440 = a day of minutes). */
export const MAX_WINDOWS = 1_440;
/** At most this many rows per answer. */
export const MAX_ROWS = 50_000;
export const MAX_SUBJECTS = 100;
export const MAX_GROUP_BY = 5;
export const MAX_FILTER_DIMENSIONS = 10;
export const MAX_FILTER_VALUES = 100;

/** RFC 3339 with an explicit offset (`Z` or `+01:00`, URL-encoded as `%2B01:00`). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
export function IsRfc3339(options?: ValidationOptions) {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'isRfc3339',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an RFC 3339 instant with an offset, e.g. 2026-01-01T00:00:00Z`,
        ...options,
      },
      validator: {
        validate: (v: unknown) => typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v)),
      },
    });
  };
}

/** A repeated query parameter arrives as an array, a single one as a string. */
const asArray = ({ value }: { value: unknown }): unknown =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];
/** groupBy also takes comma-separated names (dimension names never contain commas). */
const asNameList = ({ value }: { value: unknown }): unknown => {
  const list = asArray({ value });
  return Array.isArray(list)
    ? (list as unknown[]).flatMap((v) => (typeof v === 'string' ? v.split(',').filter((s) => s !== '') : [v]))
    : list;
};

/** The plain parameters of GET /v1/meters/{idOrKey}/usage (`filter[dim]` is read separately). */
export class UsageQueryDto {
  @ApiPropertyOptional({ description: 'customer id (cus_...) or external key: usage of its subject keys' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  customer?: string;

  @ApiPropertyOptional({
    type: [String],
    description: `event subject(s); repeat for several (subject=a&subject=b), at most ${MAX_SUBJECTS}`,
  })
  @IsOptional()
  @Transform(asArray)
  @IsArray()
  @ArrayMaxSize(MAX_SUBJECTS)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  subject?: string[];

  @ApiProperty({ description: 'RFC 3339 instant (inclusive)', example: '2026-01-01T00:00:00Z' })
  @IsRfc3339()
  from!: string;

  @ApiProperty({ description: 'RFC 3339 instant (exclusive)', example: '2026-02-01T00:00:00Z' })
  @IsRfc3339()
  to!: string;

  @ApiPropertyOptional({
    enum: WINDOW_SIZES,
    description: `split the range into calendar windows (at most ${MAX_WINDOWS.toLocaleString('en-US')} per request)`,
  })
  @IsOptional()
  @IsIn(WINDOW_SIZES)
  window?: WindowSize;

  @ApiPropertyOptional({ description: 'IANA zone the windows are aligned in', default: 'UTC' })
  @IsOptional()
  @IsTimeZone()
  tz?: string;

  @ApiPropertyOptional({
    type: [String],
    description: `meter dimension names, and subject; repeated or comma-separated, at most ${MAX_GROUP_BY}`,
  })
  @IsOptional()
  @Transform(asNameList)
  @IsArray()
  @ArrayMaxSize(MAX_GROUP_BY)
  @Matches(DIMENSION_NAME, { each: true, message: 'groupBy must name dimensions (letters, digits, _)' })
  groupBy?: string[];

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'overrides the Accept header' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class UsageMeterDto {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty({ enum: AGGREGATIONS }) aggregation!: string;
  @ApiProperty({ nullable: true, type: String }) unit!: string | null;
}

export class UsageRowDto {
  @ApiProperty({ description: 'window start, cut at from' }) windowStart!: string;
  @ApiProperty({ description: 'window end, cut at to; the value covers [windowStart, windowEnd)' })
  windowEnd!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { region: 'eu' } })
  groups!: Record<string, string>;
  @ApiProperty({ description: 'exact decimal text', example: '1250.5' }) value!: string;
}

export class UsageResponseDto {
  @ApiProperty({ type: UsageMeterDto }) meter!: UsageMeterDto;
  @ApiProperty({ nullable: true, type: String, description: 'the customer id, when asked by customer' })
  customer!: string | null;
  @ApiProperty({ nullable: true, type: [String], description: 'the subjects counted; null = all' })
  subjects!: string[] | null;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ nullable: true, enum: WINDOW_SIZES }) window!: WindowSize | null;
  @ApiProperty() tz!: string;
  @ApiProperty({ type: [String] }) groupBy!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } })
  filter!: Record<string, string[]>;
  @ApiProperty({ type: [UsageRowDto] }) data!: UsageRowDto[];
}

export const EVENT_STATUSES = ['rejected', 'conflict'] as const;

export class EventsQueryDto {
  @ApiPropertyOptional({
    enum: EVENT_STATUSES,
    default: 'rejected',
    description: 'rejected: every rejected event; conflict: only DUPLICATE_CONFLICT',
  })
  @IsOptional()
  @IsIn(EVENT_STATUSES)
  status: (typeof EVENT_STATUSES)[number] = 'rejected';

  @ApiPropertyOptional({ description: 'RFC 3339 instant (inclusive), on rejectedAt' })
  @IsOptional()
  @IsRfc3339()
  from?: string;

  @ApiPropertyOptional({ description: 'RFC 3339 instant (exclusive)' })
  @IsOptional()
  @IsRfc3339()
  to?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit = 50;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,1024}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class RejectedEventDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['collector', 'deduplicator', 'rater'] }) stage!: string;
  @ApiProperty({ example: 'INVALID_TIME' }) code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: String, description: 'the event field at fault' }) field!:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'rater: the meter that could not read it' })
  meterId!: string | null;
  @ApiProperty({ nullable: true, type: String }) source!: string | null;
  @ApiProperty({ nullable: true, type: String }) eventId!: string | null;
  @ApiProperty({ description: 'the event as received, as text (it may not be valid JSON)' }) raw!: string;
  @ApiProperty() rejectedAt!: string;
}

export class RejectedEventPageDto {
  @ApiProperty({ type: [RejectedEventDto] }) data!: RejectedEventDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
