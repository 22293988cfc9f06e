package io.tributary.jobs;

import static io.tributary.testing.KinesisStreams.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.metrics.Metrics;
import io.tributary.testing.KinesisExtension;
import io.tributary.testing.KinesisStreams;
import io.tributary.testing.KinesisStreams.Entry;
import io.tributary.testing.KinesisStreams.Put;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Shard;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code aggregate} on a real Kinesis API server (kinesis-mock): per-shard watermarks with
 * idleness, a shard split in the middle of a window, and lateness as on Kafka.
 *
 * <p>Watermarks on Kinesis are the connector's: each shard has its own, the subtask emits the
 * minimum over its shards that are active, and a shard quiet for {@code format.event-time.idleness}
 * stops counting. The tests put each event only when what it must see (a record read, a watermark
 * reached) is observed, so the outcome never depends on how fast a shard happened to be read.
 */
@Timeout(300)
class AggregateKinesisTest {
  static final String SCHEMA =
      "k STRING NOT NULL, amount DECIMAL(10, 2), ts TIMESTAMP_LTZ(3) NOT NULL";

  static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2, REPORTER);

  @RegisterExtension static final KinesisExtension kinesis = new KinesisExtension();

  @TempDir Path dir;

  private IcebergCatalog catalog() {
    return Tables.hadoop(dir.resolve("warehouse").toString(), "m");
  }

  private JobClient start(
      String stream, int parallelism, String idleness, String lateness, String aggregates)
      throws Exception {
    return JobTesting.startAsync(
        "kinesis-" + stream,
        args(stream, stream, false, parallelism, idleness, lateness, aggregates));
  }

  private String[] args(
      String stream,
      String table,
      boolean bounded,
      int parallelism,
      String idleness,
      String lateness,
      String aggregates) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name",
                "aggregate",
                "--job.parallelism",
                Integer.toString(parallelism),
                "--job.checkpoint.interval",
                "500 ms",
                "--job.checkpoint.dir",
                dir.resolve("cp-" + table).toUri().toString(),
                "--job.restart.max-attempts",
                "2",
                "--kinesis.reader",
                "polling",
                "--format.schema",
                SCHEMA,
                "--format.event-time.field",
                "ts",
                "--format.event-time.max-out-of-orderness",
                "0 s",
                "--format.event-time.idleness",
                idleness,
                "--aggregate.window.type",
                "tumbling",
                "--aggregate.window.size",
                "10 s",
                "--aggregate.allowed-lateness",
                lateness,
                "--aggregate.group-by",
                "k",
                "--aggregate.aggregates",
                aggregates,
                "--iceberg.warehouse",
                dir.resolve("warehouse").toString(),
                "--iceberg.database",
                "m",
                "--iceberg.table",
                table));
    args.addAll(kinesis.sourceArgs(stream, bounded));
    return args.toArray(new String[0]);
  }

  private static final String COUNT_AND_SUM = "count(*) AS n, sum(amount) AS total";

  static String json(String key, String amount, Instant ts) {
    return String.format("{\"k\":\"%s\",\"amount\":%s,\"ts\":\"%s\"}", key, amount, ts);
  }

  /** One event of key {@code a} at {@code second} seconds after {@code t0}. */
  static byte[] event(Instant t0, int second, String amount) {
    return utf8(json("a", amount, t0.plusSeconds(second)));
  }

  /** A job reading two shards of which one lags behind in event time, and how it went. */
  private static final class Lagging {
    final String stream;
    final JobClient job;
    final Instant t0;
    final Shard fast;
    long lastSlowPut;

    Lagging(String stream, JobClient job, Instant t0, Shard fast) {
      this.stream = stream;
      this.job = job;
      this.t0 = t0;
      this.fast = fast;
    }
  }

  /**
   * Starts the job on two shards, one subtask reading both (the watermark is the connector's
   * minimum over them), and has the slow shard send events behind the fast one's, each well within
   * any idleness: the windows hold the slow shard's event time, exactly, and none closes.
   */
  private Lagging lagBehind(String stream, String idleness) throws Exception {
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 2);
    List<Shard> shards = k.openShards(stream);
    Shard fast = shards.get(0);
    Shard slow = shards.get(1);
    Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    Lagging run = new Lagging(stream, start(stream, 1, idleness, "0 s", COUNT_AND_SUM), t0, fast);
    JobClient job = run.job;
    k.put(stream, slow, "s", event(t0, 1, "1.00"));
    k.put(stream, fast, "f", event(t0, 2, "2.00"));
    awaitRecordsIn(job, 2);
    // The fast shard jumps ahead; the slow one goes on sending.
    k.put(stream, fast, "f", event(t0, 25, "4.00"));
    k.put(stream, slow, "s", event(t0, 3, "8.00"));
    awaitRecordsIn(job, 4);
    awaitWindowWatermark(job, t0.plusSeconds(3));
    for (int second = 5; second <= 8; second++) {
      run.lastSlowPut = System.nanoTime();
      k.put(stream, slow, "s", event(t0, second, "16.00"));
      // Held at the slow shard's event time, exactly: the fast shard's 25 s would close [0, 10).
      awaitWindowWatermark(job, t0.plusSeconds(second));
      assertThat(rows(catalog(), stream)).as("no window closed while a shard lags").isEmpty();
    }
    assertThat(recordsIn(job)).isEqualTo(8);
    return run;
  }

  /**
   * One shard's event time lagging behind another's holds windows open while it keeps sending; once
   * it goes quiet, the idleness lets the other shard close them, and not before.
   */
  @Test
  void aLaggingShardHoldsWindowsOpenAndAQuietOneStopsHoldingThemAfterTheIdleness()
      throws Exception {
    Duration idleness = Duration.ofSeconds(4);
    Lagging run = lagBehind("lagging", "4 s");
    try {
      // The slow shard is quiet now: only the idleness lets the fast shard's 25 s through.
      awaitWindowWatermark(run.job, run.t0.plusSeconds(25));
      long quietFor = (System.nanoTime() - run.lastSlowPut) / 1_000_000;
      assertThat(quietFor)
          .as("ms between the slow shard's last put and the watermark passing it")
          .isGreaterThanOrEqualTo(idleness.toMillis());
      // [0, 10): 1, 2, 8 and four times 16; [20, 30) stays open (the watermark is at 25 s).
      waitForRows(catalog(), run.stream, List.of(row(run.t0, 0, "a", 7, "75.00")));
      assertThat(tooLate(run.job)).isZero();
      System.out.printf(
          "kinesis: the quiet shard stopped holding the watermark after %d ms%n", quietFor);
    } finally {
      JobTesting.cancelAndAwaitEnd(run.job);
    }
  }

  /**
   * Idleness 0 turns it off, as on Kafka: a lagging shard holds the windows while it sends, and a
   * quiet one holds them still, whatever the other shard reads. (The connector's own idle interval
   * of 0 let the fast shard through as soon as the slow one had not sent since the last watermark.)
   */
  @Test
  void withIdlenessOffAQuietShardHoldsWindowsOpen(@InjectMiniCluster MiniCluster cluster)
      throws Exception {
    Lagging run = lagBehind("never_idle", "0 s");
    try {
      kinesis.streams().put(run.stream, run.fast, "f", event(run.t0, 45, "32.00"));
      awaitRecordsIn(run.job, 9);
      // Several watermark intervals and checkpoints later, still the slow shard's 8 s.
      JobTesting.awaitMoreCheckpoints(cluster, run.job.getJobID(), 3);
      assertThat(Instant.ofEpochMilli(windowWatermark(run.job) + 1))
          .isEqualTo(run.t0.plusSeconds(8));
      assertThat(rows(catalog(), run.stream)).isEmpty();
      assertThat(tooLate(run.job)).isZero();
    } finally {
      JobTesting.cancelAndAwaitEnd(run.job);
    }
  }

  /**
   * A shard splits in the middle of a window: its events went partly to the parent (right before
   * the split, while the reader may be anywhere in them) and partly to the two children. Every
   * window's row equals what the events in the stream give, each counted once.
   */
  @ParameterizedTest(name = "idleness {0}")
  @ValueSource(strings = {"5 s", "0 s"})
  void aSplitMidWindowNeitherDropsNorDoubleCountsEvents(String idleness) throws Exception {
    String stream = idleness.startsWith("0") ? "split_never_idle" : "split";
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 2);
    List<Shard> shards = k.openShards(stream);
    Shard parent = shards.get(0);
    Shard other = shards.get(1);
    Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    String aggregates =
        "count(*) AS n, count(amount) AS priced, sum(amount) AS total, min(amount) AS lo,"
            + " max(amount) AS hi";
    JobClient job = start(stream, 2, idleness, "0 s", aggregates);
    IcebergCatalog catalog = catalog();
    try {
      // [0 s, 15 s) on the parent and the other shard: [0, 10) and half of [10, 20).
      List<Entry> beforeSplit = new ArrayList<>();
      int id = 0;
      for (; id < 60; id++) {
        beforeSplit.add(splitEvent(id % 2 == 0 ? parent : other, id, t0, id * 250L));
      }
      k.putAll(stream, beforeSplit);
      k.split(stream, parent.shardId());
      List<Shard> children =
          k.openShards(stream).stream()
              .filter(s -> parent.shardId().equals(s.parentShardId()))
              .collect(Collectors.toList());
      assertThat(children).hasSize(2);
      // [15 s, 20 s): the rest of [10, 20), on the children and the other shard. Nothing reaches
      // 20 s yet, so the window stays open whichever shard is read first.
      List<Shard> open = List.of(children.get(0), children.get(1), other);
      List<Entry> afterSplit = new ArrayList<>();
      for (int i = 0; i < 60; i++, id++) {
        afterSplit.add(splitEvent(open.get(i % 3), id, t0, 15_000L + i * 80L));
      }
      List<Put> puts = k.putAll(stream, afterSplit);
      Set<String> childIds = children.stream().map(Shard::shardId).collect(Collectors.toSet());
      assertThat(puts.stream().filter(p -> childIds.contains(p.shardId)).count()).isEqualTo(40);
      int sent = id;
      JobTesting.waitFor(Duration.ofSeconds(90), () -> recordsIn(job) >= sent);
      // Then on to 35 s on every open shard, and each to 100 s: every window before 100 s closes.
      List<Entry> closing = new ArrayList<>();
      for (int i = 0; i < 45; i++, id++) {
        closing.add(splitEvent(open.get(i % 3), id, t0, 20_000L + i * 333L));
      }
      for (Shard s : open) {
        closing.add(splitEvent(s, id++, t0, 100_000L));
      }
      k.putAll(stream, closing);

      // The oracle is the stream itself (an SDK retry may have written a record twice).
      List<String> expected = oracle(k.readAll(stream), t0, 100_000L);
      assertThat(expected).hasSize(4 * 3); // four windows, three keys
      Awaitility.await("table " + stream)
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> assertThat(rows(catalog, stream)).isEqualTo(expected));
      assertThat(tooLate(job)).isZero();
      assertThat(
              Tables.exists(catalog, stream + "_dead_letters")
                  ? Tables.read(catalog, stream + "_dead_letters")
                  : List.of())
          .isEmpty();
    } finally {
      JobTesting.cancelAndAwaitEnd(job);
    }

    // A bounded run over the split stream (closed parent to its end, children and the other shard
    // to their bounds) ends with every window, the last one too, whatever the idleness says.
    String bounded = stream + "_bounded";
    long start = System.nanoTime();
    Main.run(args(stream, bounded, true, 2, idleness, "0 s", aggregates));
    long millis = (System.nanoTime() - start) / 1_000_000;
    List<String> all = oracle(k.readAll(stream), t0, Long.MAX_VALUE);
    assertThat(all).hasSize(5 * 3);
    assertThat(rows(catalog, bounded)).isEqualTo(all);
    assertThat(Tables.read(catalog, bounded + "_dead_letters")).isEmpty();
    System.out.printf("kinesis bounded aggregate over a split stream: %d ms%n", millis);
  }

  private static Entry splitEvent(Shard shard, int id, Instant t0, long millis) {
    String amount = id % 7 == 3 ? "null" : (id % 50) + "." + String.format("%02d", id % 100);
    return new Entry(shard, "p" + id, utf8(json("k" + (id % 3), amount, t0.plusMillis(millis))));
  }

  private static final Pattern EVENT =
      Pattern.compile("\\{\"k\":\"([^\"]+)\",\"amount\":([^,]+),\"ts\":\"([^\"]+)\"}");

  /**
   * The rows the table must hold: per 10 s window and key, count(*), count(amount), sum, min and
   * max of the events before {@code endMillis}, in the table's line form.
   */
  static List<String> oracle(List<byte[]> events, Instant t0, long endMillis) {
    Map<List<Object>, List<BigDecimal>> windows = new TreeMap<>(ROW_ORDER);
    for (byte[] e : events) {
      Matcher m = EVENT.matcher(new String(e, StandardCharsets.UTF_8));
      assertThat(m.matches()).as(new String(e, StandardCharsets.UTF_8)).isTrue();
      Instant ts = Instant.parse(m.group(3));
      long offset = ts.toEpochMilli() - t0.toEpochMilli();
      if (offset >= endMillis) {
        continue;
      }
      Instant start = t0.plusMillis(offset - offset % 10_000);
      List<Object> key = List.of(start, start.plusSeconds(10), m.group(1));
      windows
          .computeIfAbsent(key, x -> new ArrayList<>())
          .add("null".equals(m.group(2)) ? null : new BigDecimal(m.group(2)));
    }
    List<String> out = new ArrayList<>();
    windows.forEach(
        (key, amounts) -> {
          List<BigDecimal> priced =
              amounts.stream().filter(a -> a != null).collect(Collectors.toList());
          List<Object> line = new ArrayList<>(key);
          line.add((long) amounts.size());
          line.add((long) priced.size());
          line.add(priced.isEmpty() ? null : priced.stream().reduce(BigDecimal::add).get());
          line.add(priced.stream().min(Comparator.naturalOrder()).orElse(null));
          line.add(priced.stream().max(Comparator.naturalOrder()).orElse(null));
          out.add(line.toString());
        });
    return out;
  }

  private static final Comparator<List<Object>> ROW_ORDER =
      Comparator.<List<Object>, Instant>comparing(l -> (Instant) l.get(0))
          .thenComparing(l -> (String) l.get(2));

  /**
   * As the Kafka test shows it ({@code AggregateLatenessTest}): an event within the allowed
   * lateness fires its window again and the row is updated in place; one beyond it is a {@code
   * late} dead letter, here with the stream, shard id and sequence number it was read at.
   */
  @Test
  void lateEventsWithinTheLatenessUpdateTheRowAndLaterOnesAreDeadLettered() throws Exception {
    String stream = "late";
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 1);
    Shard shard = k.openShards(stream).get(0);
    Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    JobClient job = start(stream, 1, "30 s", "20 s", COUNT_AND_SUM);
    try {
      IcebergCatalog catalog = catalog();
      // Each event is put once the watermark of the one before has reached the windows.
      put(k, job, stream, shard, t0, 1, "1.00", 1);
      put(k, job, stream, shard, t0, 2, "2.00", 2);
      put(k, job, stream, shard, t0, 15, "5.00", 15); // [0, 10) fires with n=2
      waitForRows(catalog, stream, List.of(row(t0, 0, "a", 2, "3.00")));
      put(k, job, stream, shard, t0, 5, "10.00", 15); // late, within 20 s: [0, 10) again, n=3
      waitForRows(catalog, stream, List.of(row(t0, 0, "a", 3, "13.00")));
      put(k, job, stream, shard, t0, 50, "1.00", 50); // [0, 10) is final and purged
      Put tooLate = k.put(stream, shard, "late", event(t0, 3, "100.00"));
      awaitRecordsIn(job, 6);
      put(k, job, stream, shard, t0, 100, "1.00", 100); // closes [50, 60)
      List<String> expected =
          List.of(
              row(t0, 0, "a", 3, "13.00"),
              row(t0, 10, "a", 1, "5.00"),
              row(t0, 50, "a", 1, "1.00"));
      waitForRows(catalog, stream, expected);
      JobTesting.waitFor(
          Duration.ofSeconds(60),
          () ->
              Tables.exists(catalog, stream + "_dead_letters")
                  && !Tables.read(catalog, stream + "_dead_letters").isEmpty());
      assertThat(tooLate(job)).isEqualTo(1);

      assertThat(rows(catalog, stream)).containsExactlyElementsOf(expected);
      List<Record> dead = Tables.read(catalog, stream + "_dead_letters");
      assertThat(dead).hasSize(1);
      Record d = dead.get(0);
      assertThat(d.getField("reason")).isEqualTo("late");
      assertThat(d.getField("job")).isEqualTo("aggregate");
      assertThat(d.getField("event_time"))
          .isEqualTo(OffsetDateTime.ofInstant(t0.plusSeconds(3), ZoneOffset.UTC));
      // Bounded out-of-orderness 0: the watermark is the newest event time minus 1 ms.
      assertThat(d.getField("watermark"))
          .isEqualTo(OffsetDateTime.ofInstant(t0.plusSeconds(50).minusMillis(1), ZoneOffset.UTC));
      assertThat(d.getField("source_type")).isEqualTo("kinesis");
      assertThat(d.getField("source_stream")).isEqualTo(stream);
      assertThat(d.getField("source_partition")).isEqualTo(tooLate.shardId);
      assertThat(d.getField("source_position")).isEqualTo(tooLate.sequenceNumber);
      assertThat((String) d.getField("payload_text"))
          .contains("\"amount\":100")
          .contains("\"k\":\"a\"");
      assertThat((String) d.getField("error_message")).contains("allowed lateness 20 s");
    } finally {
      JobTesting.cancelAndAwaitEnd(job);
    }
  }

  /**
   * Puts an event, waits until it is read and the windows hold the watermark of the newest event
   * time so far, {@code newest} seconds: the next event sees that watermark.
   */
  private static void put(
      KinesisStreams k,
      JobClient job,
      String stream,
      Shard shard,
      Instant t0,
      int second,
      String amount,
      int newest)
      throws InterruptedException {
    long before = recordsIn(job);
    k.put(stream, shard, "a", event(t0, second, amount));
    awaitRecordsIn(job, before + 1);
    awaitWindowWatermark(job, t0.plusSeconds(newest));
  }

  /** Waits until the window operator's watermark is exactly {@code newest} minus 1 ms. */
  private static void awaitWindowWatermark(JobClient job, Instant newest)
      throws InterruptedException {
    long expected = newest.toEpochMilli() - 1;
    try {
      Awaitility.await("window watermark " + Instant.ofEpochMilli(expected))
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> windowWatermark(job) == expected);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "window watermark stayed at " + Instant.ofEpochMilli(windowWatermark(job)), e);
    }
  }

  /** The watermark of the window operator (parallel subtasks: the lowest). */
  private static long windowWatermark(JobClient job) {
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
    return found.stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
  }

  private static long recordsIn(JobClient job) {
    return new MetricValues(REPORTER, job.getJobID(), "aggregate").count(Metrics.RECORDS_IN);
  }

  private static long tooLate(JobClient job) {
    return new MetricValues(REPORTER, job.getJobID(), "aggregate").count(Metrics.RECORDS_TOO_LATE);
  }

  private static void awaitRecordsIn(JobClient job, long n) throws InterruptedException {
    JobTesting.waitFor(Duration.ofSeconds(90), () -> recordsIn(job) >= n);
    assertThat(recordsIn(job)).as("records read").isEqualTo(n);
  }

  private static String row(Instant t0, int start, String key, long n, String total) {
    return List.of(t0.plusSeconds(start), t0.plusSeconds(start + 10), key, n, new BigDecimal(total))
        .toString();
  }

  private static List<String> rows(IcebergCatalog catalog, String table) {
    if (!Tables.exists(catalog, table)) {
      return List.of();
    }
    List<Record> records = new ArrayList<>(Tables.read(catalog, table));
    records.sort(
        Comparator.comparing((Record r) -> (OffsetDateTime) r.getField("window_start"))
            .thenComparing(r -> (String) r.getField("k")));
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
