package io.tributary.runtime;

import io.tributary.cdc.sink.MirroredTables;
import io.tributary.config.GroupConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.runtime.JobOptions.StartMode;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Refuses a start without restored Flink state on tables a Flink job has committed to.
 *
 * <p>Iceberg's Flink committers skip a checkpoint already committed only for the same Flink job id
 * ({@code flink.job-id} and {@code flink.max-committed-checkpoint-id} in the snapshot summaries),
 * and the source's positions live in Flink state: a new job without that state would read from the
 * Kafka group's committed offsets (or {@code kafka.start}) and write rows again, or skip them. So a
 * job whose target tables hold any such commit must start from a checkpoint or savepoint, unless
 * {@code job.start = fresh-over-existing} says otherwise.
 *
 * <p>Only Flink knows reliably whether a start restores state: MSF restores from its snapshots and
 * a JobManager failover re-runs {@code main} without {@code execution.savepoint.path}. Hence the
 * check runs in an operator of the job ({@link #addTo}), whose {@code initializeState} sees {@code
 * isRestored()}; {@link #refusal()} also lets {@code main} fail before submission where it knows
 * the start is fresh.
 */
public final class StartGuard implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The uid of the check operator: stable, so savepoints map it. */
  public static final String UID = "tributary-start-guard";

  private final String job;
  private final IcebergCatalog catalog;
  private final List<String> tables;
  private final RetainedCheckpoints checkpoints;
  private final boolean enforced;
  private final boolean restoring;

  private StartGuard(
      String job,
      IcebergCatalog catalog,
      List<String> tables,
      RetainedCheckpoints checkpoints,
      boolean enforced,
      boolean restoring) {
    this.job = job;
    this.catalog = catalog;
    this.tables = tables;
    this.checkpoints = checkpoints;
    this.enforced = enforced;
    this.restoring = restoring;
  }

  /**
   * A guard over {@code tables} (names in {@code iceberg.database}, or {@code namespace.table}),
   * plus the tables any of them lists as mirrored ({@link MirroredTables#PREFIX}).
   */
  public static StartGuard of(
      GroupConfig job,
      RetainedCheckpoints checkpoints,
      IcebergCatalog catalog,
      List<String> tables) {
    return new StartGuard(
        job.get(JobOptions.NAME).toString(),
        catalog,
        new ArrayList<>(tables),
        checkpoints,
        job.get(JobOptions.START) == StartMode.RESUME,
        FlinkEnvironment.restorePath(job).isPresent());
  }

  /**
   * Adds the check to the job, fed by {@code input} through a filter that passes nothing (chained
   * to it, so the records never leave their task). Fed by the job's own stream, the check's task
   * ends only when the job's sources end: a task that finished would be restored as finished, its
   * check never run again. It keeps a marker in operator state, because Flink restores a task
   * without state as if the job started fresh ({@code isRestored()} false).
   */
  public <T> void addTo(DataStream<T> input) {
    boolean submittedWithRestore =
        restoring
            || input
                .getExecutionEnvironment()
                .getConfiguration()
                .getOptional(StateRecoveryOptions.SAVEPOINT_PATH)
                .isPresent();
    input
        .filter(new Nothing<>())
        .name("start-guard-feed")
        .uid(UID + "-feed")
        .setParallelism(input.getParallelism())
        .transform(
            "start-guard", BasicTypeInfo.VOID_TYPE_INFO, new Check<T>(this, submittedWithRestore))
        .uid(UID)
        .setParallelism(1)
        .setMaxParallelism(1);
  }

  /**
   * Why this job must not start without restored state, or empty when it may: {@code job.start =
   * fresh-over-existing}, or no target table holds a Flink job's commit.
   */
  public Optional<String> refusal() {
    if (!enforced) {
      return Optional.empty();
    }
    Optional<String> found = catalog.with(this::flinkCommit);
    return found.map(this::message);
  }

  private Optional<String> flinkCommit(Catalog c) {
    List<TableIdentifier> ids = new ArrayList<>();
    for (String t : tables) {
      ids.add(t.contains(".") ? TableIdentifier.parse(t) : catalog.identifier(t));
    }
    // cdc's tables follow its input: the dead-letter table lists those it mirrors
    for (TableIdentifier id : new ArrayList<>(ids)) {
      if (c.tableExists(id)) {
        for (TableIdentifier mirrored : MirroredTables.mirrored(c.loadTable(id).properties())) {
          if (!ids.contains(mirrored)) {
            ids.add(mirrored);
          }
        }
      }
    }
    for (TableIdentifier id : ids) {
      if (!c.tableExists(id)) {
        continue;
      }
      Table t = c.loadTable(id);
      Snapshot latest = null;
      for (Snapshot s : t.snapshots()) {
        Map<String, String> summary = s.summary();
        if (summary != null
            && summary.containsKey("flink.job-id")
            && (latest == null || s.timestampMillis() > latest.timestampMillis())) {
          latest = s;
        }
      }
      if (latest != null) {
        Map<String, String> s = latest.summary();
        return Optional.of(
            id
                + " holds commits of Flink job "
                + s.get("flink.job-id")
                + " (the latest: snapshot "
                + latest.snapshotId()
                + ", checkpoint "
                + s.get("flink.max-committed-checkpoint-id")
                + ", at "
                + Instant.ofEpochMilli(latest.timestampMillis())
                + ")");
      }
    }
    return Optional.empty();
  }

  private String message(String commits) {
    String resume;
    try {
      resume =
          checkpoints
              .latest()
              .map(
                  k ->
                      "Resume from its latest retained checkpoint, "
                          + k.path
                          + " (local runner: start it again without --fresh; flink run -s "
                          + k.path
                          + "; or --job.flink.execution.savepoint.path "
                          + k.path
                          + ")")
              .orElse(
                  "No retained checkpoint of this configuration is under "
                      + checkpoints.dir()
                      + ": resume from your latest savepoint (flink run -s PATH; on MSF, start"
                      + " with the latest snapshot)");
    } catch (IOException | RuntimeException e) {
      resume =
          "Resume from the latest checkpoint or savepoint (cannot list "
              + checkpoints.dir()
              + ": "
              + e.getMessage()
              + ")";
    }
    return "tributary "
        + job
        + " refuses to start without restored Flink state: "
        + commits
        + ". A new job would start from the source's committed positions and write rows again,"
        + " or skip them. "
        + resume
        + ". To start without state anyway, set job.start = fresh-over-existing.";
  }

  private static final class Nothing<T> implements FilterFunction<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean filter(T value) {
      return false;
    }
  }

  /** Fails a start without restored state, without restarts, when {@link #refusal()} says so. */
  static final class Check<T> extends AbstractStreamOperator<Void>
      implements OneInputStreamOperator<T, Void> {
    private static final long serialVersionUID = 1L;
    private final StartGuard guard;
    private final boolean submittedWithRestore;
    private transient ListState<Boolean> started;

    Check(StartGuard guard, boolean submittedWithRestore) {
      this.guard = guard;
      this.submittedWithRestore = submittedWithRestore;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      started =
          context
              .getOperatorStateStore()
              .getListState(new ListStateDescriptor<>("started", Boolean.class));
      // A savepoint of a version without this check restores the job but not this task: trust the
      // restore path the job was submitted with.
      if (!context.isRestored() && !submittedWithRestore) {
        Optional<String> refusal = guard.refusal();
        if (refusal.isPresent()) {
          // a restart would start without state again and refuse again: fail for good
          throw new SuppressRestartsException(new IllegalStateException(refusal.get()));
        }
      }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
      super.snapshotState(context);
      started.update(List.of(true));
    }

    @Override
    public void processElement(StreamRecord<T> element) {
      // the feed passes nothing: the check only needs a task that lives as long as the job's
    }
  }
}
