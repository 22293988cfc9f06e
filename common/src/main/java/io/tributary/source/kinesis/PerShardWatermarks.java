package io.tributary.source.kinesis;

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.api.functions.AssignerWithPeriodicWatermarks;

/**
 * A job's {@link WatermarkStrategy} in the form the Kinesis consumer takes for per-shard
 * watermarks: it copies this assigner for every shard, asks it for each record's timestamp and the
 * shard's watermark, and emits the minimum over its shards that are not idle. Shard idleness is the
 * connector's own ({@code flink.shard.idle.interval}, set from {@code format.event-time.idleness}).
 */
final class PerShardWatermarks<T> implements AssignerWithPeriodicWatermarks<T> {
  private static final long serialVersionUID = 1L;

  private final WatermarkStrategy<T> strategy;
  private transient TimestampAssigner<T> timestamps;
  private transient WatermarkGenerator<T> generator;
  private transient long current;
  private transient WatermarkOutput output;

  PerShardWatermarks(WatermarkStrategy<T> strategy) {
    this.strategy = strategy;
  }

  private void init() {
    if (generator != null) {
      return;
    }
    MetricGroup metrics = new UnregisteredMetricsGroup();
    timestamps = strategy.createTimestampAssigner(() -> metrics);
    generator =
        strategy.createWatermarkGenerator(
            new WatermarkGeneratorSupplier.Context() {
              @Override
              public MetricGroup getMetricGroup() {
                return metrics;
              }

              @Override
              public org.apache.flink.util.clock.RelativeClock getInputActivityClock() {
                return org.apache.flink.util.clock.SystemClock.getInstance();
              }
            });
    current = Long.MIN_VALUE;
    output =
        new WatermarkOutput() {
          @Override
          public void emitWatermark(Watermark watermark) {
            current = Math.max(current, watermark.getTimestamp());
          }

          @Override
          public void markIdle() {}

          @Override
          public void markActive() {}
        };
  }

  @Override
  public long extractTimestamp(T element, long previousElementTimestamp) {
    init();
    // The connector passes the shard's previous timestamp; the job's assigner expects the
    // record's own (its Kinesis arrival time), as with FLIP-27 sources.
    long ts = timestamps.extractTimestamp(element, KinesisDecoding.lastArrival());
    generator.onEvent(element, ts, output);
    return ts;
  }

  @Override
  public org.apache.flink.streaming.api.watermark.Watermark getCurrentWatermark() {
    init();
    generator.onPeriodicEmit(output);
    return new org.apache.flink.streaming.api.watermark.Watermark(current);
  }
}
