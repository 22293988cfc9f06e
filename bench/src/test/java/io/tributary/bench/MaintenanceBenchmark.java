package io.tributary.bench;

import io.tributary.config.Configs;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.jobs.JobTesting;
import io.tributary.jobs.MetricValues;
import io.tributary.metrics.Metrics;
import io.tributary.testing.Components;
import io.tributary.testing.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance on against off, in one run: two {@code aggregate} jobs side by side on one
 * MiniCluster, each writing its own upsert table from the same generated stream (hot keys: a few
 * event types per 10 s window, early firings every 2 s and late firings for events up to 10 min
 * late, so every firing upserts the same rows again). After {@code -Dbench.minutes} both are
 * cancelled and each table measured: files, sizes, delete share, snapshots, metadata size, the time
 * of a full read with deletes applied against the same table freshly rewritten, and the records
 * each job read (throughput).
 *
 * <p>Not part of the test suite (the name does not end in Test); run it with:
 *
 * <pre>
 * mvn -q -o -pl jobs -am test -Dtest=MaintenanceBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dbench.minutes=20
 * </pre>
 *
 * The triggers are scaled to the run's length (rewrite every 12 commits, expiry every minute
 * keeping 20 snapshots), so a shortened run shows what the defaults do over hours.
 */
class MaintenanceBenchmark {
  static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(4, REPORTER);

  @TempDir Path dir;

  @Test
  void maintenanceOnAgainstOff() throws Exception {
    double minutes = Double.parseDouble(System.getProperty("bench.minutes", "4"));
    String interval = System.getProperty("bench.checkpoint", "10 s");
    JobClient on =
        start(
            "on",
            interval,
            "--maintenance.rewrite.commit-count",
            "12",
            "--maintenance.rewrite.interval",
            "5 min",
            "--maintenance.expire-snapshots.interval",
            "1 min",
            "--maintenance.expire-snapshots.max-age",
            "1 min",
            "--maintenance.expire-snapshots.retain-last",
            "20",
            "--maintenance.rate-limit",
            "10 s",
            "--maintenance.lock-check-delay",
            "5 s");
    JobClient off = start("off", interval, "--maintenance.enabled", "false");
    long started = System.nanoTime();
    Thread.sleep((long) (minutes * 60_000));
    double seconds = (System.nanoTime() - started) / 1e9;
    long readOn =
        new MetricValues(REPORTER, on.getJobID(), "aggregate")
            .count(".Job.aggregate." + Metrics.RECORDS_IN);
    long readOff =
        new MetricValues(REPORTER, off.getJobID(), "aggregate")
            .count(".Job.aggregate." + Metrics.RECORDS_IN);
    stop(on);
    stop(off);

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    List<String> rows = new ArrayList<>();
    rows.add(measure(catalog, "metrics_on", readOn, seconds));
    rows.add(measure(catalog, "metrics_off", readOff, seconds));
    String table =
        String.format(
            Locale.ROOT,
            "%.1f min, checkpoint %s, 2 jobs on one MiniCluster (4 slots)%n"
                + "| maintenance | data files | avg data file | delete files | delete bytes /"
                + " data bytes | snapshots | metadata bytes | read ms | read ms rewritten | read"
                + " ratio | records read | records/s |%n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|%n%s%n%s%n"
                + "throughput with maintenance / without: %.2f%n",
            seconds / 60,
            interval,
            rows.get(0),
            rows.get(1),
            readOn / (double) Math.max(1, readOff));
    System.out.println(table);
    Files.writeString(Path.of("target", "maintenance-benchmark.md"), table);
  }

