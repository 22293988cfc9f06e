package io.tributary.source.kinesis;

import io.tributary.metrics.Metrics;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.clientlibrary.types.UserRecord;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.functions.source.SourceFunction;
import org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer;
import org.apache.flink.streaming.connectors.kinesis.config.ConsumerConfigConstants;
import org.apache.flink.streaming.connectors.kinesis.internals.KinesisDataFetcher;
import org.apache.flink.streaming.connectors.kinesis.internals.ShardConsumer;
import org.apache.flink.streaming.connectors.kinesis.internals.publisher.RecordPublisher;
import org.apache.flink.streaming.connectors.kinesis.metrics.ShardConsumerMetricsReporter;
import org.apache.flink.streaming.connectors.kinesis.model.KinesisStreamShardState;
import org.apache.flink.streaming.connectors.kinesis.model.SentinelSequenceNumber;
import org.apache.flink.streaming.connectors.kinesis.model.SequenceNumber;
import org.apache.flink.streaming.connectors.kinesis.model.StreamShardHandle;
import org.apache.flink.streaming.connectors.kinesis.serialization.KinesisDeserializationSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's {@link FlinkKinesisConsumer} (polling or enhanced fan-out, KPL de-aggregation,
 * per-shard state and watermarks) with two additions: bounded reading, and KPL sub-sequence numbers
 * in each record's position.
 *
 * <p><b>Bounded mode.</b> When the job starts, {@link KinesisShardBounds} lists the stream's shards
 * and notes, for each open shard, the sequence number of its last record (read from the shard's
 * tail, so nothing is written to the stream). Each shard reader then stops after the record with
 * that sequence number (with every user record of a KPL aggregate at it), marks the shard finished
 * in its checkpointed state, and the subtask ends once all its shards are finished. Shards closed
 * before the start (earlier splits and merges) end at their natural end. Shards created after the
 * start (a split while the bounded job runs) are not read: their records arrived after the start;
 * the parent's records up to the bound are still read from the parent. A shard empty at the start,
 * or a start of {@code latest}, has nothing to read and ends at once. A restart from a checkpoint
 * keeps the bounds of the first start (they are part of the job graph).
 *
 * <p>Limits of bounded mode: the connector keeps shard positions in union list state, and Flink
 * cannot checkpoint such an operator while some of its subtasks have finished and others not, so
 * between the first and the last source subtask ending, checkpoints are declined (the run stays
 * exactly-once; a failure then replays from the last checkpoint). With enhanced fan-out, a subtask
 * that ends does not deregister the stream consumer (others may still read through it): it stays
 * registered after a bounded run, and the next run with the same name reuses it.
 */
