import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb: read as parsed JSON, written as JSON text (pg would turn a JS array into a Postgres array). */
type Json<T> = ColumnType<T, string | undefined, string>;

export interface TenantsTable {
  id: string;
  name: string;
  created_at: Generated<Date>;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  created_at: Generated<Date>;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  state: 'in_progress' | 'done';
  status_code: number | null;
  response: Json<unknown> | null;
  created_at: Generated<Date>;
}

export interface BillingAddress {
  line1?: string;
  line2?: string;
  city?: string;
  country: string;
  region?: string;
  postalCode?: string;
}

export interface TaxId {
  type: string;
  value: string;
}

export interface CustomersTable {
  id: string;
  tenant_id: string;
  external_key: string;
  name: string | null;
  email: string | null;
  billing_address: Json<BillingAddress | null> | null;
  country: string | null;
  tax_ids: Json<TaxId[]>;
  tax_exempt: boolean;
  exemption_id: string | null;
  currency: string;
  time_zone: string;
  grace_period_hours: number | null;
  metadata: Json<Record<string, string>>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  archived_at: NullableTimestamp;
}

export interface CustomerSubjectsTable {
  tenant_id: string;
  subject_key: string;
  customer_id: string;
  created_at: Generated<Date>;
}

export type Aggregation =
  'count' | 'sum' | 'unique_count' | 'max' | 'min' | 'avg' | 'latest' | 'time_weighted_sum';

export interface MeterFilter {
  path: string;
  op: 'eq' | 'neq' | 'in' | 'nin' | 'exists';
  value?: string;
  values?: string[];
}

export interface MetersTable {
  id: string;
  tenant_id: string;
  key: string;
  name: string;
  description: string | null;
  event_type: string;
  aggregation: Aggregation;
  value_path: string | null;
  filters: Json<MeterFilter[]>;
  group_by: Json<Record<string, string>>;
  unit: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  archived_at: NullableTimestamp;
}

