-- Webhooks (invoicing issue): per-tenant endpoints, an outbox of events, one delivery per
-- endpoint x event, and a log of every HTTP attempt. The dispatcher lives in the invoicer;
-- events are enqueued by @mu/webhooks in the transaction that makes them true (an invoice
-- written, an alert fired), so an event exists if and only if its cause committed.
--
-- Children reference their parent through (tenant_id, id), so a delivery can only ever name an
-- endpoint and an event of its own tenant: isolation is in the schema, not only in the queries.

CREATE TABLE webhook_endpoints (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants(id),
  url          text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
  description  text CHECK (length(description) <= 500),
  -- The event types sent to this endpoint; empty means every type.
  event_types  text[] NOT NULL DEFAULT '{}',
  -- The HMAC signing secret, stored as is. Unlike an API key (which only has to be recognised,
  -- so only its hash is kept) the secret must be recoverable to sign every delivery. Encrypting
  -- it with a key held by the same services would protect only a database dump without that
  -- key; that is left to disk/backup encryption. The secret is returned once (on create and on
  -- rotate), never listed, and never logged.
  secret       text NOT NULL,
  enabled      boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);

-- The outbox. `payload` is the `data` of the body sent to receivers.
CREATE TABLE webhook_events (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  -- Generated (evt_...) or given by the producer for an idempotent enqueue.
  id          text NOT NULL,
  type        text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
  id                    text PRIMARY KEY,
  tenant_id             text NOT NULL REFERENCES tenants(id),
  endpoint_id           text NOT NULL,
  event_id              text NOT NULL,
  -- The event's type, copied so the delivery log filters without a join.
  event_type            text NOT NULL,
  -- pending: will be attempted at next_attempt_at; succeeded: a 2xx answer; failed: gave up.
  status                text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count         integer NOT NULL DEFAULT 0,
  -- While pending: when the next attempt is due, or, while a dispatcher holds the delivery
  -- (claim_token set), when its lease expires and another dispatcher may take it over.
  next_attempt_at       timestamptz,
  claim_token           text,
  last_attempt_at       timestamptz,
  last_response_status  integer,
  -- The first 1 KiB of the receiver's answer. Requests (and their signatures) are never stored.
  last_response_body    text,
  last_error            text,
  completed_at          timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  UNIQUE (endpoint_id, event_id),
  -- Deleting an endpoint deletes its delivery log; the events stay.
  FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, event_id) REFERENCES webhook_events (tenant_id, id) ON DELETE CASCADE,
  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
-- What the dispatchers poll: due deliveries, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (tenant_id, endpoint_id, id);

-- One row per HTTP attempt (or per attempt refused before any request, e.g. a URL no longer allowed).
CREATE TABLE webhook_delivery_attempts (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  delivery_id      text NOT NULL,
  attempt          integer NOT NULL CHECK (attempt >= 1),
  started_at       timestamptz NOT NULL,
  duration_ms      integer NOT NULL CHECK (duration_ms >= 0),
  outcome          text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  response_status  integer,
  response_body    text,
  error            text,
  UNIQUE (delivery_id, attempt),
  FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