  private JobClient start(String name, String interval, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name",
                "aggregate",
                "--job.parallelism",
                "1",
                "--job.checkpoint.interval",
                interval,
                "--job.checkpoint.dir",
                dir.resolve("checkpoints-" + name).toUri().toString(),
                "--source.type",
                "datagen",
                "--datagen.rate",
                System.getProperty("bench.rate", "2000"),
                "--datagen.seed",
                "7",
                "--datagen.late-ratio",
                "0.2",
                "--format.schema",
                "event_id STRING NOT NULL, event_type STRING NOT NULL, user_id STRING NOT NULL,"
                    + " amount DECIMAL(12, 2), ts TIMESTAMP_LTZ(3) NOT NULL",
                "--format.event-time.field",
                "ts",
                "--aggregate.window.type",
                "tumbling",
                "--aggregate.window.size",
                "10 s",
                "--aggregate.allowed-lateness",
                "15 min",
                "--aggregate.early-fire.interval",
                "2 s",
                "--aggregate.group-by",
                "event_type",
                "--aggregate.aggregates",
                "count(*) AS events, sum(amount) AS revenue",
                "--iceberg.warehouse",
                dir.resolve("warehouse").toString(),
                "--iceberg.database",
                "lake",
                "--iceberg.table",
                "metrics_" + name));
    args.addAll(List.of(more));
    return JobTesting.startAsync("bench-" + name, args.toArray(new String[0]));
  }

  private static void stop(JobClient client) throws Exception {
    client.cancel().get();
    JobTesting.waitFor(
        Duration.ofSeconds(120),
        () -> {
          try {
            return client.getJobStatus().get().isGloballyTerminalState();
          } catch (Exception e) {
            return true;
          }
        });
  }

  private String measure(IcebergCatalog catalog, String name, long read, double seconds)
      throws Exception {
    Table t = catalog.with(c -> c.loadTable(TableIdentifier.of("lake", name)));
    long dataFiles = 0;
    long dataBytes = 0;
    long deleteFiles = 0;
    long deleteBytes = 0;
    for (ManifestFile m : t.currentSnapshot().allManifests(t.io())) {
      if (m.content() == org.apache.iceberg.ManifestContent.DATA) {
        try (ManifestReader<DataFile> r = ManifestFiles.read(m, t.io(), t.specs())) {
          for (DataFile f : r) {
            dataFiles++;
            dataBytes += f.fileSizeInBytes();
          }
        }
      } else {
        try (ManifestReader<DeleteFile> r =
            ManifestFiles.readDeleteManifest(m, t.io(), t.specs())) {
          for (DeleteFile f : r) {
            deleteFiles++;
            deleteBytes += f.fileSizeInBytes();
          }
        }
      }
    }
    long snapshots = OneShotMaintenance.Figures.of(t).snapshots;
    long metadataBytes = folderBytes(Path.of(java.net.URI.create(t.location() + "/metadata")));
    long readMillis = readMillis(t);
    // the same table freshly rewritten: the maintain job's rewrite only
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Components.oneShot(
            Configs.of(
                "job.name", "maintain",
                "iceberg.warehouse", dir.resolve("warehouse").toString(),
                "iceberg.database", "lake",
                "maintenance.maintain.tables", name,
                "maintenance.expire-snapshots.enabled", "false",
                "maintenance.delete-orphans.enabled", "false"))
        .maintain(env, TableIdentifier.of("lake", name));
    t.refresh();
    long rewrittenMillis = readMillis(t);
    return String.format(
        Locale.ROOT,
        "| %s | %d | %d bytes | %d | %.1f%% | %d | %d | %d | %d | %.2f | %d | %.0f |",
        name.endsWith("on") ? "on" : "off",
        dataFiles,
        dataFiles == 0 ? 0 : dataBytes / dataFiles,
        deleteFiles,
        dataBytes == 0 ? 0 : 100.0 * deleteBytes / dataBytes,
        snapshots,
        metadataBytes,
        readMillis,
        rewrittenMillis,
        readMillis / (double) Math.max(1, rewrittenMillis),
        read,
        read / seconds);
  }

  /** The best of three full reads with deletes applied. */
  private static long readMillis(Table t) {
    long best = Long.MAX_VALUE;
    for (int k = 0; k < 3; k++) {
      long start = System.nanoTime();
      Tables.read(t);
      best = Math.min(best, (System.nanoTime() - start) / 1_000_000);
    }
    return best;
  }

  private static long folderBytes(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
