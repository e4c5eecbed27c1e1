import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { areUsageEvents, fitsLength, isPlainObject, onlyKeys } from '../fast-check';
import type { MessageContract } from '../validation';
import { NORMALISED_TIME, UsageEventV1 } from './usage-event';

/** One accepted ingest request: published by the collector to `usage.raw.v1.<tenant>`, `Nats-Msg-Id` = batchId. */
export class UsageRawBatchV1 {
  @IsString() @Length(1, 128) batchId!: string;
  @IsString() @Length(1, 64) tenantId!: string;
  @IsString() @Matches(NORMALISED_TIME) receivedAt!: string;
  @ValidateNested({ each: true })
  @Type(() => UsageEventV1)
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  events!: UsageEventV1[];
}

export const UsageRawBatch: MessageContract<UsageRawBatchV1> = {
  name: 'usage.raw',
  version: 1,
  schema: UsageRawBatchV1,
  fastCheck: (p) =>
    isPlainObject(p) &&
    onlyKeys(p, RAW_KEYS) &&
    fitsLength(p.batchId, 128) &&
    fitsLength(p.tenantId, 64) &&
    typeof p.receivedAt === 'string' &&
    NORMALISED_TIME.test(p.receivedAt) &&
    areUsageEvents(p.events, 10_000),
};

const RAW_KEYS = new Set(['batchId', 'tenantId', 'receivedAt', 'events']);
