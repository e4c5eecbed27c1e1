-- Discounts, prepaid credits and minimum commitments (issue 8).

-- A coupon: a percentage or a fixed amount off, for one period, a number of periods, or forever.
CREATE TABLE coupons (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  code             text NOT NULL,
  name             text NOT NULL,
  percent_off      numeric CHECK (percent_off > 0 AND percent_off <= 100),
  amount_off       numeric CHECK (amount_off > 0),
  currency         char(3),
  duration         text NOT NULL CHECK (duration IN ('once', 'repeating', 'forever')),
  duration_periods integer CHECK (duration_periods > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  archived_at      timestamptz,
  UNIQUE (tenant_id, code),
  CHECK ((percent_off IS NULL) <> (amount_off IS NULL)),
  CHECK ((amount_off IS NULL) = (currency IS NULL)),
  CHECK ((duration = 'repeating') = (duration_periods IS NOT NULL))
);

-- A coupon applied to a subscription: it discounts the periods that start at or after
-- `applies_from`, for the coupon's duration counted in periods.
CREATE TABLE subscription_discounts (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  subscription_id  text NOT NULL REFERENCES subscriptions(id),
  coupon_id        text NOT NULL REFERENCES coupons(id),
  applies_from     timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  removed_at       timestamptz
);
CREATE INDEX subscription_discounts_sub ON subscription_discounts (tenant_id, subscription_id);

-- Prepaid credit granted to a customer, consumed by finalized invoices (oldest expiry first)
-- before anything is charged; what is left at expiry is lost.
CREATE TABLE credit_grants (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants(id),
  customer_id  text NOT NULL REFERENCES customers(id),
  name         text NOT NULL,
  currency     char(3) NOT NULL,
  amount       numeric NOT NULL CHECK (amount > 0),
  remaining    numeric NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
  effective_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  voided_at    timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_grants_customer ON credit_grants (tenant_id, customer_id, expires_at);

-- Which invoice consumed how much of which grant (the ledger behind `remaining`).
CREATE TABLE credit_grant_applications (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  grant_id    text NOT NULL REFERENCES credit_grants(id),
  invoice_id  text NOT NULL REFERENCES invoices(id),
  amount      numeric NOT NULL CHECK (amount > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (grant_id, invoice_id)
);

-- A minimum spend per period (in the plan's currency, prorated like fixed fees): a period whose
-- charges come to less gets a true-up line for the difference.
ALTER TABLE subscriptions ADD COLUMN minimum_commitment numeric CHECK (minimum_commitment > 0);

-- Discount and true-up lines; credits applied at finalization.
ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_type_check;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_type_check
  CHECK (type IN ('usage', 'fixed', 'adjustment', 'discount', 'true_up'));
ALTER TABLE invoices ADD COLUMN credits_applied numeric NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN amount_due numeric;
