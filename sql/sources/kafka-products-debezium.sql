-- Debezium change events of table inventory.products (MySQL or PostgreSQL connector, JSON
-- converter with schemas) from Kafka topic `dbserver1.inventory.products`.
-- The primary key matters: without it the planner adds a SinkUpsertMaterializer that keeps every
-- row per key in state. Updates and deletes need full `before` images (REPLICA IDENTITY FULL on
-- PostgreSQL); tombstones are skipped.
CREATE TEMPORARY TABLE default_catalog.default_database.products_changes (
  id INT NOT NULL,
  name STRING,
  description STRING,
  weight DOUBLE,
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = 'dbserver1.inventory.products',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP_SERVERS}',
  'properties.group.id' = 'tributary-sql',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = '${KAFKA_BOUNDED_MODE}',
  'format' = 'debezium-json',
  -- Kafka Connect's JSON converter with schemas.enable=true wraps each event in schema/payload.
  'debezium-json.schema-include' = 'true'
);
