package io.tributary.source;

import io.tributary.metrics.Metrics;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.MetricGroup;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * A Kafka {@link MetricsReporter} that hands each partition's {@code records-lag} (the consumer's
 * own figure: the partition's high watermark minus its position, after each fetch) to the Flink
 * source reader that owns the consumer, which publishes it under the job's group as {@link
 * Metrics#SOURCE_PARTITION_RECORDS_LAG} with {@code Topic} and {@code Partition} sub-groups.
 *
 * <p>Why a reporter: the connector reads the same per-partition metric but keeps it private (it
 * only publishes the sum, outside {@code kinesisanalytics}). The consumer instantiates its
 * reporters by class name, so the reader and its consumer meet in {@link #READERS}: the reader
 * registers under the source's key (a property set when the job is built, so unique per source) and
 * its subtask index; the consumer's client id is the connector's {@code
 * <client.id.prefix>-<subtask>}. Other clients built from the same properties (the enumerator's
 * admin client) find no reader and report nothing.
 */
public final class KafkaPartitionLag implements MetricsReporter {
  /** Consumer property naming the source whose readers receive the lag. */
  static final String KEY_PROPERTY = "tributary.partition-lag.key";

  private static final String RECORDS_LAG = "records-lag";

  /**
   * Readers by source key and subtask. Weak: a reader's gauges hold its {@link Lag}, so the entry
   * lives as long as the reader's metric group does, without a close hook.
   */
  private static final Map<String, WeakReference<Lag>> READERS = new ConcurrentHashMap<>();

  private volatile Lag lag;

  /** What this consumer handed over: a closed consumer's figures are withdrawn. */
  private final Set<KafkaMetric> handed = ConcurrentHashMap.newKeySet();

  /** Kafka's constructor. */
  public KafkaPartitionLag() {}

  /** Registers a reader's lag for the consumer its subtask is about to create. */
  static void register(String key, int subtask, Lag lag) {
    READERS.values().removeIf(r -> r.get() == null);
    READERS.put(key + "/" + subtask, new WeakReference<>(lag));
  }

  @Override
  public void configure(Map<String, ?> configs) {
    Object key = configs.get(KEY_PROPERTY);
    Object clientId = configs.get(CommonClientConfigs.CLIENT_ID_CONFIG);
    if (key == null || clientId == null) {
      return;
    }
    String id = clientId.toString();
    String subtask = id.substring(id.lastIndexOf('-') + 1);
    if (subtask.isEmpty() || !subtask.chars().allMatch(Character::isDigit)) {
      return; // not a reader's consumer
    }
    WeakReference<Lag> ref = READERS.get(key + "/" + subtask);
    lag = ref == null ? null : ref.get();
  }

  @Override
  public void init(List<KafkaMetric> metrics) {
    metrics.forEach(this::metricChange);
  }

  @Override
  public void metricChange(KafkaMetric metric) {
    Lag l = lag;
    if (l != null && isPartitionLag(metric)) {
      l.put(metric);
      handed.add(metric);
    }
  }

  @Override
  public void metricRemoval(KafkaMetric metric) {
    Lag l = lag;
    if (l != null && isPartitionLag(metric)) {
      l.remove(metric);
      handed.remove(metric);
    }
  }

  @Override
  public void close() {
    // The connector may create another consumer for the reader (a new split fetcher); until it
    // fetches, the closed one's last figures would be stale.
    Lag l = lag;
    if (l != null) {
      handed.forEach(l::remove);
    }
    handed.clear();
    lag = null;
  }

  private static boolean isPartitionLag(KafkaMetric m) {
    return RECORDS_LAG.equals(m.metricName().name())
        && m.metricName().tags().containsKey("partition")
        && m.metricName().tags().containsKey("topic");
  }

  /** One reader's partitions: their last lag, each published once it is first known. */
  static final class Lag {
    private final MetricGroup group;
    private final List<String> topics;
    private final Map<String, KafkaMetric> current = new ConcurrentHashMap<>();
    private final Set<String> published = ConcurrentHashMap.newKeySet();

    /**
     * @param group the job's group under the reader's
     * @param topics the source's topics: Kafka's metric tags carry a topic's name with '.' as '_'
     */
    Lag(MetricGroup group, List<String> topics) {
      this.group = group;
      this.topics = topics;
    }

    void put(KafkaMetric m) {
      String topic = topic(m.metricName().tags().get("topic"));
      String partition = m.metricName().tags().get("partition");
      String key = topic + "/" + partition;
      current.put(key, m);
      if (published.add(key)) {
        group
            .addGroup(Metrics.TOPIC_KEY, topic)
            .addGroup(Metrics.PARTITION_KEY, partition)
            .gauge(Metrics.SOURCE_PARTITION_RECORDS_LAG, () -> value(current.get(key)));
      }
    }

    void remove(KafkaMetric m) {
      current.remove(
          topic(m.metricName().tags().get("topic")) + "/" + m.metricName().tags().get("partition"),
          m);
    }

    /** Records behind, summed over the reader's partitions; -1 until one is known. */
    long sum() {
      long sum = -1;
      for (KafkaMetric m : current.values()) {
        long v = value(m);
        if (v >= 0) {
          sum = Math.max(sum, 0) + v;
        }
      }
      return sum;
    }

    /** The largest of the reader's partitions' lags; -1 until one is known. */
    long max() {
      long max = -1;
      for (KafkaMetric m : current.values()) {
        max = Math.max(max, value(m));
      }
      return max;
    }

    private String topic(String tag) {
      for (String t : topics) {
        if (t.replace('.', '_').equals(tag)) {
          return t;
        }
      }
      return tag;
    }

    /** -1 when unknown: no fetch yet (Kafka's NaN), or the partition is no longer assigned. */
    private static long value(KafkaMetric m) {
      Object v = m == null ? null : m.metricValue();
      if (v instanceof Number) {
        double d = ((Number) v).doubleValue();
        if (!Double.isNaN(d) && !Double.isInfinite(d) && d >= 0) {
          return (long) d;
        }
      }
      return -1;
    }
  }
}
