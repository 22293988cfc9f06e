package io.tributary.bench;

import io.tributary.format.JsonEventDecoder;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.functions.sink.RichSinkFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/**
 * What the benchmarks share: timing one run with its CPU time, watching Flink's log for task
 * failures, finished splits and completed checkpoints, and the read-and-parse ceiling's decoder and
 * counting sink. Everything runs in one JVM (MiniCluster), so the statics below are seen by the
 * operators.
 */
final class BenchRuns {
  private BenchRuns() {}

  /** The ceiling's accumulator: rows that reached its sink. */
  static final String CEILING_ROWS = "benchCeilingRows";

  /** The ceiling's accumulator for dead letters (cdc ceiling: the decoder's side output). */
  static final String CEILING_DEAD_ROWS = "benchCeilingDeadRows";

  /** Records the ceiling's decoder rejected. */
  static final AtomicLong CEILING_DEAD = new AtomicLong();

  static final AtomicReference<String> CEILING_FIRST_DEAD = new AtomicReference<>();

  /** Decodes each Kafka record as the job's reader does, keeping only valid rows. */
  static final class DecodeOnly implements KafkaRecordDeserializationSchema<RowData> {
    private static final long serialVersionUID = 1L;

    private final JsonEventDecoder decoder;
    private final TypeInformation<RowData> type;
    private transient Consumer<DeadLetter> reject;

    DecodeOnly(JsonEventDecoder decoder, TypeInformation<RowData> type) {
      this.decoder = decoder;
      this.type = type;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
      decoder.open();
      reject =
          d -> {
            CEILING_DEAD.incrementAndGet();
            CEILING_FIRST_DEAD.compareAndSet(null, d.reason + ": " + d.errorMessage);
          };
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RowData> out) {
      RowData row = decoder.decode(RawRecord.fromKafka(r), System.currentTimeMillis(), reject);
      if (row != null) {
        out.collect(row);
      }
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
      return type;
    }
  }

  /** A discarding sink that counts what it discards in an accumulator. */
  static final class CountingDiscard<T> extends RichSinkFunction<T> {
    private static final long serialVersionUID = 1L;
    private final String accumulator;
    private transient LongCounter rows;

    CountingDiscard(String accumulator) {
      this.accumulator = accumulator;
    }

    @Override
    public void open(OpenContext context) {
      rows = new LongCounter();
      getRuntimeContext().addAccumulator(accumulator, rows);
    }

    @Override
    public void invoke(T value, Context context) {
      rows.add(1);
    }
  }

  // ---------------------------------------------------------------- measuring

  /** One run: its result, wall time, drain time, CPU and checkpoints. */
  static final class Timed<T> {
    T value;
    double seconds;
    double drainedSeconds = Double.NaN;
    int splitsFinished;
    int waitedForCheckpoints;
    double cpuSeconds;
    double brokerCpuSeconds;
    int failures;
    String failureText;
    List<Long> checkpointMillis = List.of();

    double rate(long events) {
      return events / seconds;
    }

    double cpuPerMillion(long events) {
      return cpuSeconds / (events / 1e6);
    }

    double brokerCpuPerMillion(long events) {
      return brokerCpuSeconds / (events / 1e6);
    }
  }

  static <T> Timed<T> measure(Probe probe, Callable<T> run) throws Exception {
    System.gc();
    probe.reset();
    CEILING_DEAD.set(0);
    CEILING_FIRST_DEAD.set(null);
    Timed<T> t = new Timed<>();
    long cpu = processCpuNanos();
    long broker = brokerCpuNanos();
    long t0 = System.nanoTime();
    t.value = run.call();
    long t1 = System.nanoTime();
    t.cpuSeconds = (processCpuNanos() - cpu) / 1e9;
    t.brokerCpuSeconds = (brokerCpuNanos() - broker) / 1e9;
    t.seconds = (t1 - t0) / 1e9;
    long drained = probe.lastSplitFinished.get();
    if (drained > t0) {
      t.drainedSeconds = (drained - t0) / 1e9;
    }
    t.splitsFinished = probe.splitsFinished.get();
    t.waitedForCheckpoints = probe.waitedForCheckpoints.get();
    t.failures = probe.failures.get();
    t.failureText = probe.describeFailures();
    t.checkpointMillis = probe.checkpoints();
    return t;
  }

  /** CPU time of this JVM, which runs the MiniCluster. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU time of this JVM's child processes: the Kafka broker KafkaServer started. */
  static long brokerCpuNanos() {
    return ProcessHandle.current()
        .children()
        .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
        .sum();
  }

