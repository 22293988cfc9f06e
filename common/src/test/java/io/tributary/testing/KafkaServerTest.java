package io.tributary.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class KafkaServerTest {
  private static final String TOPIC = "kafka-server-test";

  @Test
  @Timeout(120)
  void sendsAndReadsBackRecords() {
    byte[] big = new byte[1_100_000];
    Arrays.fill(big, (byte) 'x');
    try (KafkaServer kafka = KafkaServer.start()) {
      assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
      kafka.createTopic(TOPIC, 2);

      List<RecordMetadata> sent =
          kafka.sendAll(
              TOPIC,
              List.of(
                  new ProducerRecord<>(TOPIC, 0, bytes("k1"), bytes("v1")),
                  new ProducerRecord<>(TOPIC, 0, bytes("k2"), null)));
      RecordMetadata third = kafka.send(TOPIC, 1, bytes("k3"), big);

      assertThat(sent).extracting(RecordMetadata::partition).containsExactly(0, 0);
      assertThat(sent).extracting(RecordMetadata::offset).containsExactly(0L, 1L);
      assertThat(third.partition()).isEqualTo(1);
      assertThat(third.offset()).isEqualTo(0L);

      List<ConsumerRecord<byte[], byte[]>> read = readAll(kafka, 3);
      assertThat(read).hasSize(3);
      ConsumerRecord<byte[], byte[]> first = find(read, 0, 0);
      ConsumerRecord<byte[], byte[]> tombstone = find(read, 0, 1);
      ConsumerRecord<byte[], byte[]> large = find(read, 1, 0);
      assertThat(string(first.key())).isEqualTo("k1");
      assertThat(string(first.value())).isEqualTo("v1");
      assertThat(string(tombstone.key())).isEqualTo("k2");
      assertThat(tombstone.value()).isNull();
      assertThat(string(large.key())).isEqualTo("k3");
      assertThat(large.value()).isEqualTo(big);
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaServer kafka, int expected) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private static ConsumerRecord<byte[], byte[]> find(
      List<ConsumerRecord<byte[], byte[]>> records, int partition, long offset) {
    return records.stream()
        .filter(r -> r.partition() == partition && r.offset() == offset)
        .findFirst()
        .orElseThrow(() -> new AssertionError("No record at " + partition + "@" + offset));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String string(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }
}
