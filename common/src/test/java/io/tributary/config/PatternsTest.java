package io.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.format.FormatOptions;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.MaintenanceOptions;
import io.tributary.source.KafkaOptions;
import io.tributary.source.kinesis.KinesisOptions;
import java.util.List;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

class PatternsTest {

  private static List<String> problems(String... pairs) {
    try {
      Configs.of(pairs);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("no problem with " + List.of(pairs));
  }

  @Test
  void aValueOfTheWrongFormFailsValidationNamingGroupKeyValueAndFix() {
    assertThat(problems("kinesis.region", "Frankfurt"))
        .containsExactly(
            "bad value for 'region' in property group 'kinesis': 'Frankfurt' is not an AWS"
                + " region. Write e.g. eu-west-1.");
    assertThat(problems("kinesis.endpoint", "localhost:4568"))
        .containsExactly(
            "bad value for 'endpoint' in property group 'kinesis': 'localhost:4568' is not an"
                + " http(s) URL. Write e.g. https://vpce-1234.kinesis.us-east-1.vpce.amazonaws.com"
                + " or http://127.0.0.1:4568.");
    assertThat(problems("kinesis.efo.consumer-name", "my consumer"))
        .containsExactly(
            "bad value for 'efo.consumer-name' in property group 'kinesis': 'my consumer' is not"
                + " a consumer name: 1 to 128 letters, digits, '_', '-' or '.'.");
    assertThat(problems("format.registry.url", "registry:8081"))
        .containsExactly(
            "bad value for 'registry.url' in property group 'format': 'registry:8081' is not an"
                + " http:// or https:// URL. Fix the URL.");
    assertThat(problems("iceberg.table", "my-table"))
        .containsExactly(
            "bad value for 'table' in property group 'iceberg': 'my-table' is not a valid table"
                + " name. Use letters, digits, underscores.");
    assertThat(problems("iceberg.database", "my.db"))
        .containsExactly(
            "bad value for 'database' in property group 'iceberg': 'my.db' is not a valid"
                + " database name. Use letters, digits and underscores (Glue: lower case).");
    assertThat(problems("maintenance.maintain.tables", "a, lake..b"))
        .containsExactly(
            "bad value for 'maintain.tables' in property group 'maintenance': 'a, lake..b' names"
                + " 'lake..b', which is no table name: write `table` or `namespace.table`,"
                + " separated by `,` or `;`.");
  }

  @Test
  void aCheckCanSayWhichWayAValueIsWrong() {
    assertThat(problems("kinesis.stream", "a;b"))
        .containsExactly(
            "bad value for 'stream' in property group 'kinesis': 'a;b' names more than one"
                + " stream. A job reads one stream: run one job per stream, or merge the streams"
                + " upstream.");
    assertThat(problems("kinesis.stream", "arn:aws:kinesis:eu-west-1:123:stream/orders"))
        .containsExactly(
            "bad value for 'stream' in property group 'kinesis':"
                + " 'arn:aws:kinesis:eu-west-1:123:stream/orders' is not a Kinesis stream ARN."
                + " Write arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, or just the stream name.");
    assertThat(problems("kafka.topics", "orders,bad/topic"))
        .containsExactly(
            "bad value for 'topics' in property group 'kafka': 'orders,bad/topic' names"
                + " 'bad/topic', which is not a Kafka topic name: 1 to 249 letters, digits, '.',"
                + " '_' or '-'. Separate topics with ',' or ';'.");
  }

  @Test
  void everyBadValueIsReportedTogether() {
    assertThat(
            problems("kinesis.region", "Frankfurt", "iceberg.table", "a-b", "job.parallelism", "0"))
        .hasSize(3);
  }

  @Test
  void wellFormedValuesPass() {
    TributaryConfig c =
        Configs.of(
            "kinesis.stream", " arn:aws:kinesis:eu-west-1:123456789012:stream/orders ",
            "kinesis.region", "eu-west-1",
            "kinesis.endpoint", "http://127.0.0.1:4568",
            "kafka.topics", "a.b; c-d",
            "format.registry.url", "https://registry:8081",
            "iceberg.table", "events_2",
            "maintenance.maintain.tables", "events, lake.orders");
    assertThat(c.group(KafkaOptions.GROUP).get(KafkaOptions.TOPICS)).hasSize(2);
  }

  @Test
  void theReferenceShowsTheForm() {
    assertThat(ConfigReference.describe(KinesisOptions.REGION))
        .endsWith(" Format: an AWS region such as eu-west-1.");
    assertThat(ConfigReference.describe(FormatOptions.REGISTRY_URL))
        .endsWith(" Format: an http:// or https:// URL.");
    assertThat(Patterns.describe(IcebergOptions.TABLE)).contains("letters, digits and underscores");
    assertThat(Patterns.describe(MaintenanceOptions.MAINTAIN_NAMESPACE)).isEmpty();
  }

  @Test
  void matchingSaysWhatTheValueMustBe() {
    ConfigOption<String> code =
        Patterns.matching(
            "[A-Z]{3}",
            "three capital letters, e.g. EUR",
            Options.key("code").stringType().noDefaultValue().withDescription("A code."));
    OptionGroup g = OptionGroup.of("test", "A test group.").add(code);
    assertThat(
            TributaryConfig.validate(Configs.groups("test.code", " EUR "), List.of(g))
                .group(g)
                .get(code))
        .isEqualTo(" EUR ");
    assertThatThrownBy(
            () -> TributaryConfig.validate(Configs.groups("test.code", "eu"), List.of(g)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid configuration: bad value for 'code' in property group 'test': 'eu' must be"
                + " three capital letters, e.g. EUR.");
  }

  @Test
  void aDefaultOfTheWrongFormIsAProgrammingError() {
    assertThatThrownBy(
            () ->
                Patterns.checked(
                    "never",
                    v -> Optional.of("is wrong."),
                    Options.key("x").stringType().defaultValue("y").withDescription("X.")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("default of 'x'");
  }
}
