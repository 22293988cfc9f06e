package io.tributary.source.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.config.TributaryConfig;
import io.tributary.testing.Components;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.Shard;
import org.apache.flink.streaming.api.functions.source.SourceFunction;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.connectors.kinesis.config.ConsumerConfigConstants;
import org.apache.flink.streaming.connectors.kinesis.internals.KinesisDataFetcher;
import org.apache.flink.streaming.connectors.kinesis.model.KinesisStreamShardState;
import org.apache.flink.streaming.connectors.kinesis.model.SentinelSequenceNumber;
import org.apache.flink.streaming.connectors.kinesis.model.SequenceNumber;
import org.apache.flink.streaming.connectors.kinesis.model.StreamShardHandle;
import org.junit.jupiter.api.Test;

/**
 * Shard idleness on Kinesis: {@code format.event-time.idleness} 0 means never idle (the connector's
 * own 0 would let a lagging shard stop holding the watermark as soon as it has not sent since the
 * last one), and bounded runs never idle a shard. With shards never idle, a shard read to its end
 * stops holding the watermark once its children here have taken over.
 */
class ShardIdlenessTest {
  private static KinesisRecordSource source(boolean bounded, Duration idleness) {
    TributaryConfig c =
        Configs.of(
            "source.type",
            "kinesis",
            "source.bounded",
            Boolean.toString(bounded),
            "kinesis.stream",
            "orders",
            "kinesis.region",
            "us-east-1");
    return (KinesisRecordSource) Components.source(c, "aggregate").withShardIdleness(idleness);
  }

  private static String interval(KinesisRecordSource s) {
    return s.consumerProperties().getProperty(ConsumerConfigConstants.SHARD_IDLE_INTERVAL_MILLIS);
  }

  @Test
  void zeroIdlenessAndBoundedRunsMeanNeverIdle() {
    String never = Long.toString(Long.MAX_VALUE);
    assertThat(interval(source(false, Duration.ofSeconds(30)))).isEqualTo("30000");
    assertThat(interval(source(false, Duration.ZERO))).isEqualTo(never);
    assertThat(interval(source(true, Duration.ofSeconds(30)))).isEqualTo(never);
    assertThat(interval(source(true, Duration.ZERO))).isEqualTo(never);
    // the connector accepts it, and its idle cut-off (now minus the interval) does not overflow
    org.apache.flink.streaming.connectors.kinesis.util.KinesisConfigUtil
        .validateConsumerConfiguration(
            source(false, Duration.ZERO).consumerProperties(), List.of("orders"));
    assertThat(System.currentTimeMillis() - Long.MAX_VALUE).isNegative();
  }

  @Test
  void aFinishedShardRetiresOnceItsChildrenHereHaveSent() {
    // 0 split into 2 and 3; 1 merged with 3 into 4; 5 is open and unrelated
    List<KinesisStreamShardState> shards = new ArrayList<>();
    shards.add(shard("shardId-000000000000", null, null, true));
    shards.add(shard("shardId-000000000001", null, null, true));
    shards.add(shard("shardId-000000000002", "shardId-000000000000", null, false));
    shards.add(shard("shardId-000000000003", "shardId-000000000000", null, true));
    shards.add(
        shard("shardId-000000000004", "shardId-000000000001", "shardId-000000000003", false));
    shards.add(shard("shardId-000000000005", null, null, false));

    // No child has sent: 0 waits for 2 (3 ended), 1 and 3 wait for 4.
    assertThat(TributaryKinesisConsumer.retiring(shards, i -> false)).isEmpty();
    // 2 has sent: 0 retires.
    assertThat(TributaryKinesisConsumer.retiring(shards, Set.of(2)::contains)).containsExactly(0);
    // 4 has sent too: 1 and 3 retire.
    assertThat(TributaryKinesisConsumer.retiring(shards, Set.of(2, 4)::contains))
        .containsExactly(0, 1, 3);
    // A finished shard with no child on this subtask retires at once; open shards never do.
    assertThat(TributaryKinesisConsumer.retiring(shards.subList(0, 2), i -> false))
        .containsExactly(0, 1);
    assertThat(TributaryKinesisConsumer.retiring(shards.subList(5, 6), i -> true)).isEmpty();
  }

