import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { MessageContract } from '../validation';
import { NORMALISED_TIME } from './usage-event';

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A usage or spend alert crossed its threshold in a billing period, on
 * `billing.alert.triggered.v1` (stream BILLING_EVENTS). Published once per alert and period;
 * `Nats-Msg-Id` is the firing id, so a republished firing is dropped by the stream.
 */
export class AlertTriggeredV1 {
  @IsString() @Length(1, 64) firingId!: string;
  @IsString() @Length(1, 64) tenantId!: string;
  @IsString() @Length(1, 64) alertId!: string;
  @IsString() @Length(1, 200) name!: string;
  @IsString() @Length(1, 64) customerId!: string;
  @IsString() @Length(1, 64) subscriptionId!: string;
  @IsIn(['usage', 'spend']) metric!: 'usage' | 'spend';
  @IsOptional() @IsString() @Length(1, 64) meterId?: string;
  /** The measured quantity, or the period's charges before tax for spend (decimal strings). */
  @Matches(DECIMAL) value!: string;
  @Matches(DECIMAL) threshold!: string;
  @IsOptional() @IsString() @Length(3, 3) currency?: string;
  @IsString() @Matches(NORMALISED_TIME) periodStart!: string;
  @IsString() @Matches(NORMALISED_TIME) periodEnd!: string;
  @IsString() @Matches(NORMALISED_TIME) firedAt!: string;
}

export const AlertTriggered: MessageContract<AlertTriggeredV1> = {
  name: 'billing.alert.triggered',
  version: 1,
  schema: AlertTriggeredV1,
};
