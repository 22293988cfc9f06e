package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Late events on a running {@code aggregate} job: inside the allowed lateness they correct the
 * window's row in place; beyond it they are dead-lettered as {@code late}. And a partition that
 * goes quiet does not hold windows open.
 */
@Timeout(300)
class AggregateLatenessTest {
  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  private JobClient start(String topic, int parallelism, String idleness, String lateness)
      throws Exception {
    return start(topic, parallelism, idleness, lateness, "10 s");
  }

  private JobClient start(
      String topic, int parallelism, String idleness, String lateness, String size, String... more)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "aggregate",
                "--job.parallelism", Integer.toString(parallelism),
                "--job.checkpoint.interval", "500 ms",
                "--job.checkpoint.dir", dir.resolve("cp").toUri().toString(),
                "--job.restart.max-attempts", "2",
                "--source.type", "kafka",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.start", "earliest",
                "--format.schema",
                    "k STRING NOT NULL, amount DECIMAL(10, 2), ts TIMESTAMP_LTZ(3) NOT NULL",
                "--format.event-time.field", "ts",
                "--format.event-time.max-out-of-orderness", "0 s",
                "--format.event-time.idleness", idleness,
                "--aggregate.window.type", "tumbling",
                "--aggregate.window.size", size,
                "--aggregate.allowed-lateness", lateness,
                "--aggregate.group-by", "k",
                "--aggregate.aggregates", "count(*) AS n, sum(amount) AS total",
                "--iceberg.warehouse", dir.resolve("warehouse").toString(),
                "--iceberg.database", "m",
                "--iceberg.table", topic));
    args.addAll(List.of(more));
    return JobTesting.startAsync(topic, args.toArray(new String[0]));
  }

  private static void send(String topic, int partition, Instant t0, int second, String amount)
      throws InterruptedException {
    String json =
        String.format("{\"k\":\"a\",\"amount\":%s,\"ts\":\"%s\"}", amount, t0.plusSeconds(second));
    kafka.send(topic, partition, null, json.getBytes(UTF_8));
    // Longer than the watermark interval (200 ms): each event sees the previous one's watermark.
    Thread.sleep(700);
  }

  @Test
  void lateEventsWithinTheLatenessUpdateTheRowAndLaterOnesAreDeadLettered() throws Exception {
    String topic = "late";
    kafka.createTopic(topic, 1);
    Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    JobClient job = start(topic, 1, "30 s", "20 s");
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "m");
    send(topic, 0, t0, 1, "1.00");
    send(topic, 0, t0, 2, "2.00");
    send(topic, 0, t0, 15, "5.00"); // watermark passes 10 s: [0, 10) fires with n=2
    List<String> first = List.of(row(t0, 0, 2, "3.00"));
    waitForRows(catalog, topic, first);
    send(topic, 0, t0, 5, "10.00"); // late, within 20 s: [0, 10) fires again with n=3
    waitForRows(catalog, topic, List.of(row(t0, 0, 3, "13.00")));
    send(topic, 0, t0, 50, "1.00"); // watermark 50 s: [0, 10) is final and purged
    send(topic, 0, t0, 3, "100.00"); // too late
    send(topic, 0, t0, 100, "1.00"); // closes [50, 60)
    List<String> expected =
        List.of(row(t0, 0, 3, "13.00"), row(t0, 10, 1, "5.00"), row(t0, 50, 1, "1.00"));
    waitForRows(catalog, topic, expected);
    JobTesting.waitFor(
        Duration.ofSeconds(60),
        () ->
            Tables.exists(catalog, topic + "_dead_letters")
                && !Tables.read(catalog, topic + "_dead_letters").isEmpty());
    job.cancel().get(60, TimeUnit.SECONDS);

    assertThat(rows(catalog, topic)).containsExactlyElementsOf(expected);
    List<Record> dead = Tables.read(catalog, topic + "_dead_letters");
    assertThat(dead).hasSize(1);
    Record d = dead.get(0);
    assertThat(d.getField("reason")).isEqualTo("late");
    assertThat(d.getField("event_time"))
        .isEqualTo(OffsetDateTime.ofInstant(t0.plusSeconds(3), ZoneOffset.UTC));
    // Bounded out-of-orderness 0: the watermark is the newest event time minus 1 ms.
    assertThat(d.getField("watermark"))
        .isEqualTo(OffsetDateTime.ofInstant(t0.plusSeconds(50).minusMillis(1), ZoneOffset.UTC));
    assertThat(d.getField("source_stream")).isEqualTo(topic);
    assertThat(d.getField("source_partition")).isEqualTo("0");
    assertThat(d.getField("source_position")).isEqualTo("5");
    assertThat((String) d.getField("payload_text"))
        .contains("\"amount\":100")
        .contains("\"k\":\"a\"");
    assertThat((String) d.getField("error_message")).contains("allowed lateness 20 s");
  }

  @Test
  void anIdlePartitionDoesNotHoldWindowsOpen() throws Exception {
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "m");
    Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    // Without idleness the quiet partition holds the watermark back: nothing closes.
    JobClient stuck = feedWithOnePartitionGoingQuiet("stuck", "0 s", t0);
    Thread.sleep(5_000);
    assertThat(rows(catalog, "stuck")).isEmpty();
    stuck.cancel().get(60, TimeUnit.SECONDS);
    // With a 1 s idleness the same input closes the window.
    JobClient idle = feedWithOnePartitionGoingQuiet("idle", "1 s", t0);
    waitForRows(catalog, "idle", List.of(row(t0, 0, 3, "7.00")));
    idle.cancel().get(60, TimeUnit.SECONDS);
  }

  @Test
  void earlyFiringShowsPartialResultsInTheSameRow() throws Exception {
    String topic = "early";
    kafka.createTopic(topic, 1);
    Instant t0 = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
    // One-hour windows that never close during the test: only early firings can show them.
    JobClient job =
        start(topic, 1, "30 s", "0 s", "1 h", "--aggregate.early-fire.interval", "300 ms");
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "m");
    send(topic, 0, t0, 1, "1.00");
    send(topic, 0, t0, 2, "2.00");
    waitForRows(catalog, topic, List.of(hourRow(t0, 2, "3.00")));
    send(topic, 0, t0, 3, "4.00");
    waitForRows(catalog, topic, List.of(hourRow(t0, 3, "7.00")));
    job.cancel().get(60, TimeUnit.SECONDS);
  }

  private static String hourRow(Instant t0, long n, String total) {
    return List.of(t0, t0.plus(1, ChronoUnit.HOURS), "a", n, new BigDecimal(total)).toString();
  }

  private JobClient feedWithOnePartitionGoingQuiet(String topic, String idleness, Instant t0)
      throws Exception {
    kafka.createTopic(topic, 2);
    JobClient job = start(topic, 2, idleness, "0 s");
    send(topic, 1, t0, 1, "1.00"); // partition 1 speaks once, then stays quiet
    send(topic, 0, t0, 2, "2.00");
    send(topic, 0, t0, 4, "4.00");
    Thread.sleep(1_500); // long enough for a 1 s idleness to mark partition 1's reader idle
    send(topic, 0, t0, 25, "8.00"); // partition 0 alone moves the watermark past 10 s
    return job;
  }

  private static String row(Instant t0, int start, long n, String total) {
    return List.of(t0.plusSeconds(start), t0.plusSeconds(start + 10), "a", n, new BigDecimal(total))
        .toString();
  }

  private static List<String> rows(IcebergCatalog catalog, String table) {
    if (!Tables.exists(catalog, table)) {
      return List.of();
    }
    List<Record> records = new ArrayList<>(Tables.read(catalog, table));
    records.sort(Comparator.comparing(r -> ((OffsetDateTime) r.getField("window_start"))));
    return records.stream().map(AggregateJobTest::line).collect(Collectors.toList());
  }

  private static void waitForRows(IcebergCatalog catalog, String table, List<String> expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<String> actual = rows(catalog, table);
    while (!actual.equals(expected)) {
      if (System.nanoTime() > deadline) {
        assertThat(actual).as("table " + table).containsExactlyElementsOf(expected);
      }
      Thread.sleep(250);
      actual = rows(catalog, table);
    }
  }
}
