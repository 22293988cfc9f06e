-- cdc: table inventory.products mirrored as an Iceberg v2 upsert table (what the Java `cdc` job
-- does for every table of a Debezium stream).
-- Run: bin/sql-client -i sql/init.sql -i sql/catalogs/local.sql \
--                     -i sql/sources/kafka-products-debezium.sql -f sql/pipelines/cdc-debezium.sql
-- Differences from the Java job: one table per script, declared by hand (the Java job creates and
-- evolves a table per source table); no guard against out-of-order replays; Debezium's encoded
-- types (base64 decimals, io.debezium.time.*) arrive as their raw encodings; bad records fail or
-- are skipped instead of going to a dead-letter table.
-- AWS DMS JSON has no SQL twin: Flink SQL cannot turn a field's value ("operation": "delete")
-- into a row deletion, which needs a changelog format, and there is none for DMS. Use the Java
-- cdc job with cdc.format = dms-json.
SET 'pipeline.name' = 'tributary-sql-cdc';

CREATE TABLE IF NOT EXISTS lake.`${ICEBERG_DATABASE}`.products (
  id INT NOT NULL,
  name STRING,
  description STRING,
  weight DOUBLE,
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'format-version' = '2',
  'write.upsert.enabled' = 'true',
  'write.format.default' = 'parquet'
);

INSERT INTO lake.`${ICEBERG_DATABASE}`.products
SELECT id, name, description, weight
FROM default_catalog.default_database.products_changes /*+ OPTIONS('properties.group.id' = 'tributary-sql-cdc') */;
