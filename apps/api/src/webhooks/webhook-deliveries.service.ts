import { Inject, Injectable } from '@nestjs/common';
import { retryDelivery, type WebhookDeliveryRow } from '@mu/webhooks';
import { ConflictError, NotFoundError } from '../http/errors';
import { toPage, type Page } from '../http/pagination';
import type { WebhookDeliveryDetailDto, WebhookDeliveryDto, WebhookDeliveryListQuery } from './webhook.dto';
import { WEBHOOKS_DB, type WebhooksDb } from './webhooks.db';

/** The delivery log: one delivery per endpoint and event, with every attempt. Tenant-scoped. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(@Inject(WEBHOOKS_DB) private readonly db: WebhooksDb) {}

  async list(tenantId: string, q: WebhookDeliveryListQuery): Promise<Page<WebhookDeliveryDto>> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll().where('tenant_id', '=', tenantId);
    if (q.endpoint) query = query.where('endpoint_id', '=', q.endpoint);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.eventType) query = query.where('event_type', '=', q.eventType);
    if (q.cursor) query = query.where('id', '>', q.cursor);
    return toPage(
      await query
        .orderBy('id')
        .limit(q.limit + 1)
        .execute(),
      q.limit,
      toDto,
    );
  }

  async get(tenantId: string, id: string): Promise<WebhookDeliveryDetailDto> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('webhook delivery', id);
    const [event, attempts] = await Promise.all([
      this.db
        .selectFrom('webhook_events')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', row.event_id)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('webhook_delivery_attempts')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('delivery_id', '=', id)
        .orderBy('attempt')
        .execute(),
    ]);
    return {
      ...toDto(row),
      event: {
        id: event.id,
        type: event.type,
        createdAt: event.created_at.toISOString(),
        data: event.payload,
      },
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        startedAt: a.started_at.toISOString(),
        durationMs: a.duration_ms,
        outcome: a.outcome,
        responseStatus: a.response_status,
        responseBody: a.response_body,
        error: a.error,
      })),
    };
  }

  /** Due now: a failed delivery gets one more attempt, a pending one is not kept waiting. */
  async retry(tenantId: string, id: string): Promise<WebhookDeliveryDetailDto> {
    const r = await retryDelivery(this.db, tenantId, id);
    if (!r.ok) {
      switch (r.reason) {
        case 'not_found':
          throw new NotFoundError('webhook delivery', id);
        case 'already_succeeded':
          throw new ConflictError('WEBHOOK_DELIVERY_SUCCEEDED', `webhook delivery ${id} already succeeded`);
        case 'in_flight':
          throw new ConflictError(
            'WEBHOOK_DELIVERY_IN_FLIGHT',
            `webhook delivery ${id} is being attempted right now; see its attempts in a moment`,
          );
        case 'endpoint_disabled':
          throw new ConflictError(
            'WEBHOOK_ENDPOINT_DISABLED',
            `the endpoint of webhook delivery ${id} is disabled; enable it first`,
          );
      }
    }
    return this.get(tenantId, id);
  }
}

function toDto(r: WebhookDeliveryRow): WebhookDeliveryDto {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
    lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
    lastResponseStatus: r.last_response_status,
    lastResponseBody: r.last_response_body,
    lastError: r.last_error,
    completedAt: r.completed_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
