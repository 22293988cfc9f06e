package io.tributary.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tributary.source.RawRecord;
import io.tributary.source.RecordDecoder;
import io.tributary.source.RecordRefetch;
import io.tributary.source.RecordSource;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkOutputMultiplexer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;
import org.apache.flink.streaming.api.watermark.Watermark;

/**
 * A {@link RecordSource} for job tests that plays a script instead of reading a broker: records of
 * one Kafka-like topic (partition numbers, offsets counted per partition), watermarks where the
 * script puts them, and pauses the test ends. A test says "these events, then the watermark, then
 * these late events" and gets exactly that, without a broker and without waiting for Flink's
 * periodic watermark timer.
 *
 * <p>Flink's legacy {@link RichSourceFunction} plays it: it can emit a watermark between two given
 * records, which a FLIP-27 reader cannot (its watermarks come from the periodic timer). The job's
 * own {@link WatermarkStrategy} still assigns the timestamps and, one generator per partition as
 * Kafka's source keeps them, computes the watermarks {@link #watermark()} emits; Flink's {@link
 * WatermarkOutputMultiplexer} combines the partitions (the slowest one, unless idle) as the Kafka
 * source does. Only the script emits watermarks: nothing periodic moves them in between.
 *
 * <p>Unbounded ({@link #unbounded}): after its script the source stays open, like a quiet topic,
 * until the job is cancelled; the job judges lateness by the watermark, as on Kafka. Bounded
 * ({@link #bounded}): it ends after its script, once {@link #endingAfterCheckpoints} completed
 * checkpoints cover its last record. Runs in one subtask, so the order is the script's.
 *
 * <p>Pauses and counters live in this JVM (the MiniCluster's), keyed by the source's id. A job
 * copies its source when it is built ({@link #endingAfterCheckpoints}): script first, then build.
 */
public final class ScriptedSource implements RecordSource {
  private static final long serialVersionUID = 1L;

  private static final Map<String, Semaphore> RESUMES = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> PAUSES_REACHED = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> EMITTED = new ConcurrentHashMap<>();

  private final String id;
  private final String topic;
  private final int partitions;
  private final boolean bounded;
  private final List<Step> steps = new ArrayList<>();
  private final long[] nextOffsets;
  private int endAfterCheckpoints;

