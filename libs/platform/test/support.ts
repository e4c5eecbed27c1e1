import type { ConsumerDef, StreamDef } from '@mu/contracts';
import type { TestNats } from '@mu/testing';

/** A stream and durable consumer private to one test (unique names and subjects). */
export function privateStream(
  t: TestNats,
  suffix: string,
  consumer: Partial<ConsumerDef> = {},
): { stream: StreamDef; consumer: ConsumerDef; subject: string } {
  const name = `${t.name}_${suffix}`.toUpperCase();
  const subject = `${t.subjectPrefix}.${suffix.toLowerCase()}`;
  return {
    subject,
    stream: {
      name,
      subjects: [`${subject}.>`],
      maxAgeMs: 60_000,
      duplicateWindowMs: 60_000,
      retention: 'limits',
      description: 'test',
    },
    consumer: {
      stream: name,
      durable: `${name}_C`.toLowerCase(),
      ackWaitMs: 5_000,
      maxDeliver: 3,
      maxAckPending: 100,
      description: 'test',
      ...consumer,
    },
  };
}
