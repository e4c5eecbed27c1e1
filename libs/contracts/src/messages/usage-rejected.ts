import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { MessageContract } from '../validation';
import { NORMALISED_TIME } from './usage-event';

export const REJECTION_STAGES = ['collector', 'deduplicator', 'rater'] as const;
export type RejectionStage = (typeof REJECTION_STAGES)[number];

/** An event refused at some stage, kept with its reason in `usage.rejected.v1.<tenant>`. */
export class UsageRejectedV1 {
  @IsString() @Length(1, 64) tenantId!: string;
  @IsIn(REJECTION_STAGES) stage!: RejectionStage;
  /** Stable code, e.g. `INVALID_TIME`, `DUPLICATE_CONFLICT`. */
  @IsString() @Matches(/^[A-Z][A-Z0-9_]*$/) code!: string;
  @IsString() @Length(1, 2000) message!: string;
  @IsOptional() @IsString() field?: string;
  @IsOptional() @IsString() eventId?: string;
  @IsString() @Matches(NORMALISED_TIME) rejectedAt!: string;
  /** The event as received, as JSON text (it may not even be an object). */
  @IsString() raw!: string;
}

export const UsageRejected: MessageContract<UsageRejectedV1> = {
  name: 'usage.rejected',
  version: 1,
  schema: UsageRejectedV1,
};
