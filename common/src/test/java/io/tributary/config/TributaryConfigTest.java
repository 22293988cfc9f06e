package io.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.format.EventSchema;
import io.tributary.format.FormatOptions;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.TargetTable;
import io.tributary.runtime.JobOptions;
import io.tributary.source.SourceOptions;
import io.tributary.testing.Components;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TributaryConfigTest {

  @Test
  void typedValuesAndDefaults() {
    TributaryConfig c =
        Configs.of("job.name", "ingest", "job.checkpoint.interval", "30 s", "source.type", "kafka");
    assertThat(c.get(JobOptions.GROUP, JobOptions.NAME)).isEqualTo(JobOptions.JobName.INGEST);
    assertThat(c.get(JobOptions.GROUP, JobOptions.CHECKPOINT_INTERVAL))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(c.get(JobOptions.GROUP, JobOptions.CHECKPOINT_MODE))
        .isEqualTo(JobOptions.CheckpointMode.EXACTLY_ONCE);
    assertThat(c.get(SourceOptions.GROUP, SourceOptions.BOUNDED)).isFalse();
  }

  @Test
  void enumValuesAreWrittenWithDashesInAnyCase() {
    TributaryConfig c = Configs.of("job.checkpoint.mode", "AT-LEAST-ONCE", "kafka.auth", "msk-iam");
    assertThat(c.get(JobOptions.GROUP, JobOptions.CHECKPOINT_MODE))
        .isEqualTo(JobOptions.CheckpointMode.AT_LEAST_ONCE);
  }

  @Test
  void unknownGroup() {
    assertThatThrownBy(() -> Configs.of("kafak.topics", "x"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid configuration: unknown property group 'kafak'. Did you mean 'kafka'? Known"
                + " groups: job, source, kafka, kinesis, datagen, format, iceberg, aggregate, cdc,"
                + " maintenance.");
    assertThatThrownBy(() -> Configs.of("icebrg.table", "x", "zzzzzzzz.a", "b"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "unknown property group 'icebrg'. Did you mean 'iceberg'? Known groups:"
                            + " job, source, kafka, kinesis, datagen, format, iceberg, aggregate,"
                            + " cdc, maintenance.",
                        "unknown property group 'zzzzzzzz'. Known groups: job, source, kafka,"
                            + " kinesis, datagen, format, iceberg, aggregate, cdc, maintenance."));
  }

  @Test
  void unknownKeySuggestsTheNearestOne() {
    assertThatThrownBy(() -> Configs.of("kafka.bootstrap.server", "x"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "Invalid configuration: unknown key 'bootstrap.server' in property group 'kafka'."
                + " Did you mean 'bootstrap.servers'? Allowed keys: bootstrap.servers, topics,")
        .hasMessageContaining("properties.*");
  }

  @Test
  void passThroughKeysAreAccepted() {
    TributaryConfig c =
        Configs.of(
            "kafka.properties.security.protocol",
            "SASL_SSL",
            "iceberg.catalog.properties.s3.endpoint",
            "http://127.0.0.1:9090");
    assertThat(c.passThrough(io.tributary.source.KafkaOptions.GROUP, "properties."))
        .containsEntry("security.protocol", "SASL_SSL");
  }

  @Test
  void badValuesNameGroupKeyValueAndWhatIsAllowed() {
    assertThatThrownBy(
            () ->
                Configs.of(
                    "job.checkpoint.interval", "often",
                    "job.name", "ingset",
                    "datagen.rate", "fast",
                    "source.bounded", "yes please",
                    "format.max-record-size", "big",
                    "job.parallelism", "2.5"))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .containsExactlyInAnyOrder(
                        "bad value for 'checkpoint.interval' in property group 'job': 'often'."
                            + " Allowed: a duration such as 500 ms, 10 s, 5 min, 2 h or 7 d.",
                        "bad value for 'name' in property group 'job': 'ingset'. Allowed: one of"
                            + " ingest, aggregate, cdc, maintain.",
                        "bad value for 'rate' in property group 'datagen': 'fast'. Allowed: a"
                            + " number.",
                        "bad value for 'bounded' in property group 'source': 'yes please'."
                            + " Allowed: true or false.",
                        "bad value for 'max-record-size' in property group 'format': 'big'."
                            + " Allowed: a size such as 512kb, 64mb or 1gb.",
                        "bad value for 'parallelism' in property group 'job': '2.5'. Allowed: a"
                            + " whole number."));
  }

  @Test
  void missingRequiredKey() {
    TributaryConfig c = Configs.of("source.type", "kafka", "kafka.topics", "t");
    assertThatThrownBy(() -> Components.source(c, "ingest"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "Invalid configuration: missing required key 'bootstrap.servers' in property group"
                + " 'kafka'. Set it to a string: Comma-separated host:port list of brokers.");
  }

  @Test
  void missingSourceType() {
    assertThatThrownBy(() -> Components.source(Configs.of(), "ingest"))
        .hasMessageStartingWith(
            "Invalid configuration: missing required key 'type' in property group 'source'. Set"
                + " it to one of kafka, kinesis, datagen");
  }

  @Test
  void timestampStartNeedsATimestamp() {
    TributaryConfig c =
        Configs.of(
            "source.type", "kafka",
            "kafka.bootstrap.servers", "127.0.0.1:9092",
            "kafka.topics", "t",
            "kafka.start", "timestamp");
    assertThatThrownBy(() -> Components.source(c, "ingest"))
        .hasMessageContaining("missing required key 'start.timestamp' in property group 'kafka'");
  }

  @Test
  void datagenRateMustBePositive() {
    assertThatThrownBy(() -> Configs.of("source.type", "datagen", "datagen.rate", "0"))
        .hasMessage(
            "Invalid configuration: bad value for 'rate' in property group 'datagen': '0' must be"
                + " above 0 events per second.");
  }

  @Test
  void numbersOutsideTheirDeclaredRangeNameGroupKeyValueAndRange() {
    assertThatThrownBy(
            () ->
                Configs.of(
                    "job.parallelism", "-2",
                    "job.restart.jitter", "1.5",
                    "kinesis.poll.max-records", "0",
                    "datagen.bad-ratio", "NaN",
                    "format.max-record-size", "0b",
                    "kafka.start.timestamp", "-5"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactlyInAnyOrder(
                        "bad value for 'parallelism' in property group 'job': '-2' must be between"
                            + " 1 and 32768.",
                        "bad value for 'restart.jitter' in property group 'job': '1.5' must be"
                            + " between 0 and 1.",
                        "bad value for 'poll.max-records' in property group 'kinesis': '0' must be"
                            + " between 1 and 10000.",
                        "bad value for 'bad-ratio' in property group 'datagen': 'NaN' must be"
                            + " between 0 and 1.",
                        "bad value for 'max-record-size' in property group 'format': '0b' must be"
                            + " at least 1 bytes.",
                        "bad value for 'start.timestamp' in property group 'kafka': '-5' must be"
                            + " at least 0."));
    for (String p : new String[] {"0", "-3", "32769"}) {
      assertThatThrownBy(() -> Configs.of("job.parallelism", p))
          .hasMessage(
              "Invalid configuration: bad value for 'parallelism' in property group 'job': '"
                  + p
                  + "' must be between 1 and 32768.");
    }
    assertThat(Configs.of("job.parallelism", "1").get(JobOptions.GROUP, JobOptions.PARALLELISM))
        .isEqualTo(1);
  }

  @Test
  void everyNumericOptionDeclaresARangeThatHoldsItsDefault() {
    for (OptionGroup g : Configs.ALL) {
      for (org.apache.flink.configuration.ConfigOption<?> o : g.options()) {
        Class<?> t = OptionTypes.typeOf(o);
        boolean numeric =
            Number.class.isAssignableFrom(t)
                || t == Duration.class
                || t == org.apache.flink.configuration.MemorySize.class;
        assertThat(Ranges.declared(o))
            .as(g.id() + "." + o.key() + " declares a range")
            .isEqualTo(numeric);
      }
    }
    assertThat(ConfigReference.markdown(Configs.ALL))
        .contains("Default parallelism of the job's operators.")
        .contains("Range: between 1 and 32768.")
        .contains("Range: at least 0 (0: no retries).");
  }

  @Test
  void schemaMustParse() {
    TributaryConfig c =
        Configs.of(
            "format.schema", "id STRING, amount DECIMAL(12", "format.event-time.field", "ts");
    assertThatThrownBy(() -> EventSchema.fromConfig(c.group(FormatOptions.GROUP)))
        .hasMessageStartingWith(
            "Invalid configuration: bad value for 'schema' in property group 'format': 'id STRING,"
                + " amount DECIMAL(12' is not a Flink SQL field list (");
  }

  @Test
  void eventTimeFieldMustExistAndBeATime() {
    assertThatThrownBy(
            () ->
                EventSchema.fromConfig(
                    Configs.of("format.schema", "id STRING", "format.event-time.field", "ts")
                        .group(FormatOptions.GROUP)))
        .hasMessage(
            "Invalid configuration: bad value for 'event-time.field' in property group 'format':"
                + " 'ts' is not a field of format.schema. Fields: [id].");
    assertThatThrownBy(
            () ->
                EventSchema.fromConfig(
                    Configs.of("format.schema", "id STRING", "format.event-time.field", "id")
                        .group(FormatOptions.GROUP)))
        .hasMessageContaining(
            "'id' has type STRING. The event-time field must be TIMESTAMP(p), TIMESTAMP_LTZ(p) or"
                + " BIGINT");
  }

  @Test
  void tableNamesAreChecked() {
    assertThatThrownBy(
            () ->
                TargetTable.fromConfig(
                    Configs.of("iceberg.table", "my-table").group(IcebergOptions.GROUP)))
        .hasMessageContaining("'table' in property group 'iceberg': 'my-table' is not a valid");
    assertThatThrownBy(() -> TargetTable.fromConfig(Configs.of().group(IcebergOptions.GROUP)))
        .hasMessageContaining("missing required key 'table' in property group 'iceberg'");
  }

  @Test
  void partitionSpecPolicyFollowsTheKeys() {
    assertThat(
            TargetTable.fromConfig(Configs.of("iceberg.table", "t").group(IcebergOptions.GROUP))
                .existingSpec())
        .isEqualTo(io.tributary.iceberg.IcebergSinkBuilder.ExistingSpec.KEEP);
    assertThat(
            TargetTable.fromConfig(
                    Configs.of("iceberg.table", "t", "iceberg.partition-spec", "days(ts)")
                        .group(IcebergOptions.GROUP))
                .existingSpec())
        .isEqualTo(io.tributary.iceberg.IcebergSinkBuilder.ExistingSpec.FAIL);
    assertThat(
            TargetTable.fromConfig(
                    Configs.of(
                            "iceberg.table", "t",
                            "iceberg.partition-spec", "",
                            "iceberg.partition-spec.evolve", "true")
                        .group(IcebergOptions.GROUP))
                .existingSpec())
        .isEqualTo(io.tributary.iceberg.IcebergSinkBuilder.ExistingSpec.EVOLVE);
    assertThatThrownBy(
            () ->
                TargetTable.fromConfig(
                    Configs.of("iceberg.table", "t", "iceberg.partition-spec.evolve", "true")
                        .group(IcebergOptions.GROUP)))
        .hasMessage(
            "Invalid configuration: bad value for 'partition-spec.evolve' in property group"
                + " 'iceberg': 'true' has nothing to evolve to: iceberg.partition-spec is not set."
                + " Set it to the spec the table should have, or remove partition-spec.evolve.");
  }

  @Test
  void catalogUriRequiredForRestAndJdbc() {
    assertThatThrownBy(
            () ->
                IcebergCatalog.fromConfig(
                    Configs.of("iceberg.catalog.type", "rest").group(IcebergOptions.GROUP)))
        .hasMessageContaining("missing required key 'catalog.uri' in property group 'iceberg'");
    assertThatThrownBy(
            () ->
                IcebergCatalog.fromConfig(
                    Configs.of(
                            "iceberg.catalog.type", "jdbc", "iceberg.catalog.uri", "postgres://x")
                        .group(IcebergOptions.GROUP)))
        .hasMessageContaining("'postgres://x' is not a JDBC URL");
  }

  @Test
  void secretsAreNeverPrinted() {
    TributaryConfig c =
        Configs.of(
            "kafka.properties.sasl.jaas.config",
            "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"hunter2\";",
            "kafka.properties.ssl.truststore.password",
            "hunter2",
            "iceberg.catalog.properties.s3.secret-access-key",
            "hunter2",
            "iceberg.catalog.properties.jdbc.password",
            "hunter2",
            "kafka.topics",
            "orders");
    assertThat(c.describe()).doesNotContain("hunter2").contains("kafka.topics = orders");
    assertThat(c.describe()).contains("kafka.properties.ssl.truststore.password = ****");
  }

  @Test
  void secretsAreNotEchoedInErrors() {
    assertThatThrownBy(() -> Configs.of("job.checkpoint.interval", "x", "kafka.topics", "t"))
        .hasMessageNotContaining("hunter2");
  }
}
