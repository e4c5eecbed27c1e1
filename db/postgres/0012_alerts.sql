-- Usage and spend alerts (issue 6). An alert watches one subscription's running billing period:
-- the quantity of a meter (`usage`) or the period's charges before tax (`spend`), against an
-- absolute threshold or a percentage of a budget. It fires at most once per period: the unique
-- key of alert_firings is the guarantee, whichever rater replica evaluates it first.
CREATE TABLE alerts (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  customer_id      text NOT NULL REFERENCES customers(id),
  subscription_id  text NOT NULL REFERENCES subscriptions(id),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  metric           text NOT NULL CHECK (metric IN ('usage', 'spend')),
  meter_id         text REFERENCES meters(id),
  -- Exactly one of: an absolute threshold, or a budget and the percentage of it.
  threshold        numeric CHECK (threshold > 0),
  budget           numeric CHECK (budget > 0),
  percent          numeric CHECK (percent > 0 AND percent <= 1000),
  enabled          boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((metric = 'usage') = (meter_id IS NOT NULL)),
  CHECK ((threshold IS NOT NULL AND budget IS NULL AND percent IS NULL)
      OR (threshold IS NULL AND budget IS NOT NULL AND percent IS NOT NULL))
);
CREATE INDEX alerts_tenant ON alerts (tenant_id, id);
CREATE INDEX alerts_customer ON alerts (tenant_id, customer_id) WHERE enabled;

CREATE TABLE alert_firings (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  alert_id         text NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  customer_id      text NOT NULL,
  subscription_id  text NOT NULL,
  period_start     timestamptz NOT NULL,
  period_end       timestamptz NOT NULL,
  -- What was measured when it fired, and the threshold it crossed (a quantity, or money in
  -- the plan's currency for spend).
  value            numeric NOT NULL,
  threshold        numeric NOT NULL,
  currency         text,
  fired_at         timestamptz NOT NULL DEFAULT now(),
  -- Set once billing.alert.triggered.v1 has its PubAck; a sweep republishes what is still null.
  published_at     timestamptz,
  UNIQUE (alert_id, period_start)
);
CREATE INDEX alert_firings_alert ON alert_firings (tenant_id, alert_id, period_start);
CREATE INDEX alert_firings_unpublished ON alert_firings (fired_at) WHERE published_at IS NULL;
