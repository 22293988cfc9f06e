package io.tributary.source.kinesis;

import io.tributary.source.RecordDecoder;
import io.tributary.source.RecordSource;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Amazon Kinesis Data Streams, read with the connector's {@link FlinkKinesisConsumer}, emitting raw
 * records with stream, shard id and sequence number.
 *
 * <p><b>Why FlinkKinesisConsumer and not KinesisStreamsSource.</b> {@code
 * flink-connector-kinesis:4.3.0-1.19}, the only Kinesis connector served for Flink 1.19/1.20, holds
 * both. Its FLIP-27 {@code KinesisStreamsSource} was checked on Flink 1.20.3 and lacks three things
 * the suite needs: it reads by polling only (no enhanced fan-out), it hands each Kinesis record to
 * the deserializer as is (no KPL de-aggregation: an aggregated record would reach the decoder as
 * one protobuf blob and be dead-lettered), and it is unbounded only with no hook to stop a split.
 * The legacy {@link FlinkKinesisConsumer} does polling and enhanced fan-out, de-aggregates KPL
 * records (keeping the sub-sequence number in its checkpointed state, so a restart inside an
 * aggregate neither loses nor repeats a user record), follows splits and merges by discovering
 * child shards (reading them from their start, so nothing is lost), generates watermarks per shard
 * and has years of production use. Its costs: it is a {@code SourceFunction} (deprecated API, still
 * supported by Flink 1.20), it needs the JDK 17 module flags the suite already passes, and it is
 * unbounded only, so {@link TributaryKinesisConsumer} adds bounded reading (see there). Move to
 * {@code KinesisStreamsSource} 5.x once a Flink 1.20 build of it is available: it has EFO,
 * de-aggregation and parent-before-child shard ordering.
 */
public final class KinesisRecordSource implements RecordSource, Cloneable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(KinesisRecordSource.class);

  private final KinesisSettings settings;
  private final boolean bounded;
  private final String job;
  private int endAfterCheckpoints; // 0: end at once; set only on a copy
  private Duration shardIdleness = Duration.ZERO; // never idle; set only on a copy

  /**
   * The source for the checked {@code kinesis} group; {@code job} names the metric group, {@code
   * bounded} comes from {@code source.bounded}.
   */
  public KinesisRecordSource(KinesisSettings settings, String job, boolean bounded) {
    this.settings = settings;
    this.job = job;
    this.bounded = bounded;
  }

  /**
   * The consumer's configuration, for tests and logs: never holds credentials. A bounded run has
   * all its data, so no shard is ever idle: one merely read slower than the others must hold the
   * watermark back, as {@code JsonEvents} does for the other sources.
   */
  Properties consumerProperties() {
    return ConsumerProperties.of(settings, bounded ? Duration.ZERO : shardIdleness);
  }

  String stream() {
    return settings.stream();
  }

  @Override
  public <T> DataStream<T> addTo(
      StreamExecutionEnvironment env,
      RecordDecoder<T> decoder,
      WatermarkStrategy<T> watermarks,
      TypeInformation<T> type) {
    String stream = settings.stream();
    Map<String, String> bounds = null;
    if (bounded) {
      bounds = KinesisShardBounds.scan(consumerProperties(), stream, settings.start());
      LOG.info("Bounded Kinesis read of {}: ends at {}", stream, bounds);
    }
    TributaryKinesisConsumer<T> consumer =
        new TributaryKinesisConsumer<>(
            stream, new KinesisDecoding<>(decoder, type), consumerProperties(), bounds, job);
    if (endAfterCheckpoints > 0) {
      consumer.endAfterCheckpoints(endAfterCheckpoints);
    }
    consumer.setPeriodicWatermarkAssigner(new PerShardWatermarks<>(watermarks));
    var source = env.addSource(consumer, "kinesis: " + stream, type).uid(uid());
    if (bounded && endAfterCheckpoints > 0) {
      // See TributaryKinesisConsumer#endAfterCheckpoints: one subtask reads every shard.
      LOG.info("Bounded Kinesis read ending after checkpoints: source parallelism 1");
      source.setParallelism(1);
    }
    return source;
  }

  @Override
  public RecordSource endingAfterCheckpoints(int checkpoints) {
    KinesisRecordSource copy = copy();
    copy.endAfterCheckpoints = checkpoints;
    return copy;
  }

  /** The connector marks a shard idle itself: its own setting carries the watermark idleness. */
  @Override
  public RecordSource withShardIdleness(Duration idleness) {
    if (idleness.isZero()) {
      return this;
    }
    KinesisRecordSource copy = copy();
    copy.shardIdleness = idleness;
    return copy;
  }

  private KinesisRecordSource copy() {
    try {
      return (KinesisRecordSource) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public boolean bounded() {
    return bounded;
  }

  @Override
  public String describe() {
    return "kinesis["
        + settings.stream()
        + "] "
        + settings.reader()
        + " from "
        + settings.start()
        + settings.startTimestamp().map(ts -> " " + ts).orElse("")
        + (bounded ? ", bounded" : "");
  }
}
