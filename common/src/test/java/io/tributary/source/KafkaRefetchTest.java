package io.tributary.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.testing.KafkaExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link KafkaRefetch} against a real broker: the record at an offset, or null when it is gone. */
@Timeout(120)
class KafkaRefetchTest {
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private static final String TOPIC = "refetch";

  private KafkaRefetch refetch(String bootstrap, Duration timeout) {
    // a client setting passes; the source's own keys (not consumer settings) are left out
    return new KafkaRefetch(
        bootstrap,
        Map.of("client.id", "refetch-test", "commit.offsets.on.checkpoint", "true"),
        timeout);
  }

  @Test
  void readsTheRecordAtItsOffsetWithKeyAndTimestamp() throws Exception {
    kafka.createTopic(TOPIC, 2);
    List<RecordMetadata> sent =
        kafka.sendAll(
            TOPIC,
            List.of(
                new ProducerRecord<>(TOPIC, 1, 1_000L, bytes("k0"), bytes("{\"n\":0}")),
                new ProducerRecord<>(TOPIC, 1, 2_000L, bytes("k1"), bytes("{\"n\": 1.50}")),
                new ProducerRecord<>(TOPIC, 1, 3_000L, null, bytes("{\"n\":2}"))));
    assertThat(sent).extracting(RecordMetadata::offset).containsExactly(0L, 1L, 2L);
    try (KafkaRefetch r = refetch(kafka.bootstrapServers(), Duration.ofSeconds(30))) {
      RawRecord one = r.read(TOPIC, "1", "1");
      assertThat(one.sourceType).isEqualTo("kafka");
      assertThat(one.stream).isEqualTo(TOPIC);
      assertThat(one.partition).isEqualTo("1");
      assertThat(one.position).isEqualTo("1");
      assertThat(one.sourceTimestamp).isEqualTo(2_000L);
      assertThat(new String(one.key, UTF_8)).isEqualTo("k1");
      assertThat(new String(one.value, UTF_8)).isEqualTo("{\"n\": 1.50}");
      // the same consumer reads another partition's and an earlier offset next
      RawRecord first = r.read(TOPIC, "1", "0");
      assertThat(new String(first.value, UTF_8)).isEqualTo("{\"n\":0}");
      assertThat(r.read(TOPIC, "1", "2").key).isNull();
      // never written: at or past the end, or in the empty partition
      assertThat(r.read(TOPIC, "1", "3")).isNull();
      assertThat(r.read(TOPIC, "0", "0")).isNull();
    }
  }

  @Test
  void aRecordPastRetentionIsGone() throws Exception {
    String topic = TOPIC + "-deleted";
    kafka.createTopic(topic, 1);
    for (int i = 0; i < 3; i++) {
      kafka.send(topic, 0, null, bytes("v" + i));
    }
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin
          .deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(2)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
    try (KafkaRefetch r = refetch(kafka.bootstrapServers(), Duration.ofSeconds(30))) {
      assertThat(r.read(topic, "0", "1")).isNull();
      assertThat(new String(r.read(topic, "0", "2").value, UTF_8)).isEqualTo("v2");
    }
  }

  @Test
  void anUnreachableBrokerFailsTheReadWithinItsTimeLimit() {
    try (KafkaRefetch r = refetch("127.0.0.1:1", Duration.ofSeconds(3))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> r.read(TOPIC, "0", "0"))
          .isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
      // the next read, within the time limit, fails at once, naming the first failure
      long again = System.nanoTime();
      assertThatThrownBy(() -> r.read(TOPIC, "0", "1"))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("not tried: a read failed less than PT3S ago")
          .hasMessageContaining("TimeoutException");
      assertThat(Duration.ofNanos(System.nanoTime() - again)).isLessThan(Duration.ofSeconds(1));
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }
}
