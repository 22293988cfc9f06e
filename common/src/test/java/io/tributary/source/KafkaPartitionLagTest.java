package io.tributary.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.metrics.Metrics;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;

/**
 * The hand-over of {@link KafkaPartitionLag} with Kafka's own metrics registry (the consumer's, as
 * a real consumer drives it: OperationsMetricsTest does that against a broker): which client's
 * figures reach which reader, under which names, and what a reader shows once its consumer is gone.
 */
class KafkaPartitionLagTest {
  /** A metric group that keeps its gauges by their key/value path: "Topic=t/Partition=0/name". */
  static final class Gauges extends UnregisteredMetricsGroup {
    final Map<String, Gauge<?>> all;
    final String path;

    Gauges() {
      this(new TreeMap<>(), "");
    }

    private Gauges(Map<String, Gauge<?>> all, String path) {
      this.all = all;
      this.path = path;
    }

    @Override
    public MetricGroup addGroup(String key, String value) {
      return new Gauges(all, path + key + "=" + value + "/");
    }

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
      all.put(path + name, gauge);
      return gauge;
    }

    long value(String name) {
      return ((Number) all.get(name).getValue()).longValue();
    }
  }

  /** A consumer's metrics registry with the reporter, configured as Kafka configures it. */
  private static org.apache.kafka.common.metrics.Metrics consumer(String key, String clientId) {
    KafkaPartitionLag reporter = new KafkaPartitionLag();
    reporter.configure(Map.of(KafkaPartitionLag.KEY_PROPERTY, key, "client.id", clientId));
    return new org.apache.kafka.common.metrics.Metrics(
        new MetricConfig(), List.of(reporter), Time.SYSTEM);
  }

  /** The sensor Kafka's fetcher keeps per partition, with its records-lag metric. */
  private static Sensor partitionLag(
      org.apache.kafka.common.metrics.Metrics m, String topicTag, int partition) {
    Sensor s = m.sensor(topicTag + "." + partition + ".records-lag");
    s.add(
        m.metricName(
            "records-lag",
            "consumer-fetch-manager-metrics",
            Map.of("client-id", "c", "topic", topicTag, "partition", String.valueOf(partition))),
        new Value());
    return s;
  }

  private static final String LAG = Metrics.SOURCE_PARTITION_RECORDS_LAG;

  @Test
  void eachPartitionsLagReachesTheReaderOfItsSubtaskUnderItsTopicsRealName() {
    Gauges reader0 = new Gauges();
    Gauges reader1 = new Gauges();
    KafkaPartitionLag.Lag lag0 = new KafkaPartitionLag.Lag(reader0, List.of("web.clicks"));
    KafkaPartitionLag.Lag lag1 = new KafkaPartitionLag.Lag(reader1, List.of("web.clicks"));
    KafkaPartitionLag.register("k1", 0, lag0);
    KafkaPartitionLag.register("k1", 1, lag1);

    try (org.apache.kafka.common.metrics.Metrics c1 = consumer("k1", "ingest-source-1")) {
      // Kafka's tag writes the topic's '.' as '_': the gauge carries the configured name
      Sensor p0 = partitionLag(c1, "web_clicks", 0);
      Sensor p2 = partitionLag(c1, "web_clicks", 2);
      assertThat(reader1.all)
          .containsOnlyKeys(
              "Topic=web.clicks/Partition=0/" + LAG, "Topic=web.clicks/Partition=2/" + LAG);
      assertThat(reader0.all).isEmpty();
      p0.record(120);
      p2.record(30);
      assertThat(reader1.value("Topic=web.clicks/Partition=0/" + LAG)).isEqualTo(120);
      assertThat(reader1.value("Topic=web.clicks/Partition=2/" + LAG)).isEqualTo(30);
      assertThat(lag1.sum()).isEqualTo(150);
      assertThat(lag1.max()).isEqualTo(120);
      p0.record(0);
      assertThat(lag1.max()).isEqualTo(30);

      // unassigned: Kafka removes the sensor, the gauge stays and says it does not know
      c1.removeSensor(p2.name());
      assertThat(reader1.value("Topic=web.clicks/Partition=2/" + LAG)).isEqualTo(-1);
      assertThat(lag1.sum()).isZero();
    }
    // the consumer closed: its figures are withdrawn, not left standing
    assertThat(reader1.value("Topic=web.clicks/Partition=0/" + LAG)).isEqualTo(-1);
    assertThat(lag1.max()).isEqualTo(-1);
  }

  @Test
  void otherClientsOfTheSourceAndOtherSourcesHandNothing() {
    Gauges reader = new Gauges();
    KafkaPartitionLag.register("k2", 0, new KafkaPartitionLag.Lag(reader, List.of("t")));
    for (String[] client :
        new String[][] {
          {"k2", "ingest-enumerator-admin-client"}, // the enumerator's admin client
          {"k2", "ingest-7"}, // a subtask with no reader here
          {"another-source", "ingest-0"},
        }) {
      try (org.apache.kafka.common.metrics.Metrics c = consumer(client[0], client[1])) {
        partitionLag(c, "t", 0).record(5);
      }
    }
    assertThat(reader.all).isEmpty();
  }

  @Test
  void propertiesAddTheReporterToThoseAlreadyNamed() {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("metric.reporters", "com.example.Jmx");
    KafkaLagSource.properties(p, "k3");
    assertThat(p.getProperty("metric.reporters"))
        .isEqualTo("com.example.Jmx," + KafkaPartitionLag.class.getName());
    assertThat(p.getProperty(KafkaPartitionLag.KEY_PROPERTY)).isEqualTo("k3");
    java.util.Properties empty = new java.util.Properties();
    KafkaLagSource.properties(empty, "k4");
    assertThat(empty.getProperty("metric.reporters")).isEqualTo(KafkaPartitionLag.class.getName());
  }
}
