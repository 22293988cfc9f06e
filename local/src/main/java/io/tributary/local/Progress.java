package io.tributary.local;

import io.tributary.metrics.Metrics;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * The local runner's progress line, read from the embedded Flink's own metrics: {@link Reporter} is
 * a Flink metric reporter the runner adds to the job's configuration, which keeps the metrics the
 * line needs as Flink registers them (in this JVM). Metrics of a finished task keep their last
 * value.
 */
final class Progress {
  /** The name the reporter is configured under: {@code metrics.reporter.<NAME>.factory.class}. */
  static final String NAME = "tributary-progress";

  private static volatile Progress current;

  private final String deadLetterTable;
  private final List<Counter> in = new CopyOnWriteArrayList<>();
  private final List<Counter> committedRows = new CopyOnWriteArrayList<>();
  private final List<Counter> committedDeadLetters = new CopyOnWriteArrayList<>();
  private final List<Gauge<?>> recordsLag = new CopyOnWriteArrayList<>();
  private final List<Gauge<?>> millisBehind = new CopyOnWriteArrayList<>();
  private volatile Gauge<?> lastCheckpointId;
  private final long startedAt = System.nanoTime();
  private long lastIn;
  private long lastAt = startedAt;

  /**
   * @param deadLetterTable the dead-letter table as the metrics name it, {@code db.table}
   */
  Progress(String deadLetterTable) {
    this.deadLetterTable = deadLetterTable;
  }

  /** The flink configuration arguments that attach the reporter; {@code this} receives. */
  List<String> arguments() {
    current = this;
    return List.of(
        "--job.flink.metrics.reporter." + NAME + ".factory.class=" + Factory.class.getName());
  }

  long eventsRead() {
    return sum(in);
  }

  long rowsCommitted() {
    return sum(committedRows);
  }

  long deadLettersCommitted() {
    return sum(committedDeadLetters);
  }

  /** Records behind on Kafka, ms behind on Kinesis; empty for datagen. */
  String lag() {
    if (!recordsLag.isEmpty()) {
      return max(recordsLag) < 0 ? "?" : sumOf(recordsLag) + " records";
    }
    if (!millisBehind.isEmpty()) {
      long ms = max(millisBehind);
      return ms < 0 ? "?" : ms + " ms";
    }
    return "-";
  }

  String lastCheckpoint() {
    Gauge<?> g = lastCheckpointId;
    Object v = g == null ? null : g.getValue();
    return v instanceof Number && ((Number) v).longValue() >= 0 ? "#" + v : "none";
  }

  /** One line of figures; {@code events/s} since the previous line (since the start, first). */
  synchronized String line() {
    long now = System.nanoTime();
    long read = eventsRead();
    double seconds = Math.max((now - lastAt) / 1e9, 0.001);
    long rate = Math.round((read - lastIn) / seconds);
    lastIn = read;
    lastAt = now;
    return String.format(
        "progress: events read %d | rows committed %d | dead letters %d | lag %s"
            + " | last checkpoint %s | %d events/s",
        read, rowsCommitted(), deadLettersCommitted(), lag(), lastCheckpoint(), rate);
  }

  /**
   * Prints a line every {@code period} ms until stopped, in place on a terminal ({@code \r}), one
   * per period on a pipe; {@link Printer#stop} prints the final figures on their own line.
   */
  Printer start(PrintStream out, boolean terminal, long periodMillis) {
    Printer p = new Printer(out, terminal, periodMillis);
    p.thread.start();
    return p;
  }

  final class Printer {
    private final PrintStream out;
    private final boolean terminal;
    private final long period;
    private final Thread thread;
    private volatile boolean stopped;
    private int width;

    Printer(PrintStream out, boolean terminal, long period) {
      this.out = out;
      this.terminal = terminal;
      this.period = period;
      this.thread = new Thread(this::loop, "tributary-progress");
      this.thread.setDaemon(true);
    }

    private void loop() {
      while (!stopped) {
        try {
          Thread.sleep(period);
        } catch (InterruptedException e) {
          return;
        }
        if (!stopped) {
          print(line(), false);
        }
      }
    }

    private synchronized void print(String line, boolean last) {
      if (terminal) {
        // pad over the longer line before it; the final figures end the line
        String padded = line + " ".repeat(Math.max(0, width - line.length()));
        width = line.length();
        out.print("\r" + padded + (last ? System.lineSeparator() : ""));
      } else {
        out.println(line);
      }
      out.flush();
    }

    /** Stops and prints the final figures, which the summary's match. */
    void stop() throws InterruptedException {
      stopped = true;
      thread.interrupt();
      thread.join(5_000);
      print(line(), true);
    }
  }

  private static long sum(List<Counter> counters) {
    long n = 0;
    for (Counter c : counters) {
      n += c.getCount();
    }
    return n;
  }

  private static long sumOf(List<Gauge<?>> gauges) {
    long n = 0;
    for (Gauge<?> g : gauges) {
      n += Math.max(0, value(g));
    }
    return n;
  }

  private static long max(List<Gauge<?>> gauges) {
    long m = -1;
    for (Gauge<?> g : gauges) {
      m = Math.max(m, value(g));
    }
    return m;
  }

  private static long value(Gauge<?> g) {
    Object v = g.getValue();
    return v instanceof Number ? ((Number) v).longValue() : -1;
  }

  private void added(Metric metric, String name, MetricGroup group) {
    Map<String, String> vars = group.getAllVariables();
    String table = vars.get("<" + Metrics.TABLE_KEY + ">");
    if (vars.containsKey("<" + Metrics.JOB_KEY + ">")) {
      if (name.equals(Metrics.RECORDS_IN) && metric instanceof Counter) {
        in.add((Counter) metric);
      } else if (name.equals(Metrics.COMMITTED_RECORDS) && metric instanceof Counter) {
        (deadLetterTable.equals(table) ? committedDeadLetters : committedRows)
            .add((Counter) metric);
      } else if (name.equals(Metrics.SOURCE_RECORDS_LAG) && metric instanceof Gauge) {
        recordsLag.add((Gauge<?>) metric);
      } else if (name.equals(Metrics.SOURCE_MILLIS_BEHIND_LATEST_MAX) && metric instanceof Gauge) {
        millisBehind.add((Gauge<?>) metric);
      }
    } else if (name.equals("lastCompletedCheckpointId") && metric instanceof Gauge) {
      lastCheckpointId = (Gauge<?>) metric; // the JobManager's, per job
    }
  }

  /** Hands Flink's metrics to the {@link Progress} of this JVM's run. */
  public static final class Reporter implements MetricReporter {
    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
      Progress p = current;
      if (p != null) {
        p.added(metric, name, group);
      }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
      // kept: a finished task's counters hold its final figures
    }
  }

  /**
   * Built by Flink from {@code metrics.reporter.<NAME>.factory.class}; Flink finds factories with
   * the service loader (META-INF/services), then picks the configured one.
   */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
      return new Reporter();
    }
  }
}
