package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.metrics.Metrics;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Meter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations metrics of {@code ingest}, read from a reporter on the MiniCluster while a real
 * Kafka backlog is read: lag above 0 while it is, 0 after; freshness from the committed event
 * times; commit counts equal to the tables' snapshots; dead letters metered per reason.
 */
@Timeout(240)
class OperationsMetricsTest {
  static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2, REPORTER);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  static final int TOTAL = 30_000;

  @Test
  void lagFreshnessCommitsAndDeadLettersOfAnIngestRun() throws Exception {
    String topic = "metered";
    kafka.createTopic(topic, 3);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    kafka.sendAll(topic, JobTesting.orders(topic, 0, TOTAL, base));
    int bad = JobTesting.brokenOrders(TOTAL);
    long newest = base.toEpochMilli() + TOTAL - 2; // TOTAL - 1 is a broken order: no event time

    JobClient client =
        JobTesting.startAsync(
            "ingest",
            "--job.name",
            "ingest",
            "--job.parallelism",
            "1",
            "--job.checkpoint.interval",
            "500 ms",
            "--job.checkpoint.dir",
            dir.resolve("checkpoints").toUri().toString(),
            "--source.type",
            "kafka",
            "--kafka.bootstrap.servers",
            kafka.bootstrapServers(),
            "--kafka.topics",
            topic,
            "--kafka.start",
            "earliest",
            // small fetches: the backlog takes many of them, so the lag is seen above 0
            "--kafka.properties.max.partition.fetch.bytes",
            "2048",
            "--kafka.properties.max.poll.records",
            "20",
            "--format.schema",
            "id BIGINT NOT NULL, payload STRING, ts TIMESTAMP_LTZ(3) NOT NULL",
            "--format.event-time.field",
            "ts",
            "--iceberg.warehouse",
            dir.resolve("warehouse").toString(),
            "--iceberg.database",
            "lake",
            "--iceberg.table",
            "orders");
    MetricValues metrics = new MetricValues(REPORTER, client.getJobID(), "ingest");
    try {
      AtomicLong highest = new AtomicLong(-1);
      long[] partitionHighest = {-1, -1, -1};
      // lag while the backlog is read, sampled every few milliseconds until every record is in:
      // on an idle machine the whole backlog is read in under half a second
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (metrics.count(".Job.ingest." + Metrics.RECORDS_IN) < TOTAL) {
        metrics
            .gauge("." + Metrics.SOURCE_RECORDS_LAG_MAX)
            .ifPresent(v -> highest.accumulateAndGet(v, Math::max));
        for (int p = 0; p < 3; p++) {
          long v = metrics.gauge(partitionLag(topic, p)).orElse(-1L);
          partitionHighest[p] = Math.max(partitionHighest[p], v);
        }
        assertThat(System.nanoTime()).as("every record read within 120 s").isLessThan(deadline);
        Thread.sleep(2);
      }
      assertThat(highest.get()).as("records lag max while reading the backlog").isPositive();
      assertThat(highest.get()).isLessThanOrEqualTo(TOTAL);
      // each partition holds a third of the backlog: each was seen behind while it was read
      for (int p = 0; p < 3; p++) {
        assertThat(partitionHighest[p])
            .as("records lag of partition %d while reading the backlog", p)
            .isBetween(1L, (long) TOTAL / 3);
      }
      // ... and 0 once it is read: both the max and the sum over partitions
      JobTesting.waitFor(
          Duration.ofSeconds(30),
          () ->
              metrics.gauge("." + Metrics.SOURCE_RECORDS_LAG_MAX).orElse(-1L) == 0
                  && metrics.gauge("." + Metrics.SOURCE_RECORDS_LAG).orElse(-1L) == 0);
      for (int p = 0; p < 3; p++) {
        assertThat(metrics.gauge(partitionLag(topic, p))).as("lag of partition %d", p).contains(0L);
      }
      assertThat(metrics.find("." + Metrics.SOURCE_PARTITION_RECORDS_LAG)).hasSize(3);

      IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
      JobTesting.waitFor(
          Duration.ofSeconds(60), () -> JobTesting.rows(catalog, "orders") == TOTAL - bad);
      JobTesting.waitFor(
          Duration.ofSeconds(60), () -> JobTesting.rows(catalog, "orders_dead_letters") == bad);

      // commits: one per snapshot of each table, and the last one's figures
      for (String table : List.of("orders", "orders_dead_letters")) {
        String scope = ".Table." + table + ".";
        JobTesting.waitFor(
            Duration.ofSeconds(30),
            () ->
                metrics.one(scope + Metrics.COMMITS).map(m -> ((Counter) m).getCount()).orElse(-1L)
                    == snapshots(catalog, table));
        assertThat(
                metrics.one(scope + Metrics.COMMITTED_RECORDS).map(m -> ((Counter) m).getCount()))
            .contains(table.equals("orders") ? TOTAL - bad : (long) bad);
        Snapshot last = catalog.with(c -> c.loadTable(catalog.identifier(table)).currentSnapshot());
        Map<String, String> summary = last.summary();
        assertThat(metrics.gauge(scope + Metrics.COMMIT_RECORDS))
            .contains(number(summary, SnapshotSummary.ADDED_RECORDS_PROP));
        assertThat(metrics.gauge(scope + Metrics.COMMIT_DATA_FILES))
            .contains(number(summary, SnapshotSummary.ADDED_FILES_PROP));
        assertThat(metrics.gauge(scope + Metrics.COMMIT_BYTES))
            .contains(number(summary, SnapshotSummary.ADDED_FILE_SIZE_PROP));
        assertThat(metrics.gauge(scope + Metrics.COMMIT_DELETE_FILES)).contains(0L);
        assertThat(metrics.gauge(scope + Metrics.COMMIT_DURATION_MILLIS).orElseThrow())
            .isBetween(0L, 30_000L);
        assertThat(metrics.gauge(scope + Metrics.MILLIS_SINCE_LAST_COMMIT).orElseThrow())
            .isBetween(0L, 60_000L);
      }

      // freshness: now minus the newest committed event time, order TOTAL - 2's; published when
      // the checkpoint completes, beside (not after) the commit: waited for
      JobTesting.waitFor(
          Duration.ofSeconds(30),
          () -> {
            long before = System.currentTimeMillis();
            long freshness = metrics.gauge(".Table.orders." + Metrics.FRESHNESS_MILLIS).orElse(-1L);
            long after = System.currentTimeMillis();
            return freshness >= before - newest && freshness <= after - newest;
          });

      // dead letters: every broken order, metered under its reason
      Meter meter =
          (Meter)
              metrics
                  .one(".Reason.truncated-json." + Metrics.DEAD_LETTERS_PER_SECOND)
                  .orElseThrow();
      assertThat(meter.getCount()).isEqualTo(bad);
      // a rate: Flink's view updater refreshes it every 5 s (300 over a 60 s span: 5/s)
      JobTesting.waitFor(Duration.ofSeconds(20), () -> meter.getRate() > 0);
      // the figures, for the record (target/surefire-reports/*-output.txt)
      String t = ".Table.orders.";
      System.out.printf(
          "observed: lag max while reading %d (per partition %s); lag now %d; freshness %d ms; commits %d;"
              + " committed records %d; last commit %d records, %d files, %d bytes in %d ms;"
              + " dead letters %d (meter rate %.2f/s)%n",
          highest.get(),
          java.util.Arrays.toString(partitionHighest),
          metrics.gauge("." + Metrics.SOURCE_RECORDS_LAG_MAX).orElseThrow(),
          metrics.gauge(t + Metrics.FRESHNESS_MILLIS).orElseThrow(),
          metrics.count(t + Metrics.COMMITS),
          metrics.count(t + Metrics.COMMITTED_RECORDS),
          metrics.gauge(t + Metrics.COMMIT_RECORDS).orElseThrow(),
          metrics.gauge(t + Metrics.COMMIT_DATA_FILES).orElseThrow(),
          metrics.gauge(t + Metrics.COMMIT_BYTES).orElseThrow(),
          metrics.gauge(t + Metrics.COMMIT_DURATION_MILLIS).orElseThrow(),
          meter.getCount(),
          meter.getRate());
      assertThat(metrics.count(".Job.ingest." + Metrics.RECORDS_DEAD_LETTERED)).isEqualTo(bad);

      // freshness grows while nothing new arrives (the source quiet, as if paused) ...
      String freshness = t + Metrics.FRESHNESS_MILLIS;
      long quiet = metrics.gauge(freshness).orElseThrow();
      JobTesting.waitFor(
          Duration.ofSeconds(30), () -> metrics.gauge(freshness).orElse(-1L) >= quiet + 2_000);
      // ... and recovers once events of now are committed (orders TOTAL.. are valid ones)
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusMillis(TOTAL);
      kafka.sendAll(topic, JobTesting.orders(topic, TOTAL, TOTAL + 9, now));
      JobTesting.waitFor(
          Duration.ofSeconds(60), () -> metrics.gauge(freshness).orElse(Long.MAX_VALUE) < 60_000);
      System.out.printf(
          "freshness: %d ms quiet, grew past %d, then %d ms after fresh events%n",
          quiet, quiet + 2_000, metrics.gauge(freshness).orElseThrow());
    } finally {
      JobTesting.cancelAndAwaitEnd(client);
    }
  }

  private static String partitionLag(String topic, int partition) {
    return ".Topic."
        + topic
        + ".Partition."
        + partition
        + "."
        + Metrics.SOURCE_PARTITION_RECORDS_LAG;
  }

  private static long snapshots(IcebergCatalog catalog, String table) {
    return catalog.with(
        c -> {
          Table t = c.loadTable(catalog.identifier(table));
          long n = 0;
          for (Snapshot ignored : t.snapshots()) {
            n++;
          }
          return n;
        });
  }

  private static long number(Map<String, String> summary, String key) {
    return Long.parseLong(summary.getOrDefault(key, "0"));
  }
}
