-- Iceberg on S3 (S3FileIO) behind a REST catalog: the local stack's REST catalog server and S3
-- API server, or any REST catalog (Polaris, Nessie, Tabular...) with its endpoint set here.
-- Credentials come from the AWS SDK's default provider chain (environment, profile, instance
-- role); never from this file.
CREATE CATALOG lake WITH (
  'type' = 'iceberg',
  'catalog-type' = 'rest',
  'uri' = '${REST_CATALOG_URI}',
  'warehouse' = '${REST_WAREHOUSE}',
  'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO',
  's3.endpoint' = '${S3_ENDPOINT}',
  's3.path-style-access' = 'true',
  'client.region' = '${AWS_REGION}'
);
CREATE DATABASE IF NOT EXISTS lake.`${ICEBERG_DATABASE}`;
