/**
 * `usage.ingest.v1.<tenant>`: upstream services send usage to the collector over core NATS
 * request/reply (no stream captures the subject). The request body is what `POST /v1/events`
 * takes (one CloudEvent or an array); an `Idempotency-Key` header works as over HTTP. The reply
 * is `UsageIngestReplyV1`, the same per-event results the HTTP endpoint answers with, plus the
 * HTTP status the same request would have had. docs/ingestion.md has the rules.
 */

/** Queue group of the collector's ingest subscription, so replicas share requests. */
export const COLLECTOR_QUEUE_GROUP = 'collector';

export interface UsageEventResultV1 {
  /** Position of the event in the request. */
  index: number;
  /** The event's id, when it had a string one. */
  id?: string;
  status: 'accepted' | 'rejected';
  error?: { code: string; message: string; field?: string };
}

export interface UsageIngestResultV1 {
  batchId: string;
  accepted: number;
  rejected: number;
  /** True when the batch id (from an Idempotency-Key) was already stored: this request changed nothing. */
  duplicate: boolean;
  results: UsageEventResultV1[];
}

export type UsageIngestReplyV1 =
  | ({ status: 202 | 400 } & UsageIngestResultV1)
  | { status: number; error: { code: string; message: string }; retryAfterSeconds?: number };
