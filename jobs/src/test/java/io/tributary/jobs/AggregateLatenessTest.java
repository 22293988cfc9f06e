package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.metrics.Metrics;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.ScriptedSource;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Late events on a running {@code aggregate} job: inside the allowed lateness they correct the
 * window's row in place; beyond it they are dead-lettered as {@code late}. And a partition that
 * goes quiet does not hold windows open.
 *
 * <p>Window semantics run on a {@link ScriptedSource}: the script puts the watermark after each
 * event, so each event sees the previous one's watermark, and pauses where the test reads the
 * table. Idle partitions are the Kafka connector's (its per-partition watermarks), so that case
 * reads a real broker.
 */
@Timeout(300)
class AggregateLatenessTest {
  static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2, REPORTER);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  /** Runs on a real Kafka topic. */
  private JobClient start(String topic, int parallelism, String idleness, String lateness)
      throws Exception {
    List<String> args = args(topic, parallelism, idleness, lateness, "10 s");
    args.addAll(
        List.of(
            "--source.type",
            "kafka",
            "--kafka.bootstrap.servers",
            kafka.bootstrapServers(),
            "--kafka.topics",
            topic,
            "--kafka.start",
            "earliest"));
    return JobTesting.startAsync(topic, args.toArray(new String[0]));
  }

  /** Runs on the scripted source; script it completely before. */
  private JobClient start(
      ScriptedSource source,
      String topic,
      String idleness,
      String lateness,
      String size,
      String... more)
      throws Exception {
    List<String> args = args(topic, 1, idleness, lateness, size);
    args.addAll(List.of(more));
    return JobTesting.startAsync(topic, source, args.toArray(new String[0]));
  }

  private List<String> args(
      String topic, int parallelism, String idleness, String lateness, String size) {
    return new ArrayList<>(
        List.of(
            "--job.name", "aggregate",
            "--job.parallelism", Integer.toString(parallelism),
            "--job.checkpoint.interval", "500 ms",
            "--job.checkpoint.dir", dir.resolve("cp").toUri().toString(),
            "--job.restart.max-attempts", "2",
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
  }

  private static String json(Instant t0, int second, String amount) {
    return String.format(
        "{\"k\":\"a\",\"amount\":%s,\"ts\":\"%s\"}", amount, t0.plusSeconds(second));
  }

  private static void send(String topic, int partition, Instant t0, int second, String amount) {
    kafka.send(topic, partition, null, json(t0, second, amount).getBytes(UTF_8));
  }

  /** An event, then the watermark the job's strategy holds after it: the next event sees it. */
  private static ScriptedSource event(
      ScriptedSource source, Instant t0, int second, String amount) {
    return source.record(0, json(t0, second, amount)).watermark();
  }

  @Test
  void lateEventsWithinTheLatenessUpdateTheRowAndLaterOnesAreDeadLettered() throws Exception {
    String topic = "late";
    Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    ScriptedSource source = ScriptedSource.unbounded(topic, 1);
    event(source, t0, 1, "1.00");
    event(source, t0, 2, "2.00");
    event(source, t0, 15, "5.00"); // watermark passes 10 s: [0, 10) fires with n=2
    source.pause();
    event(source, t0, 5, "10.00"); // late, within 20 s: [0, 10) fires again with n=3
    source.pause();
    event(source, t0, 50, "1.00"); // watermark 50 s: [0, 10) is final and purged
    event(source, t0, 3, "100.00"); // too late
    event(source, t0, 100, "1.00"); // closes [50, 60)
    JobClient job = start(source, topic, "30 s", "20 s", "10 s");
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "m");
    List<String> first = List.of(row(t0, 0, 2, "3.00"));
    waitForRows(catalog, topic, first);
    source.resume();
    waitForRows(catalog, topic, List.of(row(t0, 0, 3, "13.00")));
    source.resume();
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
    // Only the windows' columns went through the shuffle: the payload is the record read again
    // from its source (here the script), exactly as it was sent.
    assertThat((String) d.getField("payload_text")).isEqualTo(json(t0, 3, "100.00"));
    assertThat((String) d.getField("error_message"))
        .contains("allowed lateness 20 s")
        .contains("(payload: the record as read again from its source)");
  }

  @Test
  void anIdlePartitionDoesNotHoldWindowsOpen() throws Exception {
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "m");
    Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    // Without idleness the quiet partition holds the watermark back: nothing closes.
    JobClient stuck = feedWithOnePartitionGoingQuiet("stuck", "0 s", t0);
    // Every event was read, the one that moves partition 0 past 10 s too, and the windows see
    // partition 1's watermark: [0, 10) cannot have closed, and never will.
    long heldBack = t0.plusSeconds(1).toEpochMilli() - 1;
    JobTesting.waitFor(
        Duration.ofSeconds(60),
        () -> {
          List<Long> watermarks = windowInputWatermarks(stuck);
          return watermarks.size() == 2 && watermarks.stream().allMatch(w -> w == heldBack);
        });
    assertThat(recordsIn(stuck)).isEqualTo(4);
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
    Instant t0 = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
    ScriptedSource source = ScriptedSource.unbounded(topic, 1);
    event(source, t0, 1, "1.00");
    event(source, t0, 2, "2.00");
    source.pause();
    event(source, t0, 3, "4.00");
    // One-hour windows that never close during the test: only early firings can show them.
    JobClient job =
        start(source, topic, "30 s", "0 s", "1 h", "--aggregate.early-fire.interval", "300 ms");
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "m");
    waitForRows(catalog, topic, List.of(hourRow(t0, 2, "3.00")));
    source.resume();
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
    // Read before partition 0 moves on: were partition 1 idle before its event is read, the event
    // would be late.
    JobTesting.waitFor(Duration.ofSeconds(60), () -> recordsIn(job) == 3);
    send(topic, 0, t0, 25, "8.00"); // partition 0 alone moves the watermark past 10 s
    JobTesting.waitFor(Duration.ofSeconds(60), () -> recordsIn(job) == 4);
    return job;
  }

  /** Records the job's readers decoded. */
  private static long recordsIn(JobClient job) {
    return new MetricValues(REPORTER, job.getJobID(), "aggregate").count(Metrics.RECORDS_IN);
  }

  /** The watermark each subtask of the window operator holds. */
  private static List<Long> windowInputWatermarks(JobClient job) {
    List<Long> found = new ArrayList<>();
    REPORTER
        .getMetricsByGroup()
        .forEach(
            (group, metrics) -> {
              Map<String, String> v = group.getAllVariables();
              Metric m = metrics.get("currentInputWatermark");
              if (m != null
                  && job.getJobID().toString().equals(v.get("<job_id>"))
                  && v.getOrDefault("<operator_name>", "").startsWith("window:")) {
                found.add(((Number) ((Gauge<?>) m).getValue()).longValue());
              }
            });
    return found;
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

  private static void waitForRows(IcebergCatalog catalog, String table, List<String> expected) {
    Awaitility.await("table " + table)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> assertThat(rows(catalog, table)).as("table " + table).isEqualTo(expected));
  }
}
