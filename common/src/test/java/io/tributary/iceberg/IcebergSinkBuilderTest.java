package io.tributary.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.format.EventSchema;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IcebergSinkBuilderTest {
  @TempDir Path warehouse;

  private Table provision(String schema, String spec) {
    return provision(schema, spec, IcebergSinkBuilder.ExistingSpec.KEEP);
  }

  private Table provision(String schema, String spec, IcebergSinkBuilder.ExistingSpec existing) {
    RowType type = EventSchema.parse(schema);
    return IcebergSinkBuilder.forRows(null, type)
        .catalog(Tables.hadoop(warehouse.toString(), "db"))
        .table("events")
        .partitionedBy(spec, existing)
        .provision();
  }

  private static final String EVENTS =
      "id STRING NOT NULL, amount DECIMAL(12, 2), name STRING, ts TIMESTAMP_LTZ(3)";

  @Test
  void transformsThatDoNotFitTheirColumnFailBeforeTheTableIsCreated() {
    assertThatThrownBy(() -> provision(EVENTS, "hours(amount)"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "Invalid configuration: bad value for 'partition-spec' in property group 'iceberg':"
                + " 'hours(amount)' is not a partition spec for table db.events: 'hours(amount)'"
                + " does not fit column 'amount' of type decimal(12, 2): hours takes a timestamp"
                + " column. Allowed: col, years(col),");
    assertThatThrownBy(() -> provision(EVENTS, "days(name)"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "'days(name)' does not fit column 'name' of type string: days takes a date or"
                + " timestamp column.");
    assertThatThrownBy(() -> provision(EVENTS, "bucket(0, id)"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'bucket(0, id)' has bucket count 0; it must be between 1 and");
    assertThat(Tables.exists(Tables.hadoop(warehouse.toString(), "db"), "events")).isFalse();
  }

  @Test
  void aBadSpecFailsOnAnExistingTableToo() {
    provision(EVENTS, "days(ts)");
    for (IcebergSinkBuilder.ExistingSpec policy : IcebergSinkBuilder.ExistingSpec.values()) {
      assertThatThrownBy(() -> provision(EVENTS, "hours(amount)", policy))
          .as(policy.toString())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("does not fit column 'amount'");
    }
  }

  @Test
  void anExistingTablePartitionedOtherwiseIsReportedNamingBothSpecs() {
    provision(EVENTS, "days(ts), bucket(16, id)");
    assertThatThrownBy(() -> provision(EVENTS, "hours(ts)", IcebergSinkBuilder.ExistingSpec.FAIL))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid configuration: bad value for 'partition-spec' in property group 'iceberg':"
                + " 'hours(ts)' differs from the spec of the existing table db.events, which is"
                + " 'days(ts), bucket(16, id)' (configured: 'hours(ts)'). Set"
                + " iceberg.partition-spec = days(ts), bucket(16, id) to keep the table as it is,"
                + " or iceberg.partition-spec.evolve = true to evolve it to the configured"
                + " spec.");
    // the same spec, written differently, is no difference
    Table same = provision(EVENTS, "day(ts); bucket(16,id)", IcebergSinkBuilder.ExistingSpec.FAIL);
    assertThat(PartitionSpecs.describe(same.spec(), same.schema()))
        .isEqualTo("days(ts), bucket(16, id)");
  }

  @Test
  void evolveChangesTheExistingTablesSpec() {
    Table before = provision(EVENTS, "days(ts), bucket(16, id)");
    Table after =
        provision(
            EVENTS, "hours(ts), name, bucket(16, id)", IcebergSinkBuilder.ExistingSpec.EVOLVE);
    assertThat(after.location()).isEqualTo(before.location());
    assertThat(PartitionSpecs.describe(after.spec(), after.schema()))
        .isEqualTo("bucket(16, id), hours(ts), name");
    assertThat(after.specs()).hasSize(2);
    // a second start with the same configuration finds nothing to evolve
    Table again =
        provision(EVENTS, "hours(ts), name, bucket(16, id)", IcebergSinkBuilder.ExistingSpec.FAIL);
    assertThat(again.spec().specId()).isEqualTo(after.spec().specId());
    // and back to unpartitioned
    Table none = provision(EVENTS, "", IcebergSinkBuilder.ExistingSpec.EVOLVE);
    assertThat(PartitionSpecs.describe(none.spec(), none.schema())).isEqualTo("unpartitioned");
  }

  @Test
  void createsAV2TableWithSpecAndWriteProperties() {
    Table t =
        provision("id STRING NOT NULL, amount DECIMAL(12, 2), ts TIMESTAMP_LTZ(3)", "days(ts)");
    assertThat(t.name()).isEqualTo("tributary.db.events");
    assertThat(t.schema().asStruct().toString())
        .isEqualTo(
            "struct<1: id: required string, 2: amount: optional decimal(12, 2), 3: ts: optional"
                + " timestamptz>");
    assertThat(t.spec().fields()).hasSize(1);
    assertThat(t.spec().fields().get(0).name()).isEqualTo("ts_day");
    assertThat(t.properties())
        .containsEntry(TableProperties.PARQUET_COMPRESSION, "zstd")
        .containsEntry(TableProperties.WRITE_DISTRIBUTION_MODE, "hash")
        .containsEntry(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, "134217728");
    IcebergCatalog catalog = Tables.hadoop(warehouse.toString(), "db");
    int version =
        catalog.with(
            c ->
                ((BaseTable) c.loadTable(catalog.identifier("events")))
                    .operations()
                    .current()
                    .formatVersion());
    assertThat(version).isEqualTo(2);
    assertThat(t.location()).startsWith("file:" + warehouse);
  }

  @Test
  void reusesACompatibleTable() {
    Table first = provision("id STRING NOT NULL, ts TIMESTAMP_LTZ(3)", "");
    Table again = provision("id STRING NOT NULL, ts TIMESTAMP_LTZ(3)", "days(ts)");
    assertThat(again.location()).isEqualTo(first.location());
    assertThat(again.spec().isUnpartitioned()).isTrue();
  }

  @Test
  void failsAtStartOnAnIncompatibleTable() {
    provision("id STRING NOT NULL, amount INT, ts TIMESTAMP_LTZ(3)", "");
    assertThatThrownBy(
            () -> provision("id STRING NOT NULL, amount STRING, ts TIMESTAMP_LTZ(3)", ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("table db.events exists with a schema the job cannot write")
        .hasMessageContaining("amount")
        .hasMessageContaining("Fix format.schema to match");
  }

  @Test
  void failsOnAMissingRequiredColumn() {
    provision("id STRING NOT NULL, must STRING NOT NULL, ts TIMESTAMP_LTZ(3)", "");
    assertThatThrownBy(() -> provision("id STRING NOT NULL, ts TIMESTAMP_LTZ(3)", ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("must");
  }

  @Test
  void badSpecNamesTheTerm() {
    assertThatThrownBy(() -> provision("id STRING, ts TIMESTAMP_LTZ(3)", "days(when)"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "Invalid configuration: bad value for 'partition-spec' in property group 'iceberg':"
                + " 'days(when)' is not a partition spec for table db.events: 'days(when)' names"
                + " no column 'when'.");
    assertThat(Tables.exists(Tables.hadoop(warehouse.toString(), "db"), "events")).isFalse();
  }

  @Test
  void upsertKeysBecomeIdentifierFields() {
    Table t =
        IcebergSinkBuilder.forRows(null, EventSchema.parse("id BIGINT NOT NULL, v STRING"))
            .catalog(Tables.hadoop(warehouse.toString(), "db"))
            .table("kv")
            .upsert(List.of("id"))
            .provision();
    assertThat(t.schema().identifierFieldNames()).containsExactly("id");
  }

  @Test
  void jdbcCatalogOnSqlite() {
    IcebergCatalog jdbc =
        IcebergCatalog.fromConfig(
            io.tributary.config.Configs.of(
                    "iceberg.catalog.type",
                    "jdbc",
                    "iceberg.catalog.uri",
                    "jdbc:sqlite:file:" + warehouse.resolve("catalog.db"),
                    "iceberg.warehouse",
                    warehouse.resolve("jdbc").toString(),
                    "iceberg.database",
                    "db")
                .group(IcebergOptions.GROUP));
    Table t =
        IcebergSinkBuilder.forRows(null, EventSchema.parse("id STRING NOT NULL"))
            .catalog(jdbc)
            .table("events")
            .provision();
    assertThat(t.location()).startsWith("file:" + warehouse.resolve("jdbc"));
    assertThat(Tables.exists(jdbc, "events")).isTrue();
    assertThat(Tables.exists(Tables.hadoop(warehouse.resolve("jdbc").toString(), "db"), "events"))
        .as("the table is in the JDBC catalog, not a hadoop one")
        .isFalse();
  }
}
