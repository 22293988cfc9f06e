-- Iceberg on S3 behind the AWS Glue Data Catalog, as on Amazon Managed Service for Apache Flink
-- (Studio notebooks) or a self-managed cluster in AWS, so Athena and Redshift see the tables.
-- GLUE_WAREHOUSE is s3://<bucket>/<prefix>; the database must be lower case letters, digits and
-- underscores (Glue's rule). Credentials and region come from the default provider chain.
-- Not exercised by the tests here: there is no Glue API server to run locally.
CREATE CATALOG lake WITH (
  'type' = 'iceberg',
  'catalog-impl' = 'org.apache.iceberg.aws.glue.GlueCatalog',
  'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO',
  'warehouse' = '${GLUE_WAREHOUSE}',
  'client.region' = '${AWS_REGION}',
  'glue.skip-name-validation' = 'false'
);
CREATE DATABASE IF NOT EXISTS lake.`${ICEBERG_DATABASE}`;
