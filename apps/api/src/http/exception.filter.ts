import { ArgumentsHost, Catch, HttpException, Inject, type ExceptionFilter } from '@nestjs/common';
import { LOGGER, type Logger } from '@mu/platform';
import type { FastifyReply } from 'fastify';
import { ApiError } from './errors';

export interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** Every error leaves as `{ error: { code, message, details? } }` with a stable code. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toErrorResponse(exception);
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    void reply.code(status).send(body);
  }
}

export function toErrorResponse(exception: unknown): { status: number; body: ErrorBody } {
  if (exception instanceof ApiError) {
    return {
      status: exception.status,
      body: {
        error: {
          code: exception.code,
          message: exception.message,
          ...(exception.details ? { details: exception.details } : {}),
        },
      },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code =
      status === 404
        ? 'ROUTE_NOT_FOUND'
        : status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : status === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : status === 400
              ? 'BAD_REQUEST'
              : `HTTP_${status}`;
    return { status, body: { error: { code, message: exception.message } } };
  }
  const fastifyCode = (exception as { code?: unknown; statusCode?: unknown })?.statusCode;
  if (typeof fastifyCode === 'number' && fastifyCode >= 400 && fastifyCode < 500) {
    // Fastify's own parse errors (malformed JSON, body too large, bad content type).
    return {
      status: fastifyCode,
      body: { error: { code: 'BAD_REQUEST', message: (exception as Error).message } },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
