-- Usage store settings per tenant (issue 6).
-- Raw events (with their data) are kept this many days in ClickHouse, then expire by TTL;
-- the meter values that invoices are computed from are kept regardless.
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS raw_event_retention_days integer NOT NULL DEFAULT 3650
  CHECK (raw_event_retention_days BETWEEN 1 AND 36500);