  private ScriptedSource(String id, String topic, int partitions, boolean bounded) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1: " + partitions);
    }
    this.id = id;
    this.topic = topic;
    this.partitions = partitions;
    this.bounded = bounded;
    this.nextOffsets = new long[partitions];
  }

  /** A topic of {@code partitions} partitions that stays open after the script. */
  public static ScriptedSource unbounded(String topic, int partitions) {
    return new ScriptedSource(UUID.randomUUID().toString(), topic, partitions, false);
  }

  /** A topic of {@code partitions} partitions that ends after the script. */
  public static ScriptedSource bounded(String topic, int partitions) {
    return new ScriptedSource(UUID.randomUUID().toString(), topic, partitions, true);
  }

  /** The next record of {@code partition}: its offset is that partition's next one, from 0. */
  public ScriptedSource record(int partition, String value) {
    return record(partition, value.getBytes(UTF_8));
  }

  /** As {@link #record(int, String)}, with raw bytes (null: a tombstone). */
  public ScriptedSource record(int partition, byte[] value) {
    if (partition < 0 || partition >= partitions) {
      throw new IllegalArgumentException(
          "partition " + partition + " is not one of the " + partitions + " partitions");
    }
    steps.add(Step.record(partition, nextOffsets[partition]++, value));
    return this;
  }

  /**
   * The watermark the job's strategy holds now, emitted as its periodic emit would: each
   * partition's generator, combined over the partitions. It only moves forward.
   */
  public ScriptedSource watermark() {
    steps.add(Step.of(Step.Kind.GENERATED_WATERMARK, 0));
    return this;
  }

  /** Exactly this watermark, whatever the records say. */
  public ScriptedSource watermark(Instant time) {
    steps.add(Step.of(Step.Kind.WATERMARK, time.toEpochMilli()));
    return this;
  }

  /** Stops the script here until the test calls {@link #resume}. */
  public ScriptedSource pause() {
    steps.add(Step.of(Step.Kind.PAUSE, 0));
    return this;
  }

  /** Lets the script go on past its next pause (or its current one). */
  public void resume() {
    RESUMES.computeIfAbsent(id, k -> new Semaphore(0)).release();
  }

  /** How many pauses the running script has reached. */
  public int pausesReached() {
    return PAUSES_REACHED.computeIfAbsent(id, k -> new AtomicInteger()).get();
  }

  /** How many records the running script has emitted. */
  public int recordsEmitted() {
    return EMITTED.computeIfAbsent(id, k -> new AtomicInteger()).get();
  }

  /** How many records the script holds. */
  public int records() {
    return (int) steps.stream().filter(s -> s.kind == Step.Kind.RECORD).count();
  }

  @Override
  @SuppressWarnings("deprecation") // addSource: the legacy source can place watermarks itself
  public <T> DataStream<T> addTo(
      StreamExecutionEnvironment env,
      RecordDecoder<T> decoder,
      WatermarkStrategy<T> watermarks,
      TypeInformation<T> type) {
    int checkpoints = env.getCheckpointConfig().isCheckpointingEnabled() ? endAfterCheckpoints : 0;
    return env.addSource(
            new Player<>(id, topic, partitions, bounded, checkpoints, steps, decoder, watermarks),
            "scripted: " + topic,
            type)
        .uid(uid());
  }

  /** A copy with the script so far; it shares this source's pauses and counters. */
  @Override
  public RecordSource endingAfterCheckpoints(int checkpoints) {
    ScriptedSource copy = new ScriptedSource(id, topic, partitions, bounded);
    copy.steps.addAll(steps);
    System.arraycopy(nextOffsets, 0, copy.nextOffsets, 0, partitions);
    copy.endAfterCheckpoints = checkpoints;
    return copy;
  }

  /** Reads the script's records again by partition and offset, as Kafka's refetch would. */
  @Override
  public RecordRefetch refetch() {
    List<Step> records = new ArrayList<>();
    for (Step step : steps) {
      if (step.kind == Step.Kind.RECORD) {
        records.add(step);
      }
    }
    return new ScriptRefetch(topic, records);
  }

  private static final class ScriptRefetch implements RecordRefetch {
    private static final long serialVersionUID = 1L;
    private final String topic;
    private final List<Step> records;

    ScriptRefetch(String topic, List<Step> records) {
      this.topic = topic;
      this.records = records;
    }

    @Override
    public RawRecord read(String stream, String partition, String position) {
      for (Step r : records) {
        if (stream.equals(topic)
            && Integer.toString(r.partition).equals(partition)
            && Long.toString(r.offsetOrTime).equals(position)) {
          return new RawRecord("kafka", topic, partition, position, -1L, null, r.value);
        }
      }
      return null;
    }

    @Override
    public void close() {}
  }

  @Override
  public boolean bounded() {
    return bounded;
  }

  @Override
  public String describe() {
    return "scripted[" + topic + "] " + steps.size() + " steps" + (bounded ? ", bounded" : "");
  }

  /** One step of a script. */
  static final class Step implements Serializable {
    private static final long serialVersionUID = 1L;

    enum Kind {
      RECORD,
      GENERATED_WATERMARK,
      WATERMARK,
      PAUSE
    }

    final Kind kind;
    final int partition;
    final long offsetOrTime;
    final byte[] value;

    private Step(Kind kind, int partition, long offsetOrTime, byte[] value) {
      this.kind = kind;
      this.partition = partition;
      this.offsetOrTime = offsetOrTime;
      this.value = value;
    }

    static Step record(int partition, long offset, byte[] value) {
      return new Step(Kind.RECORD, partition, offset, value);
    }

    static Step of(Kind kind, long time) {
      return new Step(kind, -1, time, null);
    }
  }

  /** Plays the script in the source task. */
  @SuppressWarnings("deprecation") // RichSourceFunction: see the class comment
  static final class Player<T> extends RichSourceFunction<T>
      implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;

    private final String id;
    private final String topic;
    private final int partitions;
    private final boolean bounded;
    private final int endAfterCheckpoints;
    private final List<Step> steps;
    private final RecordDecoder<T> decoder;
    private final WatermarkStrategy<T> strategy;

    private transient ListState<Integer> position;
    private transient int next;
    private transient volatile boolean running;
    private transient Object progress;
    // checkpoints taken after the last step; those that complete let a bounded run end
    private transient Set<Long> covering;
    private transient int covered;

    Player(
        String id,
        String topic,
        int partitions,
        boolean bounded,
        int endAfterCheckpoints,
        List<Step> steps,
        RecordDecoder<T> decoder,
        WatermarkStrategy<T> strategy) {
      this.id = id;
      this.topic = topic;
      this.partitions = partitions;
      this.bounded = bounded;
      this.endAfterCheckpoints = endAfterCheckpoints;
      this.steps = Collections.unmodifiableList(new ArrayList<>(steps));
      this.decoder = decoder;
      this.strategy = strategy;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      position =
          context
              .getOperatorStateStore()
              .getListState(new ListStateDescriptor<>("script-position", Types.INT));
      for (Integer p : position.get()) {
        next = p;
      }
      progress = new Object();
      covering = new HashSet<>();
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      position.update(List.of(next));
      if (next == steps.size()) {
        covering.add(context.getCheckpointId());
      }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      synchronized (progress) {
        if (covering.remove(checkpointId)) {
          covered++;
          progress.notifyAll();
        }
      }
    }

    @Override
    public void run(SourceContext<T> ctx) throws Exception {
      running = true;
      decoder.open();
      MetricGroup metrics = getRuntimeContext().getMetricGroup();
      TimestampAssigner<T> timestamps =
          strategy.createTimestampAssigner((TimestampAssignerSupplier.Context) () -> metrics);
      WatermarkOutputMultiplexer combined = new WatermarkOutputMultiplexer(new ToContext(ctx));
      Map<Integer, WatermarkGenerator<T>> generators = new LinkedHashMap<>();
      for (int p = 0; p < partitions; p++) {
        combined.registerNewOutput(Integer.toString(p), watermark -> {});
        generators.put(
            p,
            strategy.createWatermarkGenerator((WatermarkGeneratorSupplier.Context) () -> metrics));
      }
      AtomicInteger emitted = EMITTED.computeIfAbsent(id, k -> new AtomicInteger());
      while (running && next < steps.size()) {
        Step step = steps.get(next);
        if (step.kind == Step.Kind.PAUSE) {
          PAUSES_REACHED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
          Semaphore resumes = RESUMES.computeIfAbsent(id, k -> new Semaphore(0));
          while (running && !resumes.tryAcquire(50, TimeUnit.MILLISECONDS)) {
            // until the test resumes the script or the job is cancelled
          }
        }
        synchronized (ctx.getCheckpointLock()) {
          switch (step.kind) {
            case RECORD:
              RawRecord raw =
                  new RawRecord(
                      "kafka",
                      topic,
                      Integer.toString(step.partition),
                      Long.toString(step.offsetOrTime),
                      -1L,
                      null,
                      step.value);
              T event = decoder.decode(raw);
              long time = timestamps.extractTimestamp(event, raw.sourceTimestamp);
              ctx.collectWithTimestamp(event, time);
              generators
                  .get(step.partition)
                  .onEvent(
                      event, time, combined.getDeferredOutput(Integer.toString(step.partition)));
              emitted.incrementAndGet();
              break;
            case GENERATED_WATERMARK:
              generators.forEach(
                  (p, g) -> g.onPeriodicEmit(combined.getDeferredOutput(Integer.toString(p))));
              combined.onPeriodicEmit();
              break;
            case WATERMARK:
              ctx.emitWatermark(new Watermark(step.offsetOrTime));
              break;
            case PAUSE:
            default:
              break;
          }
          next++;
        }
      }
      synchronized (progress) {
        while (running && (!bounded || covered < endAfterCheckpoints)) {
          progress.wait(50);
        }
      }
    }

    @Override
    public void cancel() {
      running = false;
    }
  }

  /** Watermarks of Flink's generators, emitted through the legacy source's context. */
  @SuppressWarnings("deprecation")
  private static final class ToContext implements WatermarkOutput {
    private final RichSourceFunction.SourceContext<?> ctx;

    ToContext(RichSourceFunction.SourceContext<?> ctx) {
      this.ctx = ctx;
    }

    @Override
    public void emitWatermark(org.apache.flink.api.common.eventtime.Watermark watermark) {
      ctx.emitWatermark(new Watermark(watermark.getTimestamp()));
    }

    @Override
    public void markIdle() {
      ctx.markAsTemporarilyIdle();
    }

    @Override
    public void markActive() {
      // the next record marks the source active again
    }
  }
}