final class TributaryKinesisConsumer<T> extends FlinkKinesisConsumer<T>
    implements CheckpointListener {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TributaryKinesisConsumer.class);

  /** Shard id to the sequence number to stop after, or a marker; null when unbounded. */
  private final TreeMap<String, String> bounds;

  private int endAfterCheckpoints; // 0: end at once

  private final String job; // names the metric group

  private transient volatile Fetcher<T> fetcher;

  TributaryKinesisConsumer(
      String stream,
      KinesisDecoding<T> deserializer,
      Properties config,
      Map<String, String> bounds,
      String job) {
    super(stream, deserializer, config);
    this.bounds = bounds == null ? null : new TreeMap<>(bounds);
    this.job = job;
  }

  /**
   * In bounded mode, end only after {@code checkpoints} more checkpoints complete once every shard
   * is read (see {@link io.tributary.source.EndAfterCheckpoint}). The connector keeps its shard
   * positions in union list state, and Flink cannot checkpoint such an operator once some of its
   * subtasks have finished and others not: so this is for a source of parallelism 1, which reads
   * every shard.
   */
  void endAfterCheckpoints(int checkpoints) {
    this.endAfterCheckpoints = checkpoints;
  }

  @Override
  protected KinesisDataFetcher<T> createFetcher(
      List<String> streams,
      SourceFunction.SourceContext<T> sourceContext,
      RuntimeContext runtimeContext,
      Properties configProps,
      KinesisDeserializationSchema<T> deserializationSchema) {
    boolean neverIdle =
        Long.toString(ConsumerProperties.NEVER_IDLE)
            .equals(configProps.getProperty(ConsumerConfigConstants.SHARD_IDLE_INTERVAL_MILLIS));
    HoldingContext<T> context = neverIdle ? new HoldingContext<>(sourceContext) : null;
    fetcher =
        new Fetcher<>(
            streams,
            context != null ? context : sourceContext,
            runtimeContext,
            configProps,
            deserializationSchema,
            getShardAssigner(),
            getPeriodicWatermarkAssigner(),
            getWatermarkTracker(),
            bounds,
            endAfterCheckpoints,
            Metrics.group(runtimeContext, job),
            neverIdle);
    if (context != null) {
      context.holdWhile(fetcher::hasOpenShard);
    }
    // The largest millisBehindLatest of this subtask's shards, as each shard's last GetRecords (or
    // fan-out event) reported it; the connector publishes it per shard only, outside our group.
    Fetcher<T> f = fetcher;
    f.metrics.gauge(Metrics.SOURCE_MILLIS_BEHIND_LATEST_MAX, f::millisBehindLatestMax);
    return fetcher;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    super.snapshotState(context);
    Fetcher<T> f = fetcher;
    if (f != null) {
      f.checkpointTaken(context.getCheckpointId());
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    Fetcher<T> f = fetcher;
    if (f != null) {
      f.checkpointCompleted(checkpointId);
    }
  }

  private static boolean finished(KinesisStreamShardState s) {
    return SentinelSequenceNumber.SENTINEL_SHARD_ENDING_SEQUENCE_NUM
        .get()
        .equals(s.getLastProcessedSequenceNum());
  }

  /**
   * The indexes of this subtask's shards that are read to their end and no longer hold the
   * watermark: those whose children on this subtask (after a split or merge) have each sent a
   * record or ended too. A child not on this subtask, or not discovered yet, cannot be waited for:
   * its parent retires at once (see docs/sources.md).
   */
  static List<Integer> retiring(List<KinesisStreamShardState> shards, IntPredicate hasWatermark) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      if (!finished(shards.get(i))) {
        continue;
      }
      String id = shards.get(i).getStreamShardHandle().getShard().getShardId();
      boolean replaced = true;
      for (int j = 0; j < shards.size() && replaced; j++) {
        var child = shards.get(j).getStreamShardHandle().getShard();
        boolean isChild =
            id.equals(child.getParentShardId()) || id.equals(child.getAdjacentParentShardId());
        replaced = !isChild || hasWatermark.test(j) || finished(shards.get(j));
      }
      if (replaced) {
        out.add(i);
      }
    }
    return out;
  }

  /**
   * The source context, kept from going idle while the subtask has a shard still open: with shards
   * never idle, an open shard that has not sent yet must hold the watermark, as an empty Kafka
   * partition does; the connector would mark the subtask idle as soon as no shard has a watermark.
   * A subtask with no shard, or with every shard read to its end, still goes idle.
   */
  static final class HoldingContext<T> implements SourceFunction.SourceContext<T> {
    private final SourceFunction.SourceContext<T> delegate;
    private volatile BooleanSupplier hasOpenShard = () -> false;
    private volatile boolean ended;

    HoldingContext(SourceFunction.SourceContext<T> delegate) {
      this.delegate = delegate;
    }

    void holdWhile(BooleanSupplier hasOpenShard) {
      this.hasOpenShard = hasOpenShard;
    }

    /**
     * The subtask has sent its last record and the end of event time, and its reading stops. The
     * connector's periodic watermark timer can still fire after Flink has closed the context, whose
     * closed state throws: that failed the task, and the bounded job restarted from its last
     * checkpoint just as it was ending. Called under the checkpoint lock, which the timer also
     * holds, so no watermark or idleness is half-way through when it takes effect.
     */
    void end() {
      ended = true;
    }

    @Override
    public void collect(T element) {
      delegate.collect(element);
    }

    @Override
    public void collectWithTimestamp(T element, long timestamp) {
      delegate.collectWithTimestamp(element, timestamp);
    }

    @Override
    public void emitWatermark(org.apache.flink.streaming.api.watermark.Watermark mark) {
      if (!ended) {
        delegate.emitWatermark(mark);
      }
    }

    @Override
    public void markAsTemporarilyIdle() {
      if (!ended && !hasOpenShard.getAsBoolean()) {
        delegate.markAsTemporarilyIdle();
      }
    }

    @Override
    public Object getCheckpointLock() {
      return delegate.getCheckpointLock();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** Markers in {@link #bounds}. */
  static final String READ_TO_END = "end";

  static final String NOTHING_TO_READ = "none";

  /** The connector's fetcher, stopping each shard at its bound in bounded mode. */
  static final class Fetcher<T> extends KinesisDataFetcher<T> {
    private final Map<String, String> bounds;
    private final Object lock;
    private final SourceFunction.SourceContext<T> context;
    private final AtomicBoolean endOfEventTime = new AtomicBoolean();
    private final int endAfterCheckpoints;
    private final AtomicBoolean finishing = new AtomicBoolean();
    private volatile boolean fetching;
    private volatile boolean allRead;
    private volatile boolean stopping;
    private volatile long firstCheckpointAfterRead = -1;
    private final CountDownLatch covered;
    private final Map<String, ShardConsumerMetricsReporter> shardMetrics =
        new java.util.concurrent.ConcurrentHashMap<>();
    final MetricGroup metrics; // the job's group
    private final ShardWatermarkStates watermarkStates; // null unless shards are never idle

    Fetcher(
        List<String> streams,
        SourceFunction.SourceContext<T> sourceContext,
        RuntimeContext runtimeContext,
        Properties configProps,
        KinesisDeserializationSchema<T> deserializationSchema,
        org.apache.flink.streaming.connectors.kinesis.KinesisShardAssigner shardAssigner,
        org.apache.flink.streaming.api.functions.AssignerWithPeriodicWatermarks<T> watermarks,
        org.apache.flink.streaming.connectors.kinesis.util.WatermarkTracker watermarkTracker,
        Map<String, String> bounds,
        int endAfterCheckpoints,
        MetricGroup metrics,
        boolean neverIdle) {
      super(
          streams,
          sourceContext,
          runtimeContext,
          configProps,
          deserializationSchema,
          shardAssigner,
          watermarks,
          watermarkTracker);
      this.bounds = bounds;
      this.endAfterCheckpoints = endAfterCheckpoints;
      this.covered = new CountDownLatch(endAfterCheckpoints);
      this.lock = sourceContext.getCheckpointLock();
      this.context = sourceContext;
      this.metrics = metrics;
      this.watermarkStates = neverIdle ? new ShardWatermarkStates(this) : null;
    }

    /**
     * With shards never idle, a shard read to its end stops holding the watermark once the shards
     * that replace it here have taken over (see {@link #retiring}); the connector would keep its
     * last watermark in the minimum for ever.
     */
    @Override
    protected void emitWatermark() {
      if (watermarkStates != null) {
        List<Integer> retiring;
        synchronized (lock) {
          retiring = retiring(getSubscribedShardsState(), watermarkStates::hasWatermark);
        }
        retiring.forEach(watermarkStates::retire);
      }
      super.emitWatermark();
    }

    /** True while this subtask has a shard it has not read to its end. */
    boolean hasOpenShard() {
      synchronized (lock) {
        return getSubscribedShardsState().stream().anyMatch(s -> !finished(s));
      }
    }

    /** -1 until a shard has reported. */
    long millisBehindLatestMax() {
      long max = -1;
      for (ShardConsumerMetricsReporter r : shardMetrics.values()) {
        max = Math.max(max, r.getMillisBehindLatest());
      }
      return max;
    }

    void checkpointTaken(long checkpointId) {
      if (allRead && firstCheckpointAfterRead < 0) {
        firstCheckpointAfterRead = checkpointId;
      }
    }

    void checkpointCompleted(long checkpointId) {
      long first = firstCheckpointAfterRead;
      if (first >= 0 && checkpointId >= first) {
        covered.countDown();
      }
    }

    @Override
    protected ShardConsumer<T> createShardConsumer(
        Integer shardStateIndex,
        StreamShardHandle shard,
        SequenceNumber lastSequenceNum,
        MetricGroup metricGroup,
        KinesisDeserializationSchema<T> shardDeserializer)
        throws InterruptedException {
      String shardId = shard.getShard().getShardId();
      RecordPublisher publisher =
          new ShardPublisher(
              createRecordPublisher(
                  lastSequenceNum, getConsumerConfiguration(), metricGroup, shard),
              lastSequenceNum,
              bounds == null ? null : bounds.getOrDefault(shardId, NOTHING_TO_READ),
              (KinesisDecoding<?>) shardDeserializer,
              shardId);
      ShardConsumerMetricsReporter shardReporter = new ShardConsumerMetricsReporter(metricGroup);
      if (shardMetrics.put(shardId, shardReporter) == null) {
        // the connector's per-shard gauge lives outside our group; read through the map, so a
        // shard consumer created again for the shard is the one reported
        metrics
            .addGroup(Metrics.SHARD_KEY, shardId)
            .gauge(
                Metrics.SOURCE_SHARD_MILLIS_BEHIND_LATEST,
                () -> shardMetrics.get(shardId).getMillisBehindLatest());
      }
      return new ShardConsumer<T>(
          this,
          publisher,
          shardStateIndex,
          shard,
          lastSequenceNum,
          shardReporter,
          shardDeserializer) {
        @Override
        public void run() {
          try {
            super.run();
          } finally {
            if (endAfterCheckpoints == 0) {
              endIfAllShardsFinished();
            }
          }
        }
      };
    }

    @Override
    public List<StreamShardHandle> discoverNewShardsToSubscribe() throws InterruptedException {
      if (bounds == null) {
        return super.discoverNewShardsToSubscribe();
      }
      if (fetching) {
        // Called from the fetcher's loop: every shard this subtask reads is registered by now.
        endIfAllShardsFinished();
        if (finishing.get()) {
          return new ArrayList<>();
        }
      }
      fetching = true;
      List<StreamShardHandle> shards = super.discoverNewShardsToSubscribe();
      // Shards created after the start hold only records that arrived after it.
      shards.removeIf(s -> !bounds.containsKey(s.getShard().getShardId()));
      return shards;
    }

    @Override
    public void shutdownFetcher() {
      stopping = true;
      while (covered.getCount() > 0) {
        covered.countDown(); // a cancel must not wait for checkpoints
      }
      super.shutdownFetcher();
    }

    private void endIfAllShardsFinished() {
      if (bounds == null || !fetching || finishing.get()) {
        return;
      }
      boolean done;
      synchronized (lock) {
        done = getSubscribedShardsState().stream().allMatch(TributaryKinesisConsumer::finished);
      }
      if (!done) {
        return;
      }
      if (endOfEventTime.compareAndSet(false, true)) {
        // The end of this subtask's event time, now. Flink's own, when the source function
        // returns, goes out only if the source is active, and the connector has marked it idle
        // (every shard ended): windows still open would never fire. Sent before the checkpoint
        // that ends the run, their results are in it, not left for the end-of-input commit.
        synchronized (lock) {
          context.emitWatermark(org.apache.flink.streaming.api.watermark.Watermark.MAX_WATERMARK);
        }
      }
      if (endAfterCheckpoints > 0) {
        // On the fetcher's own loop thread: records are all emitted, checkpoints go on.
        allRead = true;
        LOG.info(
            "Every shard is read up to its bound: ending after {} more checkpoint(s)",
            endAfterCheckpoints);
        try {
          while (!covered.await(200, TimeUnit.MILLISECONDS)) {
            if (stopping) {
              return;
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (stopping) {
          return; // cancelled while waiting
        }
      }
      if (finishing.compareAndSet(false, true)) {
        LOG.info("Every shard of this subtask is read up to its bound: ending");
        if (context instanceof HoldingContext) { // always, in a bounded run
          synchronized (lock) {
            ((HoldingContext<T>) context).end();
          }
        }
        shutdownFetcher();
      }
    }

    @Override
    protected void deregisterStreamConsumer() {
      // An ending bounded subtask must not deregister the fan-out consumer that other subtasks
      // still read with; on cancellation the connector deregisters it as usual.
      if (!finishing.get()) {
        super.deregisterStreamConsumer();
      }
    }
  }

  /**
   * Wraps a shard's record publisher: in bounded mode stops after the bound, and tells the shard's
   * decoder the sub-sequence number of each KPL user record it is about to decode.
   */
  static final class ShardPublisher implements RecordPublisher {
    private final RecordPublisher delegate;
    private final BigInteger bound;
    private final boolean nothingToRead;
    private final KinesisDecoding<?> decoding;
    private final String shardId;

    /** What the shard consumer has processed: it skips user records of an aggregate up to it. */
    private SequenceNumber last;

    ShardPublisher(
        RecordPublisher delegate,
        SequenceNumber start,
        String bound,
        KinesisDecoding<?> decoding,
        String shardId) {
      this.delegate = delegate;
      this.last = start;
      this.nothingToRead = NOTHING_TO_READ.equals(bound);
      this.bound =
          bound == null || READ_TO_END.equals(bound) || nothingToRead
              ? null
              : new BigInteger(bound);
      this.decoding = decoding;
      this.shardId = shardId;
    }

    @Override
    public RecordPublisherRunResult run(RecordBatchConsumer consumer) throws InterruptedException {
      if (nothingToRead || pastBound(last)) {
        LOG.info("Shard {}: nothing left before its bound", shardId);
        return RecordPublisherRunResult.COMPLETE;
      }
      try {
        return delegate.run(
            batch -> {
              List<UserRecord> records = batch.getDeaggregatedRecords();
              boolean reached = false;
              if (bound != null) {
                for (Iterator<UserRecord> it = records.iterator(); it.hasNext(); ) {
                  int c = new BigInteger(it.next().getSequenceNumber()).compareTo(bound);
                  reached |= c >= 0;
                  if (c > 0) {
                    it.remove();
                  }
                }
              }
              decoding.expect(subSequenceNumbers(records));
              SequenceNumber next;
              try {
                next = consumer.accept(batch);
              } finally {
                decoding.expect(null);
              }
              last = next;
              if (reached) {
                throw new BoundReached();
              }
              return next;
            });
      } catch (BoundReached e) {
        LOG.info("Shard {}: read up to its bound {}", shardId, bound);
        return RecordPublisherRunResult.COMPLETE;
      }
    }

    private boolean pastBound(SequenceNumber s) {
      if (bound == null || SentinelSequenceNumber.isSentinelSequenceNumber(s)) {
        return false;
      }
      int c = new BigInteger(s.getSequenceNumber()).compareTo(bound);
      return c > 0 || (c == 0 && !s.isAggregated());
    }

    /** The records the shard consumer will decode, in order (it skips those already processed). */
    private List<String> subSequenceNumbers(List<UserRecord> records) {
      List<String> out = new ArrayList<>(records.size());
      for (UserRecord r : records) {
        boolean processed =
            last.isAggregated()
                && r.getSequenceNumber().equals(last.getSequenceNumber())
                && r.getSubSequenceNumber() <= last.getSubSequenceNumber();
        if (!processed) {
          out.add(
              r.isAggregated()
                  ? r.getSequenceNumber() + ":" + r.getSubSequenceNumber()
                  : r.getSequenceNumber());
        }
      }
      return out;
    }
  }

  /** Thrown out of a batch to stop a shard at its bound (also ends an EFO subscription). */
  private static final class BoundReached extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BoundReached() {
      super(null, null, false, false);
    }
  }
}
