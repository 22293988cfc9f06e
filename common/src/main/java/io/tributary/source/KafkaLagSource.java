package io.tributary.source;

import io.tributary.runtime.Metrics;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;

/**
 * Flink's KafkaSource with its readers' lag also published under the job's group: {@link
 * Metrics#SOURCE_RECORDS_LAG} and {@link Metrics#SOURCE_RECORDS_LAG_MAX}.
 *
 * <p>The connector measures lag already, but only where MSF does not export it: the reader's {@code
 * pendingRecords} gauge (the sum over its partitions of the consumer's per-partition {@code
 * records-lag}, the partition's high watermark minus the consumer's position at its last fetch),
 * and the consumer's own metrics, among them {@code records-lag-max} (the largest per-partition lag
 * of the fetches in the consumer's metrics window, {@code metrics.sample.window.ms} x {@code
 * metrics.num.samples}, 60 s by default). The reader's metric group is handed to the connector
 * through a proxy that keeps both gauges as they are registered and publishes them again.
 */
final class KafkaLagSource<T, S extends SourceSplit, E> extends ForwardingSource<T, S, E> {
  private static final long serialVersionUID = 1L;
  static final String CONSUMER_LAG_MAX = "records-lag-max";

  private final String job;

  KafkaLagSource(Source<T, S, E> kafka, String job) {
    super(kafka);
    this.job = job;
  }

  @Override
  public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
    Lag lag = new Lag();
    MetricGroup ours = Metrics.group(context.metricGroup(), job);
    ours.gauge(Metrics.SOURCE_RECORDS_LAG, lag::pending);
    ours.gauge(Metrics.SOURCE_RECORDS_LAG_MAX, lag::max);
    SourceReaderMetricGroup watched =
        proxy(SourceReaderMetricGroup.class, context.metricGroup(), lag);
    SourceReaderContext wrapped =
        (SourceReaderContext)
            Proxy.newProxyInstance(
                SourceReaderContext.class.getClassLoader(),
                new Class<?>[] {SourceReaderContext.class},
                (p, m, a) ->
                    m.getName().equals("metricGroup") && m.getParameterCount() == 0
                        ? watched
                        : call(m, context, a));
    return delegate.createReader(wrapped);
  }

  /** The two gauges the connector registers; null until it does. */
  static final class Lag {
    volatile Gauge<Long> pendingRecords;
    volatile Gauge<?> consumerLagMax;

    /** Records behind, summed over the reader's partitions; -1 until known. */
    long pending() {
      Gauge<Long> g = pendingRecords;
      Long v = g == null ? null : g.getValue();
      return v == null ? -1 : v;
    }

    /**
     * Largest per-partition lag: 0 when no partition is behind (exact, from the sum); else the
     * consumer's windowed maximum; else, with no fetch in its window, the sum (an upper bound).
     */
    long max() {
      long sum = pending();
      if (sum <= 0) {
        return sum;
      }
      Gauge<?> g = consumerLagMax;
      Object v = g == null ? null : g.getValue();
      if (v instanceof Number) {
        double d = ((Number) v).doubleValue();
        if (!Double.isNaN(d) && !Double.isInfinite(d) && d >= 0) {
          return (long) d;
        }
      }
      return sum;
    }
  }

  @SuppressWarnings("unchecked")
  private static <G extends MetricGroup> G proxy(Class<G> type, G group, Lag lag) {
    InvocationHandler h =
        (p, m, a) -> {
          Object result = call(m, group, a);
          switch (m.getName()) {
            case "setPendingRecordsGauge":
              lag.pendingRecords = (Gauge<Long>) a[0];
              break;
            case "gauge":
              if (a.length == 2 && CONSUMER_LAG_MAX.equals(a[0]) && a[1] instanceof Gauge) {
                lag.consumerLagMax = (Gauge<?>) a[1];
              }
              break;
            case "addGroup":
              // the consumer's metrics are two groups down: KafkaSourceReader.KafkaConsumer
              return result instanceof MetricGroup
                  ? proxy(MetricGroup.class, (MetricGroup) result, lag)
                  : result;
            default:
              break;
          }
          return result;
        };
    return (G) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
  }

  private static Object call(Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
