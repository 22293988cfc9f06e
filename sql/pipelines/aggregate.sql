-- aggregate: per event type and 10-second tumbling window, how many events, how many users, how
-- much revenue (what the Java `aggregate` job does with examples/aggregate-datagen.json), upserted
-- into an Iceberg v2 table keyed by window and event type.
-- Run: bin/sql-client -i sql/init.sql -i sql/catalogs/local.sql -i sql/sources/kafka-events.sql \
--                     -f sql/pipelines/aggregate.sql
-- Differences from the Java job: a window TVF fires once, at the watermark, so there is no
-- allowed lateness (late events are dropped, not kept aside as dead letters) and no early firing.
-- Hopping: HOP(TABLE aggregate_input, DESCRIPTOR(event_time), INTERVAL '5' SECOND, INTERVAL '1' MINUTE);
-- session: SESSION(TABLE aggregate_input PARTITION BY event_type, DESCRIPTOR(event_time), INTERVAL '30' SECOND).
SET 'pipeline.name' = 'tributary-sql-aggregate';

CREATE TABLE IF NOT EXISTS lake.`${ICEBERG_DATABASE}`.event_metrics (
  window_start TIMESTAMP_LTZ(3) NOT NULL,
  window_end TIMESTAMP_LTZ(3) NOT NULL,
  event_type STRING NOT NULL,
  events BIGINT NOT NULL,
  users BIGINT NOT NULL,
  revenue DECIMAL(38, 2),
  avg_amount DECIMAL(38, 6),
  max_quantity INT,
  PRIMARY KEY (window_start, window_end, event_type) NOT ENFORCED
) WITH (
  'format-version' = '2',
  'write.upsert.enabled' = 'true',
  'write.format.default' = 'parquet'
);

-- A window TVF takes a table name, not a hint or a filter: the view gives this pipeline its own
-- consumer group, and drops what the Java job would dead-letter for a missing field.
CREATE TEMPORARY VIEW aggregate_input AS
SELECT * FROM default_catalog.default_database.events /*+ OPTIONS('properties.group.id' = 'tributary-sql-aggregate') */
WHERE ts IS NOT NULL AND event_type IS NOT NULL AND user_id IS NOT NULL;

INSERT INTO lake.`${ICEBERG_DATABASE}`.event_metrics
SELECT CAST(window_start AS TIMESTAMP_LTZ(3)), CAST(window_end AS TIMESTAMP_LTZ(3)), event_type,
       COUNT(*), COUNT(DISTINCT user_id), SUM(amount), AVG(amount), MAX(quantity)
FROM TABLE(TUMBLE(TABLE aggregate_input, DESCRIPTOR(event_time), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, event_type;
