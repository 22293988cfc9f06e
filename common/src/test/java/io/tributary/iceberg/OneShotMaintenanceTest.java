package io.tributary.iceberg;

import static io.tributary.iceberg.SmallCommits.create;
import static io.tributary.iceberg.SmallCommits.record;
import static io.tributary.iceberg.SmallCommits.sorted;
import static io.tributary.iceberg.SmallCommits.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.config.TributaryConfig;
import io.tributary.testing.Components;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The in-process rewrite of the {@code maintain} job and of the shared maintainer. */
class OneShotMaintenanceTest {
  private static final long TARGET = 256 * 1024;

  @TempDir Path dir;

  /**
   * An upsert table of 20 small commits, each with 1,000 new keys and an update of each of 4,000
   * hot keys, so every file holds a few live rows among many replaced ones: the rewritten files are
   * sized by the rows they hold, at least half the target on average. Binned by input bytes, one
   * bin per input file here, they were about a tenth of the target.
   */
  @Test
  void filesOfMostlyReplacedRowsAreRewrittenIntoFilesOfTheTargetSize() throws Exception {
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    Table t = create(catalog, "hot");
    // Parquet's size estimate counts the open page and the dictionary uncompressed (1 MB each by
    // default), which is nothing next to a 128 MB target but would roll 256 KB files at half
    // size: pages and dictionaries scaled down with the target
    t.updateProperties()
        .set(TableProperties.PARQUET_PAGE_SIZE_BYTES, "8192")
        .set(TableProperties.PARQUET_DICT_SIZE_BYTES, "8192")
        .commit();
    SplittableRandom random = new SplittableRandom(7);
    for (int commit = 0; commit < 20; commit++) {
      List<Record> rows = new ArrayList<>();
      for (int id = 0; id < 4_000; id++) {
        rows.add(record(id, commit + "-" + text(random, 40)));
      }
      for (int id = 0; id < 1_000; id++) {
        rows.add(record(100_000 + commit * 1_000 + id, commit + "-" + text(random, 40)));
      }
      upsert(t, rows);
    }
    t.refresh();
    List<String> before = sorted(t);
    long inputBytes = dataBytes(t);

    OneShotMaintenance.Report r =
        Components.oneShot(
                Configs.of(
                    "job.name", "maintain",
                    "iceberg.warehouse", dir.resolve("warehouse").toString(),
                    "iceberg.database", "lake",
                    "maintenance.maintain.tables", "hot",
                    "maintenance.rewrite.target-file-size", "256 kb",
                    "maintenance.expire-snapshots.enabled", "false",
                    "maintenance.delete-orphans.enabled", "false"))
            .maintain(TableIdentifier.of("lake", "hot"));

    assertThat(r.outcome).isEqualTo(OneShotMaintenance.Outcome.MAINTAINED);
    t.refresh();
    assertThat(sorted(t)).isEqualTo(before);
    long files = SmallCommits.dataFiles(t);
    long outputBytes = dataBytes(t);
    assertThat(SmallCommits.liveDeleteFiles(t)).isZero();
    // about a quarter of the input is live
    assertThat(outputBytes).isLessThan(inputBytes / 3);
    assertThat(files).as("data files after").isGreaterThan(1);
    System.out.printf(
        "rewrite: %d input bytes -> %d data files, %d bytes, %d on average (target %d)%n",
        inputBytes, files, outputBytes, outputBytes / files, TARGET);
    assertThat(outputBytes / files).as("average data file").isGreaterThanOrEqualTo(TARGET / 2);
  }

  /**
   * A run cut short by its task's stop (a cancel interrupts the maintenance thread) is recorded as
   * interrupted, whether or not the library that saw the interrupt kept the thread's flag; a fault
   * of the run itself as failed. Either way the lock is released and the rows are unchanged.
   */
  @ParameterizedTest
  @CsvSource({
    "INTERRUPT, INTERRUPTED, interrupted",
    "INTERRUPT_WRAPPED, INTERRUPTED, interrupted",
    "IO_FAULT, FAILED, failed"
  })
  void aRunCutShortIsRecordedAsInterruptedAndAFaultAsFailed(
      FailingDataFileIO.Failure failure, OneShotMaintenance.Outcome outcome, String recorded)
      throws Exception {
    TributaryConfig config =
        Configs.of(
            "job.name", "maintain",
            "iceberg.warehouse", dir.resolve("warehouse").toString(),
            "iceberg.database", "lake",
            "iceberg.catalog.properties.io-impl", FailingDataFileIO.class.getName(),
            "maintenance.maintain.tables", "cut",
            "maintenance.expire-snapshots.enabled", "false",
            "maintenance.delete-orphans.enabled", "false");
    IcebergCatalog catalog = IcebergCatalog.fromConfig(config.group(IcebergOptions.GROUP));
    Table t = create(catalog, "cut");
    for (int commit = 0; commit < 3; commit++) {
      upsert(t, SmallCommits.rows(commit * 2, 6, commit)); // each overlaps the last: deletes
    }
    t.refresh();
    List<String> before = sorted(t);
    OneShotMaintenance maintenance = Components.oneShot(config);

    FailingDataFileIO.failNext(failure);
    OneShotMaintenance.Report r;
    try {
      r = maintenance.maintain(TableIdentifier.of("lake", "cut"));
    } finally {
      FailingDataFileIO.failNext(FailingDataFileIO.Failure.NONE);
    }
    // the run hands an interrupt back to its caller, as it got it
    assertThat(Thread.interrupted()).isEqualTo(failure == FailingDataFileIO.Failure.INTERRUPT);

    assertThat(r.outcome).isEqualTo(outcome);
    t.refresh();
    assertThat(t.properties()).doesNotContainKey(TablePropertyLock.LOCK_PROPERTY);
    assertThat(t.properties().get(TablePropertyLock.LAST_RUN_PROPERTY)).endsWith(" " + recorded);
    assertThat(sorted(t)).isEqualTo(before);
    assertThat(r.format())
        .startsWith(
            "lake.cut: "
                + (outcome == OneShotMaintenance.Outcome.FAILED ? "FAILED" : "interrupted"));
  }

  private static long dataBytes(Table t) throws Exception {
    long bytes = 0;
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        bytes += task.file().fileSizeInBytes();
      }
    }
    return bytes;
  }

  private static String text(SplittableRandom random, int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }
}
