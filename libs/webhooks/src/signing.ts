import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme (docs/invoicing.md, "Webhooks"):
 *
 *   Mu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the signed text, so a captured request cannot be replayed later
 * with a fresh `t`; receivers refuse timestamps outside a tolerance. `v1` names the scheme:
 * a future scheme adds `v2=` beside it, and a header may carry several `v1` values (e.g. two
 * secrets during a rotation), any of which may match.
 */
export const SIGNATURE_HEADER = 'Mu-Signature';
export const WEBHOOK_ID_HEADER = 'Mu-Webhook-Id';
export const WEBHOOK_TYPE_HEADER = 'Mu-Webhook-Type';
export const WEBHOOK_ATTEMPT_HEADER = 'Mu-Webhook-Attempt';
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** A new signing secret: `whsec_` + 256 random bits. The whole string is the HMAC key. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** Hex HMAC-SHA256 of `<timestamp>.<body>` under the secret (UTF-8). */
export function computeWebhookSignature(
  secret: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The `Mu-Signature` value for a body sent at `timestamp` (unix seconds, default now). */
export function webhookSignatureHeader(
  secret: string,
  body: string | Uint8Array,
  timestamp: number = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${computeWebhookSignature(secret, timestamp, body)}`;
}

/** Why a signature was refused (or `ok`). */
export type SignatureCheck = 'ok' | 'malformed' | 'stale' | 'mismatch';

/**
 * Check a `Mu-Signature` header against the raw body exactly as received (before any JSON
 * parsing: re-serialised JSON is not the same bytes). Constant-time comparison; a timestamp
 * further than `toleranceSeconds` from now (either way) is `stale`.
 */
export function checkWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string | Uint8Array,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header) return 'malformed';
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return 'malformed';
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return 'malformed';
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return 'malformed';
      candidates.push(Buffer.from(value, 'hex'));
    }
    // Other keys are other schemes' signatures: ignored, so a new scheme can be added beside v1.
  }
  if (timestamp === undefined || candidates.length === 0) return 'malformed';
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return 'stale';
  const expected = Buffer.from(computeWebhookSignature(secret, timestamp, body), 'hex');
  let match = false;
  // Every candidate is compared (no early exit), each in constant time.
  for (const c of candidates) match = timingSafeEqual(expected, c) || match;
  return match ? 'ok' : 'mismatch';
}

/** For receivers: true when the header is a valid, fresh signature of the raw body. */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string | Uint8Array,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  nowSeconds?: number,
): boolean {
  return checkWebhookSignature(secret, header, body, toleranceSeconds, nowSeconds) === 'ok';
}
