package io.tributary.source;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads a Kafka record by topic, partition and offset with a consumer of its own: the job's
 * client settings (security included), no group, no commits. The consumer is made on first use, so
 * a job that never needs a record again never connects.
 */
final class KafkaRefetch implements RecordRefetch {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRefetch.class);

  private final String bootstrapServers;
  private final Map<String, String> properties;
  private final Duration timeout;
  private transient KafkaConsumer<byte[], byte[]> consumer;
  private transient String failed; // the last read's failure, while it holds
  private transient long failedUntil;

  /**
   * @param properties the source's client properties; only consumer settings are used
   * @param timeout how long one read may take, retries included
   */
  KafkaRefetch(String bootstrapServers, Map<String, String> properties, Duration timeout) {
    this.bootstrapServers = bootstrapServers;
    this.properties = properties;
    this.timeout = timeout;
  }

  @Override
  public RawRecord read(String topic, String partition, String position) throws Exception {
    if (failed != null && System.nanoTime() - failedUntil < 0) {
      throw new java.io.IOException(
          "not tried: a read failed less than " + timeout + " ago (" + failed + ")");
    }
    try {
      RawRecord r = readRetrying(topic, partition, position);
      failed = null;
      return r;
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      // The caller blocks while it reads (the window operator): a burst of too-late events while
      // the broker is away then waits out one time limit, not one each.
      failed = e.toString();
      failedUntil = System.nanoTime() + timeout.toNanos();
      throw e;
    }
  }

  private RawRecord readRetrying(String topic, String partition, String position)
      throws InterruptedException {
    TopicPartition tp = new TopicPartition(topic, Integer.parseInt(partition));
    long offset = Long.parseLong(position);
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoff = 100;
    while (true) {
      try {
        return readOnce(tp, offset, deadline);
      } catch (org.apache.kafka.common.errors.RetriableException e) {
        long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
        if (left <= 0) {
          throw e;
        }
        LOG.warn("Re-reading {} offset {} failed, retrying in {} ms: {}", tp, offset, backoff, e);
        Thread.sleep(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  private RawRecord readOnce(TopicPartition tp, long offset, long deadline) {
    KafkaConsumer<byte[], byte[]> c = consumer();
    List<TopicPartition> one = List.of(tp);
    c.assign(one);
    Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    long first = c.beginningOffsets(one, left).get(tp);
    long end = c.endOffsets(one, left).get(tp);
    if (offset < first || offset >= end) {
      return null; // past retention, or never written (the broker's log was truncated)
    }
    c.seek(tp, offset);
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)).records(tp)) {
        // A compacted log, or a transaction's marker, may have no record at the offset itself.
        return r.offset() == offset ? RawRecord.fromKafka(r) : null;
      }
    }
    throw new org.apache.kafka.common.errors.TimeoutException(
        "no record of " + tp + " from offset " + offset + " within " + timeout);
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    if (consumer == null) {
      Properties p =
          KafkaRecordSource.clientProperties(
              bootstrapServers, properties, ConsumerConfig.configNames());
      p.remove(ConsumerConfig.GROUP_ID_CONFIG);
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
      p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-refetch");
      consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
    return consumer;
  }

  @Override
  public void close() {
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(5));
      consumer = null;
    }
  }
}
