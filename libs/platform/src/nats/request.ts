import {
  decodeMessage,
  encodeMessage,
  FxConvertReply,
  FxConvertRequest,
  Subjects,
  TaxQuoteReply,
  TaxQuoteRequest,
  type FxConversionV1,
  type FxConvertRequestV1,
  type MessageContract,
  type RpcErrorV1,
  type RpcIssueV1,
  type TaxQuoteRequestV1,
  type TaxQuoteV1,
} from '@mu/contracts';
import { ErrorCode, headers as natsHeaders, NatsError, type Msg, type NatsConnection } from 'nats';
import { injectTraceContext, SpanKind, withSpan } from '../telemetry/telemetry';

/** How long a caller waits for a reply unless it says otherwise. */
export const DEFAULT_RPC_TIMEOUT_MS = 5_000;

/**
 * Reply codes worth a retry: the service may answer differently later, because it recovers or
 * because the tenant's data is fixed (a rate imported, a bad override corrected). Every other
 * error reply is about the request itself and final.
 */
const TRANSIENT_REPLY_CODES = new Set([
  'TIMEOUT',
  'INTERNAL',
  'UNAVAILABLE',
  'FX_RATE_NOT_FOUND',
  'INVALID_TAX_CONFIG',
]);

/**
 * A request/reply call that failed: an error reply from the service (its code and issues), or the
 * transport (RPC_TIMEOUT, RPC_NO_RESPONDERS, RPC_FAILED). `permanent` tells a consumer runner
 * whether retrying can help (see isPermanent).
 */
export class RpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly issues: readonly RpcIssueV1[],
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  static fromReply(subject: string, error: RpcErrorV1): RpcError {
    return new RpcError(
      error.code,
      `${subject}: ${error.message}`,
      error.issues,
      !TRANSIENT_REPLY_CODES.has(error.code),
    );
  }
}

export interface RequestOptions {
  timeoutMs?: number;
  headers?: Record<string, string>;
}

function transportError(err: unknown, subject: string, timeoutMs: number): RpcError {
  const code = err instanceof NatsError ? err.code : undefined;
  if (code === ErrorCode.Timeout)
    return new RpcError('RPC_TIMEOUT', `${subject}: no reply within ${timeoutMs} ms`, [], false);
  if (code === ErrorCode.NoResponders)
    return new RpcError('RPC_NO_RESPONDERS', `${subject}: no service is listening`, [], false);
  return new RpcError('RPC_FAILED', `${subject}: ${(err as Error)?.message ?? String(err)}`, [], false);
}

/**
 * Validated request/reply over core NATS for any contract pair: the request is checked before it
 * leaves (ContractViolationError), the trace context travels in the headers, and the reply is
 * checked on arrival (ContractViolationError: the service broke its contract).
 */
export async function requestReply<Req extends object, Rep extends object>(
  nc: NatsConnection,
  subject: string,
  requestContract: MessageContract<Req>,
  payload: Req,
  replyContract: MessageContract<Rep>,
  opts: RequestOptions = {},
): Promise<Rep> {
  const data = encodeMessage(requestContract, payload);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
  return withSpan(
    `request ${subject}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject },
    },
    async () => {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
      h.set('Mu-Contract', `${requestContract.name}.v${requestContract.version}`);
      injectTraceContext(h);
      let reply: Msg;
      try {
        reply = await nc.request(subject, data, { timeout: timeoutMs, headers: h });
      } catch (err) {
        throw transportError(err, subject, timeoutMs);
      }
      return decodeMessage(replyContract, reply.data);
    },
  );
}

/** Ask the tax service for a quote. Throws RpcError with the service's code on an error reply. */
export async function requestTaxQuote(
  nc: NatsConnection,
  request: TaxQuoteRequestV1,
  opts: RequestOptions = {},
): Promise<TaxQuoteV1> {
  const reply = await requestReply(nc, Subjects.taxQuote, TaxQuoteRequest, request, TaxQuoteReply, opts);
  if (reply.ok) return reply.quote!;
  throw RpcError.fromReply(Subjects.taxQuote, reply.error!);
}

/** Ask the tax service to convert an amount with the tenant's FX table. */
export async function requestFxConversion(
  nc: NatsConnection,
  request: FxConvertRequestV1,
  opts: RequestOptions = {},
): Promise<FxConversionV1> {
  const reply = await requestReply(nc, Subjects.fxConvert, FxConvertRequest, request, FxConvertReply, opts);
  if (reply.ok) return reply.conversion!;
  throw RpcError.fromReply(Subjects.fxConvert, reply.error!);
}
