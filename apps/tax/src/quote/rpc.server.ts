import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  decodeMessage,
  encodeMessage,
  FxConvertReply,
  FxConvertRequest,
  Subjects,
  TAX_QUEUE_GROUP,
  TaxQuoteReply,
  TaxQuoteRequest,
  type RpcErrorV1,
  type TaxQuoteV1,
} from '@mu/contracts';
import {
  CONFIG,
  extractTraceContext,
  LOGGER,
  NATS,
  SpanKind,
  withSpan,
  type HeaderCarrier,
  type Logger,
} from '@mu/platform';
import type { TaxQuote } from '@mu/tax-engine';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { TaxEnv } from '../config';
import { QuoteService } from './quote.service';
import { toRpcError, withDeadline } from './rpc-errors';

const NO_HEADERS: HeaderCarrier = { get: () => '', set: () => undefined };

/** Injection token: a prefix for the served subjects, empty in production (see QuoteModule.forRoot). */
export const RPC_SUBJECT_PREFIX = Symbol('mu.tax.rpcSubjectPrefix');

/** What one handler produced: the encoded reply, and for the log the tenant and error code. */
interface Answer {
  data: Uint8Array;
  tenantId?: string;
  error?: RpcErrorV1;
}

function toWire(q: TaxQuote): TaxQuoteV1 {
  return {
    ...q,
    lines: q.lines.map((l) => ({ ...l })),
    breakdown: q.breakdown.map((b) => ({ ...b, lineIds: [...b.lineIds] })),
    warnings: q.warnings.map((w) => ({ ...w })),
  };
}

/**
 * Answers `tax.quote.v1` and `fx.convert.v1` over core NATS request/reply, in queue group `tax` so
 * replicas share the requests. Every request gets a reply: the result, or an error with a stable
 * code (a bad request never crashes the service and is never retried by NATS: there is no stream).
 *
 * Shutdown order: drain the subscriptions (the server stops routing requests here and hands what it
 * already sent), wait for the requests in hand to be answered, then the platform drains the connection.
 */
@Injectable()
export class TaxRpcServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: Readonly<TaxEnv>,
    @Inject(RPC_SUBJECT_PREFIX) private readonly subjectPrefix: string,
    private readonly quotes: QuoteService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.serve(Subjects.taxQuote, (msg) => this.quote(msg));
    this.serve(Subjects.fxConvert, (msg) => this.convert(msg));
    // The server has the subscriptions before the service reports ready.
    await this.nc.flush();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed() && !this.nc.isDraining())
      await Promise.all(this.subscriptions.map((s) => s.drain()));
    await Promise.all(this.loops);
    await Promise.allSettled([...this.inFlight]);
  }

  private serve(subject: string, handle: (msg: Msg) => Promise<Answer>): void {
    const sub = this.nc.subscribe(this.subjectPrefix ? `${this.subjectPrefix}.${subject}` : subject, {
      queue: TAX_QUEUE_GROUP,
    });
    this.subscriptions.push(sub);
    const loop = async () => {
      for await (const msg of sub) {
        // Back-pressure: at most TAX_MAX_IN_FLIGHT requests at once; the rest wait in the client buffer.
        if (this.inFlight.size >= this.config.TAX_MAX_IN_FLIGHT) await Promise.race(this.inFlight);
        const done: Promise<void> = this.answer(subject, msg, handle).finally(() =>
          this.inFlight.delete(done),
        );
        this.inFlight.add(done);
      }
    };
    this.loops.push(loop());
  }

  private async answer(subject: string, msg: Msg, handle: (msg: Msg) => Promise<Answer>): Promise<void> {
    const started = Date.now();
    await withSpan(
      `handle ${subject}`,
      {
        parent: extractTraceContext(msg.headers ?? NO_HEADERS),
        kind: SpanKind.SERVER,
        attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject },
      },
      async (span) => {
        const answer = await handle(msg);
        const traceId = span.spanContext().traceId;
        if (answer.tenantId !== undefined) span.setAttribute('mu.tenant_id', answer.tenantId);
        const fields = { subject, tenantId: answer.tenantId, traceId, ms: Date.now() - started };
        if (answer.error === undefined) this.logger.debug(fields, 'request answered');
        else this.logger.info({ ...fields, code: answer.error.code }, 'request refused');
        // A request without a reply subject (a plain publish) has nobody to answer.
        if (msg.reply) msg.respond(answer.data);
        else this.logger.warn({ subject, traceId }, 'message without a reply subject ignored');
      },
    ).catch((err: unknown) => this.logger.error({ err, subject }, 'answering a request failed'));
  }

  /** Decode, compute, encode; every failure becomes an error reply with its stable code. */
  private async run<Req extends { tenantId: string }, Result>(
    decode: () => Req,
    work: (req: Req) => Promise<Result>,
    ok: (result: Result) => Uint8Array,
    fail: (error: RpcErrorV1) => Uint8Array,
    subject: string,
  ): Promise<Answer> {
    let tenantId: string | undefined;
    try {
      const req = decode();
      tenantId = req.tenantId;
      const result = await withDeadline(work(req), this.config.TAX_REQUEST_TIMEOUT_MS);
      return { data: ok(result), tenantId };
    } catch (err) {
      const { error, internal } = toRpcError(err);
      if (internal) this.logger.error({ err, subject, tenantId }, 'request failed');
      return { data: fail(error), tenantId, error };
    }
  }

  private quote(msg: Msg): Promise<Answer> {
    return this.run(
      () => decodeMessage(TaxQuoteRequest, msg.data),
      (req) => this.quotes.quote(req.tenantId, req.request),
      (quote) => encodeMessage(TaxQuoteReply, { ok: true, quote: toWire(quote) }),
      (error) => encodeMessage(TaxQuoteReply, { ok: false, error }),
      Subjects.taxQuote,
    );
  }

  private convert(msg: Msg): Promise<Answer> {
    return this.run(
      () => decodeMessage(FxConvertRequest, msg.data),
      (req) => this.quotes.convert(req),
      (conversion) =>
        encodeMessage(FxConvertReply, {
          ok: true,
          conversion: { ...conversion, legs: conversion.legs.map((l) => ({ ...l })) },
        }),
      (error) => encodeMessage(FxConvertReply, { ok: false, error }),
      Subjects.fxConvert,
    );
  }
}
