-- Iceberg on a local folder, behind a Hadoop catalog: no cloud, no server. LOCAL_WAREHOUSE is
-- the stack's warehouse folder (bin/stack writes it to stack.env), e.g. file:///tmp/tributary/warehouse.
CREATE CATALOG lake WITH (
  'type' = 'iceberg',
  'catalog-type' = 'hadoop',
  'warehouse' = '${LOCAL_WAREHOUSE}'
);
CREATE DATABASE IF NOT EXISTS lake.`${ICEBERG_DATABASE}`;
