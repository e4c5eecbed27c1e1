import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiKeys, type Caller } from '../ingest/api-keys';
import { IngestError } from '../ingest/errors';
import { IngestService } from '../ingest/ingest.service';
import { checkIdempotencyKey, decodeBody, shapeOf } from './body';

/**
 * Drop-in ingest endpoints for clients written against OpenMeter or Lago, so their published
 * SDKs work unchanged with only the base URL and key swapped. Both peers refuse a request
 * whole when one event is invalid, so these routes do too (nothing is published then).
 * Authentication, limits, validation and publishing are the collector's own.
 */
@Controller()
export class CompatController {
  constructor(
    private readonly ingest: IngestService,
    @Inject(ApiKeys) private readonly apiKeys: ApiKeys,
  ) {}

  /** OpenMeter `POST /api/v1/events`: CloudEvents, as ours; 204 when all were stored. */
  @Post('openmeter/api/v1/events')
  @HttpCode(204)
  async openMeter(@Req() req: FastifyRequest): Promise<void> {
    const receivedAtMs = Date.now();
    const caller = await this.authenticate(req);
    const body = decodeBody(req.body, shapeOf(req.headers['content-type']));
    await this.ingest.execute({
      edge: { transport: 'http', route: '/openmeter/api/v1/events' },
      tenantId: caller.tenantId,
      body,
      idempotencyKey: checkIdempotencyKey(header(req, 'idempotency-key')),
      receivedAtMs,
      allOrNothing: true,
    });
  }

  /** Lago `POST /api/v1/events` (`{ event }`): 200 with the event echoed, as Lago answers. */
  @Post('lago/api/v1/events')
  @HttpCode(200)
  async lagoOne(@Req() req: FastifyRequest): Promise<{ event: LagoEventOut }> {
    const receivedAtMs = Date.now();
    const caller = await this.authenticate(req);
    const body = decodeBody(req.body, shapeOf(req.headers['content-type'], { 'application/json': 'single' }));
    const event = (body as { event?: unknown }).event;
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      throw new IngestError('invalid', 'INVALID_BODY', 'the body must be { "event": { ... } }');
    }
    await this.ingest.execute({
      edge: { transport: 'http', route: '/lago/api/v1/events' },
      tenantId: caller.tenantId,
      body: fromLago(event),
      receivedAtMs,
      allOrNothing: true,
    });
    return { event: echoLago(event, receivedAtMs) };
  }

  /** Lago `POST /api/v1/events/batch` (`{ events: [...] }`). */
  @Post('lago/api/v1/events/batch')
  @HttpCode(200)
  async lagoBatch(@Req() req: FastifyRequest): Promise<{ events: LagoEventOut[] }> {
    const receivedAtMs = Date.now();
    const caller = await this.authenticate(req);
    const body = decodeBody(req.body, shapeOf(req.headers['content-type'], { 'application/json': 'single' }));
    const events = (body as { events?: unknown }).events;
    if (!Array.isArray(events))
      throw new IngestError('invalid', 'INVALID_BODY', 'the body must be { "events": [ ... ] }');
    await this.ingest.execute({
      edge: { transport: 'http', route: '/lago/api/v1/events/batch' },
      tenantId: caller.tenantId,
      body: events.map(fromLago),
      receivedAtMs,
      allOrNothing: true,
    });
    return { events: events.map((e) => echoLago(e as LagoEventIn, receivedAtMs)) };
  }

  private async authenticate(req: FastifyRequest): Promise<Caller> {
    const caller = await this.apiKeys.authenticate(req.headers.authorization);
    if (!caller)
      throw new IngestError(
        'unauthorized',
        'UNAUTHORIZED',
        'missing, unknown or revoked API key: send Authorization: Bearer <key>',
      );
    return caller;
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface LagoEventIn {
  transaction_id?: unknown;
  code?: unknown;
  external_subscription_id?: unknown;
  external_customer_id?: unknown;
  timestamp?: unknown;
  properties?: unknown;
  precise_total_amount_cents?: unknown;
}

interface LagoEventOut {
  lago_id: string | null;
  transaction_id: unknown;
  lago_customer_id: null;
  code: unknown;
  timestamp: string;
  properties: unknown;
  lago_subscription_id: null;
  external_subscription_id: unknown;
  external_customer_id: unknown;
  precise_total_amount_cents: unknown;
  created_at: string;
}

/** Lago's `source`: its transaction ids live in their own namespace for the deduplicator. */
export const LAGO_SOURCE = 'lago';
const LAGO_SECONDS = /^\d{1,11}(?:\.(\d{1,9}))?$/;

/**
 * A Lago event as a CloudEvent: transaction_id → id, code → type, external_customer_id (else
 * external_subscription_id) → subject, timestamp (Unix seconds, decimals for ms) → time,
 * properties → data (with precise_total_amount_cents, when sent, as a property).
 * Anything unmappable is passed on as is, so the collector's validation names it.
 */
export function fromLago(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const e = raw as LagoEventIn;
  const out: Record<string, unknown> = {
    id: e.transaction_id,
    source: LAGO_SOURCE,
    type: e.code,
    subject: e.external_customer_id ?? e.external_subscription_id,
  };
  if (e.timestamp !== undefined && e.timestamp !== null) out.time = lagoTime(e.timestamp);
  if (
    e.properties !== undefined ||
    (e.precise_total_amount_cents !== undefined && e.precise_total_amount_cents !== null)
  ) {
    const props = e.properties;
    if (props !== undefined && props !== null && (typeof props !== 'object' || Array.isArray(props))) {
      out.data = props;
    } else {
      const data: Record<string, unknown> = { ...(props as Record<string, unknown> | undefined) };
      if (e.precise_total_amount_cents !== undefined && e.precise_total_amount_cents !== null) {
        data.precise_total_amount_cents = e.precise_total_amount_cents;
      }
      out.data = data;
    }
  }
  return out;
}

/** Unix seconds (number or decimal string) → epoch ms, exactly for up to 3 decimals. */
function lagoTime(ts: unknown): unknown {
  const text = typeof ts === 'number' && Number.isFinite(ts) ? String(ts) : ts;
  if (typeof text !== 'string') return ts;
  const m = LAGO_SECONDS.exec(text);
  if (!m) return ts;
  const [whole, frac = ''] = text.split('.') as [string, string?];
  return Number(whole) * 1000 + Number(frac.slice(0, 3).padEnd(3, '0'));
}

function echoLago(e: LagoEventIn, receivedAtMs: number): LagoEventOut {
  const t = lagoTime(e.timestamp);
  return {
    lago_id: null,
    transaction_id: e.transaction_id,
    lago_customer_id: null,
    code: e.code,
    timestamp: new Date(typeof t === 'number' ? t : receivedAtMs).toISOString(),
    properties: e.properties ?? {},
    lago_subscription_id: null,
    external_subscription_id: e.external_subscription_id ?? null,
    external_customer_id: e.external_customer_id ?? null,
    precise_total_amount_cents: e.precise_total_amount_cents ?? null,
    created_at: new Date(receivedAtMs).toISOString(),
  };
}
