package io.tributary.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.testing.Components;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/** MSK IAM auth: the login module and callback handler load with the suite's one AWS SDK. */
class MskIamTest {
  @Test
  void aKafkaClientWithMskIamSettingsStarts() {
    RecordSource source =
        Components.source(
            Configs.of(
                "source.type", "kafka",
                "kafka.bootstrap.servers", "127.0.0.1:1",
                "kafka.topics", "t",
                "kafka.auth", "msk-iam"),
            "ingest");
    assertThat(source.describe()).startsWith("kafka[t]");
    Properties p = new Properties();
    p.putAll(KafkaRecordSource.mskIam());
    p.put("bootstrap.servers", "127.0.0.1:1");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    // Building the client runs the JAAS login and configures the callback handler: any class
    // missing from the bundle fails here, without a broker.
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      assertThat(c.metrics()).isNotEmpty();
    }
  }
}
