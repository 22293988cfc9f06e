package io.tributary.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What a table holds now, from its current snapshot's summary (no data read), except that rows of
 * upsert tables are counted by reading them with deletes applied.
 */
public final class TableSummary {
  public final String identifier;
  public final String location;
  public final long snapshotId;
  public final long rows;
  public final long dataFiles;
  public final long bytes;

  private TableSummary(
      String identifier, String location, long snapshotId, long rows, long dataFiles, long bytes) {
    this.identifier = identifier;
    this.location = location;
    this.snapshotId = snapshotId;
    this.rows = rows;
    this.dataFiles = dataFiles;
    this.bytes = bytes;
  }

  public static TableSummary of(IcebergCatalog catalog, String table) {
    TableIdentifier id = catalog.identifier(table);
    return catalog.with(
        c -> {
          if (!c.tableExists(id)) {
            return new TableSummary(id.toString(), "(not created)", -1, 0, 0, 0);
          }
          return of(c.loadTable(id));
        });
  }

  public static TableSummary of(Table t) {
    Snapshot s = t.currentSnapshot();
    if (s == null) {
      return new TableSummary(t.name(), t.location(), -1, 0, 0, 0);
    }
    Map<String, String> sum = s.summary();
    long rows = number(sum, SnapshotSummary.TOTAL_RECORDS_PROP);
    if (number(sum, SnapshotSummary.TOTAL_EQ_DELETES_PROP) > 0
        || number(sum, SnapshotSummary.TOTAL_POS_DELETES_PROP) > 0) {
      // Upsert tables: the summary counts rows that later deletes replaced; count live rows.
      rows = liveRows(t);
    }
    return new TableSummary(
        t.name(),
        t.location(),
        s.snapshotId(),
        rows,
        number(sum, SnapshotSummary.TOTAL_DATA_FILES_PROP),
        number(sum, SnapshotSummary.TOTAL_FILE_SIZE_PROP));
  }

  /**
   * Records that the Flink job {@code jobId} added to the table: the sum of {@code added-records}
   * over the snapshots its committers made (their summary's {@code flink.job-id}). 0 when the table
   * does not exist.
   */
  public static long addedBy(IcebergCatalog catalog, String table, String jobId) {
    TableIdentifier id = catalog.identifier(table);
    return catalog.with(
        c -> {
          if (!c.tableExists(id)) {
            return 0L;
          }
          long n = 0;
          for (Snapshot s : c.loadTable(id).snapshots()) {
            if (jobId.equals(s.summary().get(FLINK_JOB_ID))) {
              n += number(s.summary(), SnapshotSummary.ADDED_RECORDS_PROP);
            }
          }
          return n;
        });
  }

  /** The snapshot summary key Iceberg's Flink committers write their job's id under. */
  static final String FLINK_JOB_ID = "flink.job-id";

  private static long liveRows(Table t) {
    long n = 0;
    try (CloseableIterable<Record> records = IcebergGenerics.read(t).build()) {
      for (Record ignored : records) {
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return n;
  }

  private static long number(Map<String, String> summary, String key) {
    String v = summary.get(key);
    return v == null ? 0 : Long.parseLong(v);
  }
}
