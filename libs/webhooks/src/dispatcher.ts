import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Metrics, newId, type Logger } from '@mu/platform';
import { backoffDelayMs } from './backoff';
import { dbNow, nowPlusMs } from './db';
import { webhookBody } from './events';
import type { WebhookTables } from './schema';
import {
  SIGNATURE_HEADER,
  WEBHOOK_ATTEMPT_HEADER,
  WEBHOOK_ID_HEADER,
  WEBHOOK_TYPE_HEADER,
  webhookSignatureHeader,
} from './signing';
import { webhookUrlProblem } from './url';

/** What became of one attempt: delivered, scheduled again, or given up (failed). */
export type DeliveryOutcome = 'succeeded' | 'retrying' | 'failed';

export interface WebhookDispatcherOptions {
  logger: Logger;
  /** Wait between polls when nothing is due. */
  pollMs?: number;
  /** One request, body included. */
  timeoutMs?: number;
  /** Attempts in all, the first included, before a delivery is failed. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Local and test mode: http:// and private addresses (see webhookUrlProblem). */
  allowHttp?: boolean;
  /** Deliveries claimed and sent at once by this dispatcher. */
  concurrency?: number;
  /**
   * How long a claim holds a delivery before another dispatcher may take it over (this one
   * having died). Longer than any attempt: default timeoutMs + 60 s.
   */
  leaseMs?: number;
  /** For tests: the jitter's randomness. */
  random?: () => number;
}

export const WEBHOOK_DISPATCHER_DEFAULTS = {
  pollMs: 1_000,
  timeoutMs: 10_000,
  // 30 s doubling, capped at 6 h: 14 attempts span about a day (docs/invoicing.md).
  maxAttempts: 14,
  backoffBaseMs: 30_000,
  backoffMaxMs: 6 * 60 * 60 * 1000,
  allowHttp: false,
  concurrency: 10,
} as const;

/** Bytes of a receiver's answer kept in the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1024;
const USER_AGENT = 'Mu-Webhooks/1';

interface Claimed {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempt_count: number;
  url: string;
  secret: string;
  enabled: boolean;
  payload: Record<string, unknown>;
  event_created_at: Date;
}

interface AttemptResult {
  ok: boolean;
  status: number | null;
  body: string | null;
  error: string | null;
  durationMs: number;
}

/**
 * Sends due deliveries. Any number of dispatchers (invoicer replicas) may run against one
 * database. The order of one round, and what a failure at each step costs:
 *
 *   1. claim up to `concurrency` due deliveries   FOR UPDATE SKIP LOCKED, so replicas never
 *      (set claim_token, move next_attempt_at     claim the same row; the lease replaces a lock
 *      to the lease's end), commit               held across the HTTP call
 *   2. POST each, signed, with a timeout          crash here: the lease expires and another
 *                                                 dispatcher sends it again (at least once)
 *   3. record the attempt and the new state,      only if the claim_token is still ours: a
 *      in one transaction                         delivery retaken after an expired lease or
 *                                                 deleted with its endpoint is left alone
 *
 * So a receiver may see an event twice (a crash between 2 and 3), never zero times while the
 * delivery is pending; receivers dedupe by Mu-Webhook-Id.
 */
export class WebhookDispatcher {
  private readonly db: Kysely<WebhookTables>;
  private readonly o: Required<Omit<WebhookDispatcherOptions, 'logger'>>;
  private readonly logger: Logger;
  private loop?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  readonly stats = { claimed: 0, succeeded: 0, retrying: 0, failed: 0, errors: 0 };

  constructor(db: Kysely<WebhookTables>, opts: WebhookDispatcherOptions) {
    this.db = db;
    this.logger = opts.logger;
    const timeoutMs = opts.timeoutMs ?? WEBHOOK_DISPATCHER_DEFAULTS.timeoutMs;
    this.o = {
      pollMs: opts.pollMs ?? WEBHOOK_DISPATCHER_DEFAULTS.pollMs,
      timeoutMs,
      maxAttempts: opts.maxAttempts ?? WEBHOOK_DISPATCHER_DEFAULTS.maxAttempts,
      backoffBaseMs: opts.backoffBaseMs ?? WEBHOOK_DISPATCHER_DEFAULTS.backoffBaseMs,
      backoffMaxMs: opts.backoffMaxMs ?? WEBHOOK_DISPATCHER_DEFAULTS.backoffMaxMs,
      allowHttp: opts.allowHttp ?? WEBHOOK_DISPATCHER_DEFAULTS.allowHttp,
      concurrency: opts.concurrency ?? WEBHOOK_DISPATCHER_DEFAULTS.concurrency,
      leaseMs: opts.leaseMs ?? timeoutMs + 60_000,
      random: opts.random ?? Math.random,
    };
    if (this.o.backoffBaseMs > this.o.backoffMaxMs)
      throw new Error('webhook backoff: the base wait is longer than the maximum');
    if (this.o.leaseMs <= this.o.timeoutMs)
      throw new Error('webhook dispatcher: the lease must outlast the request timeout');
  }

