-- A look at what the pipelines wrote: a batch read of the Iceberg tables, printed as a table.
-- Run: bin/sql-client -i sql/init.sql -i sql/catalogs/rest-s3.sql -f sql/queries/look.sql
SET 'execution.runtime-mode' = 'batch';
SET 'table.dml-sync' = 'true';

SHOW TABLES IN lake.`${ICEBERG_DATABASE}`;

SELECT event_type, COUNT(*) AS events, MIN(ts) AS first_ts, MAX(ts) AS last_ts
FROM lake.`${ICEBERG_DATABASE}`.events
GROUP BY event_type;

SELECT window_start, event_type, events, users, revenue
FROM lake.`${ICEBERG_DATABASE}`.event_metrics
ORDER BY window_start DESC, event_type
LIMIT 9;
