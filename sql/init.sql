-- Settings every pipeline shares: the SQL client's init file (bin/sql-client -i sql/init.sql ...).
-- The Java jobs take the same values from their `job` property group.

-- Iceberg commits on checkpoints: the interval is the freshness of the tables.
SET 'execution.checkpointing.interval' = '10 s';
SET 'execution.checkpointing.mode' = 'EXACTLY_ONCE';
-- Window bounds and TIMESTAMP_LTZ casts read in UTC, as the Java jobs write them.
SET 'table.local-time-zone' = 'UTC';
-- Rows with NULL in a NOT NULL column (what 'json.ignore-parse-errors' makes of a bad record)
-- are dropped, not written. The Java jobs send them to the dead-letter table instead.
SET 'table.exec.sink.not-null-enforcer' = 'DROP';
-- Idle state of unbounded operators (e.g. the CDC pipeline's changelog normalisation) expires
-- after a week, like the Java cdc job's cdc.ordering.state-ttl. Window state is freed by the
-- windows themselves.
SET 'table.exec.state.ttl' = '7 d';
-- Mini-batch is left off: it helps unbounded GROUP BY aggregations, and none of these pipelines
-- has one (window TVF aggregation already buffers per window slice).
SET 'sql-client.execution.result-mode' = 'tableau';
