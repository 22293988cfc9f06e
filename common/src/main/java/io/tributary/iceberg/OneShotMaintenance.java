package io.tributary.iceberg;

import io.tributary.config.ConfigException;
import io.tributary.config.ConfigLists;
import io.tributary.config.GroupConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.util.TimeUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.iceberg.BaseCombinedScanTask;
import org.apache.iceberg.CombinedScanTask;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.ManifestContent;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.ReachableFileUtil;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.actions.BinPackRewriteFilePlanner;
import org.apache.iceberg.actions.FileRewritePlan;
import org.apache.iceberg.actions.RewriteDataFiles;
import org.apache.iceberg.actions.RewriteFileGroup;
import org.apache.iceberg.actions.SizeBasedFileRewritePlanner;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.maintenance.api.TriggerLockFactory;
import org.apache.iceberg.flink.sink.RowDataTaskWriterFactory;
import org.apache.iceberg.flink.source.RowDataRewriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.util.PropertyUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code maintain} job: the maintenance group's tasks run once, table after table, and what
 * each did. Iceberg's {@code TableMaintenance} cannot do this: its monitor source never ends. So:
 *
 * <ul>
 *   <li>rewrite: Iceberg's own bin-pack planner (the one the streaming rewrite uses, with the same
 *       target size and delete-file threshold), each bin rewritten with deletes applied by the map
 *       function of Iceberg's Flink {@link RowDataRewriter}, called in this process (no Flink job:
 *       the same code runs inside a streaming job, see {@link NewTableMaintenance}), committed as
 *       one {@code replace} snapshot with the starting snapshot's sequence number. The same commit
 *       drops the delete files that no longer apply to any data file (Iceberg's Flink rewrite
 *       leaves them listed);
 *   <li>expire: Iceberg core's {@code expireSnapshots} with the group's age and count;
 *   <li>orphans: every file under the table's location that no metadata file, manifest list,
 *       manifest or content file of any snapshot names and that is older than the minimum age.
 * </ul>
 *
 * <p>Each table is maintained under its {@link TablePropertyLock}, so a run never races a job's own
 * maintenance; a table whose lock is held is skipped and reported as such.
 */