  @Test
  void theHoldingContextGoesIdleOnlyWithNoShardOpen() {
    List<String> calls = new ArrayList<>();
    TributaryKinesisConsumer.HoldingContext<String> c =
        new TributaryKinesisConsumer.HoldingContext<>(recording(calls));
    boolean[] open = {true};
    c.holdWhile(() -> open[0]);
    c.markAsTemporarilyIdle();
    c.collectWithTimestamp("a", 5L);
    c.emitWatermark(new Watermark(4L));
    assertThat(calls).containsExactly("a@5", "watermark 4");
    open[0] = false;
    c.markAsTemporarilyIdle();
    assertThat(calls).containsExactly("a@5", "watermark 4", "idle");
  }

  @Test
  void theConnectorStillKeepsPerShardWatermarksWhereShardWatermarkStatesReadsThem()
      throws Exception {
    // A connector upgrade that moves them must fail here rather than in a job.
    assertThat(KinesisDataFetcher.class.getDeclaredField("shardWatermarks").getType())
        .isEqualTo(java.util.concurrent.ConcurrentHashMap.class);
    Class<?> state = Class.forName(KinesisDataFetcher.class.getName() + "$ShardWatermarkState");
    assertThat(state.getDeclaredField("lastUpdated").getType()).isEqualTo(long.class);
    assertThat(state.getDeclaredField("lastEmittedRecordWatermark").getType())
        .isEqualTo(org.apache.flink.streaming.api.watermark.Watermark.class);
  }

  private static KinesisStreamShardState shard(
      String id, String parent, String adjacentParent, boolean finished) {
    Shard s =
        new Shard()
            .withShardId(id)
            .withParentShardId(parent)
            .withAdjacentParentShardId(adjacentParent);
    StreamShardHandle h = new StreamShardHandle("orders", s);
    SequenceNumber seq =
        finished
            ? SentinelSequenceNumber.SENTINEL_SHARD_ENDING_SEQUENCE_NUM.get()
            : new SequenceNumber("42");
    return new KinesisStreamShardState(KinesisDataFetcher.convertToStreamShardMetadata(h), h, seq);
  }

  /**
   * Once a bounded subtask has ended, the connector's watermark timer may still fire, and Flink's
   * closed context throws: nothing reaches it.
   */
  @Test
  void anEndedHoldingContextPassesNoWatermarkOrIdlenessOn() {
    List<String> calls = new ArrayList<>();
    TributaryKinesisConsumer.HoldingContext<String> c =
        new TributaryKinesisConsumer.HoldingContext<>(recording(calls));
    c.holdWhile(() -> false);
    c.emitWatermark(Watermark.MAX_WATERMARK);
    c.end();
    c.emitWatermark(new Watermark(7L));
    c.markAsTemporarilyIdle();
    assertThat(calls).containsExactly("watermark " + Long.MAX_VALUE);
  }

  private static SourceFunction.SourceContext<String> recording(List<String> calls) {
    Object lock = new Object();
    return new SourceFunction.SourceContext<>() {
      @Override
      public void collect(String element) {
        calls.add(element);
      }

      @Override
      public void collectWithTimestamp(String element, long timestamp) {
        calls.add(element + "@" + timestamp);
      }

      @Override
      public void emitWatermark(Watermark mark) {
        calls.add("watermark " + mark.getTimestamp());
      }

      @Override
      public void markAsTemporarilyIdle() {
        calls.add("idle");
      }

      @Override
      public Object getCheckpointLock() {
        return lock;
      }

      @Override
      public void close() {}
    };
  }
}
