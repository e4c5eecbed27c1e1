import { encodeMessage, type MessageContract } from '@mu/contracts';
import {
  createInbox,
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type NatsError,
  type Subscription,
} from 'nats';
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
 * Why a publish has no PubAck. `code`: `NO_STREAM` (no stream takes the subject: nothing
 * answered), `PUBLISH_REJECTED` (the stream refused it, e.g. too large; `message` has JetStream's
 * reason), `PUBLISH_TIMEOUT` (no answer in time: the message may still have been stored, which
 * is what `Nats-Msg-Id` is for), `CONNECTION_CLOSED`. Every one of them is worth a retry except
 * a rejection, and none of them says the message was not stored.
 */
export class PublishError extends Error {
  constructor(
    readonly code: 'NO_STREAM' | 'PUBLISH_REJECTED' | 'PUBLISH_TIMEOUT' | 'CONNECTION_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

const DEFAULT_TIMEOUT_MS = 5_000;
/** How often overdue publishes are looked for: a timeout fires up to this much late. */
const SWEEP_MS = 100;

interface Pending {
  subject: string;
  deadline: number;
  resolve(result: PublishResult): void;
  reject(err: Error): void;
}

/**
 * Publishes validated messages to JetStream and resolves only once the stream has
 * stored them (the PubAck). A payload that breaks its contract never leaves.
 *
 * The PubAcks of every publish arrive on one subscription (`<inbox>.<token>`) and are matched to
 * their publish by token; one timer fails the overdue ones. nats.js's `js.publish` makes each
 * publish a request of its own: an entry in its request mux, a timer and a promise chain per
 * publish, and a NatsError built even on success (its cancel path), about 60 µs of CPU a publish
 * on the bench machine against about 22 µs this way (docs/ingestion.md, fifth session). The
 * semantics are the same: an answer is either the stream's PubAck, its refusal, or "no
 * responders" when no stream takes the subject.
 */
export class JetStreamPublisher {
  private readonly prefix = createInbox();
  private readonly pending = new Map<string, Pending>();
  private sub: Subscription | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private nextToken = 0;
  private closeWatched = false;

  constructor(private readonly nc: NatsConnection) {}

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
  publishRaw(subject: string, data: Uint8Array, opts: PublishOptions): Promise<PublishResult> {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
    h.set('Nats-Msg-Id', opts.msgId);
    injectTraceContext(h);
    return new Promise<PublishResult>((resolve, reject) => {
      if (this.nc.isClosed()) {
        reject(
          new PublishError('CONNECTION_CLOSED', `not published to ${subject}: the NATS connection is closed`),
        );
        return;
      }
      this.listen();
      const token = (this.nextToken++).toString(36);
      const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      this.pending.set(token, { subject, deadline, resolve, reject });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers: h });
      } catch (err) {
        // refused before it left (connection closed or draining, payload over the server's max)
        this.pending.delete(token);
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.sweeper ??= setTimeout(() => this.sweep(), SWEEP_MS).unref();
    });
  }

  /** How many publishes wait for their PubAck (for tests and diagnostics). */
  get inFlight(): number {
    return this.pending.size;
  }

  private listen(): void {
    if (this.sub) return;
    // Subscribed before the first publish leaves: NATS keeps a connection's protocol in order,
    // so the server knows the inbox before any answer to it.
    this.sub = this.nc.subscribe(`${this.prefix}.*`, {
      callback: (err, msg) => {
        if (!err) return this.answer(msg);
        // the subscription is gone (e.g. no permission for the inbox): the next publish subscribes again
        this.sub = undefined;
        this.failAll(err);
      },
    });
    if (this.closeWatched) return;
    this.closeWatched = true;
    void this.nc
      .closed()
      .then(() =>
        this.failAll(new PublishError('CONNECTION_CLOSED', 'the NATS connection closed before the PubAck')),
      );
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length + 1);
    const p = this.pending.get(token);
    if (!p) return; // after its timeout: the caller was already told
    this.pending.delete(token);
    if (isNoResponders(msg.headers)) {
      p.reject(new PublishError('NO_STREAM', `no stream takes ${p.subject} (no responders)`));
      return;
    }
    let ack: {
      stream?: unknown;
      seq?: unknown;
      duplicate?: unknown;
      error?: { code?: number; err_code?: number; description?: string };
    };
    try {
      ack = msg.json();
    } catch {
      p.reject(
        new PublishError('PUBLISH_REJECTED', `the answer to a publish to ${p.subject} is not a PubAck`),
      );
      return;
    }
    if (ack.error) {
      const e = ack.error;
      p.reject(
        new PublishError(
          'PUBLISH_REJECTED',
          `JetStream refused the publish to ${p.subject}: ${e.description ?? 'no reason given'} (${e.err_code ?? e.code ?? '?'})`,
        ),
      );
    } else if (typeof ack.stream !== 'string' || ack.stream === '' || typeof ack.seq !== 'number') {
      p.reject(
        new PublishError('PUBLISH_REJECTED', `the answer to a publish to ${p.subject} is not a PubAck`),
      );
    } else {
      p.resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true });
    }
  }

  private sweep(): void {
    this.sweeper = undefined;
    const now = Date.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(token);
      p.reject(new PublishError('PUBLISH_TIMEOUT', `no PubAck for the publish to ${p.subject} in time`));
    }
    if (this.pending.size > 0) this.sweeper = setTimeout(() => this.sweep(), SWEEP_MS).unref();
  }

  private failAll(err: NatsError | Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }
}

/** A status message (no body) that says no one subscribes to the subject: no stream takes it. */
function isNoResponders(h: MsgHdrs | undefined): boolean {
  return h !== undefined && h.hasError && h.code === 503;
}
