package io.tributary.iceberg;

import static io.tributary.iceberg.SmallCommits.create;
import static io.tributary.iceberg.SmallCommits.dataFile;
import static io.tributary.iceberg.SmallCommits.dataFiles;
import static io.tributary.iceberg.SmallCommits.liveDeleteFiles;
import static io.tributary.iceberg.SmallCommits.record;
import static io.tributary.iceberg.SmallCommits.rows;
import static io.tributary.iceberg.SmallCommits.upsert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.testing.Components;
import io.tributary.testing.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The maintenance a job adds, run on its own over tables with many small commits: the content read
 * back with deletes applied is the same row for row, with fewer files and no live deletes; orphan
 * cleanup keeps young files; bad options fail at start-up.
 */
class TableMaintainerTest {
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final int COMMITS = 20;
  private static final int ROWS_PER_COMMIT = 10;
  private static final int KEYS = 15;

  @TempDir Path dir;

  private IcebergCatalog catalog() {
    return Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
  }

  @Test
  void rewriteOfAnAppendTableKeepsEveryRowInFewerFiles() throws Exception {
    IcebergCatalog catalog = catalog();
    Table t = create(catalog, "events");
    for (int k = 0; k < COMMITS; k++) {
      t.newAppend().appendFile(dataFile(t, rows(k * ROWS_PER_COMMIT, ROWS_PER_COMMIT, k))).commit();
    }
    List<String> before = sorted(Tables.read(t));
    assertThat(before).hasSize(COMMITS * ROWS_PER_COMMIT);
    assertThat(dataFiles(t)).isEqualTo(COMMITS);

    runUntil(catalog, "events", () -> replaced(catalog, "events"), rewriteOnly());

    Table after = load(catalog, "events");
    assertThat(sorted(Tables.read(after))).isEqualTo(before);
    assertThat(dataFiles(after)).isEqualTo(1);
    assertThat(after.properties()).doesNotContainKey(TablePropertyLock.LOCK_PROPERTY);
  }

  /**
   * An upsert table as the jobs write it: every commit an equality delete of its keys and the new
   * rows. After the rewrite no scan task carries a delete, and the latest value of each key is all
   * that is left.
   */
  @Test
  void rewriteOfAnUpsertTableAppliesTheEqualityDeletes() throws Exception {
    IcebergCatalog catalog = catalog();
    Table t = create(catalog, "mirror");
    for (int k = 0; k < COMMITS; k++) {
      List<Record> rows = new ArrayList<>();
      for (int i = 0; i < ROWS_PER_COMMIT; i++) {
        rows.add(record((k * 7L + i) % KEYS, "v" + k));
      }
      upsert(t, rows);
    }
    List<String> before = sorted(Tables.read(t));
    assertThat(before).hasSize(KEYS);
    assertThat(dataFiles(t)).isEqualTo(COMMITS);
    System.out.printf(
        "upsert before: %d data files, %d live delete files%n", dataFiles(t), liveDeleteFiles(t));
    assertThat(liveDeleteFiles(t)).isEqualTo(COMMITS - 1);

    runUntil(catalog, "mirror", () -> replaced(catalog, "mirror"), rewriteOnly());

    Table after = load(catalog, "mirror");
    assertThat(sorted(Tables.read(after))).isEqualTo(before);
    assertThat(dataFiles(after)).isEqualTo(1);
    assertThat(liveDeleteFiles(after)).isZero();
    // Iceberg's rewrite leaves the applied delete files listed; the lock's release drops them
    // before it frees the table, so none is listed, and a replace snapshot says how many went
    assertThat(after.currentSnapshot().summary()).containsEntry("total-delete-files", "0");
    org.apache.iceberg.Snapshot drop =
        java.util.stream.StreamSupport.stream(after.snapshots().spliterator(), false)
            .filter(s -> s.summary().containsKey(DanglingDeletes.DROPPED))
            .findFirst()
            .orElseThrow();
    // every delete file the rewrite left listed (18 or 19 of the 20 written, runs differ)
    String listed = after.snapshot(drop.parentId()).summary().get("total-delete-files");
    assertThat(Long.parseLong(listed)).isPositive();
    assertThat(drop.summary()).containsEntry(DanglingDeletes.DROPPED, listed);
    System.out.printf(
        "upsert table: %d -> %d data files, %d -> %d live delete files, %s delete files listed"
            + " after the rewrite, %s after the release%n",
        COMMITS,
        dataFiles(after),
        COMMITS - 1,
        liveDeleteFiles(after),
        listed,
        after.currentSnapshot().summary().get("total-delete-files"));
  }