  /**
   * Watches the log: task failures (Flink's Task logs each at WARN), readers that wait for
   * checkpoints after their last record (EndAfterCheckpoint, INFO), when source splits finish
   * reading (Flink's SourceReaderBase logs each at INFO, raised to INFO here for this JVM), and
   * completed checkpoints with their duration (CheckpointCoordinator, INFO: the same end-to-end
   * duration the REST API's checkpoint history shows).
   */
  static final class Probe extends AbstractAppender {
    static final String READER = "org.apache.flink.connector.base.source.reader.SourceReaderBase";
    static final String COORDINATOR = "org.apache.flink.runtime.checkpoint.CheckpointCoordinator";
    static final Pattern COMPLETED =
        Pattern.compile("Completed checkpoint \\d+ for job .*checkpointDuration=(\\d+) ms");

    final AtomicInteger failures = new AtomicInteger();
    final AtomicLong lastSplitFinished = new AtomicLong(Long.MIN_VALUE);
    final AtomicInteger splitsFinished = new AtomicInteger();

    /** Readers that, out of records, went on to wait for checkpoints (EndAfterCheckpoint). */
    final AtomicInteger waitedForCheckpoints = new AtomicInteger();

    private final List<Long> checkpointMillis = Collections.synchronizedList(new ArrayList<>());
    private volatile String firstFailure;
    private Level readerLevel;
    private Level coordinatorLevel;

    private Probe() {
      super("bench-probe", null, null, true, Property.EMPTY_ARRAY);
    }

    static Probe install() {
      Probe a = new Probe();
      a.start();
      LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
      a.readerLevel = ctx.getConfiguration().getLoggerConfig(READER).getLevel();
      a.coordinatorLevel = ctx.getConfiguration().getLoggerConfig(COORDINATOR).getLevel();
      Configurator.setLevel(READER, Level.INFO);
      Configurator.setLevel(COORDINATOR, Level.INFO);
      ctx.getConfiguration().addAppender(a);
      ctx.getConfiguration().getRootLogger().addAppender(a, Level.INFO, null);
      ctx.updateLoggers();
      return a;
    }

    void uninstall() {
      LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
      ctx.getConfiguration().getRootLogger().removeAppender(getName());
      Configurator.setLevel(READER, readerLevel);
      Configurator.setLevel(COORDINATOR, coordinatorLevel);
      ctx.updateLoggers();
      stop();
    }

    @Override
    public void append(LogEvent e) {
      String logger = e.getLoggerName();
      String m = e.getMessage().getFormattedMessage();
      if (logger.equals(READER) && m.startsWith("Finished reading split")) {
        lastSplitFinished.set(System.nanoTime());
        splitsFinished.incrementAndGet();
      } else if (logger.equals(COORDINATOR) && m.startsWith("Completed checkpoint")) {
        Matcher matcher = COMPLETED.matcher(m);
        if (matcher.find()) {
          checkpointMillis.add(Long.parseLong(matcher.group(1)));
        }
      } else if (logger.endsWith(".EndAfterCheckpoint") && m.startsWith("Source reader out of")) {
        waitedForCheckpoints.incrementAndGet();
      } else if (logger.endsWith(".Task") && m.contains("switched from RUNNING to FAILED")) {
        failures.incrementAndGet();
        if (firstFailure == null) {
          Throwable t = e.getThrown();
          firstFailure = t == null ? m : t.getClass().getSimpleName() + ": " + t.getMessage();
        }
      }
    }

    void reset() {
      failures.set(0);
      firstFailure = null;
      lastSplitFinished.set(Long.MIN_VALUE);
      splitsFinished.set(0);
      waitedForCheckpoints.set(0);
      checkpointMillis.clear();
    }

    List<Long> checkpoints() {
      synchronized (checkpointMillis) {
        return new ArrayList<>(checkpointMillis);
      }
    }

    String describeFailures() {
      return failures.get() == 0 ? "0" : failures.get() + " (first: " + firstFailure + ")";
    }
  }

  // ---------------------------------------------------------------- statistics

  static double median(List<? extends Number> values) {
    List<Double> sorted = sorted(values);
    int n = sorted.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static double min(List<? extends Number> values) {
    List<Double> s = sorted(values);
    return s.isEmpty() ? Double.NaN : s.get(0);
  }

  static double max(List<? extends Number> values) {
    List<Double> s = sorted(values);
    return s.isEmpty() ? Double.NaN : s.get(s.size() - 1);
  }

  private static List<Double> sorted(List<? extends Number> values) {
    List<Double> sorted = new ArrayList<>();
    for (Number v : values) {
      if (v != null && !Double.isNaN(v.doubleValue())) {
        sorted.add(v.doubleValue());
      }
    }
    sorted.sort(null);
    return sorted;
  }
}
