import { ArgumentsHost, Catch, HttpException, Inject, type ExceptionFilter } from '@nestjs/common';
import { CONFIG, LOGGER, Metrics, type Logger } from '@mu/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CollectorEnv } from '../config';
import { IngestError, STATUS_OF } from '../ingest/errors';

export interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** Every error leaves as `{ error: { code, message } }` with a stable code (docs/api.md). */
@Catch()
export class CollectorExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: Readonly<CollectorEnv>,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(
      exception,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.config,
      this.logger,
    );
  }
}

/**
 * Answers an error in the collector's shape: Nest's routes through the filter above, the
 * Fastify route of POST /v1/events (events.route.ts) through its error handler.
 */
export function sendError(
  exception: unknown,
  req: FastifyRequest,
  reply: FastifyReply,
  config: Readonly<CollectorEnv>,
  logger: Logger,
): void {
  const { status, body, retryAfter } = toResponse(exception, config);
  // Refusals of an ingest route (every route of the collector but health and metrics), not
  // of paths that match nothing.
  if (req.routeOptions.url !== undefined)
    Metrics.ingestRefused.inc({ transport: 'http', reason: body.error.code });
  if (status >= 500 && !(exception instanceof IngestError))
    logger.error({ err: exception }, 'request failed');
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  void reply.code(status).send(body);
}

function toResponse(
  exception: unknown,
  config: Readonly<CollectorEnv>,
): { status: number; body: ErrorBody; retryAfter?: number } {
  if (exception instanceof IngestError) {
    return {
      status: STATUS_OF[exception.kind],
      body: { error: { code: exception.code, message: exception.message } },
      retryAfter: exception.retryAfterSeconds,
    };
  }
  const fastify = exception as { code?: unknown; statusCode?: unknown; message?: unknown };
  const status = exception instanceof HttpException ? exception.getStatus() : fastify?.statusCode;
  // Fastify refuses an oversize body while reading it, before the handler runs.
  if (status === 413 || fastify?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = config.COLLECTOR_MAX_BODY_BYTES;
    return {
      status: 413,
      body: {
        error: {
          code: 'BODY_TOO_LARGE',
          message: `the request body is larger than ${limit} bytes (COLLECTOR_MAX_BODY_BYTES)`,
        },
      },
    };
  }
  if (status === 415 || fastify?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return {
      status: 415,
      body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: String(fastify.message) } },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = status === 404 ? 'ROUTE_NOT_FOUND' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
    return {
      status,
      body: { error: { code, message: status < 500 ? exception.message : 'internal error' } },
    };
  }
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return {
      status: fastify.statusCode,
      body: { error: { code: 'BAD_REQUEST', message: String(fastify.message) } },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