export interface PlansTable {
  id: string;
  tenant_id: string;
  key: string;
  name: string;
  description: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface FixedFee {
  key: string;
  name: string;
  amount: string;
  timing: 'in_advance' | 'in_arrears';
}

export interface UsageCharge {
  key: string;
  name: string;
  meterId: string;
  meterKey: string;
  price: unknown;
  dimensions?: Record<string, string[]>;
}

export type PlanVersionStatus = 'draft' | 'published' | 'archived';

export interface PlanVersionsTable {
  id: string;
  tenant_id: string;
  plan_id: string;
  version: number;
  status: PlanVersionStatus;
  currency: string;
  billing_cadence: string;
  fixed_fees: Json<FixedFee[]>;
  usage_charges: Json<UsageCharge[]>;
  trial_days: number;
  created_at: Generated<Date>;
  published_at: NullableTimestamp;
  archived_at: NullableTimestamp;
}

export interface PriceOverride {
  chargeKey: string;
  price?: unknown;
  amount?: string;
}

export interface SubscriptionsTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  status: 'active' | 'canceled';
  billing_alignment: 'calendar' | 'anniversary';
  start_at: Timestamp;
  end_at: NullableTimestamp;
  trial_end_at: NullableTimestamp;
  cancel_at_period_end: Generated<boolean>;
  canceled_at: NullableTimestamp;
  price_overrides: Json<PriceOverride[]>;
  minimum_commitment: ColumnType<string | null, string | null | undefined, string | null>;
  progressive_billing_threshold: ColumnType<string | null, string | null | undefined, string | null>;
  metadata: Json<Record<string, string>>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface SubscriptionPhasesTable {
  id: string;
  tenant_id: string;
  subscription_id: string;
  plan_version_id: string;
  start_at: Timestamp;
  end_at: NullableTimestamp;
  reason: 'created' | 'upgrade' | 'downgrade' | 'change';
  created_at: Generated<Date>;
}

export interface EventCorrectionsTable {
  id: string;
  tenant_id: string;
  source: string;
  event_id: string;
  action: 'void' | 'amend';
  reason: string;
  actor: string;
  version: ColumnType<string, number, number>;
  changes: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export type AlertMetric = 'usage' | 'spend';

/** numeric: read as a decimal string (pg), written as a string or number. */
type Numeric = ColumnType<string, string, string>;
type NullableNumeric = ColumnType<string | null, string | null | undefined, string | null>;

export interface AlertsTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  subscription_id: string;
  name: string;
  metric: AlertMetric;
  meter_id: string | null;
  threshold: NullableNumeric;
  budget: NullableNumeric;
  percent: NullableNumeric;
  enabled: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface AlertFiringsTable {
  id: string;
  tenant_id: string;
  alert_id: string;
  customer_id: string;
  subscription_id: string;
  period_start: Timestamp;
  period_end: Timestamp;
  value: Numeric;
  threshold: Numeric;
  currency: string | null;
  fired_at: Generated<Date>;
  published_at: NullableTimestamp;
}

export interface SellerProfile {
  name?: string;
  address?: BillingAddress;
  taxIds?: TaxId[];
  email?: string;
  /** Tax registrations beyond the home country (e.g. US states: `US-CA`). */
  registrations?: string[];
}

export interface TenantBillingSettingsTable {
  tenant_id: string;
  seller: Json<SellerProfile>;
  grace_period_hours: Generated<number>;
  invoice_number_format: Generated<string>;
  credit_note_number_format: Generated<string>;
  net_terms_days: Generated<number>;
  updated_at: Generated<Date>;
}

export interface NumberSequencesTable {
  tenant_id: string;
  scope: string;
  last_value: ColumnType<string, number | undefined, number>;
}

export type InvoiceKind = 'period' | 'interim';

/** The conversion of an invoice from its plan's currency into the customer's. */
export interface FxApplied {
  from: string;
  to: string;
  rate: string;
  effectiveDate: string;
  source: string;
  method: string;
}

export type InvoiceStatus = 'draft' | 'finalized' | 'paid' | 'void' | 'uncollectible';

/** The buyer as invoiced: a snapshot of the customer when the invoice was computed. */
export interface BuyerSnapshot {
  customerId: string;
  externalKey: string;
  name: string | null;
  email: string | null;
  address: BillingAddress | null;
  country: string | null;
  taxIds: TaxId[];
  taxExempt: boolean;
  exemptionId: string | null;
}

export interface InvoicesTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  subscription_id: string;
  kind: ColumnType<InvoiceKind, InvoiceKind | undefined, InvoiceKind>;
  usage_through: Timestamp;
  fx: ColumnType<FxApplied | null, string | null | undefined, string | null>;
  period_start: Timestamp;
  period_end: Timestamp;
  status: InvoiceStatus;
  number: string | null;
  currency: string;
  subtotal: Numeric;
  tax_total: Numeric;
  total: Numeric;
  tax: Json<Record<string, unknown>>;
  seller: Json<SellerProfile>;
  buyer: Json<BuyerSnapshot>;
  computed_at: Timestamp;
  grace_until: Timestamp;
  issued_at: NullableTimestamp;
  due_at: NullableTimestamp;
  finalized_at: NullableTimestamp;
  paid_at: NullableTimestamp;
  voided_at: NullableTimestamp;
  uncollectible_at: NullableTimestamp;
  void_reason: string | null;
  replaces_id: string | null;
  /** Prepaid credit applied (consumed at finalization); amount_due = total - credits_applied. */
  credits_applied: ColumnType<string, string | undefined, string>;
  amount_due: NullableNumeric;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export type InvoiceLineType = 'usage' | 'fixed' | 'adjustment' | 'discount' | 'true_up' | 'interim_deduction';

export interface InvoiceLinesTable {
  id: string;
  tenant_id: string;
  invoice_id: string;
  position: number;
  type: InvoiceLineType;
  charge_key: string;
  description: string;
  period_start: Timestamp;
  period_end: Timestamp;
  quantity: Numeric;
  unit_price: NullableNumeric;
  amount: Numeric;
  tax_rate: NullableNumeric;
  tax_amount: Numeric;
  meter_id: string | null;
  breakdown: Json<unknown[]>;
  details: Json<string[]>;
  adjusts_invoice_id: string | null;
}

export interface CreditNoteLine {
  invoiceLineId?: string;
  description: string;
  amount: string;
  taxAmount: string;
}

export interface CreditNotesTable {
  id: string;
  tenant_id: string;
  invoice_id: string;
  number: string;
  reason: string;
  currency: string;
  subtotal: Numeric;
  tax_total: Numeric;
  total: Numeric;
  lines: Json<CreditNoteLine[]>;
  /** The prepaid credit grant this credit note gave its total back as; null when it did not. */
  credit_grant_id: string | null;
  created_at: Generated<Date>;
}

export interface CouponsTable {
  id: string;
  tenant_id: string;
  code: string;
  name: string;
  percent_off: NullableNumeric;
  amount_off: NullableNumeric;
  currency: string | null;
  duration: 'once' | 'repeating' | 'forever';
  duration_periods: number | null;
  created_at: Generated<Date>;
  archived_at: NullableTimestamp;
  /** Applications allowed in all (removed ones count); null: no limit. */
  max_redemptions: ColumnType<number | null, number | null | undefined, number | null>;
  /** No new application from this instant on; null: no end. */
  redeem_by: NullableTimestamp;
  /** Plans (by key) whose subscriptions may get it; null: any. */
  plan_keys: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
}

export interface SubscriptionDiscountsTable {
  id: string;
  tenant_id: string;
  subscription_id: string;
  coupon_id: string;
  applies_from: Timestamp;
  created_at: Generated<Date>;
  removed_at: NullableTimestamp;
}

export interface CreditGrantsTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  name: string;
  currency: string;
  amount: Numeric;
  remaining: Numeric;
  effective_at: ColumnType<Date, Date | string | undefined, Date | string>;
  expires_at: NullableTimestamp;
  voided_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface CreditGrantApplicationsTable {
  tenant_id: string;
  grant_id: string;
  invoice_id: string;
  amount: Numeric;
  created_at: Generated<Date>;
  /** When a void of the invoice gave the amount back to the grant; null while it stays spent. */
  reinstated_at: NullableTimestamp;
}

export interface Database {
  coupons: CouponsTable;
  subscription_discounts: SubscriptionDiscountsTable;
  credit_grants: CreditGrantsTable;
  credit_grant_applications: CreditGrantApplicationsTable;
  tenant_billing_settings: TenantBillingSettingsTable;
  number_sequences: NumberSequencesTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  credit_notes: CreditNotesTable;
  alerts: AlertsTable;
  alert_firings: AlertFiringsTable;
  event_corrections: EventCorrectionsTable;
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  customers: CustomersTable;
  customer_subjects: CustomerSubjectsTable;
  meters: MetersTable;
  plans: PlansTable;
  plan_versions: PlanVersionsTable;
  subscriptions: SubscriptionsTable;
  subscription_phases: SubscriptionPhasesTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type MeterRow = Selectable<MetersTable>;
export type PlanRow = Selectable<PlansTable>;
export type PlanVersionRow = Selectable<PlanVersionsTable>;
export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type PhaseRow = Selectable<SubscriptionPhasesTable>;
export type AlertRow = Selectable<AlertsTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type InvoiceLineRow = Selectable<InvoiceLinesTable>;
export type CreditNoteRow = Selectable<CreditNotesTable>;
export type CouponRow = Selectable<CouponsTable>;
export type CreditGrantRow = Selectable<CreditGrantsTable>;
export type TenantBillingSettingsRow = Selectable<TenantBillingSettingsTable>;
export type AlertFiringRow = Selectable<AlertFiringsTable>;
