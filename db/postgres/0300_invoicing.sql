-- Invoicing (issue 8): the tenant's seller profile and billing settings, invoices and their
-- lines, gapless numbering, and credit notes. A finalized invoice never changes: the triggers
-- below refuse any edit but its status transitions, in the database and not only in code.

CREATE TABLE tenant_billing_settings (
  tenant_id             text PRIMARY KEY REFERENCES tenants(id),
  -- The seller on every invoice: { name, address: { line1, line2, city, postalCode, region,
  -- country }, taxIds: [{ type, value }], email, registrations: ["US-CA", ...] }.
  seller                jsonb NOT NULL DEFAULT '{}',
  -- How long after a period ends its invoice stays a draft that late usage refreshes.
  grace_period_hours    integer NOT NULL DEFAULT 24 CHECK (grace_period_hours BETWEEN 0 AND 2160),
  -- {YYYY} the finalization year, {SEQ} or {SEQ:n} the gapless number (zero-padded to n).
  invoice_number_format text NOT NULL DEFAULT 'MU-{YYYY}-{SEQ:6}' CHECK (invoice_number_format ~ '\{SEQ(:[1-9][0-9]?)?\}'),
  credit_note_number_format text NOT NULL DEFAULT 'CN-{YYYY}-{SEQ:6}' CHECK (credit_note_number_format ~ '\{SEQ(:[1-9][0-9]?)?\}'),
  net_terms_days        integer NOT NULL DEFAULT 30 CHECK (net_terms_days BETWEEN 0 AND 365),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE customers ADD COLUMN grace_period_hours integer CHECK (grace_period_hours BETWEEN 0 AND 2160);

-- One counter per tenant and scope (`invoice:2026`, `credit_note:2026`). Taken with
-- UPDATE ... RETURNING inside the finalizing transaction: a rollback returns the number, so the
-- sequence has no gaps, and the row lock orders concurrent finalizations.
CREATE TABLE number_sequences (
  tenant_id  text NOT NULL REFERENCES tenants(id),
  scope      text NOT NULL,
  last_value bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, scope)
);

CREATE TABLE invoices (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  customer_id      text NOT NULL REFERENCES customers(id),
  subscription_id  text NOT NULL REFERENCES subscriptions(id),
  -- `period`: closes a billing period. (Interim invoices for progressive billing are a later kind.)
  kind             text NOT NULL DEFAULT 'period' CHECK (kind IN ('period')),
  period_start     timestamptz NOT NULL,
  period_end       timestamptz NOT NULL,
  status           text NOT NULL CHECK (status IN ('draft', 'finalized', 'paid', 'void', 'uncollectible')),
  number           text,
  currency         char(3) NOT NULL,
  subtotal         numeric NOT NULL,
  tax_total        numeric NOT NULL,
  total            numeric NOT NULL,
  -- The tax service's quote (lines, breakdown per jurisdiction and rate, warnings).
  tax              jsonb NOT NULL DEFAULT '{}',
  -- Seller and buyer as they were when the invoice was computed (an address change later does
  -- not rewrite an issued invoice).
  seller           jsonb NOT NULL,
  buyer            jsonb NOT NULL,
  -- When the usage was read, and through which instant (the period end).
  computed_at      timestamptz NOT NULL,
  grace_until      timestamptz NOT NULL,
  issued_at        timestamptz,
  due_at           timestamptz,
  finalized_at     timestamptz,
  paid_at          timestamptz,
  voided_at        timestamptz,
  uncollectible_at timestamptz,
  void_reason      text,
  -- A regenerated invoice names the void one it replaces.
  replaces_id      text REFERENCES invoices(id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'draft') = (number IS NULL)),
  UNIQUE (tenant_id, number)
);
-- Exactly one live invoice per subscription and period: closing twice, or on two invoicer
-- replicas at once, finds the existing one. A void one may be regenerated beside it.
CREATE UNIQUE INDEX invoices_one_per_period ON invoices (tenant_id, subscription_id, kind, period_start)
  WHERE status <> 'void';
