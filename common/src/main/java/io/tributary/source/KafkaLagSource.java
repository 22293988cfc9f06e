package io.tributary.source;

import io.tributary.metrics.Metrics;
import java.util.List;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.metrics.MetricGroup;

/**
 * Flink's KafkaSource with its readers' lag published under the job's group: per partition ({@link
 * Metrics#SOURCE_PARTITION_RECORDS_LAG}), and per reader its sum ({@link
 * Metrics#SOURCE_RECORDS_LAG}) and maximum ({@link Metrics#SOURCE_RECORDS_LAG_MAX}).
 *
 * <p>The figures are the Kafka consumer's own per-partition {@code records-lag}, the ones the
 * connector sums into its {@code pendingRecords} gauge; they reach the reader through {@link
 * KafkaPartitionLag}, a consumer metrics reporter that the source's properties name (see {@link
 * #properties}).
 */
final class KafkaLagSource<T, S extends SourceSplit, E> extends ForwardingSource<T, S, E> {
  private static final long serialVersionUID = 1L;

  private final String job;
  private final String key;
  private final List<String> topics;

  /**
   * @param kafka a source built with {@link #properties}({@code key}, ...)
   */
  KafkaLagSource(Source<T, S, E> kafka, String job, String key, List<String> topics) {
    super(kafka);
    this.job = job;
    this.key = key;
    this.topics = topics;
  }

  /**
   * The consumer properties that route its lag to this source's readers: {@link KafkaPartitionLag}
   * added to any {@code metric.reporters} already set, and the source's key.
   */
  static void properties(java.util.Properties p, String key) {
    String reporters = p.getProperty("metric.reporters", "").trim();
    String ours = KafkaPartitionLag.class.getName();
    p.setProperty("metric.reporters", reporters.isEmpty() ? ours : reporters + "," + ours);
    p.setProperty(KafkaPartitionLag.KEY_PROPERTY, key);
  }

  @Override
  public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
    MetricGroup ours = Metrics.group(context.metricGroup(), job);
    KafkaPartitionLag.Lag lag = new KafkaPartitionLag.Lag(ours, topics);
    ours.gauge(Metrics.SOURCE_RECORDS_LAG, lag::sum);
    ours.gauge(Metrics.SOURCE_RECORDS_LAG_MAX, lag::max);
    KafkaPartitionLag.register(key, context.getIndexOfSubtask(), lag);
    return delegate.createReader(context);
  }
}
