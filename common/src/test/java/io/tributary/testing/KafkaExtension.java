package io.tributary.testing;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link KafkaServer} for one test class: {@code @RegisterExtension static final KafkaExtension
 * kafka = new KafkaExtension();}. One broker serves every class of a test JVM, started by the first
 * and stopped when the JVM's tests end: a start costs about 5 s and two JVMs. Each class gets it
 * {@linkplain KafkaServer#reset() reset}, with no topic and no consumer group, so a class sees only
 * what it created, as with a broker of its own. The reset runs before a class, not after: the
 * previous class's jobs are cancelled with its Flink cluster only after this extension's afterAll,
 * and a commit they made then could otherwise survive into the next class.
 */
public final class KafkaExtension implements BeforeAllCallback, AfterAllCallback {
  private KafkaServer server;

  @Override
  public void beforeAll(ExtensionContext context) {
    KafkaServer shared =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.create(KafkaExtension.class))
            .getOrComputeIfAbsent("broker", key -> new Shared(KafkaServer.start()), Shared.class)
            .server;
    shared.reset();
    server = shared;
  }

  @Override
  public void afterAll(ExtensionContext context) {
    server = null;
  }

  /** The JVM's broker, stopped when JUnit closes the root store after the last test class. */
  private static final class Shared implements ExtensionContext.Store.CloseableResource {
    final KafkaServer server;

    Shared(KafkaServer server) {
      this.server = server;
    }

    @Override
    public void close() {
      server.close();
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
