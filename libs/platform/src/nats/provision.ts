import type { ConsumerDef, StreamDef } from '@mu/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  NatsError,
  RetentionPolicy,
  StorageType,
  nanos,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
} from 'nats';

const STREAM_NAME_IN_USE = 10058;
const CONSUMER_NAME_EXISTS = 10148;

function isApiError(err: unknown, code: number): boolean {
  return err instanceof NatsError && err.api_error?.err_code === code;
}

function streamConfig(def: StreamDef, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: def.name,
    subjects: [...def.subjects],
    description: def.description,
    retention: def.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(def.maxAgeMs),
    duplicate_window: nanos(def.duplicateWindowMs),
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
  };
}

/**
 * Create each stream, or bring an existing one to its definition. Safe to run from
 * every replica of every service at once: a lost create race falls through to update.
 */
export async function provisionStreams(nc: NatsConnection, defs: StreamDef[], replicas = 1): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const def of defs) await provisionStream(jsm, def, replicas);
}

async function provisionStream(jsm: JetStreamManager, def: StreamDef, replicas: number): Promise<void> {
  const cfg = streamConfig(def, replicas);
  try {
    await jsm.streams.add(cfg);
    return;
  } catch (err) {
    if (!isApiError(err, STREAM_NAME_IN_USE)) throw err;
  }
  const current = await jsm.streams.info(def.name);
  // Replicas and retention cannot be changed in place; keep what the operator chose.
  await jsm.streams.update(def.name, {
    ...current.config,
    subjects: cfg.subjects,
    description: cfg.description,
    max_age: cfg.max_age,
    duplicate_window: cfg.duplicate_window,
  });
}

/**
 * Create or update a durable pull consumer. The server redelivers without limit
 * (max_deliver -1); the runner enforces `maxDeliver` itself and dead-letters, so a
 * message is never silently abandoned by the server after a crash on its last try.
 */
export async function provisionConsumer(nc: NatsConnection, def: ConsumerDef): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const config = {
    durable_name: def.durable,
    description: def.description,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(def.ackWaitMs),
    max_deliver: -1,
    max_ack_pending: def.maxAckPending,
    ...(def.filterSubject ? { filter_subject: def.filterSubject } : {}),
  };
  try {
    await jsm.consumers.add(def.stream, config);
  } catch (err) {
    if (!isApiError(err, CONSUMER_NAME_EXISTS)) throw err;
    await jsm.consumers.update(def.stream, def.durable, {
      description: config.description,
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
  }
}
