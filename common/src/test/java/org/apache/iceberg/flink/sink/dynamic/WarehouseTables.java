package org.apache.iceberg.flink.sink.dynamic;

import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;

/** A Hadoop catalog in a folder, as the dynamic sink's tests load it, and its v2 tables. */
final class WarehouseTables {
  private WarehouseTables() {}

  static CatalogLoader loader(Path warehouse) {
    return CatalogLoader.hadoop(
        "test", new Configuration(), Map.of("warehouse", warehouse.toString()));
  }

  /** An unpartitioned format-v2 table. */
  static Table create(CatalogLoader loader, TableIdentifier id, Schema schema) {
    return loader
        .loadCatalog()
        .createTable(id, schema, PartitionSpec.unpartitioned(), Map.of("format-version", "2"));
  }
}
