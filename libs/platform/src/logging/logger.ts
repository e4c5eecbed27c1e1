import { trace } from '@opentelemetry/api';
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * The field names every Mu log line uses. Data goes in fields, never into the
 * message text, so logs stay queryable and redaction can see it.
 */
export const LogFields = {
  service: 'service',
  tenantId: 'tenantId',
  eventId: 'eventId',
  subject: 'subject',
  traceId: 'traceId',
  spanId: 'spanId',
  err: 'err',
} as const;

/** Secrets and personal data never reach a log sink: these paths are censored wherever they appear. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'email',
  '*.email',
  'customer.name',
  'customerName',
  '*.customerName',
  'address',
  '*.address',
  'billingAddress',
  '*.billingAddress',
  'taxId',
  '*.taxId',
  'phone',
  '*.phone',
  'DATABASE_URL',
  'REDIS_URL',
  'NATS_PASSWORD',
  'NATS_TOKEN',
  'CLICKHOUSE_PASSWORD',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** For tests: where lines go (default stdout). */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { [LogFields.service]: opts.service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      // Every line written inside a span carries its trace, so logs and traces join up.
      mixin() {
        const ctx = trace.getActiveSpan()?.spanContext();
        return ctx ? { [LogFields.traceId]: ctx.traceId, [LogFields.spanId]: ctx.spanId } : {};
      },
    },
    opts.destination,
  );
}

/** A URL with any password replaced, safe to log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
