package io.tributary.source.kinesis;

import java.lang.reflect.Field;
import java.util.Map;
import org.apache.flink.streaming.connectors.kinesis.internals.KinesisDataFetcher;

/**
 * The connector's per-shard watermark bookkeeping in {@link KinesisDataFetcher}, which it keeps
 * private: whether a shard has a watermark yet, and marking a shard read to its end as inactive so
 * that it stops counting in the subtask's minimum. Used only when shards are never idle ({@link
 * ConsumerProperties#NEVER_IDLE}), where the connector itself would keep a finished shard's last
 * watermark in the minimum for ever. Checked against flink-connector-kinesis 4.3.0; a connector
 * without these fields fails the job at start rather than holding watermarks wrongly.
 */
final class ShardWatermarkStates {
  private static final String STATE = KinesisDataFetcher.class.getName() + "$ShardWatermarkState";

  private final Map<Integer, ?> states;
  private final Field lastUpdated;
  private final Field watermark;

  ShardWatermarkStates(KinesisDataFetcher<?> fetcher) {
    try {
      Field map = KinesisDataFetcher.class.getDeclaredField("shardWatermarks");
      map.setAccessible(true);
      this.states = (Map<Integer, ?>) map.get(fetcher);
      Class<?> state = Class.forName(STATE, false, KinesisDataFetcher.class.getClassLoader());
      this.lastUpdated = state.getDeclaredField("lastUpdated");
      this.lastUpdated.setAccessible(true);
      this.watermark = state.getDeclaredField("lastEmittedRecordWatermark");
      this.watermark.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "this flink-connector-kinesis keeps per-shard watermarks differently from 4.3.0: set"
              + " format.event-time.idleness above 0",
          e);
    }
  }

  /** True once the shard at {@code index} has emitted a record, and so has a watermark. */
  boolean hasWatermark(int index) {
    Object s = states.get(index);
    try {
      return s != null && watermark.get(s) != null;
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Makes the shard at {@code index} look quiet since the beginning of time: with any idle interval
   * it no longer counts in the minimum, unless it would move the watermark on.
   */
  void retire(int index) {
    Object s = states.get(index);
    if (s == null) {
      return;
    }
    try {
      lastUpdated.setLong(s, Long.MIN_VALUE);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
