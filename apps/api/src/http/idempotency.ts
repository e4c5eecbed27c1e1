import { createHash } from 'node:crypto';
import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { sql } from 'kysely';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DB, type Db } from '../db/db.module';
import type { Caller } from './auth';
import { ConflictError, ValidationFailedError } from './errors';
import { toErrorResponse } from './exception.filter';

const WINDOW_HOURS = 24;

/**
 * `Idempotency-Key` on POST. Order, and what a failure at each step costs:
 *   1. claim the key (insert in_progress)   conflict: replay, 409 (other body), or 409 (in flight)
 *   2. run the handler                      fails: the claim is released, a retry runs again
 *   3. store status + body (done)           crash before this: the claim stays in_progress until
 *                                           it expires; creates are still protected by each
 *                                           resource's natural unique key (external key, meter key)
 * Client errors (4xx) are stored and replayed like successes; server errors are not, so a
 * retry can succeed.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(@Inject(DB) private readonly db: Db) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { caller?: Caller }>();
    const raw = req.headers['idempotency-key'];
    if (req.method !== 'POST' || raw === undefined || !req.caller) return next.handle();
    const key = Array.isArray(raw) ? raw[0]! : raw;
    if (key.length < 1 || key.length > 255) {
      throw new ValidationFailedError([{ path: 'Idempotency-Key', message: 'must be 1 to 255 characters' }]);
    }
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    return from(
      this.run(req.caller.tenantId, key, requestHash(req), reply, () =>
        lastValueFrom(next.handle(), { defaultValue: undefined }),
      ),
    );
  }

  private async run(
    tenantId: string,
    key: string,
    hash: string,
    reply: FastifyReply,
    handle: () => Promise<unknown>,
  ): Promise<unknown> {
    // Expired claims are replaced, so a key can be reused after the window.
    const claimed = await this.db
      .insertInto('idempotency_keys')
      .values({ tenant_id: tenantId, key, request_hash: hash, state: 'in_progress' })
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'key'])
          .doUpdateSet({
            request_hash: hash,
            state: 'in_progress',
            status_code: null,
            response: null,
            created_at: sql`now()`,
          })
          .where(
            'idempotency_keys.created_at',
            '<',
            sql<Date>`now() - make_interval(hours => ${WINDOW_HOURS})`,
          ),
      )
      .returning('key')
      .executeTakeFirst();
    if (!claimed) return this.replay(tenantId, key, hash, reply);

    let status: number;
    let body: unknown;
    try {
      body = await handle();
      status = reply.statusCode;
    } catch (err) {
      const res = toErrorResponse(err);
      if (res.status >= 500) {
        await this.release(tenantId, key);
        throw err;
      }
      await this.store(tenantId, key, res.status, res.body);
      throw err;
    }
    await this.store(tenantId, key, status, body);
    return body;
  }

  private async replay(tenantId: string, key: string, hash: string, reply: FastifyReply): Promise<unknown> {
    const row = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (row.request_hash !== hash) {
      throw new ConflictError(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key ${key} was used with a different request`,
      );
    }
    if (row.state !== 'done') {
      throw new ConflictError(
        'IDEMPOTENCY_IN_PROGRESS',
        `a request with Idempotency-Key ${key} is still in progress`,
      );
    }
    void reply.header('Idempotent-Replayed', 'true').code(row.status_code ?? 200);
    return row.response;
  }

  private async store(tenantId: string, key: string, status: number, body: unknown): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'done', status_code: status, response: JSON.stringify(body ?? null) })
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .execute();
  }

  private async release(tenantId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .execute();
  }
}

/** Same method, path and body (key order aside) make the same request. */
function requestHash(req: FastifyRequest): string {
  return createHash('sha256')
    .update(`${req.method} ${req.url.split('?')[0]}\n${canonicalJson(req.body ?? null)}`)
    .digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