  /**
   * A file under the table's location that no snapshot references is deleted only once it is older
   * than delete-orphans.min-age: a file the writer closed for a checkpoint that has not committed
   * yet is such a file, and young.
   */
  @Test
  void orphanCleanupDeletesOnlyFilesOlderThanTheMinimumAge() throws Exception {
    IcebergCatalog catalog = catalog();
    Table t = create(catalog, "events");
    for (int k = 0; k < 3; k++) {
      t.newAppend().appendFile(dataFile(t, rows(k * ROWS_PER_COMMIT, ROWS_PER_COMMIT, k))).commit();
    }
    List<String> before = sorted(Tables.read(t));
    Path data = Path.of(java.net.URI.create(t.location() + "/data"));
    Path old = data.resolve("old-orphan.parquet");
    Path pending = data.resolve("pending-checkpoint.parquet");
    Files.writeString(old, "left by a failed write");
    Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
    Files.writeString(pending, "written for a checkpoint that has not committed yet");

    runUntil(
        catalog,
        "events",
        () -> !Files.exists(old),
        "--maintenance.rewrite.enabled",
        "false",
        "--maintenance.expire-snapshots.enabled",
        "false",
        "--maintenance.delete-orphans.interval",
        "1 s",
        "--maintenance.delete-orphans.min-age",
        "1 h");

    assertThat(pending).exists();
    assertThat(sorted(Tables.read(load(catalog, "events")))).isEqualTo(before);
  }

  @Test
  void anOrphanAgeCloseToTheCheckpointIntervalFailsAtStartUp() {
    assertThatThrownBy(
            () ->
                Components.maintainer(
                    config(
                        "job.checkpoint.interval", "10 min",
                        "maintenance.delete-orphans.min-age", "90 min")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "bad value for 'delete-orphans.min-age' in property group 'maintenance': '90 min'")
        .hasMessageContaining("at least 10 x job.checkpoint.interval (10 min), so at least 100 min")
        .hasMessageContaining("Raise maintenance.delete-orphans.min-age");
    assertThatThrownBy(() -> config("maintenance.delete-orphans.min-age", "10 min"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "bad value for 'delete-orphans.min-age' in property group 'maintenance': '10 min'"
                + " must be at least 1 h");
    assertThatThrownBy(() -> config("maintenance.rewrite.commit-count", "0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "bad value for 'rewrite.commit-count' in property group 'maintenance': '0' must be"
                + " at least 1");
    // off: the same age is not checked, and nothing is added
    assertThat(
            Components.maintainer(
                    config(
                        "job.checkpoint.interval", "10 min",
                        "maintenance.delete-orphans.min-age", "90 min",
                        "maintenance.delete-orphans.enabled", "false"))
                .active())
        .isTrue();
    assertThat(Components.maintainer(config("maintenance.enabled", "false")).active()).isFalse();
    assertThat(Components.maintainer(config("source.bounded", "true")).active()).isFalse();
  }

  /** An ingest job's configuration: the lock's owner is named after the pipeline. */
  private static io.tributary.config.TributaryConfig config(String... pairs) {
    List<String> all = new ArrayList<>(List.of("job.name", "ingest", "source.type", "datagen"));
    all.addAll(List.of(pairs));
    return Configs.of(all.toArray(new String[0]));
  }

  private static String[] rewriteOnly() {
    return new String[] {
      "--maintenance.expire-snapshots.enabled", "false",
      "--maintenance.delete-orphans.enabled", "false",
      "--maintenance.rewrite.commit-count", "1"
    };
  }

  /** Runs the table's maintenance with these options until {@code done}, then cancels it. */
  private void runUntil(
      IcebergCatalog catalog, String table, BooleanSupplier done, String... options)
      throws Exception {
    List<String> pairs = new ArrayList<>(List.of("maintenance.rate-limit", "1 s"));
    for (int i = 0; i < options.length; i += 2) {
      pairs.add(options[i].substring(2));
      pairs.add(options[i + 1]);
    }
    TableMaintainer maintainer = Components.maintainer(config(pairs.toArray(new String[0])));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    maintainer.maintain(env, catalog, table);
    JobClient job = env.executeAsync("maintenance of " + table);
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
      while (!done.getAsBoolean()) {
        assertThat(System.nanoTime()).as("maintenance done within 45 s").isLessThan(deadline);
        assertThat(job.getJobStatus().get().isGloballyTerminalState()).isFalse();
        Thread.sleep(200);
      }
    } finally {
      job.cancel().get();
    }
  }

  /** A rewrite committed, and its lock was released after it. */
  private static boolean replaced(IcebergCatalog catalog, String table) {
    Table t = load(catalog, table);
    return t.currentSnapshot() != null
        && "replace".equals(t.currentSnapshot().operation())
        && !t.properties().containsKey(TablePropertyLock.LOCK_PROPERTY);
  }

  private static Table load(IcebergCatalog catalog, String table) {
    return catalog.with(c -> c.loadTable(TableIdentifier.of("lake", table)));
  }

  private static List<String> sorted(List<Record> rows) {
    return rows.stream()
        .map(r -> r.getField("id") + "=" + r.getField("v"))
        .sorted(Comparator.naturalOrder())
        .collect(Collectors.toList());
  }
}
