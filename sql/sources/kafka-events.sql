-- The e-commerce click stream (the demo's events) from Kafka topic `events`, JSON, one event per
-- record, e.g.
--   {"event_id":"e-1","event_type":"add_to_cart","user_id":"u-7","session_id":"s-7-1",
--    "product_id":"p-3","category":"books","quantity":2,"amount":18.50,"currency":"EUR",
--    "ts":"2026-11-25T01:30:35.859Z"}
-- KAFKA_BOUNDED_MODE: 'unbounded' (default) keeps reading; 'latest-offset' reads what the topic
-- holds at start and ends: a backfill.
CREATE TEMPORARY TABLE default_catalog.default_database.events (
  event_id STRING,
  event_type STRING,
  user_id STRING,
  session_id STRING,
  product_id STRING,
  category STRING,
  quantity INT,
  amount DECIMAL(12, 2),
  currency STRING,
  ts TIMESTAMP_LTZ(3),
  -- The event time. A record without `ts` must not stop the job ("RowTime field should not be
  -- null"): it gets the epoch here, and the pipelines drop it by its NULL `ts`.
  event_time AS COALESCE(ts, TO_TIMESTAMP_LTZ(0, 3)),
  -- 5 s of allowed disorder, as the Java jobs' format.event-time.max-out-of-orderness.
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'events',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP_SERVERS}',
  'properties.group.id' = 'tributary-sql',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = '${KAFKA_BOUNDED_MODE}',
  -- Quiet partitions must not hold windows open.
  'scan.watermark.idle-timeout' = '30 s',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  -- A record that is not JSON becomes all NULLs, and a field of the wrong type a NULL, instead of
  -- failing the job. The sinks' NOT NULL columns drop rows that lost a required field (init.sql);
  -- a row that lost only an optional field is written with a NULL there. The Java jobs keep
  -- every such record aside, as a dead letter with its reason.
  'json.ignore-parse-errors' = 'true'
);
