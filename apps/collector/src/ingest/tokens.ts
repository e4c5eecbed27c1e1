import type { PublishOptions, PublishResult } from '@mu/platform';

/**
 * Where accepted batches and rejections are published: the platform's JetStreamPublisher, or in
 * tests one that fails, to prove that nothing is reported accepted without a PubAck.
 */
export interface EventSink {
  publishRaw(subject: string, data: Uint8Array, opts: PublishOptions): Promise<PublishResult>;
}
export const EVENT_SINK = Symbol('collector.event-sink');
