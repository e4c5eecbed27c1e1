/**
 * Every NATS subject Mu publishes or consumes. A published subject never changes
 * meaning: a new payload shape gets a new version (`v2`), never an edit here.
 *
 * Per-tenant subjects end in the tenant id, so one stream captures all tenants
 * with a wildcard while consumers and ACLs can still filter by tenant.
 */
export const Subjects = {
  /** Upstream services publish usage over core NATS request/reply. */
  usageIngest: (tenantId: string) => `usage.ingest.v1.${tenantToken(tenantId)}`,
  usageIngestAll: 'usage.ingest.v1.*',
  /** Accepted batches, as the collector received them (stream USAGE_RAW). */
  usageRaw: (tenantId: string) => `usage.raw.v1.${tenantToken(tenantId)}`,
  usageRawAll: 'usage.raw.v1.*',
  /** Events that passed deduplication (stream USAGE_UNIQUE). */
  usageUnique: (tenantId: string) => `usage.unique.v1.${tenantToken(tenantId)}`,
  usageUniqueAll: 'usage.unique.v1.*',
  /** Events refused at the edge or by a later stage, with the reason (stream USAGE_REJECTED). */
  usageRejected: (tenantId: string) => `usage.rejected.v1.${tenantToken(tenantId)}`,
  usageRejectedAll: 'usage.rejected.v1.*',
  /** Messages a consumer could never process, kept for an operator (stream DEAD_LETTER). */
  deadLetter: (consumer: string) => `deadletter.v1.${consumer}`,
  deadLetterAll: 'deadletter.v1.>',
  /** Invoice lifecycle events (stream BILLING_EVENTS). */
  invoiceEvent: (event: InvoiceEventName) => `billing.invoice.${event}.v1`,
  /** A usage or spend alert crossed its threshold (stream BILLING_EVENTS). */
  alertTriggered: 'billing.alert.triggered.v1',
  billingAll: 'billing.>',
  /** Catalog changes, so service caches refresh (core NATS, no stream). */
  catalogChanged: 'catalog.changed.v1',
  /** Tax quotes over request/reply (core NATS; no stream captures it). */
  taxQuote: 'tax.quote.v1',
  fxConvert: 'fx.convert.v1', // FX conversion over request/reply (core NATS; no stream captures it)
} as const;

export type InvoiceEventName =
  'created' | 'finalized' | 'voided' | 'paid' | 'uncollectible' | 'credit_note_created';

const TENANT_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** A tenant id becomes one subject token; anything that could split or wildcard a subject is refused. */
export function tenantToken(tenantId: string): string {
  if (!TENANT_TOKEN.test(tenantId)) {
    throw new Error(
      `tenant id ${JSON.stringify(tenantId)} is not a valid subject token (letters, digits, _ and -, 1-64)`,
    );
  }
  return tenantId;
}

/** The tenant id carried by a per-tenant subject (its last token). */
export function tenantOfSubject(subject: string): string {
  const token = subject.slice(subject.lastIndexOf('.') + 1);
  return tenantToken(token);
}
