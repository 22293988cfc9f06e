package io.tributary.jobs;

import static io.tributary.testing.KinesisStreams.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.metrics.Metrics;
import io.tributary.stack.LocalStack;
import io.tributary.stack.StackSettings;
import io.tributary.testing.KinesisExtension;
import io.tributary.testing.KinesisStreams;
import io.tributary.testing.KinesisStreams.Entry;
import io.tributary.testing.KinesisStreams.Put;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Shard;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kinesis (a real Kinesis API server, kinesis-mock) into Iceberg through {@code ingest} on a
 * MiniCluster: plain, KPL-aggregated and malformed records, polling and enhanced fan-out, into
 * tables on S3 (S3Mock) behind the Iceberg REST catalog server; a shard split while the job runs;
 * and bounded runs that end by themselves.
 */
@Timeout(300)
class KinesisIngestTest {
  static final String SCHEMA =
      "id STRING NOT NULL, user_id STRING NOT NULL, amount DECIMAL(10, 2), qty INT,"
          + " ts TIMESTAMP_LTZ(3) NOT NULL";

  static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2, REPORTER);

  @RegisterExtension static final KinesisExtension kinesis = new KinesisExtension();

  @TempDir Path dir;

  @TempDir static Path stackDir;

  /** S3 and the REST catalog on it: the AWS path of issue 5, with local servers. */
  static LocalStack s3;

  @BeforeAll
  static void startS3() {
    s3 = S3Testing.start(stackDir);
  }

  @AfterAll
  static void stopS3() {
    try {
      if (s3 != null) {
        s3.close();
      }
    } finally {
      S3Testing.clearLocalCredentials();
    }
  }

  /** A local Hadoop warehouse, for the tests that are about Kinesis rather than S3. */
  List<String> localWarehouse() {
    return List.of(
        "--iceberg.warehouse", dir.resolve("warehouse").toString(), "--iceberg.database", "lake");
  }

  static String valid(int i, Instant ts) {
    String amount = i % 7 == 0 ? "" : ",\"amount\":" + i + ".25";
    String user = i == 3 ? "ü-世界" : "u-" + (i % 5);
    return String.format(
        "{\"id\":\"v-%02d\",\"user_id\":\"%s\"%s,\"qty\":%d,\"ts\":\"%s\"}",
        i, user, amount, i, ts);
  }

  static Object[] expectedRow(int i, Instant base) {
    return new Object[] {
      String.format("v-%02d", i),
      i == 3 ? "ü-世界" : "u-" + (i % 5),
      i % 7 == 0 ? null : new BigDecimal(i + ".25"),
      i,
      OffsetDateTime.ofInstant(base.plusSeconds(i), ZoneOffset.UTC)
    };
  }

  /** A bad record and where it landed: reason, shard id, position (seq, or seq:subseq). */
  static final class Bad {
    final String reason;
    final byte[] value;
    String shard;
    String position;

    Bad(String reason, byte[] value) {
      this.reason = reason;
      this.value = value;
    }
  }

  String[] args(
      String stream,
      String table,
      String reader,
      boolean bounded,
      List<String> catalog,
      String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--job.name",
                "ingest",
                "--job.checkpoint.interval",
                "1 s",
                "--job.restart.max-attempts",
                "2",
                "--job.checkpoint.dir",
                dir.resolve("checkpoints-" + table).toUri().toString(),
                "--kinesis.reader",
                reader,
                "--format.schema",
                SCHEMA,
                "--format.event-time.field",
                "ts",
                "--iceberg.table",
                table));
    a.addAll(kinesis.sourceArgs(stream, bounded));
    a.addAll(catalog);
    a.addAll(Arrays.asList(more));
    return a.toArray(new String[0]);
  }

  @ParameterizedTest(name = "reader = {0}")
  @ValueSource(strings = {"polling", "efo"})
  void landsTheValidRecordsAndDeadLettersTheBadOnesWithShardAndSequence(String reader)
      throws Exception {
    String stream = "clicks-" + reader;
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 4);
    List<Shard> shards = k.openShards(stream);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    // 24 plain valid records, 8 KPL aggregates of 3 valid records, spread over the 4 shards.
    for (int i = 0; i < 24; i++) {
      k.put(stream, shards.get(i % 4), "k" + i, utf8(valid(i, base.plusSeconds(i))));
    }
    for (int a = 0; a < 8; a++) {
      List<byte[]> users = new ArrayList<>();
      for (int i = 24 + 3 * a; i < 27 + 3 * a; i++) {
        users.add(utf8(valid(i, base.plusSeconds(i))));
      }
      k.putAggregated(stream, shards.get(a % 4), "agg" + a, users);
    }
    String ok = "\"id\":\"b\",\"user_id\":\"u\"";
    List<Bad> bad = new ArrayList<>();
    bad.add(new Bad("malformed-json", utf8("not json at all")));
    bad.add(new Bad("truncated-json", utf8("{\"id\":\"b\",\"user_id\":\"u")));
    bad.add(new Bad("wrong-type", utf8("{" + ok + ",\"qty\":\"three\",\"ts\":\"" + base + "\"}")));
    bad.add(new Bad("missing-field", utf8("{\"id\":\"b\",\"ts\":\"" + base + "\"}")));
    bad.add(new Bad("missing-event-time", utf8("{" + ok + ",\"ts\":null}")));
    bad.add(
        new Bad("event-time-out-of-bounds", utf8("{" + ok + ",\"ts\":\"1970-01-01T00:00:00Z\"}")));
    byte[] badUtf8 = utf8("{" + ok + ",\"ts\":\"" + base + "\"}");
    badUtf8[8] = (byte) 0xC3;
    bad.add(new Bad("invalid-utf8", badUtf8));
    for (int i = 0; i < bad.size(); i++) {
      Put p = k.put(stream, shards.get(i % 4), "bad" + i, bad.get(i).value);
      bad.get(i).shard = p.shardId;
      bad.get(i).position = p.sequenceNumber;
    }
    // A bad user record inside an aggregate, between two valid ones: it keeps its sub-sequence.
    Bad inAggregate = new Bad("malformed-json", utf8("{not json inside a KPL aggregate"));
    Put agg =
        k.putAggregated(
            stream,
            shards.get(1),
            "agg-mixed",
            List.of(
                utf8(valid(48, base.plusSeconds(48))),
                inAggregate.value,
                utf8(valid(49, base.plusSeconds(49)))));
    inAggregate.shard = agg.shardId;
    inAggregate.position = agg.sequenceNumber + ":1";
    bad.add(inAggregate);

    List<String> catalogKeys = S3Testing.catalogKeys(s3, "rest", dir, "lake_" + reader);
    long start = System.nanoTime();
    Main.Run run =
        Main.run(
            args(
                KinesisStreams.arn(stream),
                "clicks_" + reader,
                reader,
                true,
                S3Testing.args(catalogKeys),
                "--iceberg.partition-spec",
                "days(ts), bucket(4, user_id)"));
    long millis = (System.nanoTime() - start) / 1_000_000;

    IcebergCatalog catalog = S3Testing.catalog(catalogKeys);
    // On S3 behind the REST catalog, not on a local disk.
    String table = "clicks_" + reader;
    String location = catalog.with(c -> c.loadTable(catalog.identifier(table)).location());
    assertThat(location).startsWith("s3://" + StackSettings.BUCKET + "/");
    List<Record> rows = Tables.read(catalog, "clicks_" + reader);
    rows.sort(Comparator.comparing(r -> (String) r.getField("id")));
    List<Object[]> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      expected.add(expectedRow(i, base));
    }
    assertThat(rows)
        .extracting(
            r -> r.getField("id"),
            r -> r.getField("user_id"),
            r -> r.getField("amount"),
            r -> r.getField("qty"),
            r -> r.getField("ts"))
        .containsExactlyElementsOf(
            expected.stream().map(e -> tuple(e)).collect(Collectors.toList()));

    List<Record> dead = Tables.read(catalog, "clicks_" + reader + "_dead_letters");
    assertThat(dead)
        .extracting(
            r -> r.getField("reason"),
            r -> r.getField("job"),
            r -> r.getField("source_type"),
            r -> r.getField("source_stream"),
            r -> r.getField("source_partition"),
            r -> r.getField("source_position"))
        .containsExactlyInAnyOrderElementsOf(
            bad.stream()
                .map(b -> tuple(b.reason, "ingest", "kinesis", stream, b.shard, b.position))
                .collect(Collectors.toList()));
    for (Record r : dead) {
      Bad b =
          bad.stream()
              .filter(x -> x.position.equals(r.getField("source_position")))
              .findFirst()
              .orElseThrow();
      assertThat((ByteBuffer) r.getField("payload")).isEqualTo(ByteBuffer.wrap(b.value));
      assertThat((String) r.getField("error_message")).isNotBlank();
      assertThat(r.getField("source_timestamp")).isNotNull();
    }
    // every shard read to its end: 0 ms behind (kinesis-mock reports it); dead letters metered
    MetricValues metrics = new MetricValues(REPORTER, run.result.getJobID(), "ingest");
    assertThat(metrics.gauge("." + Metrics.SOURCE_MILLIS_BEHIND_LATEST_MAX)).contains(0L);
    // ... and per shard, under Shard=<shard id>
    for (Shard s : shards) {
      assertThat(
              metrics.gauge(
                  ".Shard." + s.shardId() + "." + Metrics.SOURCE_SHARD_MILLIS_BEHIND_LATEST))
          .as("millisBehindLatest of %s", s.shardId())
          .contains(0L);
    }
    assertThat(metrics.find("." + Metrics.SOURCE_SHARD_MILLIS_BEHIND_LATEST)).hasSize(4);
    assertThat(metrics.count(".Reason.malformed-json." + Metrics.DEAD_LETTERS_PER_SECOND))
        .isEqualTo(2);
    assertThat(metrics.count(".Reason.invalid-utf8." + Metrics.DEAD_LETTERS_PER_SECOND))
        .isEqualTo(1);
    System.out.printf(
        "kinesis %s bounded ingest: %d rows + %d dead letters in %d ms%n",
        reader, rows.size(), dead.size(), millis);
  }

  /**
   * Each shard's millisBehindLatest under Shard=<id> while a backlog is read, and 0 after it.
   * kinesis-mock reports it as the arrival time of the shard's newest record minus that of the
   * first record a GetRecords returns: so each shard holds records that arrived 1.5 s apart, and
   * the reader takes one record per GetRecords.
   */
  @Test
  void millisBehindLatestPerShardWhileABacklogIsReadAndZeroAfter() throws Exception {
    String stream = "lagging";
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 2);
    List<Shard> shards = k.openShards(stream);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    int perShard = 10;
    for (int half = 0; half < 2; half++) {
      List<Entry> entries = new ArrayList<>();
      for (int i = 0; i < perShard; i++) {
        int id = half * perShard + i;
        entries.add(new Entry(shards.get(i % 2), "k" + id, utf8(valid(id, base.plusSeconds(id)))));
      }
      k.putAll(stream, entries);
      if (half == 0) {
        // not a wait for a condition: the second half must arrive later than the first
        Thread.sleep(1_500);
      }
    }
    JobClient client =
        JobTesting.startAsync(
            "kinesis-lagging",
            args(
                stream,
                "lagging",
                "polling",
                false,
                localWarehouse(),
                "--job.parallelism",
                "1",
                "--kinesis.properties.flink.shard.getrecords.maxrecordcount",
                "1"));
    try {
      MetricValues metrics = new MetricValues(REPORTER, client.getJobID(), "ingest");
      long[] highest = {-1, -1};
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (metrics.count(".Job.ingest." + Metrics.RECORDS_IN) < 2 * perShard) {
        for (int s = 0; s < 2; s++) {
          long v = metrics.gauge(shardLag(shards.get(s))).orElse(-1L);
          highest[s] = Math.max(highest[s], v);
        }
        assertThat(System.nanoTime()).as("every record read within 120 s").isLessThan(deadline);
        Thread.sleep(2);
      }
      for (int s = 0; s < 2; s++) {
        assertThat(highest[s])
            .as("ms behind latest of %s while its backlog was read", shards.get(s).shardId())
            .isBetween(1_000L, 60_000L);
      }
      JobTesting.waitFor(
          Duration.ofSeconds(30),
          () ->
              shards.stream().allMatch(sh -> metrics.gauge(shardLag(sh)).orElse(-1L) == 0)
                  && metrics.gauge("." + Metrics.SOURCE_MILLIS_BEHIND_LATEST_MAX).orElse(-1L) == 0);
      System.out.printf(
          "kinesis ms behind latest while reading, per shard: %s%n", Arrays.toString(highest));
    } finally {
      client.cancel().get(60, TimeUnit.SECONDS);
      // its tasks write checkpoints into the test's folder until they are gone
      JobTesting.waitFor(
          Duration.ofSeconds(60),
          () -> {
            try {
              return client.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState();
            } catch (Exception e) {
              return false;
            }
          });
    }
  }

  private static String shardLag(Shard shard) {
    return ".Shard." + shard.shardId() + "." + Metrics.SOURCE_SHARD_MILLIS_BEHIND_LATEST;
  }

  /**
   * A shard split while an unbounded job reads: every record exactly once, those put to the parent
   * just before the split and those put to its children after. Then a bounded run over the
   * resharded stream (closed parent, children) ends by itself with every record.
   */
  @Test
  void splitWhileRunningLosesAndDuplicatesNothingAndBoundedReadsTheResult(
      @InjectMiniCluster MiniCluster cluster) throws Exception {
    String stream = "reshard";
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 2);
    List<Shard> shards = k.openShards(stream);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");

    JobClient client =
        JobTesting.startAsync(
            "kinesis-reshard",
            args(
                stream, "resharded", "polling", false, localWarehouse(), "--job.parallelism", "2"));
    int id = 0;
    List<Entry> first = new ArrayList<>();
    for (; id < 300; id++) {
      first.add(new Entry(shards.get(id % 2), "k" + id, utf8(json(id, base))));
    }
    k.putAll(stream, first);
    JobTesting.waitFor(Duration.ofSeconds(90), () -> JobTesting.rows(catalog, "resharded") > 0);

    // Records into the parent right before it splits: the reader may be anywhere in them.
    List<Entry> beforeSplit = new ArrayList<>();
    for (; id < 500; id++) {
      beforeSplit.add(new Entry(shards.get(0), "k" + id, utf8(json(id, base))));
    }
    k.putAll(stream, beforeSplit);
    String parent = shards.get(0).shardId();
    k.split(stream, parent);
    List<Shard> open = k.openShards(stream);
    assertThat(open).hasSize(3);
    List<Entry> after = new ArrayList<>();
    for (; id < 800; id++) {
      after.add(new Entry(open.get(id % 3), "k" + id, utf8(json(id, base))));
    }
    List<Put> afterPuts = k.putAll(stream, after);
    Set<String> children =
        open.stream()
            .filter(s -> parent.equals(s.parentShardId()))
            .map(Shard::shardId)
            .collect(Collectors.toSet());
    assertThat(children).hasSize(2);
    assertThat(afterPuts.stream().filter(p -> children.contains(p.shardId)).count()).isEqualTo(200);

    int total = id;
    JobTesting.waitFor(
        Duration.ofSeconds(120), () -> JobTesting.rows(catalog, "resharded") >= total);
    // a few more checkpoints: a duplicate would show now
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 3);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);
    // The oracle is the stream itself: an SDK retry of a timed-out PutRecords may have written
    // a record twice, and then both copies must land.
    List<String> inStream = idsInStream(k, stream);
    assertThat(new TreeSet<>(inStream)).hasSize(total);
    assertIds(Tables.read(catalog, "resharded"), inStream);

    // Bounded over the resharded stream: closed parent to its end, children to their bounds.
    long start = System.nanoTime();
    Main.run(
        args(
            stream,
            "resharded_bounded",
            "polling",
            true,
            localWarehouse(),
            "--job.parallelism",
            "2"));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertIds(Tables.read(catalog, "resharded_bounded"), inStream);
    System.out.printf("kinesis bounded over a split stream: %d rows in %d ms%n", total, millis);
  }

  static String json(int id, Instant base) {
    return String.format(
        "{\"id\":\"r-%05d\",\"user_id\":\"u-%d\",\"qty\":%d,\"ts\":\"%s\"}",
        id, id % 5, id, base.plusMillis(id));
  }

  static List<String> idsInStream(KinesisStreams k, String stream) {
    Pattern id = Pattern.compile("\"id\":\"(r-\\d+)\"");
    List<String> ids = new ArrayList<>();
    for (byte[] value : k.readAll(stream)) {
      Matcher m = id.matcher(new String(value, StandardCharsets.UTF_8));
      assertThat(m.find()).isTrue();
      ids.add(m.group(1));
    }
    Collections.sort(ids);
    return ids;
  }

  /** Each record of the stream exactly once: nothing lost, nothing duplicated. */
  static void assertIds(List<Record> rows, List<String> inStream) {
    List<String> ids =
        rows.stream().map(r -> (String) r.getField("id")).sorted().collect(Collectors.toList());
    assertThat(ids).isEqualTo(inStream);
  }
}
