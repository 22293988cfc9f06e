-- ingest: every event, landed exactly once in an Iceberg table (what the Java `ingest` job does).
-- Run: bin/sql-client -i sql/init.sql -i sql/catalogs/local.sql -i sql/sources/kafka-events.sql \
--                     -f sql/pipelines/ingest.sql
-- Differences from the Java job: bad records are dropped, not kept in a dead-letter table; the
-- table is unpartitioned, because Flink DDL has no days(ts) (create it through the Iceberg API,
-- or with the Java job, and this INSERT writes into its partitions).
SET 'pipeline.name' = 'tributary-sql-ingest';

CREATE TABLE IF NOT EXISTS lake.`${ICEBERG_DATABASE}`.events (
  event_id STRING NOT NULL,
  event_type STRING NOT NULL,
  user_id STRING NOT NULL,
  session_id STRING,
  product_id STRING,
  category STRING,
  quantity INT,
  amount DECIMAL(12, 2),
  currency STRING,
  ts TIMESTAMP_LTZ(3) NOT NULL
) WITH (
  'format-version' = '2',
  'write.format.default' = 'parquet',
  'write.parquet.compression-codec' = 'zstd'
);

INSERT INTO lake.`${ICEBERG_DATABASE}`.events
SELECT event_id, event_type, user_id, session_id, product_id, category, quantity, amount,
       currency, ts
FROM default_catalog.default_database.events /*+ OPTIONS('properties.group.id' = 'tributary-sql-ingest') */;
