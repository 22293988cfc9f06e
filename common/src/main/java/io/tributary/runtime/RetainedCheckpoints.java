package io.tributary.runtime;

import io.tributary.config.GroupConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.source.KafkaOptions;
import io.tributary.source.SourceOptions;
import io.tributary.source.kinesis.KinesisOptions;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The folder where one job configuration keeps its checkpoints, and the retained checkpoints in it:
 * {@code <job.checkpoint.dir>/<job>-<hash>/<flink job id>/chk-N/_metadata}. The hash covers what
 * decides whether a checkpoint belongs to the same pipeline (job, source, catalog, target table),
 * so two configurations never resume from each other's state, while tuning (parallelism, intervals)
 * keeps its checkpoints. Read with Flink's file systems, so {@code file://} and, where Flink has
 * the plugin, {@code s3://} both work.
 */
public final class RetainedCheckpoints implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");
  static final String METADATA = "_metadata";

  private final String dir;

  private RetainedCheckpoints(String dir) {
    this.dir = dir;
  }

  /**
   * The checkpoint folder of a job configuration: under {@code job.checkpoint.dir}, named after
   * what makes it one pipeline, read from the groups that say what it reads and writes.
   */
  public static RetainedCheckpoints of(
      GroupConfig job,
      GroupConfig source,
      GroupConfig kafka,
      GroupConfig kinesis,
      GroupConfig iceberg) {
    String base = withoutTrailingSlash(job.get(JobOptions.CHECKPOINT_DIR));
    String name = job.get(JobOptions.NAME).toString();
    return new RetainedCheckpoints(
        base + "/" + name + "-" + hash(identity(job, source, kafka, kinesis, iceberg)));
  }

  /** The folder's own name, {@code <job>-<hash>}: one per job configuration. */
  public String name() {
    return dir.substring(dir.lastIndexOf('/') + 1);
  }

  /** What makes two configurations the same pipeline, one line per part. */
  static String identity(
      GroupConfig job, GroupConfig source, GroupConfig kafka, GroupConfig kinesis, GroupConfig i) {
    List<String> parts = new ArrayList<>();
    parts.add("job=" + job.get(JobOptions.NAME));
    // the maintain job has no source
    SourceOptions.SourceType type = source.getOptional(SourceOptions.TYPE).orElse(null);
    parts.add("source=" + (type == null ? "" : type));
    if (type == SourceOptions.SourceType.KAFKA) {
      // order-insensitive: the source reads the same partitions whatever order topics are listed in
      parts.add("topics=" + new TreeSet<>(KafkaOptions.topics(kafka)));
    } else if (type == SourceOptions.SourceType.KINESIS) {
      parts.add("stream=" + kinesis.getOptional(KinesisOptions.STREAM).orElse(""));
    }
    parts.add("catalog=" + i.get(IcebergOptions.CATALOG_TYPE));
    parts.add("uri=" + i.getOptional(IcebergOptions.CATALOG_URI).orElse(""));
    // a bare path's URI ends with / only once the folder exists: the same warehouse either way
    String warehouse = IcebergCatalog.warehouse(i.get(IcebergOptions.WAREHOUSE));
    parts.add("warehouse=" + withoutTrailingSlash(warehouse));
    parts.add("database=" + i.get(IcebergOptions.DATABASE));
    parts.add("table=" + i.getOptional(IcebergOptions.TABLE).orElse(""));
    parts.add("dead-letters=" + i.getOptional(IcebergOptions.DEAD_LETTER_TABLE).orElse(""));
    return String.join("\n", parts);
  }

  private static String withoutTrailingSlash(String uri) {
    String s = uri;
    while (s.endsWith("/") && !s.endsWith("://")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (int k = 0; k < 4; k++) {
        sb.append(String.format("%02x", d[k]));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The folder Flink's checkpoint storage writes to: {@code state.checkpoints.dir}. */
  public String dir() {
    return dir;
  }

  /** One completed checkpoint: its {@code _metadata} exists. */
  public static final class Checkpoint {
    public final String jobFolder;
    public final String path;
    public final long id;
    public final long modified;

    Checkpoint(String jobFolder, String path, long id, long modified) {
      this.jobFolder = jobFolder;
      this.path = path;
      this.id = id;
      this.modified = modified;
    }

    @Override
    public String toString() {
      return path;
    }
  }

  /**
   * The newest completed checkpoint of each job folder, newest first. Flink writes {@code
   * _metadata} last, through a temporary file it renames (a multipart upload on S3), so a folder
   * whose {@code _metadata} exists holds a complete checkpoint. Within a job, checkpoint ids grow;
   * across jobs (a fresh start begins at 1 again) the time the metadata was written decides.
   */
  public List<Checkpoint> newestPerJob() throws IOException {
    Path root = new Path(dir);
    FileSystem fs = root.getFileSystem();
    List<Checkpoint> out = new ArrayList<>();
    if (!fs.exists(root)) {
      return out;
    }
    for (FileStatus job : list(fs, root)) {
      if (!job.isDir() || !JOB_ID.matcher(job.getPath().getName()).matches()) {
        continue;
      }
      Checkpoint newest = null;
      for (FileStatus chk : list(fs, job.getPath())) {
        Matcher m = CHECKPOINT.matcher(chk.getPath().getName());
        if (!chk.isDir() || !m.matches()) {
          continue;
        }
        long id = Long.parseLong(m.group(1));
        if (newest != null && newest.id > id) {
          continue;
        }
        Path metadata = new Path(chk.getPath(), METADATA);
        if (fs.exists(metadata)) {
          newest =
              new Checkpoint(
                  job.getPath().toString(),
                  chk.getPath().toString(),
                  id,
                  fs.getFileStatus(metadata).getModificationTime());
        }
      }
      if (newest != null) {
        out.add(newest);
      }
    }
    out.sort(
        Comparator.comparingLong((Checkpoint k) -> k.modified)
            .thenComparingLong(k -> k.id)
            .reversed());
    return out;
  }

  /** The newest completed checkpoint of this configuration, if any. */
  public Optional<Checkpoint> latest() throws IOException {
    List<Checkpoint> all = newestPerJob();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  /**
   * Deletes job folders but the {@code keep} newest that hold a completed checkpoint, and the
   * folders of failed starts that never completed one, but never {@code restoring}'s folder. The
   * jobs restore in Flink's NO_CLAIM mode: the restored job's first checkpoint is a full one in its
   * own folder, so an older folder is read only by a restore from it. Returns the deleted folders.
   */
  public List<String> clean(int keep, Checkpoint restoring) throws IOException {
    Path root = new Path(dir);
    FileSystem fs = root.getFileSystem();
    List<String> deleted = new ArrayList<>();
    if (!fs.exists(root)) {
      return deleted;
    }
    List<String> kept = new ArrayList<>();
    for (Checkpoint k : newestPerJob()) {
      if (kept.size() < keep) {
        kept.add(k.jobFolder);
      }
    }
    if (restoring != null) {
      kept.add(restoring.jobFolder);
    }
    long newestKept = restoring == null ? Long.MAX_VALUE : restoring.modified;
    for (FileStatus job : list(fs, root)) {
      String folder = job.getPath().toString();
      if (!job.isDir()
          || !JOB_ID.matcher(job.getPath().getName()).matches()
          || kept.contains(folder)
          // a folder without a completed checkpoint, newer than the one restored from, may be a
          // job still starting (another runner): leave it
          || job.getModificationTime() > newestKept) {
        continue;
      }
      fs.delete(job.getPath(), true);
      deleted.add(folder);
    }
    return deleted;
  }

  private static FileStatus[] list(FileSystem fs, Path p) throws IOException {
    FileStatus[] s = fs.listStatus(p);
    return s == null ? new FileStatus[0] : s;
  }
}
