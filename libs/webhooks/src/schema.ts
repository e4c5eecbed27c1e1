import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb: read as parsed JSON, written as JSON text. */
type Json<T> = ColumnType<T, string, string>;

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** db/postgres/0310_webhooks.sql, as Kysely sees it. */
export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  /** Empty: every type. */
  event_types: ColumnType<string[], string[] | undefined, string[]>;
  secret: string;
  enabled: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface WebhookEventsTable {
  tenant_id: string;
  id: string;
  type: string;
  payload: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempt_count: Generated<number>;
  next_attempt_at: NullableTimestamp;
  claim_token: string | null;
  last_attempt_at: NullableTimestamp;
  last_response_status: number | null;
  last_response_body: string | null;
  last_error: string | null;
  completed_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface WebhookDeliveryAttemptsTable {
  id: string;
  tenant_id: string;
  delivery_id: string;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  outcome: 'succeeded' | 'failed';
  response_status: number | null;
  response_body: string | null;
  error: string | null;
}

/** The webhook tables, to combine with a service's own schema: `Kysely<WebhookTables & Database>`. */
export interface WebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookDeliveryAttemptRow = Selectable<WebhookDeliveryAttemptsTable>;
