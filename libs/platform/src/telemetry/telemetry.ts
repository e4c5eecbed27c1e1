import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';

export { SpanKind } from '@opentelemetry/api';
export type { Context } from '@opentelemetry/api';

let sdk: NodeSDK | undefined;

/**
 * Start OpenTelemetry for this process. Call it before anything else in an app's
 * entry point. The exporter and sampler come from the standard OTEL_* variables
 * (OTEL_TRACES_EXPORTER=otlp|console|none, OTEL_EXPORTER_OTLP_ENDPOINT, ...);
 * OTEL_SDK_DISABLED=true turns it off.
 */
export function startTelemetry(serviceName: string): void {
  if (sdk || process.env.OTEL_SDK_DISABLED === 'true') return;
  process.env.OTEL_SERVICE_NAME ??= serviceName;
  sdk = new NodeSDK({ serviceName });
  sdk.start();
}

export async function shutdownTelemetry(): Promise<void> {
  const s = sdk;
  sdk = undefined;
  await s?.shutdown();
}

export const tracer = () => trace.getTracer('mu');

/** Anything with get/set of string headers (NATS MsgHdrs, plain maps). */
export interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
}

const getter: TextMapGetter<HeaderCarrier> = {
  keys: () => ['traceparent', 'tracestate', 'baggage'],
  get: (carrier, key) => carrier.get(key) || undefined,
};
const setter: TextMapSetter<HeaderCarrier> = { set: (carrier, key, value) => carrier.set(key, value) };

/** Write the current (or given) trace context into message headers (W3C traceparent). */
export function injectTraceContext(carrier: HeaderCarrier, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier, setter);
}

/** Read the trace context a producer wrote into message headers. */
export function extractTraceContext(carrier: HeaderCarrier): Context {
  return propagation.extract(context.active(), carrier, getter);
}

export interface SpanOptions {
  parent?: Context;
  links?: Link[];
  kind?: SpanKind;
  attributes?: Record<string, string | number | boolean>;
}

/** Run `fn` in a new span, recording failures on it. */
export async function withSpan<T>(
  name: string,
  opts: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, links: opts.links, attributes: opts.attributes },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
