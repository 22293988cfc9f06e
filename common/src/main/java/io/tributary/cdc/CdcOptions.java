package io.tributary.cdc;

import io.tributary.config.EnumNames;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Ranges;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/** Change streams mirrored into Iceberg upsert tables (job.name = cdc). */
public final class CdcOptions {
  private CdcOptions() {}

  /** Who wrote the change records. */
  public enum Format {
    /** Debezium's JSON, with or without the schema/payload envelope (Kafka Connect JSON). */
    DEBEZIUM_JSON,
    /** AWS DMS's JSON as it writes it to Kinesis or Kafka: data, before-image, metadata. */
    DMS_JSON,
    /**
     * Debezium through Kafka Connect's Avro converter, in the Confluent wire format, schemas from
     * the registry at format.registry.url.
     */
    DEBEZIUM_AVRO_CONFLUENT,
    /** Debezium as Avro in the AWS Glue Schema Registry wire format (format.registry.glue.*). */
    DEBEZIUM_AVRO_GLUE;

    /** The schema registry this format reads its schemas from; null for the JSON formats. */
    public io.tributary.format.FormatOptions.Type registry() {
      switch (this) {
        case DEBEZIUM_AVRO_CONFLUENT:
          return io.tributary.format.FormatOptions.Type.AVRO_CONFLUENT;
        case DEBEZIUM_AVRO_GLUE:
          return io.tributary.format.FormatOptions.Type.AVRO_GLUE;
        default:
          return null;
      }
    }

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** What to do when a source table gains a column the Iceberg table lacks. */
  public enum SchemaChanges {
    /** Add it to the Iceberg table as a nullable column, then write the row. */
    EVOLVE,
    /** Stop the job with a message naming the table and column. */
    FAIL;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** Where a Debezium change's order comes from. */
  public enum Position {
    /** The connector's log position: PostgreSQL source.lsn, MySQL source.file/pos/row. */
    LOG,
    /** source.ts_ms, the commit time in milliseconds: for connectors without a log position. */
    TS_MS;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** What happens to a change older than the last one applied to its key. */
  public enum StaleChanges {
    /** Dropped and counted (metric and accumulator tributaryChangesStale). */
    DROP,
    /** Counted, and also written to the dead-letter table with reason stale. */
    DEAD_LETTER;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  public static final ConfigOption<Format> FORMAT =
      Options.key("format")
          .enumType(Format.class)
          .noDefaultValue()
          .withDescription(
              "The change record format. Required. The debezium-avro formats read Debezium's"
                  + " Avro converter output through a schema registry configured by"
                  + " format.registry.* (docs/avro.md); their columns are typed by the writer"
                  + " schema, and a new optional field evolves the table as with JSON.");

  public static final ConfigOption<String> TABLES =
      Options.key("tables")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Where each source table goes, `source=namespace.table` separated by `,` or `;`. A source"
                  + " is `table`, `schema.table` or `db.schema.table`; the most specific match"
                  + " wins. Unlisted tables go to `<db>.<schema>_<table>` (Iceberg namespace"
                  + " <db>, or iceberg.database when the source has none), lower-cased, other"
                  + " characters than letters, digits and _ replaced by _.");

  public static final ConfigOption<String> PRIMARY_KEYS =
      Options.key("primary-keys")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Primary key columns per source table, `source=col1,col2` separated by `;` (`,`"
                  + " separates the columns of one table)."
                  + " Overrides the key Debezium puts in the message key. Required for DMS"
                  + " tables (DMS data records do not name their key).");

  public static final ConfigOption<String> COLUMN_TYPES =
      Options.key("column-types")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Flink SQL types for columns, `source.column=TYPE` separated by `,` or `;` (a comma"
                  + " inside a type's parentheses belongs to the type), e.g."
                  + " `sales.orders.amount=DECIMAL(12,2); sales.orders.updated_at=TIMESTAMP_LTZ(6)`."
                  + " Overrides the producer's schema. Without either, JSON integers land as"
                  + " BIGINT, other numbers as DOUBLE, strings as STRING.");

  public static final ConfigOption<String> PARTITION_SPEC =
      Options.key("partition-spec")
          .stringType()
          .defaultValue("")
          .withDescription(
              "Partition specs of mirrored tables, `table=terms` separated by `;`, the terms as in"
                  + " iceberg.partition-spec (`,` between them), e.g. `inventory.orders=bucket(16,"
                  + " order_id); inventory.events=days(created_at), region`. A table is named as"
                  + " its Iceberg `namespace.table` (a cdc.tables target or the default mapping),"
                  + " or as a source that cdc.tables maps. Applied once, when the job creates the"
                  + " table. Every partition column must be a key column (an upsert deletes a key"
                  + " within its partition): one outside cdc.primary-keys is refused at start-up,"
                  + " one outside the message key stops the job when the table is created. An"
                  + " existing table with another spec stops the job, naming both.");

  public static final ConfigOption<SchemaChanges> SCHEMA_CHANGES =
      Options.key("schema-changes")
          .enumType(SchemaChanges.class)
          .defaultValue(SchemaChanges.EVOLVE)
          .withDescription(
              "A new source column: evolve adds it to the table (nullable); fail stops the job."
                  + " A type the table cannot take (not a widening such as INT to BIGINT) sends"
                  + " the change to the dead-letter table with reason schema-mismatch either way.");

  public static final ConfigOption<Duration> ORDERING_TTL =
      Ranges.atLeast(
          Duration.ZERO,
          " (0: keep positions forever)",
          Options.key("ordering.state-ttl")
              .durationType()
              .defaultValue(Duration.ofDays(7))
              .withDescription(
                  "How long the ordering guard remembers a key's last applied source position after"
                      + " its last change. Older changes for a remembered key are dropped (counted as"
                      + " stale). A key idle for longer is forgotten: a replay older than that could"
                      + " then move it back. 0 keeps positions forever (state grows with the key"
                      + " count)."));

  public static final ConfigOption<Position> POSITION =
      Options.key("position")
          .enumType(Position.class)
          .defaultValue(Position.LOG)
          .withDescription(
              "What orders a Debezium key's changes. log: PostgreSQL source.lsn, or MySQL"
                  + " source.file, pos and row; a change without them, or with a value that is"
                  + " not a non-negative 64-bit integer, goes to the dead-letter table with reason"
                  + " bad-position. ts-ms: source.ts_ms, for connectors with no log position"
                  + " (changes of one key within one millisecond then apply in arrival order);"
                  + " a change without a usable source.ts_ms is bad-position. DMS records are"
                  + " always ordered by metadata.timestamp and transaction-id.");

  public static final ConfigOption<StaleChanges> STALE_CHANGES =
      Options.key("stale-changes")
          .enumType(StaleChanges.class)
          .defaultValue(StaleChanges.DROP)
          .withDescription(
              "A change older than the last one applied to its key (a replay, a duplicate): drop"
                  + " counts it (tributaryChangesStale); dead-letter also writes it to the"
                  + " dead-letter table with reason stale, its source coordinates, and both"
                  + " positions, for audits.");

  public static final OptionGroup GROUP =
      OptionGroup.of("cdc", "Change streams mirrored into Iceberg v2 upsert tables.")
          .add(
              FORMAT,
              TABLES,
              PRIMARY_KEYS,
              COLUMN_TYPES,
              PARTITION_SPEC,
              SCHEMA_CHANGES,
              ORDERING_TTL,
              POSITION,
              STALE_CHANGES);
}
