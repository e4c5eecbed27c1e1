import { Controller, Headers, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { UsageIngestResultV1 } from '@mu/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeys } from '../ingest/api-keys';
import { IngestError } from '../ingest/errors';
import { IngestService } from '../ingest/ingest.service';
import { checkIdempotencyKey, decodeBody, shapeOf } from './body';

/**
 * `POST /v1/events`. Order, and what each refusal costs the client:
 * body read by Fastify (over COLLECTOR_MAX_BODY_BYTES: 413 before any work) → API key (401; a
 * cache hit costs nothing, a miss one indexed Postgres lookup) → content type (415) → JSON
 * parse and shape (400) → IngestService (count, rate limit, per-event validation, one publish
 * awaiting the PubAck) → 202, or 400 when every event was invalid (same body), 503 without PubAck.
 */
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly ingest: IngestService,
    @Inject(ApiKeys) private readonly apiKeys: ApiKeys,
  ) {}

  @Post()
  @HttpCode(202)
  async post(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<UsageIngestResultV1> {
    const receivedAtMs = Date.now();
    const caller = await this.apiKeys.authenticate(req.headers.authorization);
    if (!caller)
      throw new IngestError(
        'unauthorized',
        'UNAUTHORIZED',
        'missing, unknown or revoked API key: send Authorization: Bearer <key>',
      );
    const shape = shapeOf(req.headers['content-type']);
    const body = decodeBody(req.body, shape);
    const result = await this.ingest.execute({
      edge: { transport: 'http', route: '/v1/events' },
      tenantId: caller.tenantId,
      body,
      idempotencyKey: checkIdempotencyKey(idempotencyKey),
      receivedAtMs,
    });
    if (result.accepted === 0) void reply.code(400);
    return result;
  }
}
