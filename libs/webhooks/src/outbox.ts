import { sql, type Kysely } from 'kysely';
import { newId } from '@mu/platform';
import { webhooksDb, dbNow, type AnyKysely } from './db';
import { WebhookInputError } from './errors';
import { isWebhookEventType, WEBHOOK_TEST_EVENT, type WebhookEventType } from './events';
import type { WebhookTables } from './schema';

/** Producer-given event ids: letters, digits and `_ . : -`, up to 128 characters. */
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** A payload is a summary for the receiver, not a document: 256 KiB of JSON at most. */
export const MAX_WEBHOOK_PAYLOAD_BYTES = 256 * 1024;

export interface WebhookEventInput {
  tenantId: string;
  type: WebhookEventType;
  /** The body's `data`: JSON, amounts as decimal strings like everywhere in Mu. */
  payload: Record<string, unknown>;
  /**
   * An id of the producer's choosing (e.g. `invoice.finalized:inv_...`) makes the enqueue
   * idempotent: a second enqueue with the same id does nothing. Default: a new `evt_` id.
   */
  id?: string;
}

export interface EnqueuedWebhook {
  eventId: string;
  /** One per enabled endpoint subscribed to the type; none for a duplicate. */
  deliveryIds: string[];
  /** The id was enqueued before (by this tenant); nothing was added. */
  duplicate: boolean;
}

/**
 * The outbox: record an event and one pending delivery per enabled endpoint of the tenant that
 * subscribes to its type, in the caller's transaction. Call it in the transaction that makes
 * the event true (the invoice insert, the alert's state change): if that transaction rolls
 * back, nothing was enqueued and nothing will be sent; if it commits, the dispatcher delivers.
 * Given a Kysely that is not a transaction, it opens one of its own.
 */
export async function enqueueWebhook(db: AnyKysely, input: WebhookEventInput): Promise<EnqueuedWebhook> {
  if (!isWebhookEventType(input.type)) {
    throw new WebhookInputError('WEBHOOK_INVALID_EVENT', `unknown webhook event type ${String(input.type)}`);
  }
  const payload = encodePayload(input.payload);
  const eventId = input.id ?? newId('evt');
  if (!EVENT_ID.test(eventId)) {
    throw new WebhookInputError(
      'WEBHOOK_INVALID_EVENT',
      'a webhook event id is 1-128 letters, digits, _ . : or -, starting with a letter or digit',
    );
  }
  return inTransaction(webhooksDb(db), async (tx) => {
    const inserted = await tx
      .insertInto('webhook_events')
      .values({ tenant_id: input.tenantId, id: eventId, type: input.type, payload })
      .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await tx
        .selectFrom('webhook_events')
        .select('type')
        .where('tenant_id', '=', input.tenantId)
        .where('id', '=', eventId)
        .executeTakeFirstOrThrow();
      if (existing.type !== input.type) {
        throw new WebhookInputError(
          'WEBHOOK_EVENT_ID_REUSED',
          `webhook event ${eventId} was enqueued before as ${existing.type}, not ${input.type}`,
        );
      }
      return { eventId, deliveryIds: [], duplicate: true };
    }
    // FOR KEY SHARE: an endpoint deleted concurrently is either skipped here or waits for this
    // transaction, so its deletion never makes the producer's transaction fail on the foreign key.
    const endpoints = await tx
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('tenant_id', '=', input.tenantId)
      .where('enabled', '=', true)
      .where(sql<boolean>`(cardinality(event_types) = 0 OR ${input.type} = ANY(event_types))`)
      .orderBy('id')
      .forKeyShare()
      .execute();
    const deliveryIds = await insertDeliveries(
      tx,
      input.tenantId,
      eventId,
      input.type,
      endpoints.map((e) => e.id),
    );
    return { eventId, deliveryIds, duplicate: false };
  });
}

export type TestWebhookResult =
  | { ok: true; eventId: string; deliveryId: string }
  | { ok: false; reason: 'not_found' | 'endpoint_disabled' };

