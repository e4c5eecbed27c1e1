import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, newId } from '@mu/platform';
import {
  enqueueTestWebhook,
  generateWebhookSecret,
  webhookAllowHttp,
  webhookUrlProblem,
  type WebhookEndpointRow,
} from '@mu/webhooks';
import type { ApiEnv } from '../config';
import { ConflictError, NotFoundError, ValidationFailedError } from '../http/errors';
import { toPage, type Page, type PageQuery } from '../http/pagination';
import type {
  CreateWebhookEndpointDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEndpointWithSecretDto,
} from './webhook.dto';
import { WEBHOOKS_DB, type WebhooksDb } from './webhooks.db';
import { rowOr404 } from '../db/db.module';

/**
 * A tenant's webhook endpoints. The signing secret leaves the service only in the answers to
 * create and rotate. Every query is scoped by the caller's tenant.
 */
@Injectable()
export class WebhookEndpointsService {
  private readonly allowHttp: boolean;

  constructor(
    @Inject(WEBHOOKS_DB) private readonly db: WebhooksDb,
    @Inject(CONFIG) config: Readonly<ApiEnv>,
  ) {
    this.allowHttp = webhookAllowHttp(config);
  }

  async create(tenantId: string, input: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecretDto> {
    this.checkUrl(input.url);
    const row = await this.db
      .insertInto('webhook_endpoints')
      .values({
        id: newId('whe'),
        tenant_id: tenantId,
        url: input.url,
        description: input.description ?? null,
        event_types: input.eventTypes ?? [],
        secret: generateWebhookSecret(),
        enabled: input.enabled ?? true,
        updated_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...toDto(row), secret: row.secret };
  }

  async list(tenantId: string, page: PageQuery): Promise<Page<WebhookEndpointDto>> {
    let q = this.db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenantId);
    if (page.cursor) q = q.where('id', '>', page.cursor);
    return toPage(
      await q
        .orderBy('id')
        .limit(page.limit + 1)
        .execute(),
      page.limit,
      toDto,
    );
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpointDto> {
    return toDto(await this.row(tenantId, id));
  }

  async update(tenantId: string, id: string, input: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    if (input.url !== undefined) this.checkUrl(input.url);
    const row = await this.db
      .updateTable('webhook_endpoints')
      .set({
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.eventTypes !== undefined ? { event_types: input.eventTypes } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new NotFoundError('webhook endpoint', id);
    return toDto(row);
  }

  /** Deletes the endpoint and its delivery log; nothing more is sent to it. */
  async remove(tenantId: string, id: string): Promise<WebhookEndpointDto> {
    const row = await this.db
      .deleteFrom('webhook_endpoints')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new NotFoundError('webhook endpoint', id);
    return toDto(row);
  }

  /** A new secret at once: deliveries from now on (retries included) are signed with it. */
  async rotateSecret(tenantId: string, id: string): Promise<WebhookEndpointWithSecretDto> {
    const row = await this.db
      .updateTable('webhook_endpoints')
      .set({ secret: generateWebhookSecret(), updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new NotFoundError('webhook endpoint', id);
    return { ...toDto(row), secret: row.secret };
  }

  /** Queue a `webhook.test` ping to this endpoint; returns the delivery's id. */
  async sendTest(tenantId: string, id: string): Promise<string> {
    const r = await enqueueTestWebhook(this.db, { tenantId, endpointId: id });
    if (r.ok) return r.deliveryId;
    switch (r.reason) {
      case 'not_found':
        throw new NotFoundError('webhook endpoint', id);
      case 'endpoint_disabled':
        throw new ConflictError(
          'WEBHOOK_ENDPOINT_DISABLED',
          `webhook endpoint ${id} is disabled; enable it first`,
        );
    }
  }

  private row(tenantId: string, id: string): Promise<WebhookEndpointRow> {
    return rowOr404(this.db, 'webhook_endpoints', tenantId, id, 'webhook endpoint');
  }

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, { allowHttp: this.allowHttp });
    if (problem) throw new ValidationFailedError([{ path: 'url', message: `url ${problem}` }]);
  }
}

function toDto(r: WebhookEndpointRow): WebhookEndpointDto {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    eventTypes: r.event_types,
    enabled: r.enabled,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
