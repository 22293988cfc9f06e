package io.tributary.iceberg;

import io.tributary.config.EnumNames;
import io.tributary.config.OptionGroup;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/** The Iceberg catalog, the target table and how it is written. */
public final class IcebergOptions {
  private IcebergOptions() {}

  /** Catalog implementations. */
  public enum CatalogType {
    /** Tables as folders under the warehouse path (local disk, s3a://). The embedded default. */
    HADOOP,
    /** An Iceberg REST catalog (catalog.uri). */
    REST,
    /** AWS Glue Data Catalog, the MSF default: Athena and Redshift see the tables. */
    GLUE,
    /** A JDBC database (catalog.uri = jdbc:...). */
    JDBC;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** How rows are spread over writers before the Iceberg sink. */
  public enum Distribution {
    /** No shuffle: each writer writes what reaches it. */
    NONE,
    /** Hash by partition key: at most one open file per partition per writer. */
    HASH,
    /** Range by sort order. */
    RANGE;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  public static final ConfigOption<CatalogType> CATALOG_TYPE =
      ConfigOptions.key("catalog.type")
          .enumType(CatalogType.class)
          .defaultValue(CatalogType.HADOOP)
          .withDescription("The catalog implementation.");

  public static final ConfigOption<String> CATALOG_NAME =
      ConfigOptions.key("catalog.name")
          .stringType()
          .defaultValue("tributary")
          .withDescription("The catalog's name, as it appears in logs and the Iceberg client.");

  public static final ConfigOption<String> WAREHOUSE =
      ConfigOptions.key("warehouse")
          .stringType()
          .defaultValue("file:///tmp/tributary/warehouse")
          .withDescription(
              "Root location of the tables: a local path or file:// URI, s3://bucket/prefix,"
                  + " s3a://... Required by hadoop and glue; optional for rest and jdbc.");

  public static final ConfigOption<String> CATALOG_URI =
      ConfigOptions.key("catalog.uri")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The REST endpoint (http://host:8181) or the JDBC URL (jdbc:postgresql://...,"
                  + " jdbc:sqlite:file:...). Required by rest and jdbc.");

  public static final ConfigOption<String> DATABASE =
      ConfigOptions.key("database")
          .stringType()
          .defaultValue("tributary")
          .withDescription(
              "Namespace (Glue database) of the tables; created if missing. Glue allows lower"
                  + " case letters, digits and underscores.");

  public static final ConfigOption<String> TABLE =
      ConfigOptions.key("table")
          .stringType()
          .noDefaultValue()
          .withDescription("Target table name; created if missing. Required.");

  public static final ConfigOption<String> PARTITION_SPEC =
      ConfigOptions.key("partition-spec")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Partition transforms for a new table, comma-separated: a column name (identity),"
                  + " years(col), months(col), days(col), hours(col), bucket(N, col),"
                  + " truncate(W, col). Empty: unpartitioned.");

  public static final ConfigOption<String> DEAD_LETTER_TABLE =
      ConfigOptions.key("dead-letter-table")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Dead-letter table name, in the same database. Default: <table>_dead_letters.");

  public static final ConfigOption<MemorySize> TARGET_FILE_SIZE =
      ConfigOptions.key("write.target-file-size")
          .memoryType()
          .defaultValue(MemorySize.parse("128mb"))
          .withDescription("Target size of data files (table property for new tables).");

  public static final ConfigOption<Distribution> DISTRIBUTION =
      ConfigOptions.key("write.distribution-mode")
          .enumType(Distribution.class)
          .defaultValue(Distribution.HASH)
          .withDescription(
              "How rows reach writers. hash groups each partition on one writer, so each"
                  + " checkpoint writes at most one file per partition per writer.");

  public static final ConfigOption<Integer> WRITE_PARALLELISM =
      ConfigOptions.key("write.parallelism")
          .intType()
          .noDefaultValue()
          .withDescription("Writer parallelism. Default: the job's parallelism.");

  public static final ConfigOption<Integer> COMMIT_RETRIES =
      ConfigOptions.key("commit.retries")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Table property commit.retry.num-retries for new tables: how often a commit that"
                  + " lost a race is retried, with exponential backoff.");

  public static final OptionGroup GROUP =
      OptionGroup.of("iceberg", "The Iceberg catalog, target table and writer.")
          .add(
              CATALOG_TYPE,
              CATALOG_NAME,
              WAREHOUSE,
              CATALOG_URI,
              DATABASE,
              TABLE,
              PARTITION_SPEC,
              DEAD_LETTER_TABLE,
              TARGET_FILE_SIZE,
              DISTRIBUTION,
              WRITE_PARALLELISM,
              COMMIT_RETRIES)
          .passThrough(
              "catalog.properties.",
              "Any Iceberg catalog property, e.g. catalog.properties.io-impl,"
                  + " catalog.properties.s3.endpoint, catalog.properties.jdbc.user.")
          .passThrough(
              "table.properties.",
              "Any Iceberg table property for new tables, e.g."
                  + " table.properties.write.parquet.compression-codec = snappy.");
}
