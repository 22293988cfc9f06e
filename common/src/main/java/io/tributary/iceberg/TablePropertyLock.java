package io.tributary.iceberg;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.flink.maintenance.api.TriggerLockFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance lock of one table, kept in the table's own metadata: a table property set and
 * removed by compare-and-swap commits ({@link TableOperations#commit} with the metadata it read),
 * so it needs no system besides the catalog, and the trigger and the lock remover may run on
 * different TaskManagers.
 *
 * <p>The value names the owner (the pipeline, stable across restarts) and when it was taken. Only
 * the owner removes it: Iceberg's trigger manager clears both locks when a job starts without
 * state, and that must not free a lock another pipeline holds on the same table.
 */
final class TablePropertyLock implements TriggerLockFactory {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TablePropertyLock.class);

  static final String LOCK_PROPERTY = "tributary.maintenance.lock";
  static final String RECOVERY_PROPERTY = "tributary.maintenance.recovery-lock";

  /** Commits that lost a race against the writer (not against another lock holder) are retried. */
  private static final int ATTEMPTS = 10;

  private final IcebergCatalog catalog;
  private final String table; // TableIdentifier is not serializable
  private final String owner;

  TablePropertyLock(IcebergCatalog catalog, TableIdentifier table, String owner) {
    this.catalog = catalog;
    this.table = table.toString();
    this.owner = owner;
  }

  /**
   * Table property: how the last maintenance run ended, {@code <end> <millis> ms <outcome>},
   * written by the commit that releases the lock (no extra commit); the {@code show} command prints
   * it.
   */
  static final String LAST_RUN_PROPERTY = "tributary.maintenance.last-run";

  /** Outcomes written into {@link #LAST_RUN_PROPERTY}. */
  static final String COMPLETED = "completed";

  static final String INTERRUPTED = "interrupted";
  static final String FAILED = "failed";

  /** Seeds the snapshot gauge when a maintenance operator starts. */
  @Override
  public void open() {
    try {
      catalog.with(
          c -> {
            TableIdentifier id = TableIdentifier.parse(table);
            if (c.tableExists(id)) {
              health(((HasTableOperations) c.loadTable(id)).operations().current(), null, null);
            }
            return null;
          });
    } catch (RuntimeException e) {
      // a gauge left unknown until the first lock change; the lock itself still works
      LOG.warn("Could not read the snapshots of {}: {}", table, e.toString());
    }
  }

  /** Publishes the snapshots kept, and when {@code outcome} is set, a run's end. */
  private void health(TableMetadata metadata, String outcome, Long millis) {
    String scope = catalog.metricsScope();
    if (scope == null) {
      return;
    }
    String name = catalog.metricsTable(table);
    if (outcome == null) {
      CommitMetrics.snapshots(scope, name, metadata.snapshots().size());
    } else {
      CommitMetrics.maintenanceRun(
          scope, name, millis, COMPLETED.equals(outcome), metadata.snapshots().size());
    }
  }

  @Override
  public Lock createLock() {
    return new PropertyLock(LOCK_PROPERTY);
  }

  @Override
  public Lock createRecoveryLock() {
    return new PropertyLock(RECOVERY_PROPERTY);
  }

  @Override
  public void close() {}

  /** Milliseconds since the lock {@code value} ({@code owner@time}) was taken. */
  private static long heldMillis(String value) {
    try {
      Instant taken = Instant.parse(value.substring(value.lastIndexOf('@') + 1));
      return Math.max(0, System.currentTimeMillis() - taken.toEpochMilli());
    } catch (RuntimeException e) {
      return -1; // set by hand, not by a maintainer
    }
  }

  /** The lock's holder as written into the property, or null when free. */
  static String holder(TableMetadata metadata, String property) {
    return holder(metadata.property(property, null));
  }

  private static String holder(String value) {
    return value == null ? null : value.substring(0, Math.max(0, value.lastIndexOf('@')));
  }

  /**
   * Releases the lock with a known outcome, {@link #FAILED} or {@link #INTERRUPTED} (a run of
   * {@link OneShotMaintenance} knows how it ended), or null for completed.
   */
  void release(Lock lock, String outcome) {
    ((PropertyLock) lock).update(false, outcome);
  }

  private final class PropertyLock implements Lock {
    private final String property;

    PropertyLock(String property) {
      this.property = property;
    }

    @Override
    public boolean tryLock() {
      return update(true, null);
    }

    @Override
    public boolean isHeld() {
      return catalog.with(c -> operations(c).current().property(property, null) != null);
    }

    @Override
    public void unlock() {
      if (LOCK_PROPERTY.equals(property)) {
        dropDanglingDeletesAfterARewrite();
      }
      update(false, null);
    }

    /**
     * While this owner still holds the lock after a run that committed a rewrite: drops the delete
     * files the rewrite left listed (Iceberg's Flink rewrite has no such step). Never fails the
     * run: what is not dropped now is dropped after the next rewrite.
     */
    private void dropDanglingDeletesAfterARewrite() {
      try {
        catalog.with(
            c -> {
              Table t = c.loadTable(TableIdentifier.parse(table));
              String value = t.properties().get(LOCK_PROPERTY);
              if (value == null
                  || !owner.equals(holder(value))
                  || owner.equals(
                      holder(t.properties().get(RECOVERY_PROPERTY)))) { // recovering: not now
                return null;
              }
              long taken = System.currentTimeMillis() - Math.max(0, heldMillis(value));
              for (Snapshot s : t.snapshots()) {
                if (s.timestampMillis() >= taken
                    && DataOperations.REPLACE.equals(s.operation())
                    && !s.summary().containsKey(DanglingDeletes.DROPPED)) {
                  DanglingDeletes.drop(t);
                  break;
                }
              }
              return null;
            });
      } catch (RuntimeException e) {
        LOG.warn("Could not drop the dangling delete files of {}: {}", table, e.toString());
      }
    }

    /**
     * Takes (or releases) the lock; false when another holder has it (or had it, on release).
     * Releasing the run lock records how the run ended: {@code outcome}, else completed, or
     * interrupted when this owner's recovery lock is set (Iceberg's lock remover releases both on
     * recovery, the run lock first).
     */
    private boolean update(boolean take, String outcome) {
      return catalog.with(
          c -> {
            TableOperations ops = operations(c);
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
              TableMetadata base = ops.refresh();
              String holder = holder(base, property);
              if (take ? holder != null : !owner.equals(holder)) {
                if (!take && holder != null) {
                  LOG.warn(
                      "{} of {} is held by {}, not by {}: left", property, table, holder, owner);
                }
                return false;
              }
              Map<String, String> props = new HashMap<>(base.properties());
              String ended = null;
              Long millis = null;
              if (take) {
                props.put(property, owner + "@" + Instant.now());
              } else {
                props.remove(property);
                if (LOCK_PROPERTY.equals(property)) {
                  ended =
                      outcome != null
                          ? outcome
                          : owner.equals(holder(base, RECOVERY_PROPERTY)) ? INTERRUPTED : COMPLETED;
                  millis = heldMillis(base.property(property, null));
                  props.put(LAST_RUN_PROPERTY, Instant.now() + " " + millis + " ms " + ended);
                }
              }
              try {
                TableMetadata next = base.replaceProperties(props);
                ops.commit(base, next);
                health(next, ended, millis);
                return true;
              } catch (CommitFailedException e) {
                // The metadata moved (a writer's commit, most often): read it again, a bit later.
                sleep(attempt * 20L);
              } catch (CommitStateUnknownException e) {
                TableMetadata now = ops.refresh();
                return take == owner.equals(holder(now, property));
              }
            }
            if (take) {
              // the trigger manager tries again after maintenance.lock-check-delay
              LOG.warn("Could not take {} of {} in {} attempts", property, table, ATTEMPTS);
              return false;
            }
            // failing restarts the job, and its recovery clears the lock
            throw new IllegalStateException(
                "could not release "
                    + property
                    + " of "
                    + table
                    + " in "
                    + ATTEMPTS
                    + " attempts: the table's metadata kept changing");
          });
    }

    private void sleep(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while updating " + property, e);
      }
    }

    private TableOperations operations(org.apache.iceberg.catalog.Catalog c) {
      return ((HasTableOperations) c.loadTable(TableIdentifier.parse(table))).operations();
    }
  }
}
