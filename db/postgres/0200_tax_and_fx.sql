-- Per-tenant tax configuration and FX rate tables, read by the tax service (docs/tax.md).
-- Every table is keyed by tenant_id first: its primary key index is the tenant_id index, and every
-- query filters by tenant_id. No foreign key to tenants: tax and FX tables are configuration a
-- tenant may import before, or keep after, anything else it owns.
-- Rates are `numeric` without a scale so they come back exactly as written ('19', '9.975').

-- A tenant's own rate for a jurisdiction from valid_from to valid_to (inclusive; open-ended when
-- null). tax_code '' replaces the standard rate; a code replaces that code's rate only.
-- region '' is the whole country; US and CA overrides name the state or province.
CREATE TABLE tax_rate_overrides (
  tenant_id   text NOT NULL CHECK (tenant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  country     char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  region      text NOT NULL DEFAULT '',
  tax_code    text NOT NULL DEFAULT '',
  rate        numeric NOT NULL CHECK (rate >= 0 AND rate <= 100 AND scale(rate) <= 6),
  valid_from  date NOT NULL,
  valid_to    date CHECK (valid_to IS NULL OR valid_to >= valid_from),
  note        text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, country, region, tax_code, valid_from)
);

-- Whether a tax code is taxable in a US state, replacing the shipped starting table; a taxable
-- portion below 1 taxes part of the price (Texas: 80% of data processing).
CREATE TABLE tax_us_taxability (
  tenant_id        text NOT NULL CHECK (tenant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  state            char(2) NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
  tax_code         text NOT NULL,
  taxable          boolean NOT NULL,
  taxable_portion  numeric CHECK (taxable_portion > 0 AND taxable_portion <= 1 AND scale(taxable_portion) <= 6),
  valid_from       date NOT NULL,
  valid_to         date CHECK (valid_to IS NULL OR valid_to >= valid_from),
  note             text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, state, tax_code, valid_from)
);

-- How a tenant rounds tax: per line (the default, when no row exists) or once per invoice and rate.
CREATE TABLE tax_tenant_settings (
  tenant_id   text PRIMARY KEY CHECK (tenant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  rounding    text NOT NULL DEFAULT 'per_line' CHECK (rounding IN ('per_line', 'per_invoice_per_rate')),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Effective-dated FX rates: 1 base = rate quote from effective_date on (ECB: base EUR).
-- `mu fx import` upserts on the primary key, so importing the same file twice changes nothing.
CREATE TABLE fx_rates (
  tenant_id       text NOT NULL CHECK (tenant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  base            char(3) NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  quote           char(3) NOT NULL CHECK (quote ~ '^[A-Z]{3}$' AND quote <> base),
  effective_date  date NOT NULL,
  rate            numeric NOT NULL CHECK (rate > 0 AND scale(rate) <= 12),
  source          text NOT NULL,
  imported_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, base, quote, effective_date)
);
-- Conversions look pairs up by either currency; the primary key serves `base`, this serves `quote`.
CREATE INDEX fx_rates_by_quote ON fx_rates (tenant_id, quote, effective_date);
