-- Corrections of accepted usage events (issue 6): who voided or amended which event, when and
-- why. The usage store is never edited in place: a void inserts the event's rows again with a
-- higher version and is_deleted = 1, an amendment adds the corrected rows above that.
CREATE TABLE event_corrections (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  source      text NOT NULL,
  event_id    text NOT NULL,
  action      text NOT NULL CHECK (action IN ('void', 'amend')),
  reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  -- The API key that made the change.
  actor       text NOT NULL,
  -- The usage-store version the correction wrote, and for an amendment what changed.
  version     bigint NOT NULL,
  changes     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_corrections_event ON event_corrections (tenant_id, source, event_id, created_at);
