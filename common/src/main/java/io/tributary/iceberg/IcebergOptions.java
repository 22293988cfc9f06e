package io.tributary.iceberg;

import io.tributary.config.EnumNames;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Patterns;
import io.tributary.config.Ranges;
import java.time.Duration;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
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

  /** Server-side encryption of the files the job writes to S3. */
  public enum SseType {
    /** No encryption header: the bucket's default encryption applies. */
    NONE,
    /** SSE-S3 (AES256, keys managed by S3). */
    S3,
    /** SSE-KMS with the key in s3.sse.key. */
    KMS;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  public static final ConfigOption<CatalogType> CATALOG_TYPE =
      Options.key("catalog.type")
          .enumType(CatalogType.class)
          .defaultValue(CatalogType.HADOOP)
          .withDescription("The catalog implementation.");

  public static final ConfigOption<String> CATALOG_NAME =
      Options.key("catalog.name")
          .stringType()
          .defaultValue("tributary")
          .withDescription("The catalog's name, as it appears in logs and the Iceberg client.");

  public static final ConfigOption<String> WAREHOUSE =
      Options.key("warehouse")
          .stringType()
          .defaultValue("file:///tmp/tributary/warehouse")
          .withDescription(
              "Root location of the tables: a local path or file:// URI, or s3://bucket/prefix"
                  + " (rest, glue, jdbc: written through Iceberg's S3FileIO). Required by hadoop"
                  + " and glue; optional for rest and jdbc. The hadoop catalog cannot keep tables"
                  + " on S3 (it commits by renaming files, which S3 does not do atomically): use"
                  + " jdbc, rest or glue there.");

  public static final ConfigOption<String> CATALOG_URI =
      Options.key("catalog.uri")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The REST endpoint (http://host:8181) or the JDBC URL (jdbc:postgresql://...,"
                  + " jdbc:sqlite:file:...). Required by rest and jdbc.");

  public static final ConfigOption<String> DATABASE =
      Patterns.checked(
          "letters, digits and underscores",
          v ->
              v.matches("[A-Za-z0-9_]+")
                  ? Optional.empty()
                  : Optional.of(
                      "is not a valid database name. Use letters, digits and underscores (Glue:"
                          + " lower case)."),
          Options.key("database")
              .stringType()
              .defaultValue("tributary")
              .withDescription(
                  "Namespace (Glue database) of the tables; created if missing. Glue allows lower"
                      + " case letters, digits and underscores."));

  public static final ConfigOption<String> TABLE =
      Patterns.checked(
          "letters, digits and underscores",
          v ->
              v.matches("[A-Za-z0-9_]+")
                  ? Optional.empty()
                  : Optional.of("is not a valid table name. Use letters, digits, underscores."),
          Options.key("table")
              .stringType()
              .noDefaultValue()
              .withDescription("Target table name; created if missing. Required."));

  public static final ConfigOption<String> PARTITION_SPEC =
      Options.key("partition-spec")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Partition transforms, separated by ',' or ';': a column name (identity),"
                  + " years(col), months(col), days(col), hours(col), bucket(N, col),"
                  + " truncate(W, col). Checked against the schema at start-up. A new table is"
                  + " created with it; an existing table must have it (see"
                  + " partition-spec.evolve). Unset: a new table is unpartitioned (aggregate:"
                  + " days(window_start)) and an existing table's spec is left as it is.");

  public static final ConfigOption<Boolean> PARTITION_SPEC_EVOLVE =
      Options.key("partition-spec.evolve")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "When the table exists with another spec than partition-spec: false stops the job"
                  + " at start-up naming both specs; true evolves the table's spec to"
                  + " partition-spec (Iceberg UpdatePartitionSpec: files already written keep"
                  + " their layout, new files follow the new spec). Only used when partition-spec"
                  + " is set.");

  public static final ConfigOption<String> DEAD_LETTER_TABLE =
      Options.key("dead-letter-table")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Dead-letter table name, in the same database. Default: <table>_dead_letters.");

  public static final ConfigOption<MemorySize> TARGET_FILE_SIZE =
      Ranges.atLeast(
          MemorySize.parse("1b"),
          Options.key("write.target-file-size")
              .memoryType()
              .defaultValue(MemorySize.parse("128mb"))
              .withDescription("Target size of data files (table property for new tables)."));

  public static final ConfigOption<Distribution> DISTRIBUTION =
      Options.key("write.distribution-mode")
          .enumType(Distribution.class)
          .defaultValue(Distribution.HASH)
          .withDescription(
              "How rows reach writers. hash groups each partition on one writer, so each"
                  + " checkpoint writes at most one file per partition per writer.");

  public static final ConfigOption<Integer> WRITE_PARALLELISM =
      Ranges.between(
          1,
          32768,
          Options.key("write.parallelism")
              .intType()
              .noDefaultValue()
              .withDescription("Writer parallelism. Default: the job's parallelism."));

  public static final ConfigOption<Integer> COMMIT_RETRIES =
      Ranges.atLeast(
          0,
          " (0: no retries)",
          Options.key("commit.retries")
              .intType()
              .defaultValue(10)
              .withDescription(
                  "Table property commit.retry.num-retries for new tables: how often a commit that"
                      + " lost a race (another writer committed first) is retried, with exponential"
                      + " backoff from commit.retry.min-wait to commit.retry.max-wait."));

  public static final ConfigOption<Duration> COMMIT_RETRY_MIN_WAIT =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 100 ms",
          Options.key("commit.retry.min-wait")
              .durationType()
              .defaultValue(Duration.ofMillis(100))
              .withDescription(
                  "Table property commit.retry.min-wait-ms for new tables: the first wait before a"
                      + " commit is retried."));

  public static final ConfigOption<Duration> COMMIT_RETRY_MAX_WAIT =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 1 min",
          Options.key("commit.retry.max-wait")
              .durationType()
              .defaultValue(Duration.ofMinutes(1))
              .withDescription(
                  "Table property commit.retry.max-wait-ms for new tables: the cap on the wait"
                      + " between commit retries. At least commit.retry.min-wait."));

  public static final ConfigOption<Duration> COMMIT_RETRY_TOTAL_TIMEOUT =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 30 min",
          Options.key("commit.retry.total-timeout")
              .durationType()
              .defaultValue(Duration.ofMinutes(30))
              .withDescription(
                  "Table property commit.retry.total-timeout-ms for new tables: a commit stops"
                      + " retrying after this long in all; the job then fails and its restart"
                      + " strategy takes over."));

  public static final ConfigOption<String> S3_ENDPOINT =
      Options.key("s3.endpoint")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "S3 endpoint override (Iceberg s3.endpoint), an http:// or https:// URL: a local"
                  + " S3 server (http://127.0.0.1:9090) or a VPC interface endpoint. Unset: the"
                  + " regional AWS endpoint.");

  public static final ConfigOption<Boolean> S3_PATH_STYLE_ACCESS =
      Options.key("s3.path-style-access")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Address buckets as endpoint/bucket/key instead of bucket.endpoint/key (Iceberg"
                  + " s3.path-style-access). Local S3 servers such as S3Mock need true.");

  public static final ConfigOption<String> S3_REGION =
      Options.key("s3.region")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "AWS region of the S3, Glue and KMS clients (Iceberg client.region), e.g."
                  + " eu-west-1. Unset: the AWS SDK's default region chain (AWS_REGION, the"
                  + " profile, the instance's or MSF application's region).");

  public static final ConfigOption<SseType> S3_SSE_TYPE =
      Options.key("s3.sse.type")
          .enumType(SseType.class)
          .defaultValue(SseType.NONE)
          .withDescription(
              "Server-side encryption of the data and metadata files the job writes (Iceberg"
                  + " s3.sse.type): none leaves it to the bucket's default encryption, s3 is"
                  + " SSE-S3 (AES256), kms is SSE-KMS with s3.sse.key.");

  public static final ConfigOption<String> S3_SSE_KEY =
      Options.key("s3.sse.key")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "The KMS key id, alias or ARN for s3.sse.type = kms (Iceberg s3.sse.key). Required"
                  + " with kms, not allowed otherwise.");

  public static final ConfigOption<Integer> S3_RETRIES =
      Ranges.atLeast(
          0,
          " (0: no retries)",
          Options.key("s3.retry.num-retries")
              .intType()
              .defaultValue(5)
              .withDescription(
                  "AWS SDK retries of a failed S3 request (throttling, 5xx, connection errors) before"
                      + " the read or write fails and the job's restart strategy takes over (Iceberg"
                      + " s3.retry.num-retries)."));

  public static final ConfigOption<Duration> S3_RETRY_MIN_WAIT =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 100 ms",
          Options.key("s3.retry.min-wait")
              .durationType()
              .defaultValue(Duration.ofSeconds(2))
              .withDescription(
                  "Base wait before an S3 request is retried, growing exponentially with jitter"
                      + " (Iceberg s3.retry.min-wait-ms)."));

  public static final ConfigOption<Duration> S3_RETRY_MAX_WAIT =
      Ranges.above(
          Duration.ZERO,
          ", e.g. 20 s",
          Options.key("s3.retry.max-wait")
              .durationType()
              .defaultValue(Duration.ofSeconds(20))
              .withDescription(
                  "Cap on the wait between S3 request retries (Iceberg s3.retry.max-wait-ms). At"
                      + " least s3.retry.min-wait."));

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
              PARTITION_SPEC_EVOLVE,
              DEAD_LETTER_TABLE,
              TARGET_FILE_SIZE,
              DISTRIBUTION,
              WRITE_PARALLELISM,
              COMMIT_RETRIES,
              COMMIT_RETRY_MIN_WAIT,
              COMMIT_RETRY_MAX_WAIT,
              COMMIT_RETRY_TOTAL_TIMEOUT,
              S3_ENDPOINT,
              S3_PATH_STYLE_ACCESS,
              S3_REGION,
              S3_SSE_TYPE,
              S3_SSE_KEY,
              S3_RETRIES,
              S3_RETRY_MIN_WAIT,
              S3_RETRY_MAX_WAIT)
          .passThrough(
              "catalog.properties.",
              "Any other Iceberg catalog property, e.g. catalog.properties.jdbc.user,"
                  + " catalog.properties.s3.acceleration-enabled. For what an option above covers"
                  + " (s3.endpoint, client.region...) use the option; a value here counts only"
                  + " when the option is not set. No credentials: AWS credentials come from the"
                  + " SDK's default provider chain only.")
          .passThrough(
              "table.properties.",
              "Any Iceberg table property for new tables, e.g."
                  + " table.properties.write.parquet.compression-codec = snappy.");
}
