import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { Metrics } from '../metrics/metrics';
import { tracer } from '../telemetry/telemetry';

interface InFlight {
  span: Span;
  startedAt: number;
}

const inFlight = new WeakMap<FastifyRequest, InFlight>();

/** Probes and scrapes arrive every few seconds: no span, no request metrics. */
const UNOBSERVED = /^\/(?:health\/|metrics$)/;

/**
 * A server span and request metrics for every HTTP request of a service. The span starts when
 * Fastify has routed the request (continuing a W3C `traceparent` the client sent) and ends when
 * the response is sent, with its status. Fastify reads the body outside the request's async
 * context, so a hook cannot make the span current for the handler: the interceptor below does,
 * which puts the handler's logs, NATS publishes (their `traceparent`) and queries in the trace.
 */
export function instrumentHttp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    if (route !== undefined && UNOBSERVED.test(route)) return done();
    const attributes: Record<string, string> = {
      'http.request.method': req.method,
      'url.path': req.url.split('?', 1)[0]!,
    };
    if (route !== undefined) attributes['http.route'] = route;
    const span = tracer().startSpan(
      route === undefined ? req.method : `${req.method} ${route}`,
      { kind: SpanKind.SERVER, attributes },
      propagation.extract(ROOT_CONTEXT, req.headers),
    );
    inFlight.set(req, { span, startedAt: performance.now() });
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    finish(req, reply.statusCode);
    done();
  });
  fastify.addHook('onRequestAbort', (req, done) => {
    finish(req, undefined);
    done();
  });
  app.useGlobalInterceptors(new ActiveSpanInterceptor());
}

function finish(req: FastifyRequest, status: number | undefined): void {
  const f = inFlight.get(req);
  if (!f) return;
  inFlight.delete(req);
  if (status === undefined) {
    f.span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the request' });
  } else {
    const route = req.routeOptions.url ?? 'unmatched';
    f.span.setAttribute('http.response.status_code', status);
    if (status >= 500) f.span.setStatus({ code: SpanStatusCode.ERROR });
    Metrics.httpRequests.inc({ method: req.method, route, status: String(status) });
    Metrics.httpDuration.observe({ method: req.method, route }, (performance.now() - f.startedAt) / 1000);
  }
  f.span.end();
}

/**
 * Runs `fn` with the request's server span current: for a route registered on Fastify itself,
 * which Nest's interceptors do not wrap.
 */
export function withRequestSpan<T>(req: FastifyRequest, fn: () => T): T {
  const span = inFlight.get(req)?.span;
  return span ? context.with(trace.setSpan(context.active(), span), fn) : fn();
}

/** Runs the handler (and the interceptors after this one) with the request's span current. */
class ActiveSpanInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    if (!inFlight.has(req)) return next.handle();
    // next.handle() binds the async context it is called in, so it must be called inside.
    return new Observable((subscriber) => withRequestSpan(req, () => next.handle().subscribe(subscriber)));
  }
}
