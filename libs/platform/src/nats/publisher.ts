import { encodeMessage, type MessageContract } from '@mu/contracts';
import { headers as natsHeaders, type JetStreamClient, type NatsConnection, type PubAck } from 'nats';
import { injectTraceContext } from '../telemetry/telemetry';

export interface PublishOptions {
  /** `Nats-Msg-Id`: the server drops a repeat within the stream's duplicate window. */
  msgId: string;
  headers?: Record<string, string>;
  /** How long to wait for the PubAck before failing (ms). */
  timeoutMs?: number;
}

export interface PublishResult {
  stream: string;
  seq: number;
  /** True when the server had already stored a message with this id. */
  duplicate: boolean;
}

/**
 * Publishes validated messages to JetStream and resolves only once the stream has
 * stored them (the PubAck). A payload that breaks its contract never leaves.
 */
export class JetStreamPublisher {
  private readonly js: JetStreamClient;

  constructor(nc: NatsConnection) {
    this.js = nc.jetstream();
  }

  async publish<T extends object>(
    subject: string,
    contract: MessageContract<T>,
    payload: T,
    opts: PublishOptions,
  ): Promise<PublishResult> {
    const data = encodeMessage(contract, payload);
    return this.publishRaw(subject, data, {
      ...opts,
      headers: { ...opts.headers, 'Mu-Contract': `${contract.name}.v${contract.version}` },
    });
  }

  /** For bytes that are already encoded (dead letters keep the original payload). */
  async publishRaw(subject: string, data: Uint8Array, opts: PublishOptions): Promise<PublishResult> {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
    injectTraceContext(h);
    const ack: PubAck = await this.js.publish(subject, data, {
      msgID: opts.msgId,
      headers: h,
      timeout: opts.timeoutMs ?? 5_000,
    });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }
}
