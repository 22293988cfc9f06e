package io.tributary.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.testing.Components;
import org.junit.jupiter.api.Test;

/** Topics and brokers may be separated by ',' or ';'; a stream is one name. */
class ListSeparatorsTest {
  private static RecordSource kafka(String topics) {
    return Components.source(
        Configs.of(
            "source.type", "kafka",
            "kafka.bootstrap.servers", "127.0.0.1:1; 127.0.0.1:2",
            "kafka.topics", topics),
        "cdc");
  }

  @Test
  void topicsSplitOnCommasAndSemicolons() {
    assertThat(kafka("a.b,c.d").describe()).startsWith("kafka[a.b, c.d] ");
    assertThat(kafka("a.b; c.d ,e").describe()).startsWith("kafka[a.b, c.d, e] ");
    assertThat(((KafkaRecordSource) kafka("t")).bootstrapServers())
        .isEqualTo("127.0.0.1:1,127.0.0.1:2");
  }

  @Test
  void aTopicThatCannotBeANameIsRefused() {
    assertThatThrownBy(() -> kafka("orders|items"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid configuration: bad value for 'topics' in property group 'kafka':"
                + " 'orders|items' names 'orders|items', which is not a Kafka topic name: 1 to 249"
                + " letters, digits, '.', '_' or '-'. Separate topics with ',' or ';'.");
    assertThatThrownBy(() -> kafka(" ; ,"))
        .hasMessageContaining("names no topic. List topics separated by ',' or ';'.");
  }

  @Test
  void twoStreamsAreRefusedWithTheFix() {
    assertThatThrownBy(
            () ->
                Components.source(
                    Configs.of(
                        "source.type", "kinesis",
                        "kinesis.stream", "a,b",
                        "kinesis.region", "eu-west-1"),
                    "ingest"))
        .hasMessage(
            "Invalid configuration: bad value for 'stream' in property group 'kinesis': 'a,b'"
                + " names more than one stream. A job reads one stream: run one job per stream,"
                + " or merge the streams upstream.");
  }
}
