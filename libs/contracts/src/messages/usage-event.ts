import { IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';

/** RFC 3339 in UTC with milliseconds, as the collector normalises every event time. */
export const NORMALISED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * One usage event after the collector validated and normalised it
 * (CloudEvents 1.0 attributes; `time` always present, in UTC with milliseconds).
 */
export class UsageEventV1 {
  @IsString() @Length(1, 256) id!: string;
  @IsString() @Length(1, 1024) source!: string;
  @IsString() @Length(1, 256) type!: string;
  @IsString() @Length(1, 256) subject!: string;
  @IsString()
  @Matches(NORMALISED_TIME, { message: 'time must be RFC 3339 UTC with milliseconds' })
  time!: string;
  @IsObject() data!: Record<string, unknown>;
  @IsOptional() @IsString() specversion?: string;
}
