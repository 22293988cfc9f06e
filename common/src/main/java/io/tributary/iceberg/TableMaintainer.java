package io.tributary.iceberg;

import io.tributary.config.GroupConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.TimeUtils;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.maintenance.api.DeleteOrphanFiles;
import org.apache.iceberg.flink.maintenance.api.ExpireSnapshots;
import org.apache.iceberg.flink.maintenance.api.RewriteDataFiles;
import org.apache.iceberg.flink.maintenance.api.TableMaintenance;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds Iceberg's own Flink table maintenance (rewrite data files, expire snapshots, delete orphan
 * files) for the tables a job writes, configured by the {@code maintenance} group:
 *
 * <pre>{@code
 * TableMaintainer maintainer = Maintainers.forJob(config);         // validated at start-up
 * maintainer.maintain(env, catalog, "events");                      // after the table's sink
 * }</pre>
 *
 * <p>Every operator gets a uid derived from the table's name (Iceberg's default is random, #17210),
 * so savepoints restore. The lock is a property of the table itself ({@link TablePropertyLock}).
 */
public final class TableMaintainer {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintainer.class);

  private final MaintenanceOptionsView options;
  private final String owner;
  private final Set<String> maintained = new HashSet<>();

  private TableMaintainer(MaintenanceOptionsView options, String owner) {
    this.options = options;
    this.owner = owner;
  }

  /**
   * Reads and checks the {@code maintenance} group. A bounded run gets a maintainer that adds
   * nothing: Iceberg's monitor source never ends, so the run would never finish. The orphan minimum
   * age is checked against {@code checkpointInterval}; {@code owner} names the lock holder (one per
   * job configuration, so a restarted job takes its own lock back).
   */
  public static TableMaintainer fromConfig(
      GroupConfig config, Duration checkpointInterval, boolean bounded, String owner) {
    MaintenanceOptionsView o = MaintenanceOptionsView.of(config, checkpointInterval);
    return new TableMaintainer(o.anyTask() && !bounded ? o : null, owner);
  }

  /** The lock owner of the pipelines this maintainer adds. */
  String owner() {
    return owner;
  }

  /** True when {@link #maintain} adds operators. */
  public boolean active() {
    return options != null;
  }

  /** Maintains {@code table} of the catalog's database; it must exist (sinks create theirs). */
  public void maintain(StreamExecutionEnvironment env, IcebergCatalog catalog, String table) {
    maintain(env, catalog, catalog.identifier(table));
  }

  /**
   * Maintains those of the tables ({@code namespace.table}) that exist now. A table created later,
   * while the job runs, is left to {@link #maintainTablesCreatedLater} until the job is next
   * started (from its state).
   */
  public void maintainExisting(
      StreamExecutionEnvironment env, IcebergCatalog catalog, Collection<String> tables) {
    if (options == null) {
      return;
    }
    if (!options.perTablePipelines) {
      LOG.info(
          "Leaving {} to the shared maintainer (maintenance.per-table-pipelines = false)", tables);
      return;
    }
    for (String t : tables) {
      TableIdentifier id = TableIdentifier.parse(t);
      if (catalog.with(c -> c.tableExists(id))) {
        maintain(env, catalog, id);
      } else {
        LOG.info(
            "{} does not exist yet: maintained once created, if the job maintains new tables", id);
      }
    }
  }

  /**
   * Maintains the tables that {@code tables} lists while the job runs and that no earlier call
   * maintains, such as the mirrors a {@code cdc} job creates for source tables it has not seen
   * before: the same tasks and triggers, run in the job by {@link NewTableMaintenance}. Call it
   * after the other calls; {@code tables} is called on a TaskManager, once per {@code
   * maintenance.rate-limit}.
   */
  public void maintainTablesCreatedLater(
      StreamExecutionEnvironment env,
      IcebergCatalog catalog,
      SerializableSupplier<Collection<TableIdentifier>> tables) {
    if (options == null) {
      return;
    }
    NewTableMaintenance.addTo(env, sharedMaintainer(catalog, tables));
    LOG.info("Maintaining the tables created while the job runs, lock owner {}/new-tables", owner);
  }

  /**
   * The shared maintainer {@link #maintainTablesCreatedLater} adds: its own lock owner, so a lock
   * it left behind is released by it alone, and never confused with the one Iceberg's maintenance
   * of the same table takes after the next start.
   */
  NewTableMaintenance sharedMaintainer(
      IcebergCatalog catalog, SerializableSupplier<Collection<TableIdentifier>> tables) {
    return NewTableMaintenance.create(
        catalog, options, owner, owner + "/new-tables", tables, Set.copyOf(maintained));
  }

  /** Maintains the table {@code id}; it must exist. */
  public void maintain(StreamExecutionEnvironment env, IcebergCatalog catalog, TableIdentifier id) {
    if (options == null) {
      return;
    }
    maintained.add(id.toString());
    String uid = "maintenance-" + id;
    TableLoader loader = catalog.tableLoader(id);
    boolean prefixListing =
        catalog.with(c -> c.loadTable(id).io() instanceof SupportsPrefixOperations);
    TableMaintenance.Builder b =
        TableMaintenance.forTable(env, loader, new TablePropertyLock(catalog, id, owner))
            .uidSuffix(uid)
            .rateLimit(options.rateLimit)
            .lockCheckDelay(options.lockCheckDelay)
            .parallelism(options.parallelism);
    List<String> tasks = new ArrayList<>();
    if (options.rewrite) {
      b.add(
          RewriteDataFiles.builder()
              .scheduleOnCommitCount(options.rewriteCommits)
              .scheduleOnDataFileCount(options.rewriteDataFiles)
              .scheduleOnInterval(options.rewriteInterval)
              .targetFileSizeBytes(options.targetFileSize)
              .deleteFileThreshold(options.deleteFileThreshold)
              .uidSuffix(uid + "-rewrite"));
      tasks.add("rewrite");
    }
    if (options.expire) {
      b.add(
          ExpireSnapshots.builder()
              .scheduleOnInterval(options.expireInterval)
              .maxSnapshotAge(options.expireMaxAge)
              .retainLast(options.retainLast)
              .uidSuffix(uid + "-expire"));
      tasks.add("expire-snapshots");
    }
    if (options.orphans) {
      b.add(
          DeleteOrphanFiles.builder()
              .scheduleOnInterval(options.orphansInterval)
              .minAge(options.orphansMinAge)
              .usePrefixListing(prefixListing)
              .uidSuffix(uid + "-orphans"));
      tasks.add("delete-orphans");
    }
    try {
      b.append();
    } catch (IOException e) {
      throw new UncheckedIOException("could not add the maintenance of " + id, e);
    }
    LOG.info("Maintaining {} ({}), lock owner {}", id, String.join(", ", tasks), owner);
  }

  /** The group's values, checked together (orphan age against the checkpoint interval). */
  static final class MaintenanceOptionsView implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final boolean perTablePipelines;
    final boolean rewrite;
    final int rewriteCommits;
    final int rewriteDataFiles;
    final Duration rewriteInterval;
    final long targetFileSize;
    final int deleteFileThreshold;
    final boolean expire;
    final Duration expireInterval;
    final Duration expireMaxAge;
    final int retainLast;
    final boolean orphans;
    final Duration orphansInterval;
    final Duration orphansMinAge;
    final int parallelism;
    final Duration rateLimit;
    final Duration lockCheckDelay;

    private MaintenanceOptionsView(GroupConfig c, Duration interval) {
      boolean on = c.get(MaintenanceOptions.ENABLED);
      perTablePipelines = c.get(MaintenanceOptions.PER_TABLE_PIPELINES);
      rewrite = on && c.get(MaintenanceOptions.REWRITE_ENABLED);
      rewriteCommits = c.get(MaintenanceOptions.REWRITE_COMMIT_COUNT);
      rewriteDataFiles = c.get(MaintenanceOptions.REWRITE_DATA_FILE_COUNT);
      rewriteInterval = c.get(MaintenanceOptions.REWRITE_INTERVAL);
      targetFileSize = c.get(MaintenanceOptions.REWRITE_TARGET_FILE_SIZE).getBytes();
      deleteFileThreshold = c.get(MaintenanceOptions.REWRITE_DELETE_FILE_THRESHOLD);
      expire = on && c.get(MaintenanceOptions.EXPIRE_ENABLED);
      expireInterval = c.get(MaintenanceOptions.EXPIRE_INTERVAL);
      expireMaxAge = c.get(MaintenanceOptions.EXPIRE_MAX_AGE);
      retainLast = c.get(MaintenanceOptions.EXPIRE_RETAIN_LAST);
      orphans = on && c.get(MaintenanceOptions.ORPHANS_ENABLED);
      orphansInterval = c.get(MaintenanceOptions.ORPHANS_INTERVAL);
      orphansMinAge = c.get(MaintenanceOptions.ORPHANS_MIN_AGE);
      parallelism = c.get(MaintenanceOptions.PARALLELISM);
      rateLimit = c.get(MaintenanceOptions.RATE_LIMIT);
      lockCheckDelay = c.get(MaintenanceOptions.LOCK_CHECK_DELAY);
      Duration floor =
          max(
              MaintenanceOptions.MIN_ORPHAN_AGE,
              interval.multipliedBy(MaintenanceOptions.MIN_ORPHAN_AGE_CHECKPOINTS));
      if (orphans && orphansMinAge.compareTo(floor) < 0) {
        throw c.invalid(
            MaintenanceOptions.ORPHANS_MIN_AGE,
            "is too young: a file written for a checkpoint that has not committed yet could be"
                + " deleted. It must be at least "
                + MaintenanceOptions.MIN_ORPHAN_AGE_CHECKPOINTS
                + " x job.checkpoint.interval ("
                + TimeUtils.formatWithHighestUnit(interval)
                + "), so at least "
                + TimeUtils.formatWithHighestUnit(floor)
                + ". Raise maintenance.delete-orphans.min-age, or set"
                + " maintenance.delete-orphans.enabled = false.");
      }
    }

    static MaintenanceOptionsView of(GroupConfig c, Duration checkpointInterval) {
      return new MaintenanceOptionsView(c, checkpointInterval);
    }

    boolean anyTask() {
      return rewrite || expire || orphans;
    }

    private static Duration max(Duration a, Duration b) {
      return a.compareTo(b) >= 0 ? a : b;
    }
  }
}
