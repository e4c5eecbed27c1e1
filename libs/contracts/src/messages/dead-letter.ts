import { IsBase64, IsInt, IsObject, IsString, Length, Matches, Min } from 'class-validator';
import type { MessageContract } from '../validation';
import { NORMALISED_TIME } from './usage-event';

/** A message a consumer gave up on, with everything needed to inspect or replay it. */
export class DeadLetterV1 {
  @IsString() @Length(1, 128) consumer!: string;
  @IsString() @Length(1, 128) stream!: string;
  @IsInt() @Min(1) streamSequence!: number;
  @IsString() subject!: string;
  @IsInt() @Min(1) deliveries!: number;
  @IsString() @Matches(/^[A-Z][A-Z0-9_]*$/) code!: string;
  @IsString() reason!: string;
  @IsString() @Matches(NORMALISED_TIME) deadLetteredAt!: string;
  /** The original payload, base64 so that undecodable bytes survive. */
  @IsBase64() payload!: string;
  @IsObject() headers!: Record<string, string>;
}

export const DeadLetter: MessageContract<DeadLetterV1> = {
  name: 'deadletter',
  version: 1,
  schema: DeadLetterV1,
};
