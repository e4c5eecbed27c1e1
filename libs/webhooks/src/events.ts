/**
 * The events Mu sends to webhook endpoints. A published type never changes meaning: a new
 * shape of payload is a new type.
 */
export const WEBHOOK_EVENT_TYPES = [
  'invoice.created',
  'invoice.finalized',
  'invoice.voided',
  'credit_note.created',
  'alert.triggered',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The ping sent by `POST /v1/webhook-endpoints/{id}/test`; only ever to the endpoint tested. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** Every type a delivery can carry (what endpoints subscribe to, plus the test ping). */
export type DeliverableEventType = WebhookEventType | typeof WEBHOOK_TEST_EVENT;

export function isWebhookEventType(v: unknown): v is WebhookEventType {
  return typeof v === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(v);
}

/** The JSON body of every delivery; `data` is the payload the producer enqueued. */
export interface WebhookBody {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/**
 * The exact bytes sent (and signed). Built from the stored event on every attempt, so every
 * attempt of a delivery carries the same body; only the signature's timestamp changes.
 */
export function webhookBody(event: {
  id: string;
  type: string;
  createdAt: Date;
  data: Record<string, unknown>;
}): string {
  const body: WebhookBody = {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    data: event.data,
  };
  return JSON.stringify(body);
}
