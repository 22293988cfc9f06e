package io.tributary.jobs;

import static io.tributary.iceberg.SmallCommits.create;
import static io.tributary.iceberg.SmallCommits.dataFile;
import static io.tributary.iceberg.SmallCommits.dataFiles;
import static io.tributary.iceberg.SmallCommits.liveDeleteFiles;
import static io.tributary.iceberg.SmallCommits.record;
import static io.tributary.iceberg.SmallCommits.rows;
import static io.tributary.iceberg.SmallCommits.sorted;
import static io.tributary.iceberg.SmallCommits.upsert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.testing.Tables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-shot {@code maintain} job over tables a streaming writer left: what it prints is what the
 * table's metadata then says, the rows read with deletes applied are unchanged, orphans older than
 * the minimum age go and young ones stay, a locked table is skipped, bad options fail at start-up.
 */
class MaintainJobTest {
  private static final int COMMITS = 200;
  private static final int ROWS_PER_COMMIT = 10;
  private static final int KEYS = 150;

  @TempDir Path dir;

  private String warehouse() {
    return dir.resolve("warehouse").toString();
  }

  private IcebergCatalog catalog() {
    return Tables.hadoop(warehouse(), "lake");
  }

  private String[] args(String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--job.name", "maintain",
                "--iceberg.warehouse", warehouse(),
                "--iceberg.database", "lake",
                "--maintenance.expire-snapshots.max-age", "1 s",
                "--maintenance.expire-snapshots.retain-last", "5",
                "--maintenance.delete-orphans.min-age", "1 h"));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  @Test
  @Timeout(240)
  void whatItPrintsIsWhatTheMetadataSaysAndNoRowChanges() throws Exception {
    IcebergCatalog catalog = catalog();
    Table t = create(catalog, "mirror");
    for (int k = 0; k < COMMITS; k++) {
      List<Record> rows = new ArrayList<>();
      for (int i = 0; i < ROWS_PER_COMMIT; i++) {
        rows.add(record((k * 7L + i) % KEYS, "v" + k));
      }
      upsert(t, rows);
    }
    Table events = create(catalog, "events");
    for (int k = 0; k < 30; k++) {
      events.newAppend().appendFile(dataFile(events, rows(k * 10, 10, k))).commit();
    }
    t.refresh();
    List<String> mirrorBefore = sorted(t);
    List<String> eventsBefore = sorted(events);
    assertThat(mirrorBefore).hasSize(KEYS);
    assertThat(dataFiles(t)).isEqualTo(COMMITS);
    assertThat(liveDeleteFiles(t)).isEqualTo(COMMITS - 1);
    Path data = Path.of(java.net.URI.create(t.location() + "/data"));
    Path old = data.resolve("old-orphan.parquet");
    Path fresh = data.resolve("pending-checkpoint.parquet");
    Files.writeString(old, "left by a failed write");
    Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
    Files.writeString(fresh, "written for a checkpoint that has not committed yet");
    Thread.sleep(1100); // expire-snapshots.max-age: every snapshot is older than 1 s

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long start = System.nanoTime();
    List<OneShotMaintenance.Report> reports =
        Main.maintain(
            args("--maintenance.maintain.tables", "mirror; lake.events, missing"),
            new PrintStream(out, true, StandardCharsets.UTF_8));
    String printed = out.toString(StandardCharsets.UTF_8);
    System.out.printf(
        "maintain took %d ms:%n%s%n", (System.nanoTime() - start) / 1_000_000, printed);

    assertThat(reports)
        .extracting(r -> r.outcome)
        .containsExactly(
            OneShotMaintenance.Outcome.MAINTAINED,
            OneShotMaintenance.Outcome.MAINTAINED,
            OneShotMaintenance.Outcome.NOT_FOUND);
    assertThat(printed).contains("lake.missing: skipped: the table does not exist");
    assertThat(printed).contains("maintained 2 of 3 tables");

    Table after = load(catalog, "mirror");
    Map<String, long[]> mirror = printedFigures(printed, "lake.mirror");
    // before: what the writer left
    assertThat(mirror.get("data files")[0]).isEqualTo(COMMITS);
    // the first commit's delete applies to nothing, yet it is listed
    assertThat(mirror.get("delete files")[0]).isEqualTo(COMMITS);
    assertThat(mirror.get("equality deletes")[0]).isEqualTo((long) COMMITS * ROWS_PER_COMMIT);
    assertThat(mirror.get("snapshots")[0]).isEqualTo(COMMITS);
    // after: what the printed figures say is what the metadata says, counted from the manifests
    Snapshot now = after.currentSnapshot();
    assertThat(mirror.get("data files")[1]).isEqualTo(dataFiles(after)).isEqualTo(1);
    assertThat(mirror.get("delete files")[1]).isEqualTo(listedDeleteFiles(after)).isZero();
    assertThat(mirror.get("equality deletes")[1])
        .isEqualTo(Long.parseLong(now.summary().get("total-equality-deletes")))
        .isZero();
    assertThat(mirror.get("bytes")[1])
        .isEqualTo(Long.parseLong(now.summary().get("total-files-size")));
    assertThat(mirror.get("records")[1]).isEqualTo(KEYS);
    assertThat(mirror.get("snapshots")[1]).isEqualTo(count(after.snapshots())).isEqualTo(5);
    assertThat(printed)
        .contains("rewrite           200 data files into 1, 200 delete files dropped")
        .contains("expired           196 snapshots") // 200 and the rewrite's, less 5
        .contains("orphans removed   1 (22 bytes); 1 unreferenced files younger");
    // the content, row by row with deletes applied, is what it was
    assertThat(sorted(after)).isEqualTo(mirrorBefore);
    assertThat(liveDeleteFiles(after)).isZero();
    assertThat(old).doesNotExist();
    assertThat(fresh).exists();
    assertThat(after.properties()).doesNotContainKey("tributary.maintenance.lock");
    // the release recorded the run where show finds it
    assertThat(OneShotMaintenance.Figures.of(after).lastRun).endsWith(" completed");

    Table eventsAfter = load(catalog, "events");
    Map<String, long[]> appended = printedFigures(printed, "lake.events");
    assertThat(appended.get("data files")).containsExactly(30, dataFiles(eventsAfter));
    assertThat(dataFiles(eventsAfter)).isEqualTo(1);
    assertThat(appended.get("snapshots")[1]).isEqualTo(count(eventsAfter.snapshots()));
    assertThat(sorted(eventsAfter)).isEqualTo(eventsBefore);
  }

  @Test
  @Timeout(120)
  void aTableWhoseLockIsHeldIsSkippedAndLeftAlone() throws Exception {
    IcebergCatalog catalog = catalog();
    Table t = create(catalog, "events");
    for (int k = 0; k < 6; k++) {
      t.newAppend().appendFile(dataFile(t, rows(k * 10, 10, k))).commit();
    }
    t.updateProperties()
        .set("tributary.maintenance.lock", "ingest-1234abcd@2026-01-01T00:00:00Z")
        .commit();
    long snapshot = t.currentSnapshot().snapshotId();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<OneShotMaintenance.Report> reports =
        Main.maintain(
            args("--maintenance.maintain.namespace", "lake"),
            new PrintStream(out, true, StandardCharsets.UTF_8));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(reports)
        .extracting(r -> r.outcome)
        .containsExactly(OneShotMaintenance.Outcome.SKIPPED_LOCKED);
    assertThat(printed)
        .contains(
            "lake.events: skipped: its maintenance lock is held (tributary.maintenance.lock ="
                + " ingest-1234abcd@2026-01-01T00:00:00Z)")
        .contains("maintained 0 of 1 tables");
    Table after = load(catalog, "events");
    assertThat(after.currentSnapshot().snapshotId()).isEqualTo(snapshot);
    assertThat(after.properties())
        .containsEntry("tributary.maintenance.lock", "ingest-1234abcd@2026-01-01T00:00:00Z");
  }

  @Test
  void badOptionsFailAtStartUp() {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Main.maintain(args(), sink))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid configuration: missing key 'maintain.tables' (or 'maintain.namespace') in property group"
                + " 'maintenance': job.name = maintain needs the tables to maintain. Set"
                + " maintenance.maintain.tables = events, app.orders (table, or namespace.table),"
                + " or maintenance.maintain.namespace = app.");
    assertThatThrownBy(
            () -> Main.maintain(args("--maintenance.maintain.tables", "lake..events"), sink))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "bad value for 'maintain.tables' in property group 'maintenance': 'lake..events'"
                + " names 'lake..events', which is no table name");
    assertThatThrownBy(
            () ->
                Main.maintain(
                    args(
                        "--maintenance.maintain.tables",
                        "events",
                        "--maintenance.enabled",
                        "false"),
                    sink))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "bad value for 'enabled' in property group 'maintenance': 'false' leaves the maintain"
                + " job nothing to do");
    assertThatThrownBy(
            () ->
                Main.maintain(
                    args(
                        "--maintenance.maintain.tables",
                        "events",
                        "--maintenance.delete-orphans.min-age",
                        "10 min"),
                    sink))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "bad value for 'delete-orphans.min-age' in property group 'maintenance': '10 min'"
                + " must be at least 1 h");
    assertThatThrownBy(() -> Main.maintain(args("--maintenance.maintain.tabels", "events"), sink))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("maintain.tabels");
  }

  /** The "what before -> after" lines printed for {@code table}. */
  private static Map<String, long[]> printedFigures(String printed, String table) {
    int from = printed.indexOf(table + ": maintained");
    assertThat(from).as("a report for %s in%n%s", table, printed).isNotNegative();
    int to = printed.indexOf("\n" + "lake.", from + 1);
    String block = printed.substring(from, to < 0 ? printed.length() : to);
    Map<String, long[]> out = new HashMap<>();
    Matcher m = Pattern.compile("\n  ([a-z ]+?) +(\\d+) -> (\\d+)").matcher(block);
    while (m.find()) {
      out.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
    }
    assertThat(out).containsKeys("data files", "delete files", "equality deletes", "snapshots");
    return out;
  }

  /** Delete files the current snapshot's delete manifests list (applied or not). */
  private static long listedDeleteFiles(Table t) {
    long n = 0;
    for (ManifestFile m : t.currentSnapshot().deleteManifests(t.io())) {
      try (ManifestReader<DeleteFile> r = ManifestFiles.readDeleteManifest(m, t.io(), t.specs())) {
        for (DeleteFile ignored : r) {
          n++;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return n;
  }

  private static long count(Iterable<?> items) {
    long n = 0;
    for (Object ignored : items) {
      n++;
    }
    return n;
  }

  private static Table load(IcebergCatalog catalog, String table) {
    return catalog.with(c -> c.loadTable(TableIdentifier.of("lake", table)));
  }
}