  /** Poll and deliver until stop(). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stop claiming; resolves once the deliveries in hand are sent and recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** One round: claim what is due, send it, record it. Returns how many were claimed. */
  async dispatchDue(): Promise<number> {
    const token = randomUUID();
    // The due rows are picked in a materialised CTE, so the LIMIT query runs exactly once
    // whatever plan the UPDATE gets.
    const claimed = await this.db
      .with(
        (cte) => cte('due').materialized(),
        (db) =>
          db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', dbNow())
            .orderBy('next_attempt_at')
            .limit(this.o.concurrency)
            .forUpdate()
            .skipLocked(),
      )
      .updateTable('webhook_deliveries')
      .set({ claim_token: token, next_attempt_at: nowPlusMs(this.o.leaseMs), updated_at: dbNow() })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .returning('id')
      .execute();
    if (claimed.length === 0) return 0;
    this.stats.claimed += claimed.length;
    const rows: Claimed[] = await this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', (j) =>
        j.onRef('e.tenant_id', '=', 'd.tenant_id').onRef('e.id', '=', 'd.endpoint_id'),
      )
      .innerJoin('webhook_events as v', (j) =>
        j.onRef('v.tenant_id', '=', 'd.tenant_id').onRef('v.id', '=', 'd.event_id'),
      )
      .select([
        'd.id',
        'd.tenant_id',
        'd.endpoint_id',
        'd.event_id',
        'd.event_type',
        'd.attempt_count',
        'e.url',
        'e.secret',
        'e.enabled',
        'v.payload',
        'v.created_at as event_created_at',
      ])
      .where(
        'd.id',
        'in',
        claimed.map((c) => c.id),
      )
      .where('d.claim_token', '=', token)
      .execute();
    await Promise.all(rows.map((row) => this.deliver(row, token)));
    return claimed.length;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let claimed = 0;
      try {
        claimed = await this.dispatchDue();
        failures = 0;
      } catch (err) {
        failures += 1;
        this.stats.errors += 1;
        this.logger.warn({ err, failures }, 'webhook dispatch round failed');
      }
      if (this.stopping) break;
      // A full round means more are probably due: go again at once.
      if (failures === 0 && claimed >= this.o.concurrency) continue;
      const wait =
        failures === 0
          ? this.o.pollMs
          : Math.max(this.o.pollMs, Math.min(30_000, this.o.pollMs * 2 ** failures));
      await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async deliver(row: Claimed, token: string): Promise<void> {
    const log = {
      tenantId: row.tenant_id,
      deliveryId: row.id,
      endpointId: row.endpoint_id,
      eventId: row.event_id,
    };
    try {
      if (!row.enabled) {
        await this.cancel(row, token, 'the endpoint was disabled before this delivery was sent');
        this.stats.failed += 1;
        this.logger.info(log, 'webhook delivery dropped: endpoint disabled');
        return;
      }
      const attempt = row.attempt_count + 1;
      const startedAt = new Date();
      const problem = webhookUrlProblem(row.url, { allowHttp: this.o.allowHttp });
      const result: AttemptResult = problem
        ? {
            ok: false,
            status: null,
            body: null,
            error: `not sent: the endpoint url ${problem}`,
            durationMs: 0,
          }
        : await this.post(row, attempt);
      const outcome: DeliveryOutcome = result.ok
        ? 'succeeded'
        : attempt >= this.o.maxAttempts
          ? 'failed'
          : 'retrying';
      const recorded = await this.record(row, token, attempt, startedAt, result, outcome);
      if (!recorded) {
        this.logger.warn(log, 'webhook attempt not recorded: the delivery was retaken or deleted meanwhile');
        return;
      }
      this.count(outcome);
      const fields = { ...log, attempt, status: result.status, outcome, durationMs: result.durationMs };
      if (outcome === 'failed')
        this.logger.warn({ ...fields, error: result.error }, 'webhook delivery failed; giving up');
      else if (outcome === 'retrying')
        this.logger.info({ ...fields, error: result.error }, 'webhook attempt failed; will retry');
      else this.logger.debug(fields, 'webhook delivered');
    } catch (err) {
      // The lease runs out and another round retries it.
      this.stats.errors += 1;
      this.logger.warn({ ...log, err }, 'webhook delivery could not be recorded');
    }
  }

