package io.tributary.testing;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link KafkaServer} for one test class: {@code @RegisterExtension static final KafkaExtension
 * kafka = new KafkaExtension();} starts the broker before the first test and stops it after the
 * last.
 */
public final class KafkaExtension implements BeforeAllCallback, AfterAllCallback {
  private KafkaServer server;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = KafkaServer.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  public KafkaServer server() {
    if (server == null) {
      throw new IllegalStateException("the Kafka server runs only inside the test class");
    }
    return server;
  }

  public String bootstrapServers() {
    return server().bootstrapServers();
  }

  public void createTopic(String name, int partitions) {
    server().createTopic(name, partitions);
  }

  public RecordMetadata send(String topic, Integer partition, byte[] key, byte[] value) {
    return server().send(topic, partition, key, value);
  }

  public List<RecordMetadata> sendAll(String topic, List<ProducerRecord<byte[], byte[]>> records) {
    return server().sendAll(topic, records);
  }

  public long committedOffsets(String groupId) {
    return server().committedOffsets(groupId);
  }
}
