-- The usage store (issue 6). Written by the rater; read by the api (usage, current charges),
-- the invoicer and analysts. docs/analytics.md describes every table for analysts.
--
-- Deduplication: every table is a ReplacingMergeTree whose sorting key ends with the event key
-- (source, event_id), so a redelivered or re-inserted event collapses into one row, and every
-- billing query reads with FINAL (or groups by the event key), so it counts once even before a
-- merge. Corrections never delete: they insert the same key with a higher `version`, and a void
-- sets `is_deleted` = 1. Inserts carry an insert_deduplication_token derived from the NATS
-- message, and the tables keep a non-replicated deduplication window, so a retried insert of the
-- same block is dropped at the door as well.

-- Every accepted event, with its raw data. Raw data is personal data under some regimes: each
-- row carries its tenant's retention (days) and expires with it; meter values do not.
CREATE TABLE IF NOT EXISTS {database}.events
(
    tenant_id      String,
    source         String,
    event_id       String,
    type           String,
    subject        String,
    time           DateTime64(3, 'UTC'),
    received_at    DateTime64(3, 'UTC'),
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    data           String CODEC(ZSTD(3)),
    raw_sequence   UInt64,
    retention_days UInt16 DEFAULT 3650,
    version        UInt64 DEFAULT 0,
    is_deleted     UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version, is_deleted)
PARTITION BY toYYYYMM(time)
ORDER BY (tenant_id, subject, time, source, event_id)
TTL toDateTime(time) + toIntervalDay(retention_days)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per event and matching meter: what invoices are computed from.
-- value: the metered quantity (1 for count); unique_value: the counted value of unique_count.
CREATE TABLE IF NOT EXISTS {database}.meter_values
(
    tenant_id     String,
    meter_id      String,
    subject       String,
    time          DateTime64(3, 'UTC'),
    source        String,
    event_id      String,
    value         Decimal(38, 12),
    unique_value  String DEFAULT '',
    dimensions    Map(String, String),
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3),
    version       UInt64 DEFAULT 0,
    is_deleted    UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version, is_deleted)
PARTITION BY toYYYYMM(time)
ORDER BY (tenant_id, meter_id, subject, time, source, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- Events turned away, and why: by the collector (validation), the deduplicator (same id with
-- another payload: code DUPLICATE_CONFLICT) and the rater (a meter could not read its value).
CREATE TABLE IF NOT EXISTS {database}.rejected_events
(
    tenant_id     String,
    rejection_id  String,
    stage         LowCardinality(String),
    code          LowCardinality(String),
    message       String,
    field         String DEFAULT '',
    meter_id      String DEFAULT '',
    source        String DEFAULT '',
    event_id      String DEFAULT '',
    raw           String CODEC(ZSTD(3)),
    rejected_at   DateTime64(3, 'UTC'),
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3),
    retention_days UInt16 DEFAULT 3650
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(rejected_at)
ORDER BY (tenant_id, rejected_at, rejection_id)
TTL toDateTime(rejected_at) + toIntervalDay(retention_days)
SETTINGS non_replicated_deduplication_window = 10000;

-- Hourly rollup for dashboards and analysts: signed, so a void (is_deleted = 1) subtracts
-- what its event added. Billing never reads it: billing dedupes by event key on meter_values.
CREATE TABLE IF NOT EXISTS {database}.meter_values_hourly
(
    tenant_id  String,
    meter_id   String,
    subject    String,
    hour       DateTime('UTC'),
    events     AggregateFunction(sum, Int64),
    total      AggregateFunction(sum, Decimal(38, 12))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, meter_id, subject, hour)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.meter_values_hourly_mv
TO {database}.meter_values_hourly
AS SELECT
    tenant_id,
    meter_id,
    subject,
    toStartOfHour(time) AS hour,
    sumState(toInt64(if(is_deleted = 1, -1, 1))) AS events,
    sumState(if(is_deleted = 1, -value, value)) AS total
FROM {database}.meter_values
GROUP BY tenant_id, meter_id, subject, hour;