  private async post(row: Claimed, attempt: number): Promise<AttemptResult> {
    const body = webhookBody({
      id: row.event_id,
      type: row.event_type,
      createdAt: row.event_created_at,
      data: row.payload,
    });
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          [WEBHOOK_ID_HEADER]: row.event_id,
          [WEBHOOK_TYPE_HEADER]: row.event_type,
          [WEBHOOK_ATTEMPT_HEADER]: String(attempt),
          [SIGNATURE_HEADER]: webhookSignatureHeader(row.secret, body),
        },
        body,
        // A redirect is not followed (it could lead anywhere, the URL policy unchecked): it is a failure.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      const excerpt = await readExcerpt(res, RESPONSE_EXCERPT_BYTES);
      const ok = res.status >= 200 && res.status < 300;
      return {
        ok,
        status: res.status,
        body: excerpt,
        error: ok
          ? null
          : res.status >= 300 && res.status < 400
            ? `the receiver answered ${res.status} (redirects are not followed)`
            : `the receiver answered ${res.status}`,
        durationMs: elapsed(),
      };
    } catch (err) {
      return {
        ok: false,
        status: null,
        body: null,
        error: describeError(err, this.o.timeoutMs),
        durationMs: elapsed(),
      };
    }
  }

  private async record(
    row: Claimed,
    token: string,
    attempt: number,
    startedAt: Date,
    result: AttemptResult,
    outcome: DeliveryOutcome,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('webhook_deliveries')
        .set({
          status: outcome === 'retrying' ? 'pending' : outcome,
          attempt_count: attempt,
          next_attempt_at:
            outcome === 'retrying'
              ? nowPlusMs(
                  backoffDelayMs(
                    attempt,
                    { baseMs: this.o.backoffBaseMs, maxMs: this.o.backoffMaxMs },
                    this.o.random,
                  ),
                )
              : null,
          claim_token: null,
          last_attempt_at: startedAt,
          last_response_status: result.status,
          last_response_body: result.body,
          last_error: result.error,
          completed_at: outcome === 'retrying' ? null : dbNow(),
          updated_at: dbNow(),
        })
        .where('id', '=', row.id)
        .where('claim_token', '=', token)
        .returning('id')
        .executeTakeFirst();
      if (!updated) return false;
      await tx
        .insertInto('webhook_delivery_attempts')
        .values({
          id: newId('wha'),
          tenant_id: row.tenant_id,
          delivery_id: row.id,
          attempt,
          started_at: startedAt,
          duration_ms: result.durationMs,
          outcome: result.ok ? 'succeeded' : 'failed',
          response_status: result.status,
          response_body: result.body,
          error: result.error,
        })
        .execute();
      return true;
    });
  }

  /** Give up without an attempt (the endpoint is disabled). */
  private async cancel(row: Claimed, token: string, reason: string): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: 'failed',
        next_attempt_at: null,
        claim_token: null,
        last_error: reason,
        completed_at: dbNow(),
        updated_at: dbNow(),
      })
      .where('id', '=', row.id)
      .where('claim_token', '=', token)
      .execute();
  }

  private count(outcome: DeliveryOutcome): void {
    this.stats[outcome] += 1;
    Metrics.webhookDeliveries.inc({ outcome: outcome === 'succeeded' ? 'success' : 'failure' });
  }
}

/**
 * The first `maxBytes` of the answer, as text for the log (NULs removed: Postgres text cannot
 * hold them). The rest is not read; the stream is cancelled so the connection is freed. A body
 * that breaks off (timeout, reset) keeps what arrived: the status already decided the outcome.
 */
async function readExcerpt(res: Response, maxBytes: number): Promise<string | null> {
  if (!res.body) return null;
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // keep what arrived
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  if (size === 0) return null;
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8').replaceAll('\0', '');
}

/** What went wrong, for the delivery log: a cause code, never the request (its signature). */
function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause;
  const text = cause?.code
    ? `${cause.code}: ${cause.message ?? ''}`
    : (cause?.message ?? e?.message ?? String(err));
  return text.slice(0, 500);
}
