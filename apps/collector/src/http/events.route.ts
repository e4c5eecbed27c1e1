import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { UsageIngestResultV1 } from '@mu/contracts';
import { LOGGER, withRequestSpan, type Logger } from '@mu/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CollectorEnv } from '../config';
import { ApiKeys } from '../ingest/api-keys';
import { IngestError } from '../ingest/errors';
import { IngestService } from '../ingest/ingest.service';
import { checkIdempotencyKey, decodeBody, shapeOf } from './body';
import { sendError } from './exception.filter';

/**
 * `POST /v1/events`, registered on Fastify itself rather than as a Nest controller: the hot
 * path skips Nest's router, parameter pipes and rxjs interceptor chain (the collector's CPU at
 * 5,000 events/s fell from 31 % to 25 % of a core; docs/ingestion.md, "Results"). What Nest
 * gave it is kept: the server span and request metrics (Fastify hooks, with the span made
 * current here), and errors in the collector's shape (the same `sendError` as the filter).
 *
 * Order, and what each refusal costs the client: body read by Fastify (over
 * COLLECTOR_MAX_BODY_BYTES: 413 before any work) → API key (401; a cache hit costs nothing, a
 * miss one indexed Postgres lookup) → content type (415) → JSON parse and shape (400) →
 * IngestService (count, rate limit, per-event validation, one publish awaiting the PubAck) →
 * 202, or 400 when every event was invalid (same body), 503 without PubAck.
 */
export function registerEventsRoute(app: NestFastifyApplication, config: Readonly<CollectorEnv>): void {
  const ingest = app.get(IngestService);
  const apiKeys = app.get(ApiKeys);
  const logger = app.get<Logger>(LOGGER);

  async function post(req: FastifyRequest, reply: FastifyReply): Promise<UsageIngestResultV1> {
    const receivedAtMs = Date.now();
    const caller = await apiKeys.authenticate(req.headers.authorization);
    if (!caller)
      throw new IngestError(
        'unauthorized',
        'UNAUTHORIZED',
        'missing, unknown or revoked API key: send Authorization: Bearer <key>',
      );
    const shape = shapeOf(req.headers['content-type']);
    const body = decodeBody(req.body, shape);
    const idempotencyKey = req.headers['idempotency-key'];
    const result = await ingest.execute({
      edge: { transport: 'http', route: '/v1/events' },
      tenantId: caller.tenantId,
      body,
      idempotencyKey: checkIdempotencyKey(Array.isArray(idempotencyKey) ? idempotencyKey[0] : idempotencyKey),
      receivedAtMs,
    });
    void reply.code(result.accepted === 0 ? 400 : 202);
    return result;
  }

  app
    .getHttpAdapter()
    .getInstance()
    .route({
      method: 'POST',
      url: '/v1/events',
      handler: (req, reply) => withRequestSpan(req, () => post(req, reply)),
      errorHandler: (err, req, reply) => sendError(err, req, reply, config, logger),
    });
}