public final class OneShotMaintenance implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(OneShotMaintenance.class);

  /** The three tasks, in the order a run does them. */
  public enum Task {
    REWRITE,
    EXPIRE_SNAPSHOTS,
    DELETE_ORPHANS
  }

  private final TableMaintainer.MaintenanceOptionsView options;
  private final IcebergCatalog catalog;
  private final List<String> tables;
  private final String namespace;
  private final String owner;

  private OneShotMaintenance(GroupConfig config, GroupConfig iceberg, Duration checkpointInterval) {
    this.options = TableMaintainer.MaintenanceOptionsView.of(config, checkpointInterval);
    if (!options.anyTask()) {
      throw config.invalid(
          MaintenanceOptions.ENABLED,
          "leaves the maintain job nothing to do: every task is off. Set maintenance.enabled ="
              + " true and leave at least one of rewrite.enabled, expire-snapshots.enabled,"
              + " delete-orphans.enabled on.");
    }
    this.tables = ConfigLists.split(config.get(MaintenanceOptions.MAINTAIN_TABLES));
    this.namespace = config.get(MaintenanceOptions.MAINTAIN_NAMESPACE).trim();
    if (tables.isEmpty() && namespace.isEmpty()) {
      throw new ConfigException(
          "missing key 'maintain.tables' (or 'maintain.namespace') in property group"
              + " 'maintenance': job.name = maintain needs the tables to maintain. Set"
              + " maintenance.maintain.tables = events, app.orders (table, or namespace.table),"
              + " or maintenance.maintain.namespace = app.");
    }
    this.catalog = IcebergCatalog.fromConfig(iceberg);
    // One owner per run: a lock a crashed run left is never released by another run by mistake.
    this.owner = "maintain-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * The same tasks inside a running job, for tables it creates, under the lock of {@code owner}.
   */
  OneShotMaintenance(
      TableMaintainer.MaintenanceOptionsView options, IcebergCatalog catalog, String owner) {
    this.options = options;
    this.catalog = catalog;
    this.tables = List.of();
    this.namespace = "";
    this.owner = owner;
  }

  /**
   * Reads and checks the maintenance group (and, through the iceberg group, the catalog) for a
   * maintain run; the orphan minimum age is checked against {@code checkpointInterval}, that of the
   * jobs writing the tables.
   */
  public static OneShotMaintenance fromConfig(
      GroupConfig maintenance, GroupConfig iceberg, Duration checkpointInterval) {
    return new OneShotMaintenance(maintenance, iceberg, checkpointInterval);
  }

  /** The tables to maintain: those named, then those of the namespace, each once. */
  public List<TableIdentifier> tables() {
    Set<TableIdentifier> ids = new LinkedHashSet<>();
    for (String t : tables) {
      ids.add(t.contains(".") ? TableIdentifier.parse(t) : catalog.identifier(t));
    }
    if (!namespace.isEmpty()) {
      Namespace n = Namespace.of(namespace.split("\\."));
      ids.addAll(catalog.with(c -> c.listTables(n)));
    }
    return new ArrayList<>(ids);
  }

  /** What one table looked like: its current snapshot's totals and how many snapshots it keeps. */
  public static final class Figures {
    public final long dataFiles;
    public final long deleteFiles;
    public final long equalityDeletes;
    public final long positionDeletes;
    public final long bytes;
    public final long records;
    public final long snapshots;

    /** How the last maintenance run ended ({@code <end> <millis> ms <outcome>}), or null. */
    public final String lastRun;

    /** The figures of {@code t}'s current metadata. */
    public static Figures of(Table t) {
      return new Figures(t);
    }

    /** The data files of {@code t}'s current snapshot (its summary; no snapshot is walked). */
    public static long dataFiles(Table t) {
      Snapshot s = t.currentSnapshot();
      return s == null ? 0 : number(s.summary(), "total-data-files");
    }

    private Figures(Table t) {
      Snapshot s = t.currentSnapshot();
      Map<String, String> sum = s == null ? Map.of() : s.summary();
      dataFiles = number(sum, "total-data-files");
      deleteFiles = number(sum, "total-delete-files");
      equalityDeletes = number(sum, "total-equality-deletes");
      positionDeletes = number(sum, "total-position-deletes");
      bytes = number(sum, "total-files-size");
      records = number(sum, "total-records");
      int n = 0;
      for (Snapshot ignored : t.snapshots()) {
        n++;
      }
      snapshots = n;
      lastRun = t.properties().get(TablePropertyLock.LAST_RUN_PROPERTY);
    }

    /** Data bytes per data file, delete files included (Iceberg's totals do not split them). */
    public long averageFileBytes() {
      return dataFiles == 0 ? 0 : bytes / dataFiles;
    }

    /** The table's health on one line, as the show command prints it. */
    public String describe() {
      return String.format(
          Locale.ROOT,
          "%d data files (average %d bytes), %d delete files (%d equality deletes, %d position"
              + " deletes), %d snapshots; last maintenance: %s",
          dataFiles,
          averageFileBytes(),
          deleteFiles,
          equalityDeletes,
          positionDeletes,
          snapshots,
          lastRun == null ? "none recorded" : lastRun);
    }

    private static long number(Map<String, String> summary, String key) {
      String v = summary.get(key);
      return v == null ? 0 : Long.parseLong(v);
    }
  }

  /** The outcome for one table. */
  public enum Outcome {
    MAINTAINED,
    SKIPPED_LOCKED,
    NOT_FOUND,
    FAILED,
    /** Cut short by the task's stop (a cancel, a failover): not a fault of the run. */
    INTERRUPTED
  }

  /** What the run did to one table, and the figures before and after. */
  public static final class Report {
    public final TableIdentifier table;
    public Outcome outcome;
    public String detail = "";
    public Figures before;
    public Figures after;
    public long rewrittenDataFiles;
    public long addedDataFiles;
    public long droppedDeleteFiles;
    public long snapshotsExpired;
    public long orphansRemoved;
    public long orphanBytes;
    public long youngUnreferenced;
    public long millis;

    /** The tasks this run was asked for. */
    Set<Task> tasks = EnumSet.allOf(Task.class);

    Report(TableIdentifier table) {
      this.table = table;
    }

    /** Whether the rewrite committed (files replaced or dangling deletes dropped). */
    public boolean committedARewrite() {
      return rewrittenDataFiles > 0 || droppedDeleteFiles > 0;
    }

    /** The lines the job prints for this table. */
    public String format() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT, "%s: %s", table, outcomeText()));
      if (before != null && after != null) {
        b.append(line("data files", before.dataFiles, after.dataFiles));
        b.append(line("delete files", before.deleteFiles, after.deleteFiles));
        b.append(line("equality deletes", before.equalityDeletes, after.equalityDeletes));
        b.append(line("position deletes", before.positionDeletes, after.positionDeletes));
        b.append(line("bytes", before.bytes, after.bytes));
        b.append(line("records", before.records, after.records));
        b.append(line("snapshots", before.snapshots, after.snapshots));
        b.append(
            task(
                Task.REWRITE,
                "rewrite",
                "%d data files into %d, %d delete files dropped",
                rewrittenDataFiles,
                addedDataFiles,
                droppedDeleteFiles));
        b.append(task(Task.EXPIRE_SNAPSHOTS, "expired", "%d snapshots", snapshotsExpired));
        b.append(
            task(
                Task.DELETE_ORPHANS,
                "orphans removed",
                "%d (%d bytes); %d unreferenced files younger than the minimum age kept",
                orphansRemoved,
                orphanBytes,
                youngUnreferenced));
      }
      return b.toString();
    }

    private String outcomeText() {
      switch (outcome) {
        case MAINTAINED:
          return String.format(Locale.ROOT, "maintained in %.1f s", millis / 1000.0);
        case SKIPPED_LOCKED:
          return "skipped: " + detail;
        case NOT_FOUND:
          return "skipped: the table does not exist";
        case INTERRUPTED:
          return "interrupted after "
              + String.format(Locale.ROOT, "%.1f s (the task stopped): ", millis / 1000.0)
              + detail;
        default:
          return "FAILED after " + String.format(Locale.ROOT, "%.1f s: ", millis / 1000.0) + detail;
      }
    }

    /** A task's line: what it did, or "not run" when this run left it out. */
    private String task(Task task, String what, String figures, Object... args) {
      return String.format(
          Locale.ROOT,
          "%n  %-17s %s",
          what,
          tasks.contains(task) ? String.format(Locale.ROOT, figures, args) : "not run");
    }

    private static String line(String what, long from, long to) {
      return String.format(Locale.ROOT, "%n  %-17s %d -> %d", what, from, to);
    }
  }

  /**
   * The table as the catalog has it now, or null when it does not exist. One load: a catalog's
   * {@code tableExists} loads the table too, so asking first would read its metadata twice.
   */
  Table tableIfExists(TableIdentifier id) {
    return catalog.with(
        c -> {
          try {
            return c.loadTable(id);
          } catch (NoSuchTableException e) {
            return null;
          }
        });
  }

  /** The tasks the group switches on. */
  Set<Task> enabledTasks() {
    Set<Task> out = EnumSet.noneOf(Task.class);
    if (options.rewrite) {
      out.add(Task.REWRITE);
    }
    if (options.expire) {
      out.add(Task.EXPIRE_SNAPSHOTS);
    }
    if (options.orphans) {
      out.add(Task.DELETE_ORPHANS);
    }
    return out;
  }

  /** Maintains one table under its lock with every task the group switches on. Never throws. */
  public Report maintain(TableIdentifier id) {
    return maintain(id, enabledTasks());
  }

  /** The lock owner this maintenance runs as. */
  String owner() {
    return owner;
  }

  /**
   * Releases the lock of {@code id} if {@code holder} holds it: a run cut short (a crash, a cancel)
   * left it, and no run of that owner is under way. The run is recorded as interrupted.
   */
  void releaseLeftLock(TableIdentifier id, String holder) {
    TablePropertyLock lock = new TablePropertyLock(catalog, id, holder);
    lock.release(lock.createLock(), TablePropertyLock.INTERRUPTED);
  }

  /** Maintains one table under its lock with {@code tasks}. Never throws. */
  Report maintain(TableIdentifier id, Set<Task> tasks) {
    Report r = new Report(id);
    r.tasks = tasks.isEmpty() ? EnumSet.noneOf(Task.class) : EnumSet.copyOf(tasks);
    long start = System.nanoTime();
    TablePropertyLock lock = new TablePropertyLock(catalog, id, owner);
    TriggerLockFactory.Lock l = lock.createLock();
    boolean locked;
    try {
      // taking the lock loads the table: no separate existence check (another load) before it
      locked = l.tryLock();
    } catch (NoSuchTableException e) {
      r.outcome = Outcome.NOT_FOUND;
      return r;
    }
    if (!locked) {
      String holder =
          catalog.with(
              c ->
                  ((HasTableOperations) c.loadTable(id))
                      .operations()
                      .current()
                      .property(TablePropertyLock.LOCK_PROPERTY, "(released meanwhile)"));
      r.outcome = Outcome.SKIPPED_LOCKED;
      r.detail =
          "its maintenance lock is held ("
              + TablePropertyLock.LOCK_PROPERTY
              + " = "
              + holder
              + "): a job's own maintenance or another maintain run is at work. Run again"
              + " later; a lock nobody holds any more is removed with ALTER TABLE ... UNSET"
              + " TBLPROPERTIES ('"
              + TablePropertyLock.LOCK_PROPERTY
              + "')";
      LOG.warn("Skipping {}: {}", id, r.detail);
      return r;
    }
    try {
      catalog.with(
          c -> {
            r.before = new Figures(c.loadTable(id));
            if (tasks.contains(Task.REWRITE)) {
              rewrite(c, id, r);
            }
            if (tasks.contains(Task.EXPIRE_SNAPSHOTS)) {
              expire(c.loadTable(id), r);
            }
            if (tasks.contains(Task.DELETE_ORPHANS)) {
              orphans(c.loadTable(id), r);
            }
            r.after = new Figures(c.loadTable(id));
            return null;
          });
      r.outcome = Outcome.MAINTAINED;
    } catch (RuntimeException e) {
      r.detail = e.toString();
      if (Thread.currentThread().isInterrupted() || causedByAnInterrupt(e)) {
        // a stopping task interrupts its maintenance thread: a cancel is no failure of the run
        LOG.warn("Maintenance of {} interrupted: the task is stopping ({})", id, r.detail);
        r.outcome = Outcome.INTERRUPTED;
      } else {
        LOG.error("Maintenance of {} failed", id, e);
        r.outcome = Outcome.FAILED;
      }
    } finally {
      // A stopping task interrupts its maintenance thread. Release anyway, with the flag cleared
      // so an interruptible write (S3FileIO's HTTP client) cannot abort the release: a lock left
      // set is only released at the next start.
      boolean interrupted = Thread.interrupted();
      try {
        lock.release(
            l,
            r.outcome == Outcome.MAINTAINED
                ? null
                : r.outcome == Outcome.INTERRUPTED
                    ? TablePropertyLock.INTERRUPTED
                    : TablePropertyLock.FAILED);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      r.millis = (System.nanoTime() - start) / 1_000_000;
    }
    LOG.info("{}", r.format());
    return r;
  }

  /**
   * Whether {@code e} comes from an interrupt that a library wrapped without keeping the thread's
   * flag (an interrupted channel or stream read, for example).
   */
  static boolean causedByAnInterrupt(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InterruptedException
          || t instanceof InterruptedIOException
          || t instanceof ClosedByInterruptException) {
        return true;
      }
    }
    return false;
  }

  private void rewrite(Catalog c, TableIdentifier id, Report r) {
    Table t = c.loadTable(id);
    Snapshot start = t.currentSnapshot();
    if (start == null) {
      return;
    }
    BinPackRewriteFilePlanner planner =
        new BinPackRewriteFilePlanner(t, Expressions.alwaysTrue(), start.snapshotId(), false);
    planner.init(
        Map.of(
            SizeBasedFileRewritePlanner.TARGET_FILE_SIZE_BYTES,
            String.valueOf(options.targetFileSize),
            BinPackRewriteFilePlanner.DELETE_FILE_THRESHOLD,
            String.valueOf(options.deleteFileThreshold)));
    FileRewritePlan<RewriteDataFiles.FileGroupInfo, FileScanTask, DataFile, RewriteFileGroup> plan =
        planner.plan();
    List<CombinedScanTask> work = new ArrayList<>();
    Set<String> rewritten = new HashSet<>();
    List<DataFile> replaced = new ArrayList<>();
    try (CloseableIterable<RewriteFileGroup> groups = plan.groups()) {
      for (RewriteFileGroup group : groups) {
        for (FileScanTask task : group.fileScanTasks()) {
          if (rewritten.add(task.file().location())) {
            replaced.add(task.file());
          }
        }
        // The whole group in one task, whose writer rolls at the target size: files are sized by
        // the rows written. Binning by input bytes, as Iceberg's own rewrite does, leaves files
        // far below the target when most input rows are deleted ones (a hot-key upsert table).
        work.add(new BaseCombinedScanTask(group.fileScanTasks()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<DeleteFile> dangling = DanglingDeletes.of(t, start, rewritten);
    if (work.isEmpty() && dangling.isEmpty()) {
      return;
    }
    List<DataFile> added = new ArrayList<>();
    if (!work.isEmpty()) {
      try {
        RowDataRewriter.RewriteMap bins = rewriter(t, options.targetFileSize);
        for (CombinedScanTask bin : work) {
          added.addAll(bins.map(bin));
        }
      } catch (Exception e) {
        added.forEach(f -> t.io().deleteFile(f.location()));
        throw new IllegalStateException("rewriting the data files of " + id + " failed", e);
      }
    }
    RewriteFiles commit = t.newRewrite().validateFromSnapshot(start.snapshotId());
    // the starting sequence number: an equality delete a writer commits meanwhile still applies
    commit.dataSequenceNumber(start.sequenceNumber());
    replaced.forEach(commit::deleteFile);
    added.forEach(commit::addFile);
    dangling.forEach(commit::deleteFile);
    try {
      commit.commit();
    } catch (RuntimeException e) {
      for (DataFile f : added) {
        t.io().deleteFile(f.location());
      }
      throw e;
    }
    r.rewrittenDataFiles = replaced.size();
    r.addedDataFiles = added.size();
    r.droppedDeleteFiles = dangling.size();
  }

  /**
   * Iceberg's Flink rewrite function, used without a Flink job: it reads a bin with the table's
   * deletes applied and writes it as one file (a target size of {@code Long.MAX_VALUE}: the bins
   * are already of the target size). Its {@code open} only initializes the writer factory, done
   * here; the factory's random operation id keeps file names unique across runs.
   */
  private static RowDataRewriter.RewriteMap rewriter(Table t, long targetFileSize) {
    FileFormat format =
        FileFormat.fromString(
            PropertyUtil.propertyAsString(
                t.properties(),
                TableProperties.DEFAULT_FILE_FORMAT,
                TableProperties.DEFAULT_FILE_FORMAT_DEFAULT));
    RowDataTaskWriterFactory writers =
        new RowDataTaskWriterFactory(
            t,
            FlinkSchemaUtil.convert(t.schema()),
            targetFileSize,
            format,
            t.properties(),
            null,
            false);
    writers.initialize(0, 0);
    return new RowDataRewriter.RewriteMap(
        t.schema(),
        t.properties().get(TableProperties.DEFAULT_NAME_MAPPING),
        t.io(),
        false,
        t.encryption(),
        writers);
  }

  private void expire(Table t, Report r) {
    int before = size(t.snapshots());
    if (before == 0) {
      return;
    }
    t.expireSnapshots()
        .expireOlderThan(System.currentTimeMillis() - options.expireMaxAge.toMillis())
        .retainLast(options.retainLast)
        .cleanExpiredFiles(true)
        .commit();
    t.refresh();
    r.snapshotsExpired = before - size(t.snapshots());
  }

  /**
   * Deletes the files under the table's location that nothing of the table names and that are older
   * than the minimum age; hidden files ({@code .name}, {@code _name}: checksums, markers) are left
   * alone, as Iceberg's own orphan action does.
   */
  private void orphans(Table t, Report r) {
    Set<String> reachable = reachable(t);
    long olderThan = System.currentTimeMillis() - options.orphansMinAge.toMillis();
    FileIO io = t.io();
    for (FileInfo f : list(t)) {
      String name = f.location().substring(f.location().lastIndexOf('/') + 1);
      if (name.startsWith(".") || name.startsWith("_") || reachable.contains(path(f.location()))) {
        continue;
      }
      if (f.createdAtMillis() >= olderThan) {
        r.youngUnreferenced++;
        continue;
      }
      io.deleteFile(f.location());
      r.orphansRemoved++;
      r.orphanBytes += f.size();
      LOG.info(
          "Deleted orphan {} of {} ({} bytes, written {})",
          f.location(),
          t.name(),
          f.size(),
          Instant.ofEpochMilli(f.createdAtMillis()));
    }
  }

  /** Every file of every snapshot still in the metadata, by path without scheme and authority. */
  private static Set<String> reachable(Table t) {
    Set<String> out = new HashSet<>();
    ReachableFileUtil.metadataFileLocations(t, true).forEach(l -> out.add(path(l)));
    out.add(path(ReachableFileUtil.versionHintLocation(t)));
    ReachableFileUtil.manifestListLocations(t).forEach(l -> out.add(path(l)));
    ReachableFileUtil.statisticsFilesLocations(t).forEach(l -> out.add(path(l)));
    Set<String> manifests = new HashSet<>();
    for (Snapshot s : t.snapshots()) {
      for (ManifestFile m : s.allManifests(t.io())) {
        if (!manifests.add(m.path())) {
          continue;
        }
        out.add(path(m.path()));
        // live entries: a file an entry marks deleted was live in an older manifest of a
        // retained snapshot (read here too), or in an expired one, whose files expiry deleted
        if (m.content() == ManifestContent.DATA) {
          addEntries(ManifestFiles.read(m, t.io(), t.specs()), out);
        } else {
          addEntries(ManifestFiles.readDeleteManifest(m, t.io(), t.specs()), out);
        }
      }
    }
    return out;
  }

  private static <F extends ContentFile<F>> void addEntries(
      ManifestReader<F> reader, Set<String> out) {
    try (ManifestReader<F> closing = reader) {
      for (F f : closing) {
        out.add(path(f.location()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Iterable<FileInfo> list(Table t) {
    if (t.io() instanceof SupportsPrefixOperations) {
      return ((SupportsPrefixOperations) t.io()).listPrefix(t.location());
    }
    List<FileInfo> out = new ArrayList<>();
    try {
      Path root = new Path(t.location());
      FileSystem fs = root.getFileSystem(new Configuration());
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        LocatedFileStatus s = it.next();
        out.add(new FileInfo(s.getPath().toString(), s.getLen(), s.getModificationTime()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list " + t.location(), e);
    }
    return out;
  }

  private static String path(String location) {
    return new Path(location).toUri().getPath();
  }

  private static int size(Iterable<?> items) {
    int n = 0;
    for (Object ignored : items) {
      n++;
    }
    return n;
  }

  /** What the run will do, for its first line. */
  public String describe() {
    List<String> tasks = new ArrayList<>();
    if (options.rewrite) {
      tasks.add("rewrite (target " + options.targetFileSize + " bytes)");
    }
    if (options.expire) {
      tasks.add(
          "expire snapshots older than "
              + TimeUtils.formatWithHighestUnit(options.expireMaxAge)
              + " but the newest "
              + options.retainLast);
    }
    if (options.orphans) {
      tasks.add(
          "delete orphans older than " + TimeUtils.formatWithHighestUnit(options.orphansMinAge));
    }
    return String.join(", ", tasks) + "; catalog " + catalog + "; lock owner " + owner;
  }
}
