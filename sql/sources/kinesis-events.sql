-- The same click stream from a Kinesis data stream `events`, with the connector's SQL table
-- (flink-connector-kinesis 4.3.0: the polling consumer; KPL-aggregated records are de-aggregated).
-- KINESIS_ENDPOINT: the local stack's kinesis-mock; on AWS, remove 'aws.endpoint'. Credentials:
-- the default provider chain. This table never ends by itself (the connector is unbounded).
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
  -- As in kafka-events.sql: a record without `ts` must not stop the job.
  event_time AS COALESCE(ts, TO_TIMESTAMP_LTZ(0, 3)),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream' = 'events',
  'aws.region' = '${AWS_REGION}',
  'aws.endpoint' = '${KINESIS_ENDPOINT}',
  'scan.stream.initpos' = 'TRIM_HORIZON',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.ignore-parse-errors' = 'true'
);
