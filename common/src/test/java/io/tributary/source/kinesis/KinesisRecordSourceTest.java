package io.tributary.source.kinesis;

import static io.tributary.testing.KinesisStreams.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.config.TributaryConfig;
import io.tributary.source.RecordSource;
import io.tributary.testing.Components;
import io.tributary.testing.KinesisExtension;
import io.tributary.testing.KinesisStreams;
import io.tributary.testing.KinesisStreams.Put;
import io.tributary.testing.RawAsText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Shard;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.kinesis.config.ConsumerConfigConstants;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The kinesis option group's validation, and the source read bounded from a real server. */
@Timeout(180)
class KinesisRecordSourceTest {
  @RegisterExtension static final KinesisExtension kinesis = new KinesisExtension();

  private static KinesisRecordSource source(String... pairs) {
    List<String> all = new ArrayList<>(List.of("source.type", "kinesis"));
    all.addAll(Arrays.asList(pairs));
    TributaryConfig c = Configs.of(all.toArray(new String[0]));
    return (KinesisRecordSource) Components.source(c, "ingest");
  }

  @Test
  void badSettingsNameTheKeyAndTheFix() {
    assertThatThrownBy(() -> source("kinesis.region", "us-east-1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing required key 'stream' in property group 'kinesis'");
    assertThatThrownBy(() -> source("kinesis.stream", "orders"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'region' in property group 'kinesis'")
        .hasMessageContaining("Set kinesis.region")
        .hasMessageContaining("or give kinesis.stream as an ARN");
    assertThatThrownBy(() -> source("kinesis.stream", "arn:aws:s3:::bucket"))
        .hasMessageContaining("bad value for 'stream' in property group 'kinesis'")
        .hasMessageContaining("arn:aws:kinesis:REGION:ACCOUNT:stream/NAME");
    assertThatThrownBy(() -> source("kinesis.stream", "has space", "kinesis.region", "us-east-1"))
        .hasMessageContaining("is not a stream name");
    assertThatThrownBy(
            () ->
                source(
                    "kinesis.stream",
                    "arn:aws:kinesis:eu-west-1:123456789012:stream/orders",
                    "kinesis.region",
                    "us-east-1"))
        .hasMessageContaining("'region'")
        .hasMessageContaining("differs from the region of the stream ARN (eu-west-1)");
    String[] base = {"kinesis.stream", "orders", "kinesis.region", "us-east-1"};
    assertThatThrownBy(() -> source(concat(base, "kinesis.start", "at-timestamp")))
        .hasMessageContaining("'start' in property group 'kinesis'")
        .hasMessageContaining("Set kinesis.start.timestamp to epoch milliseconds");
    assertThatThrownBy(() -> source(concat(base, "kinesis.start.timestamp", "1700000000000")))
        .hasMessageContaining("'start.timestamp'")
        .hasMessageContaining("only used with start = at-timestamp");
    assertThatThrownBy(() -> source(concat(base, "kinesis.start", "earliest")))
        .hasMessageContaining("bad value for 'start' in property group 'kinesis': 'earliest'")
        .hasMessageContaining("one of trim-horizon, latest, at-timestamp");
    assertThatThrownBy(() -> source(concat(base, "kinesis.reader", "fanout")))
        .hasMessageContaining("one of polling, efo");
    assertThatThrownBy(() -> source(concat(base, "kinesis.efo.consumer-name", "c")))
        .hasMessageContaining("'efo.consumer-name'")
        .hasMessageContaining("only used with reader = efo");
    assertThatThrownBy(() -> source(concat(base, "kinesis.endpoint", "localhost:4568")))
        .hasMessageContaining("'endpoint'")
        .hasMessageContaining("is not an http(s) URL");
    assertThatThrownBy(() -> source(concat(base, "kinesis.poll.max-records", "20000")))
        .hasMessageContaining("'poll.max-records'")
        .hasMessageContaining("between 1 and 10000");
    assertThatThrownBy(() -> source(concat(base, "kinesis.retry.max-backoff", "10 ms")))
        .hasMessageContaining("'retry.max-backoff'")
        .hasMessageContaining("below kinesis.retry.initial-backoff (300 ms)");
    assertThatThrownBy(() -> source(concat(base, "kinesis.retry.multiplier", "0.5")))
        .hasMessageContaining("'retry.multiplier'")
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> source(concat(base, "kinesis.shard.discovery.interval", "0 s")))
        .hasMessageContaining("'shard.discovery.interval'");
    assertThatThrownBy(() -> source(concat(base, "kinesis.strem", "x")))
        .hasMessageContaining("unknown key 'strem' in property group 'kinesis'")
        .hasMessageContaining("Did you mean 'stream'?");
    assertThatThrownBy(
            () ->
                source(
                    concat(
                        base,
                        "kinesis.properties.aws.credentials.provider.basic.secretkey",
                        "hunter2")))
        .hasMessageContaining("would put credentials in the configuration")
        .hasMessageContaining("default AWS provider chain")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void settingsBecomeConnectorPropertiesWithoutCredentials() {
    KinesisRecordSource s =
        source(
            "kinesis.stream",
            "arn:aws:kinesis:eu-west-1:123456789012:stream/orders",
            "kinesis.reader",
            "efo",
            "kinesis.start",
            "at-timestamp",
            "kinesis.start.timestamp",
            "1700000000123",
            "kinesis.retry.max-attempts",
            "7");
    Properties p = s.consumerProperties();
    assertThat(s.stream()).isEqualTo("orders");
    assertThat(p.getProperty("aws.region")).isEqualTo("eu-west-1");
    assertThat(p.getProperty(ConsumerConfigConstants.RECORD_PUBLISHER_TYPE)).isEqualTo("EFO");
    assertThat(p.getProperty(ConsumerConfigConstants.EFO_CONSUMER_NAME))
        .isEqualTo("tributary-ingest");
    assertThat(p.getProperty(ConsumerConfigConstants.STREAM_INITIAL_POSITION))
        .isEqualTo("AT_TIMESTAMP");
    assertThat(p.getProperty(ConsumerConfigConstants.STREAM_INITIAL_TIMESTAMP))
        .isEqualTo("1700000000.123");
    assertThat(p.getProperty(ConsumerConfigConstants.SHARD_GETRECORDS_RETRIES)).isEqualTo("7");
    assertThat(p.getProperty(ConsumerConfigConstants.SUBSCRIBE_TO_SHARD_BACKOFF_MAX))
        .isEqualTo("5000");
    assertThat(p.getProperty(ConsumerConfigConstants.LIST_SHARDS_BACKOFF_EXPONENTIAL_CONSTANT))
        .isEqualTo("1.5");
    assertThat(p.stringPropertyNames()).noneMatch(k -> k.startsWith("aws.credentials"));
    // The connector accepts the result.
    org.apache.flink.streaming.connectors.kinesis.util.KinesisConfigUtil
        .validateConsumerConfiguration(p, List.of("orders"));
  }

  @Test
  void boundedReadEndsWithEveryRecordDeAggregatedWithItsPosition() throws Exception {
    boundedRead("bounded-unit", false);
  }

  @Test
  void boundedReadEndingAfterCheckpointsEndsToo() throws Exception {
    boundedRead("bounded-checkpointed", true);
  }

  /**
   * Plain and KPL-aggregated records on 4 shards; the bounds are taken (the source is added to the
   * graph), then more records are put; the bounded run returns exactly the records from before.
   */
  private void boundedRead(String stream, boolean endAfterCheckpoints) throws Exception {
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 4);
    List<Shard> shards = k.openShards(stream);
    List<String> expected = new ArrayList<>();
    int n = 0;
    for (int round = 0; round < 3; round++) {
      for (Shard shard : shards) {
        String v = "plain-" + n++;
        Put put = k.put(stream, shard, "pk-" + n, utf8(v));
        expected.add(line(stream, put.shardId, put.sequenceNumber, v));
        List<byte[]> users = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          values.add("kpl-" + n + "-" + i);
          users.add(utf8(values.get(i)));
        }
        n++;
        Put agg = k.putAggregated(stream, shard, "agg-" + n, users);
        for (int i = 0; i < 3; i++) {
          expected.add(line(stream, agg.shardId, agg.sequenceNumber + ":" + i, values.get(i)));
        }
      }
    }
    RecordSource source =
        source(
            "source.bounded",
            "true",
            "kinesis.stream",
            KinesisStreams.arn(stream),
            "kinesis.endpoint",
            kinesis.endpoint(),
            "kinesis.shard.discovery.interval",
            "1 s");
    if (endAfterCheckpoints) {
      source = source.endingAfterCheckpoints(2);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    if (endAfterCheckpoints) {
      env.enableCheckpointing(200);
    }
    var stream0 =
        source.addTo(env, new RawAsText(), WatermarkStrategy.noWatermarks(), Types.STRING);
    // After the start: in the same shards, past their bounds. None of these may be read.
    for (Shard shard : shards) {
      k.put(stream, shard, "late", utf8("after-start"));
      k.putAggregated(stream, shard, "late-agg", List.of(utf8("after-start"), utf8("after-start")));
    }
    long start = System.nanoTime();
    List<String> got = stream0.executeAndCollect(expected.size() + 100);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
    System.out.printf("bounded read of %s: %d records in %d ms%n", stream, got.size(), millis);
  }

  /**
   * A bounded read ends event time when its shards are read: the connector marks a subtask whose
   * shards all ended idle, and Flink drops its own end-of-input watermark from an idle source, so
   * without the source's own an event-time timer past the last record would never fire.
   */
  @Test
  void boundedReadEndsEventTime() throws Exception {
    String stream = "bounded-event-time";
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 2);
    for (Shard shard : k.openShards(stream)) {
      k.put(stream, shard, "pk", utf8("record"));
    }
    RecordSource source =
        source(
            "source.bounded",
            "true",
            "kinesis.stream",
            KinesisStreams.arn(stream),
            "kinesis.endpoint",
            kinesis.endpoint(),
            "kinesis.shard.discovery.interval",
            "1 s");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    List<String> got =
        source
            .addTo(
                env,
                new RawAsText(),
                WatermarkStrategy.<String>forMonotonousTimestamps()
                    .withTimestampAssigner((e, previous) -> 1_000L),
                Types.STRING)
            .keyBy(e -> "all")
            .process(
                new org.apache.flink.streaming.api.functions.KeyedProcessFunction<
                    String, String, String>() {
                  @Override
                  public void processElement(String e, Context ctx, Collector<String> out) {
                    ctx.timerService().registerEventTimeTimer(5_000L);
                    out.collect("record");
                  }

                  @Override
                  public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) {
                    out.collect("timer " + timestamp);
                  }
                })
            .executeAndCollect(10);
    assertThat(got).containsExactlyInAnyOrder("record", "record", "timer 5000");
  }

  @Test
  void watermarksFollowTheJobsStrategyPerShardCopy() throws Exception {
    PerShardWatermarks<Long> w =
        new PerShardWatermarks<>(
            WatermarkStrategy.<Long>forBoundedOutOfOrderness(java.time.Duration.ofMillis(100))
                .withTimestampAssigner((e, previous) -> e));
    PerShardWatermarks<Long> shard =
        org.apache.flink.util.InstantiationUtil.clone(w); // as the connector copies it per shard
    assertThat(shard.extractTimestamp(1_000L, Long.MIN_VALUE)).isEqualTo(1_000L);
    assertThat(shard.getCurrentWatermark().getTimestamp()).isEqualTo(899L);
    assertThat(shard.extractTimestamp(500L, 1_000L)).isEqualTo(500L);
    assertThat(shard.getCurrentWatermark().getTimestamp()).isEqualTo(899L);
    assertThat(shard.extractTimestamp(2_000L, 500L)).isEqualTo(2_000L);
    assertThat(shard.getCurrentWatermark().getTimestamp()).isEqualTo(1_899L);
  }

  private static String line(String stream, String shard, String position, String value) {
    return String.join("|", "kinesis", stream, shard, position, value);
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
