-- Tenants, API keys, the catalog (customers, meters, plans) and subscriptions.
-- Every tenant-owned table carries tenant_id and every unique key includes it:
-- tenant isolation is in the schema, not only in the queries.

CREATE TABLE tenants (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants(id),
  name          text NOT NULL,
  -- The first characters of the secret, to tell keys apart; the secret itself is never stored.
  prefix        text NOT NULL,
  -- SHA-256 of the secret. Secrets are 256-bit random, so a fast hash is safe (no dictionary to attack).
  secret_hash   text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

-- POST idempotency: the first response to a key is replayed for 24 h.
CREATE TABLE idempotency_keys (
  tenant_id      text NOT NULL REFERENCES tenants(id),
  key            text NOT NULL,
  request_hash   text NOT NULL,
  state          text NOT NULL CHECK (state IN ('in_progress', 'done')),
  status_code    integer,
  response       jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

CREATE TABLE customers (
  id              text PRIMARY KEY,
  tenant_id       text NOT NULL REFERENCES tenants(id),
  external_key    text NOT NULL,
  name            text,
  email           text,
  billing_address jsonb,
  country         text,
  tax_ids         jsonb NOT NULL DEFAULT '[]',
  tax_exempt      boolean NOT NULL DEFAULT false,
  exemption_id    text,
  currency        text NOT NULL,
  time_zone       text NOT NULL,
  metadata        jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  archived_at     timestamptz,
  UNIQUE (tenant_id, external_key)
);
CREATE INDEX customers_tenant ON customers (tenant_id, id);

-- The `subject` of a usage event names its customer through one of these keys.
CREATE TABLE customer_subjects (
  tenant_id    text NOT NULL REFERENCES tenants(id),
  subject_key  text NOT NULL,
  customer_id  text NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, subject_key)
);
CREATE INDEX customer_subjects_customer ON customer_subjects (customer_id);

CREATE TABLE meters (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants(id),
  key          text NOT NULL,
  name         text NOT NULL,
  description  text,
  event_type   text NOT NULL,
  aggregation  text NOT NULL CHECK (aggregation IN ('count','sum','unique_count','max','min','avg','latest','time_weighted_sum')),
  value_path   text,
  filters      jsonb NOT NULL DEFAULT '[]',
  group_by     jsonb NOT NULL DEFAULT '{}',
  unit         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  archived_at  timestamptz,
  UNIQUE (tenant_id, key)
);
CREATE INDEX meters_tenant ON meters (tenant_id, id);

-- Fields that give past usage its meaning never change once a meter exists.
CREATE FUNCTION meters_protect_meaning() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.key IS DISTINCT FROM OLD.key OR NEW.event_type IS DISTINCT FROM OLD.event_type
     OR NEW.aggregation IS DISTINCT FROM OLD.aggregation OR NEW.value_path IS DISTINCT FROM OLD.value_path
     OR NEW.filters IS DISTINCT FROM OLD.filters OR NEW.group_by IS DISTINCT FROM OLD.group_by
     OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
    RAISE EXCEPTION 'meter % cannot change key, event_type, aggregation, value_path, filters or group_by', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER meters_protect_meaning BEFORE UPDATE ON meters FOR EACH ROW EXECUTE FUNCTION meters_protect_meaning();

CREATE TABLE plans (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants(id),
  key          text NOT NULL,
  name         text NOT NULL,
  description  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, key)
);
CREATE INDEX plans_tenant ON plans (tenant_id, id);

CREATE TABLE plan_versions (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  plan_id          text NOT NULL REFERENCES plans(id),
  version          integer NOT NULL,
  status           text NOT NULL CHECK (status IN ('draft','published','archived')),
  currency         text NOT NULL,
  billing_cadence  text NOT NULL,
  fixed_fees       jsonb NOT NULL DEFAULT '[]',
  usage_charges    jsonb NOT NULL DEFAULT '[]',
  trial_days       integer NOT NULL DEFAULT 0 CHECK (trial_days >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  published_at     timestamptz,
  archived_at      timestamptz,
  UNIQUE (plan_id, version)
);
CREATE INDEX plan_versions_tenant ON plan_versions (tenant_id, plan_id, version);

-- A published version is immutable: only draft -> published -> archived transitions,
-- and nothing else may change once it left draft.
CREATE FUNCTION plan_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'draft' THEN
    IF NEW.status NOT IN ('draft', 'published') THEN
      RAISE EXCEPTION 'plan version %: a draft can only be published', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.currency IS DISTINCT FROM OLD.currency OR NEW.billing_cadence IS DISTINCT FROM OLD.billing_cadence
     OR NEW.fixed_fees IS DISTINCT FROM OLD.fixed_fees OR NEW.usage_charges IS DISTINCT FROM OLD.usage_charges
     OR NEW.trial_days IS DISTINCT FROM OLD.trial_days OR NEW.version IS DISTINCT FROM OLD.version
     OR NEW.plan_id IS DISTINCT FROM OLD.plan_id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
     OR NEW.published_at IS DISTINCT FROM OLD.published_at
     OR (OLD.status = 'archived' AND NEW.status <> 'archived')
     OR (OLD.status = 'published' AND NEW.status NOT IN ('published', 'archived')) THEN
    RAISE EXCEPTION 'plan version % is % and cannot be changed; create a new version', OLD.id, OLD.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER plan_versions_immutable BEFORE UPDATE ON plan_versions FOR EACH ROW EXECUTE FUNCTION plan_versions_immutable();

CREATE FUNCTION plan_versions_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'draft' THEN
    RAISE EXCEPTION 'plan version % is % and cannot be deleted', OLD.id, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER plan_versions_no_delete BEFORE DELETE ON plan_versions FOR EACH ROW EXECUTE FUNCTION plan_versions_no_delete();

CREATE TABLE subscriptions (
  id                    text PRIMARY KEY,
  tenant_id             text NOT NULL REFERENCES tenants(id),
  customer_id           text NOT NULL REFERENCES customers(id),
  status                text NOT NULL CHECK (status IN ('active','canceled')),
  billing_alignment     text NOT NULL CHECK (billing_alignment IN ('calendar','anniversary')),
  start_at              timestamptz NOT NULL,
  end_at                timestamptz,
  trial_end_at          timestamptz,
  cancel_at_period_end  boolean NOT NULL DEFAULT false,
  canceled_at           timestamptz,
  price_overrides       jsonb NOT NULL DEFAULT '[]',
  metadata              jsonb NOT NULL DEFAULT '{}',
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  -- end_at = start_at: canceled before it began (no periods).
  CHECK (end_at IS NULL OR end_at >= start_at)
);
CREATE INDEX subscriptions_tenant ON subscriptions (tenant_id, id);
CREATE INDEX subscriptions_customer ON subscriptions (tenant_id, customer_id);

-- Which plan version applies when: a plan change ends one phase and starts the next.
CREATE TABLE subscription_phases (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  subscription_id  text NOT NULL REFERENCES subscriptions(id),
  plan_version_id  text NOT NULL REFERENCES plan_versions(id),
  start_at         timestamptz NOT NULL,
  end_at           timestamptz,
  -- Fixed fees of the phase's first (or last) period are prorated when it starts (ends) mid-period.
  reason           text NOT NULL CHECK (reason IN ('created','upgrade','downgrade','change')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  -- end_at = start_at: canceled before it began (no periods).
  CHECK (end_at IS NULL OR end_at >= start_at)
);
CREATE INDEX subscription_phases_sub ON subscription_phases (subscription_id, start_at);