/** A `webhook.test` ping to one endpoint of the tenant, whatever the types it subscribes to. */
export async function enqueueTestWebhook(
  db: AnyKysely,
  input: { tenantId: string; endpointId: string },
): Promise<TestWebhookResult> {
  return inTransaction(webhooksDb(db), async (tx) => {
    const endpoint = await tx
      .selectFrom('webhook_endpoints')
      .select(['id', 'enabled'])
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.endpointId)
      .forKeyShare()
      .executeTakeFirst();
    if (!endpoint) return { ok: false, reason: 'not_found' };
    if (!endpoint.enabled) return { ok: false, reason: 'endpoint_disabled' };
    const eventId = newId('evt');
    await tx
      .insertInto('webhook_events')
      .values({
        tenant_id: input.tenantId,
        id: eventId,
        type: WEBHOOK_TEST_EVENT,
        payload: JSON.stringify({ endpointId: endpoint.id, message: 'a test event sent from the Mu API' }),
      })
      .execute();
    const [deliveryId] = await insertDeliveries(tx, input.tenantId, eventId, WEBHOOK_TEST_EVENT, [
      endpoint.id,
    ]);
    return { ok: true, eventId, deliveryId: deliveryId! };
  });
}

export type RetryResult =
  { ok: true } | { ok: false; reason: 'not_found' | 'already_succeeded' | 'in_flight' | 'endpoint_disabled' };

/**
 * Make a failed or pending delivery due now. A failed delivery gets one more attempt (it has
 * used its automatic ones; if that attempt fails it is failed again); a pending one keeps its
 * schedule after this attempt. Refused while a dispatcher is sending it (its lease is live),
 * once it succeeded, and while its endpoint is disabled.
 */
export async function retryDelivery(
  db: AnyKysely,
  tenantId: string,
  deliveryId: string,
): Promise<RetryResult> {
  const k = webhooksDb(db);
  const done = await k
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      next_attempt_at: dbNow(),
      claim_token: null,
      completed_at: null,
      updated_at: dbNow(),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', deliveryId)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'failed'),
        eb.and([
          eb('status', '=', 'pending'),
          eb.or([eb('claim_token', 'is', null), eb('next_attempt_at', '<=', dbNow())]),
        ]),
      ]),
    )
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('webhook_endpoints as e')
          .select('e.id')
          .where('e.tenant_id', '=', tenantId)
          .whereRef('e.id', '=', 'webhook_deliveries.endpoint_id')
          .where('e.enabled', '=', true),
      ),
    )
    .returning('id')
    .executeTakeFirst();
  if (done) return { ok: true };
  const current = await k
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', (j) =>
      j.onRef('e.tenant_id', '=', 'd.tenant_id').onRef('e.id', '=', 'd.endpoint_id'),
    )
    .select(['d.status', 'e.enabled'])
    .where('d.tenant_id', '=', tenantId)
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  if (!current) return { ok: false, reason: 'not_found' };
  if (current.status === 'succeeded') return { ok: false, reason: 'already_succeeded' };
  if (!current.enabled) return { ok: false, reason: 'endpoint_disabled' };
  return { ok: false, reason: 'in_flight' };
}

async function insertDeliveries(
  tx: Kysely<WebhookTables>,
  tenantId: string,
  eventId: string,
  eventType: string,
  endpointIds: string[],
): Promise<string[]> {
  if (endpointIds.length === 0) return [];
  const rows = endpointIds.map((endpointId) => ({
    id: newId('whd'),
    tenant_id: tenantId,
    endpoint_id: endpointId,
    event_id: eventId,
    event_type: eventType,
    status: 'pending' as const,
    next_attempt_at: dbNow(),
    updated_at: dbNow(),
  }));
  await tx.insertInto('webhook_deliveries').values(rows).execute();
  return rows.map((r) => r.id);
}

function encodePayload(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new WebhookInputError('WEBHOOK_INVALID_EVENT', 'a webhook payload is a JSON object');
  }
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    throw new WebhookInputError(
      'WEBHOOK_INVALID_EVENT',
      `the webhook payload is not JSON: ${(err as Error).message}`,
    );
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_WEBHOOK_PAYLOAD_BYTES) {
    throw new WebhookInputError(
      'WEBHOOK_INVALID_EVENT',
      `a webhook payload is at most ${MAX_WEBHOOK_PAYLOAD_BYTES} bytes of JSON`,
    );
  }
  return json;
}

function inTransaction<T>(
  db: Kysely<WebhookTables>,
  fn: (tx: Kysely<WebhookTables>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
