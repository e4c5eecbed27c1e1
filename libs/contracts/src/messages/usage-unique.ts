import { Type } from 'class-transformer';
import { ArrayMinSize, IsInt, IsString, Length, Matches, Min, ValidateNested } from 'class-validator';
import { areUsageEvents, fitsLength, isPlainObject, onlyKeys } from '../fast-check';
import type { MessageContract } from '../validation';
import { NORMALISED_TIME, UsageEventV1 } from './usage-event';

/**
 * The events of one raw batch that were new: published by the deduplicator to
 * `usage.unique.v1.<tenant>` with `Nats-Msg-Id` = `raw-<rawSequence>`.
 */
export class UsageUniqueBatchV1 {
  @IsString() @Length(1, 64) tenantId!: string;
  @IsInt() @Min(1) rawSequence!: number;
  @IsString() @Matches(NORMALISED_TIME) receivedAt!: string;
  @ValidateNested({ each: true })
  @Type(() => UsageEventV1)
  @ArrayMinSize(1)
  events!: UsageEventV1[];
}

export const UsageUniqueBatch: MessageContract<UsageUniqueBatchV1> = {
  name: 'usage.unique',
  version: 1,
  schema: UsageUniqueBatchV1,
  fastCheck: (p) =>
    isPlainObject(p) &&
    onlyKeys(p, UNIQUE_KEYS) &&
    fitsLength(p.tenantId, 64) &&
    Number.isSafeInteger(p.rawSequence) &&
    (p.rawSequence as number) >= 1 &&
    typeof p.receivedAt === 'string' &&
    NORMALISED_TIME.test(p.receivedAt) &&
    areUsageEvents(p.events, Number.MAX_SAFE_INTEGER),
};

const UNIQUE_KEYS = new Set(['tenantId', 'rawSequence', 'receivedAt', 'events']);
