package io.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.iceberg.IcebergOptions;
import io.tributary.source.KafkaOptions;
import io.tributary.source.SourceOptions;
import io.tributary.source.kinesis.KinesisOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupConfigTest {

  @Test
  void readsTheValuesOfItsOwnGroup() {
    GroupConfig kafka =
        Configs.of("kafka.topics", "a;b", "kafka.properties.security.protocol", "SSL")
            .group(KafkaOptions.GROUP);
    assertThat(kafka.id()).isEqualTo("kafka");
    assertThat(kafka.get(KafkaOptions.TOPICS)).containsExactly("a", "b");
    assertThat(kafka.get(KafkaOptions.START)).isEqualTo(KafkaOptions.StartFrom.COMMITTED);
    assertThat(kafka.getOptional(KafkaOptions.GROUP_ID)).isEmpty();
    assertThat(kafka.isSet(KafkaOptions.TOPICS)).isTrue();
    assertThat(kafka.isSet(KafkaOptions.START)).isFalse();
    assertThat(kafka.passThrough("properties.")).isEqualTo(Map.of("security.protocol", "SSL"));
    assertThat(kafka.toMap())
        .isEqualTo(Map.of("topics", "a;b", "properties.security.protocol", "SSL"));
  }

  @Test
  void aGroupNobodySetReadsAsDefaults() {
    GroupConfig source = Configs.of().group(SourceOptions.GROUP);
    assertThat(source.get(SourceOptions.BOUNDED)).isFalse();
    assertThat(source.toMap()).isEmpty();
  }

  @Test
  void readingAnOptionOfAnotherGroupIsAProgrammingError() {
    GroupConfig kafka = Configs.of("iceberg.table", "t").group(KafkaOptions.GROUP);
    assertThatThrownBy(() -> kafka.get(IcebergOptions.TABLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("option 'table'")
        .hasMessageContaining("property group 'kafka'");
    // the same key declared by another group's option is still another option
    assertThatThrownBy(() -> kafka.getOptional(KinesisOptions.START))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("option 'start'")
        .hasMessageContaining("property group 'kafka'");
    assertThatThrownBy(() -> kafka.isSet(IcebergOptions.TABLE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> kafka.invalid(IcebergOptions.TABLE, "is bad."))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> kafka.passThrough("catalog.properties."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'catalog.properties.*'")
        .hasMessageContaining("property group 'kafka'");
  }

  @Test
  void messagesAreThoseOfTheWholeConfiguration() {
    TributaryConfig c = Configs.of("kafka.group.id", "g");
    GroupConfig kafka = c.group(KafkaOptions.GROUP);
    assertThatThrownBy(() -> kafka.get(KafkaOptions.BOOTSTRAP_SERVERS))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid configuration: missing required key 'bootstrap.servers' in property group"
                + " 'kafka'. Set it to a string: Comma-separated host:port list of brokers. ';'"
                + " separates them too. Required.");
    assertThat(kafka.invalid(KafkaOptions.GROUP_ID, "is taken.").problems())
        .isEqualTo(List.of("bad value for 'group.id' in property group 'kafka': 'g' is taken."))
        .isEqualTo(c.invalid(KafkaOptions.GROUP, KafkaOptions.GROUP_ID, "is taken.").problems());
  }
}
