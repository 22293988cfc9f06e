package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded {@code aggregate} replay gives the same table every time: three runs over one
 * out-of-order input on three partitions (read by two readers, so how far each partition has got
 * differs from run to run) equal each other and the per-partition lateness rule's oracle.
 */
@Timeout(600)
class AggregateReplayTest {
  static final long OUT_OF_ORDERNESS = 5_000;
  static final long LATENESS = 2_000;
  static final long WINDOW = 10_000;

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(4);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  /** One event: partition, event time offset, user. */
  static final class Event {
    final int partition;
    final long t;
    final String user;
    long offset;

    Event(int partition, long t, String user) {
      this.partition = partition;
      this.t = t;
      this.user = user;
    }
  }

  @Test
  void threeBoundedRunsOfOneOutOfOrderInputGiveIdenticalTables() throws Exception {
    String topic = "replay";
    kafka.createTopic(topic, 3);
    Instant base = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    Random r = new Random(5);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      int p = i % 3;
      // partition 0 runs ahead in event time, 1 lags, 2 jumps back now and then: what is late
      // by the job's watermark depends on read speed, what is late in its partition does not
      long t =
          p == 0
              ? i * 100L
              : p == 1 ? i * 40L : (i % 50 == 2 ? i * 70L - 30_000 - r.nextInt(20_000) : i * 70L);
      events.add(new Event(p, Math.max(0, t + r.nextInt(3_000)), "u" + r.nextInt(3)));
    }
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (Event e : events) {
      String json =
          String.format(
              "{\"user_id\":\"%s\",\"amount\":1.00,\"ts\":\"%s\"}", e.user, base.plusMillis(e.t));
      records.add(new ProducerRecord<>(topic, e.partition, null, json.getBytes(UTF_8)));
    }
    List<RecordMetadata> metas = kafka.sendAll(topic, records);
    for (int i = 0; i < events.size(); i++) {
      events.get(i).offset = metas.get(i).offset();
    }

    Map<String, Long> expected = new TreeMap<>();
    TreeSet<String> expectedLate = new TreeSet<>();
    oracle(events, base, expected, expectedLate);
    assertThat(expectedLate)
        .as("the input has events late in their partition")
        .hasSizeGreaterThan(10);

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "metrics");
    for (int run = 1; run <= 3; run++) {
      String table = "replay_" + run;
      Main.run(
          new String[] {
            "--job.name", "aggregate",
            "--job.parallelism", "2",
            "--job.checkpoint.interval", "1 s",
            "--job.checkpoint.dir", dir.resolve("cp-" + run).toUri().toString(),
            "--source.type", "kafka",
            "--source.bounded", "true",
            "--kafka.bootstrap.servers", kafka.bootstrapServers(),
            "--kafka.topics", topic,
            "--kafka.start", "earliest",
            "--kafka.group.id", "replay-" + run,
            "--format.schema",
                "user_id STRING NOT NULL, amount DECIMAL(10, 2), ts TIMESTAMP_LTZ(3) NOT NULL",
            "--format.event-time.field", "ts",
            "--format.event-time.max-out-of-orderness", OUT_OF_ORDERNESS + " ms",
            "--aggregate.window.type", "tumbling",
            "--aggregate.window.size", WINDOW + " ms",
            "--aggregate.allowed-lateness", LATENESS + " ms",
            "--aggregate.group-by", "user_id",
            "--aggregate.aggregates", "count(*) AS events",
            "--iceberg.warehouse", dir.resolve("warehouse").toString(),
            "--iceberg.database", "metrics",
            "--iceberg.table", table
          });
      Map<String, Long> rows = new TreeMap<>();
      for (Record rec : Tables.read(catalog, table)) {
        String key =
            ((OffsetDateTime) rec.getField("window_start")).toInstant()
                + " "
                + rec.getField("user_id");
        assertThat(rows.put(key, (Long) rec.getField("events"))).as("one row per window").isNull();
      }
      TreeSet<String> late =
          Tables.read(catalog, table + "_dead_letters").stream()
              .map(
                  d ->
                      d.getField("reason")
                          + " "
                          + d.getField("source_partition")
                          + "@"
                          + d.getField("source_position"))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(rows).as("run " + run).isEqualTo(expected);
      assertThat(late).as("run " + run).isEqualTo(expectedLate);
    }
  }

  /**
   * The per-partition rule: an event is late if its window closed (end - 1 + lateness at or before
   * the watermark) by its partition's watermark before it, the largest earlier event time minus the
   * out-of-orderness minus 1.
   */
  static void oracle(
      List<Event> events, Instant base, Map<String, Long> counts, TreeSet<String> late) {
    Map<Integer, Long> max = new TreeMap<>();
    long origin = base.toEpochMilli();
    for (Event e : events) {
      long ts = origin + e.t;
      Long m = max.get(e.partition);
      long watermark = m == null ? Long.MIN_VALUE : m - OUT_OF_ORDERNESS - 1;
      max.merge(e.partition, ts, Math::max);
      long start = ts - Math.floorMod(ts, WINDOW);
      if (start + WINDOW - 1 + LATENESS <= watermark) {
        late.add("late " + e.partition + "@" + e.offset);
      } else {
        counts.merge(Instant.ofEpochMilli(start) + " " + e.user, 1L, Long::sum);
      }
    }
  }
}