CREATE INDEX invoices_tenant ON invoices (tenant_id, id);
CREATE INDEX invoices_customer ON invoices (tenant_id, customer_id, period_start);
CREATE INDEX invoices_drafts ON invoices (grace_until) WHERE status = 'draft';

CREATE TABLE invoice_lines (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  invoice_id       text NOT NULL REFERENCES invoices(id),
  position         integer NOT NULL,
  -- usage: a usage charge; fixed: a fixed fee (in arrears for the period, or in advance for
  -- the next); adjustment: usage that arrived after an earlier period's invoice was finalized.
  type             text NOT NULL CHECK (type IN ('usage', 'fixed', 'adjustment')),
  charge_key       text NOT NULL,
  description      text NOT NULL,
  -- The service period the line bills (for an adjustment: the earlier period it belongs to).
  period_start     timestamptz NOT NULL,
  period_end       timestamptz NOT NULL,
  quantity         numeric NOT NULL,
  unit_price       numeric,
  amount           numeric NOT NULL,
  tax_rate         numeric,
  tax_amount       numeric NOT NULL DEFAULT 0,
  meter_id         text,
  -- The pricing breakdown (tiers, packages) and its human description.
  breakdown        jsonb NOT NULL DEFAULT '[]',
  details          jsonb NOT NULL DEFAULT '[]',
  -- An adjustment names the invoice of the period it corrects.
  adjusts_invoice_id text REFERENCES invoices(id),
  UNIQUE (invoice_id, position)
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);
CREATE INDEX invoice_lines_adjusts ON invoice_lines (adjusts_invoice_id) WHERE adjusts_invoice_id IS NOT NULL;

-- Only a draft changes. After that: finalized -> paid | void | uncollectible,
-- uncollectible -> paid | void, and nothing but the status and its timestamps moves.
CREATE FUNCTION invoices_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moving text[] := ARRAY['status', 'paid_at', 'voided_at', 'uncollectible_at', 'void_reason', 'updated_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'invoice % is % and cannot be deleted', OLD.id, OLD.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'draft' THEN
    IF NEW.status NOT IN ('draft', 'finalized') THEN
      RAISE EXCEPTION 'invoice %: a draft can only be finalized', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF (to_jsonb(NEW) - moving) IS DISTINCT FROM (to_jsonb(OLD) - moving)
     OR NOT (
       NEW.status = OLD.status
       OR (OLD.status = 'finalized' AND NEW.status IN ('paid', 'void', 'uncollectible'))
       OR (OLD.status = 'uncollectible' AND NEW.status IN ('paid', 'void'))
     ) THEN
    RAISE EXCEPTION 'invoice % is % and cannot be changed', OLD.id, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_guard BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_guard();

CREATE FUNCTION invoice_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s text;
BEGIN
  SELECT status INTO s FROM invoices WHERE id = COALESCE(NEW.invoice_id, OLD.invoice_id);
  IF s IS DISTINCT FROM 'draft' THEN
    RAISE EXCEPTION 'the lines of invoice % (%) cannot be changed', COALESCE(NEW.invoice_id, OLD.invoice_id), s
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN COALESCE(NEW, OLD);
END $$;
CREATE TRIGGER invoice_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
  FOR EACH ROW EXECUTE FUNCTION invoice_lines_guard();

CREATE TABLE credit_notes (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants(id),
  invoice_id   text NOT NULL REFERENCES invoices(id),
  number       text NOT NULL,
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  currency     char(3) NOT NULL,
  -- Net, tax and total credited (positive amounts); lines: [{ invoiceLineId?, description,
  -- amount, taxAmount }].
  subtotal     numeric NOT NULL CHECK (subtotal >= 0),
  tax_total    numeric NOT NULL CHECK (tax_total >= 0),
  total        numeric NOT NULL CHECK (total > 0),
  lines        jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, number)
);
CREATE INDEX credit_notes_invoice ON credit_notes (tenant_id, invoice_id);

CREATE FUNCTION credit_notes_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit note % is issued and cannot be changed', OLD.id USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER credit_notes_immutable BEFORE UPDATE OR DELETE ON credit_notes
  FOR EACH ROW EXECUTE FUNCTION credit_notes_immutable();
