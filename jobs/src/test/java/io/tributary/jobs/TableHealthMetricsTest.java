package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.metrics.Metrics;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table health metrics of a running {@code aggregate} job (an upsert table, so with equality
 * deletes) whose maintenance rewrites and expires while it writes: at a moment the table's metadata
 * holds still, every figure equals what the metadata says.
 */
@Timeout(300)
class TableHealthMetricsTest {
  static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2, REPORTER);

  @TempDir Path dir;

  @Test
  void healthFiguresEqualTheTablesMetadata() throws Exception {
    JobClient client =
        JobTesting.startAsync(
            "aggregate",
            "--job.name",
            "aggregate",
            "--job.parallelism",
            "1",
            "--job.checkpoint.interval",
            "1 s",
            "--job.checkpoint.dir",
            dir.resolve("checkpoints").toUri().toString(),
            "--source.type",
            "datagen",
            "--datagen.rate",
            "200",
            "--format.schema",
            "event_id STRING NOT NULL, event_type STRING NOT NULL, user_id STRING NOT NULL,"
                + " amount DECIMAL(12, 2), ts TIMESTAMP_LTZ(3) NOT NULL",
            "--format.event-time.field",
            "ts",
            "--aggregate.window.type",
            "tumbling",
            "--aggregate.window.size",
            "1 s",
            "--aggregate.group-by",
            "event_type",
            "--aggregate.aggregates",
            "count(*) AS events, sum(amount) AS revenue",
            "--iceberg.warehouse",
            dir.resolve("warehouse").toString(),
            "--iceberg.database",
            "lake",
            "--iceberg.table",
            "metrics",
            "--maintenance.rate-limit",
            "1 s",
            "--maintenance.lock-check-delay",
            "1 s",
            "--maintenance.rewrite.commit-count",
            "4",
            "--maintenance.expire-snapshots.interval",
            "2 s",
            "--maintenance.expire-snapshots.max-age",
            "1 s",
            "--maintenance.expire-snapshots.retain-last",
            "5");
    MetricValues metrics = new MetricValues(REPORTER, client.getJobID(), "aggregate");
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    String t = ".Table.metrics.";
    try {
      // a maintenance run ended, after which a rewrite committed
      JobTesting.waitFor(
          Duration.ofSeconds(120),
          () ->
              metrics.gauge(t + Metrics.MAINTENANCE_LAST_RUN_OUTCOME).orElse(-1L) == 1
                  && JobTesting.rows(catalog, "metrics") > 0
                  && hasRewrite(catalog));
      int compared = 0;
      // right after a rewrite has applied every delete there may be none live: the comparisons go
      // on until one of them also saw equality deletes, so the delete figures are not vacuous
      boolean sawEqualityDeletes = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (compared < 3 || !sawEqualityDeletes) {
        assertThat(System.nanoTime())
            .as("3 quiet moments, one with equality deletes, within 90 s")
            .isLessThan(deadline);
        // the metadata held still from before the pause to after the gauges were read: the last
        // commit's report (made right after the commit) is in
        String first = location(catalog);
        Thread.sleep(300);
        if (!first.equals(location(catalog))) {
          continue;
        }
        long dataFiles = metrics.gauge(t + Metrics.TABLE_DATA_FILES).orElseThrow();
        long deleteFiles = metrics.gauge(t + Metrics.TABLE_DELETE_FILES).orElseThrow();
        long eqDeletes = metrics.gauge(t + Metrics.TABLE_EQUALITY_DELETES).orElseThrow();
        long average = metrics.gauge(t + Metrics.TABLE_AVERAGE_FILE_BYTES).orElseThrow();
        long snapshots = metrics.gauge(t + Metrics.TABLE_SNAPSHOTS).orElseThrow();
        long runMillis = metrics.gauge(t + Metrics.MAINTENANCE_LAST_RUN_MILLIS).orElseThrow();
        Table table = table(catalog);
        if (!first.equals(metadataLocation(table))) {
          continue;
        }
        OneShotMaintenance.Figures f = OneShotMaintenance.Figures.of(table);
        System.out.printf(
            "metrics: %d data files (average %d bytes), %d delete files, %d equality deletes,"
                + " %d snapshots, last run %d ms; metadata: %s%n",
            dataFiles, average, deleteFiles, eqDeletes, snapshots, runMillis, f.describe());
        assertThat(dataFiles).isEqualTo(f.dataFiles);
        assertThat(deleteFiles).isEqualTo(f.deleteFiles);
        assertThat(eqDeletes).isEqualTo(f.equalityDeletes);
        sawEqualityDeletes |= eqDeletes > 0;
        assertThat(average).isEqualTo(f.averageFileBytes());
        assertThat(snapshots).isEqualTo(f.snapshots);
        assertThat(runMillis).isBetween(0L, 60_000L);
        assertThat(f.lastRun).endsWith(" completed");
        compared++;
      }
      // the dead-letter table is maintained too: its snapshots are known
      assertThat(metrics.gauge(".Table.metrics_dead_letters." + Metrics.TABLE_SNAPSHOTS))
          .hasValueSatisfying(n -> assertThat(n).isNotNegative());
    } finally {
      JobTesting.cancelAndAwaitEnd(client);
    }
  }

  private static boolean hasRewrite(IcebergCatalog catalog) {
    Table t = table(catalog);
    for (org.apache.iceberg.Snapshot s : t.snapshots()) {
      if ("replace".equals(s.operation())) {
        return true;
      }
    }
    return false;
  }

  private static Table table(IcebergCatalog catalog) {
    return catalog.with(c -> c.loadTable(catalog.identifier("metrics")));
  }

  private static String location(IcebergCatalog catalog) {
    return metadataLocation(table(catalog));
  }

  private static String metadataLocation(Table t) {
    return ((HasTableOperations) t).operations().current().metadataFileLocation();
  }
}
