package io.tributary.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delete files a table lists that apply to no data file any more. Iceberg 1.10's Flink rewrite
 * leaves them in the manifests after it applied them: no scan applies them, but planning still
 * opens every one.
 */
final class DanglingDeletes {
  private static final Logger LOG = LoggerFactory.getLogger(DanglingDeletes.class);

  /** Snapshot summary key of the commits that drop them: how many were dropped. */
  static final String DROPPED = "tributary.dropped-dangling-deletes";

  private DanglingDeletes() {}

  /**
   * The delete files of {@code snapshot} that apply to no data file once {@code rewritten} are
   * replaced: a delete applies only to data files older than itself (by sequence number), and the
   * rewritten files get the snapshot's own number, so a delete that none of the other files' scan
   * tasks carries applies to nothing.
   */
  static List<DeleteFile> of(Table t, Snapshot snapshot, Set<String> rewritten) {
    Set<String> applied = new HashSet<>();
    try (CloseableIterable<FileScanTask> tasks =
        t.newScan().useSnapshot(snapshot.snapshotId()).planFiles()) {
      for (FileScanTask task : tasks) {
        if (!rewritten.contains(task.file().location())) {
          task.deletes().forEach(d -> applied.add(d.location()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<DeleteFile> dangling = new ArrayList<>();
    for (ManifestFile m : snapshot.deleteManifests(t.io())) {
      try (ManifestReader<DeleteFile> reader =
          ManifestFiles.readDeleteManifest(m, t.io(), t.specs())) {
        for (DeleteFile d : reader) {
          if (!applied.contains(d.location())) {
            dangling.add(d.copyWithoutStats());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dangling;
  }

  /**
   * Drops the current snapshot's dangling delete files in one {@code replace} commit; returns how
   * many. Only under the table's maintenance lock: another rewrite committing files with an old
   * sequence number meanwhile could make a dropped delete apply again. The writer's commits
   * meanwhile cannot: their files are newer than every delete dropped.
   */
  static int drop(Table t) {
    Snapshot current = t.currentSnapshot();
    if (current == null) {
      return 0;
    }
    List<DeleteFile> dangling = of(t, current, Set.of());
    if (dangling.isEmpty()) {
      return 0;
    }
    RewriteFiles commit = t.newRewrite().validateFromSnapshot(current.snapshotId());
    dangling.forEach(commit::deleteFile);
    commit.set(DROPPED, String.valueOf(dangling.size()));
    commit.commit();
    LOG.info("Dropped {} dangling delete files of {}", dangling.size(), t.name());
    return dangling.size();
  }
}
