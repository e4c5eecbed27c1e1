import { Subjects } from './subjects';

/**
 * Stream and consumer definitions, provisioned idempotently at boot by every service
 * that uses them (and by `mu streams provision` for deploy jobs). Names exist only here.
 */
export interface StreamDef {
  name: string;
  subjects: string[];
  /** How long a message is kept. */
  maxAgeMs: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped by the server. */
  duplicateWindowMs: number;
  description: string;
  /** `limits` keeps messages until maxAge; `workqueue` deletes them once acked. */
  retention: 'limits' | 'workqueue';
}

export interface ConsumerDef {
  stream: string;
  durable: string;
  filterSubject?: string;
  /** How long the server waits for an ack before redelivering. */
  ackWaitMs: number;
  /** Deliveries before the runner dead-letters a message that keeps failing. */
  maxDeliver: number;
  /** Most messages in flight (delivered, not yet acked) across all replicas. */
  maxAckPending: number;
  description: string;
}

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60 * 1000;

export const Streams = {
  USAGE_RAW: {
    name: 'USAGE_RAW',
    subjects: [Subjects.usageRawAll],
    maxAgeMs: 7 * DAY,
    // A client retrying a request (same Idempotency-Key) within an hour is dropped here.
    duplicateWindowMs: 60 * MINUTE,
    retention: 'limits',
    description: 'Usage batches accepted by the collector, before deduplication',
  },
  USAGE_UNIQUE: {
    name: 'USAGE_UNIQUE',
    subjects: [Subjects.usageUniqueAll],
    maxAgeMs: 7 * DAY,
    // Covers the deduplicator's "published, crashed before the ack" redelivery (ackWait x maxDeliver
    // with backoff stays well inside an hour); beyond it ClickHouse's dedupe by event key decides.
    duplicateWindowMs: 60 * MINUTE,
    retention: 'limits',
    description: 'Usage events that passed deduplication, for the rater',
  },
  USAGE_REJECTED: {
    name: 'USAGE_REJECTED',
    subjects: [Subjects.usageRejectedAll],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    retention: 'limits',
    description: 'Usage events refused at any stage, with the reason',
  },
  DEAD_LETTER: {
    name: 'DEAD_LETTER',
    subjects: [Subjects.deadLetterAll],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    retention: 'limits',
    description: 'Messages a consumer could never process, with the original payload and the reason',
  },
  BILLING_EVENTS: {
    name: 'BILLING_EVENTS',
    subjects: [Subjects.billingAll],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 10 * MINUTE,
    retention: 'limits',
    description: 'Invoice lifecycle and alert events, the source of webhooks',
  },
} as const satisfies Record<string, StreamDef>;

export type StreamName = keyof typeof Streams;

export const Consumers = {
  deduplicator: {
    stream: Streams.USAGE_RAW.name,
    durable: 'deduplicator',
    ackWaitMs: 30_000,
    maxDeliver: 10,
    maxAckPending: 1_000,
    description: 'Deduplicates raw usage batches into USAGE_UNIQUE',
  },
  rater: {
    stream: Streams.USAGE_UNIQUE.name,
    durable: 'rater',
    ackWaitMs: 60_000,
    maxDeliver: 10,
    // What the rater replicas hold at once (pulled, not yet acked): up to ~90k events, a few
    // seconds of work, far inside ackWait, however many replicas pull.
    maxAckPending: 1_000,
    description: 'Meters unique usage into ClickHouse',
  },
  raterRejections: {
    stream: Streams.USAGE_REJECTED.name,
    durable: 'rater-rejections',
    ackWaitMs: 60_000,
    maxDeliver: 10,
    maxAckPending: 5_000,
    description: 'Keeps rejected and conflicting events in ClickHouse for inspection',
  },
} as const satisfies Record<string, ConsumerDef>;
