import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { hashApiKey, PUBLIC_ROUTE } from '@mu/platform';
import type { FastifyRequest } from 'fastify';
import { DB, type Db } from '../db/db.module';
import { UnauthorizedError } from './errors';

export interface Caller {
  tenantId: string;
  keyId: string;
}

type AuthedRequest = FastifyRequest & { caller?: Caller };

/**
 * `Authorization: Bearer <key>` on every route: the key's SHA-256 is looked up, and the
 * caller's tenant scopes everything the request touches. A revoked or unknown key is 401.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [ctx.getHandler(), ctx.getClass()]))
      return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
    const key = await this.db
      .selectFrom('api_keys')
      .select(['id', 'tenant_id'])
      .where('secret_hash', '=', hashApiKey(m[1]!))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!key) throw new UnauthorizedError('invalid or revoked API key');
    req.caller = { tenantId: key.tenant_id, keyId: key.id };
    return true;
  }
}

/** The authenticated caller (tenant and key) of this request. */
export const CallerOf = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<AuthedRequest>().caller;
  if (!caller) throw new UnauthorizedError('not authenticated');
  return caller;
});
