import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { COLLECTOR_QUEUE_GROUP, Subjects, tenantOfSubject, type UsageIngestReplyV1 } from '@mu/contracts';
import {
  CONFIG,
  extractTraceContext,
  LOGGER,
  Metrics,
  NATS,
  SpanKind,
  withSpan,
  type Logger,
} from '@mu/platform';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { CollectorEnv } from '../config';
import { checkIdempotencyKey, decodeBody } from '../http/body';
import { IngestError, STATUS_OF } from '../ingest/errors';
import { IngestService } from '../ingest/ingest.service';

/**
 * `usage.ingest.v1.<tenant>` over core NATS request/reply, for upstream services inside the
 * deployment. There is no API key: the tenant is the subject's last token, and who may publish
 * to which tenant's subject is decided by NATS account permissions (docs/ingestion.md). The
 * reply carries the result the same request would get over HTTP, with its status.
 */
@Injectable()
export class NatsIngestSubscriber implements OnApplicationBootstrap, OnModuleDestroy {
  private sub?: Subscription;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(CONFIG) private readonly config: Readonly<CollectorEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly ingest: IngestService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.COLLECTOR_NATS_INGEST) return;
    this.sub = this.nc.subscribe(Subjects.usageIngestAll, {
      queue: COLLECTOR_QUEUE_GROUP,
      callback: (err, msg) => {
        if (err) {
          this.logger.error({ err }, 'ingest subscription failed');
          return;
        }
        void this.handle(msg);
      },
    });
  }

  /** Stop taking requests; those in hand finish and are answered. */
  async onModuleDestroy(): Promise<void> {
    if (this.sub && !this.sub.isClosed()) await this.sub.drain();
  }

  async handle(msg: Msg): Promise<void> {
    // A server span continuing the requester's trace, as the HTTP routes have one.
    const reply = await withSpan(
      `process ${Subjects.usageIngestAll}`,
      {
        parent: msg.headers ? extractTraceContext(msg.headers) : undefined,
        kind: SpanKind.SERVER,
        attributes: { 'messaging.system': 'nats' },
      },
      async (span) => {
        const out = await this.process(msg);
        span.setAttribute('mu.status', out.status);
        return out;
      },
    );
    if (!msg.reply) return;
    try {
      msg.respond(Buffer.from(JSON.stringify(reply), 'utf8'));
    } catch (err) {
      this.logger.warn({ err, subject: msg.subject }, 'ingest reply not sent');
    }
  }

  private async process(msg: Msg): Promise<UsageIngestReplyV1> {
    const receivedAtMs = Date.now();
    try {
      let tenantId: string;
      try {
        tenantId = tenantOfSubject(msg.subject);
      } catch {
        throw new IngestError('invalid', 'INVALID_TENANT', 'the subject does not end in a valid tenant id');
      }
      if (msg.data.length > this.config.COLLECTOR_MAX_BODY_BYTES) {
        throw new IngestError(
          'too_large',
          'BODY_TOO_LARGE',
          `the message is larger than ${this.config.COLLECTOR_MAX_BODY_BYTES} bytes`,
        );
      }
      const body = decodeBody(Buffer.from(msg.data), 'either');
      const result = await this.ingest.execute({
        edge: { transport: 'nats', route: Subjects.usageIngestAll },
        tenantId,
        body,
        idempotencyKey: checkIdempotencyKey(msg.headers?.get('Idempotency-Key') || undefined),
        receivedAtMs,
      });
      return { status: result.accepted > 0 ? 202 : 400, ...result };
    } catch (err) {
      Metrics.ingestRefused.inc({
        transport: 'nats',
        reason: err instanceof IngestError ? err.code : 'INTERNAL',
      });
      if (err instanceof IngestError) {
        const out: UsageIngestReplyV1 = {
          status: STATUS_OF[err.kind],
          error: { code: err.code, message: err.message },
        };
        if (err.retryAfterSeconds !== undefined) out.retryAfterSeconds = err.retryAfterSeconds;
        return out;
      }
      this.logger.error({ err, subject: msg.subject }, 'ingest request failed');
      return { status: 500, error: { code: 'INTERNAL', message: 'internal error' } };
    }
  }
}
