package io.tributary.runtime;

import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.runtime.JobOptions.StartMode;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
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
  private final List<String> namespaces;
  private final RetainedCheckpoints checkpoints;
  private final boolean enforced;

  private StartGuard(
      String job,
      IcebergCatalog catalog,
      List<String> tables,
      List<String> namespaces,
      RetainedCheckpoints checkpoints,
      boolean enforced) {
    this.job = job;
    this.catalog = catalog;
    this.tables = tables;
    this.namespaces = namespaces;
    this.checkpoints = checkpoints;
    this.enforced = enforced;
  }

  /**
   * A guard over {@code tables} (names in {@code iceberg.database}, or {@code namespace.table}),
   * plus every table of {@code namespaces} (for jobs whose tables follow their input).
   */
  public static StartGuard of(
      TributaryConfig c, IcebergCatalog catalog, List<String> tables, List<String> namespaces) {
    return new StartGuard(
        c.get(JobOptions.GROUP, JobOptions.NAME).toString(),
        catalog,
        new ArrayList<>(tables),
        new ArrayList<>(namespaces),
        RetainedCheckpoints.of(c),
        c.get(JobOptions.GROUP, JobOptions.START) == StartMode.RESUME);
  }

  /** Adds the check to the job: one parallel instance, on a one-element source of its own. */
  public void addTo(StreamExecutionEnvironment env) {
    env.fromSequence(0, 0)
        .name("start-guard-trigger")
        .uid(UID + "-trigger")
        .setParallelism(1)
        .transform("start-guard", BasicTypeInfo.VOID_TYPE_INFO, new Check(this))
        .uid(UID)
        .setParallelism(1);
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
    if (c instanceof SupportsNamespaces) {
      for (String n : namespaces) {
        Namespace ns = Namespace.of(n);
        if (((SupportsNamespaces) c).namespaceExists(ns)) {
          ids.addAll(c.listTables(ns));
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

  /** Fails a start without restored state, without restarts, when {@link #refusal()} says so. */
  static final class Check extends AbstractStreamOperator<Void>
      implements OneInputStreamOperator<Long, Void> {
    private static final long serialVersionUID = 1L;
    private final StartGuard guard;

    Check(StartGuard guard) {
      this.guard = guard;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      if (!context.isRestored()) {
        Optional<String> refusal = guard.refusal();
        if (refusal.isPresent()) {
          // a restart would start without state again and refuse again: fail for good
          throw new SuppressRestartsException(new IllegalStateException(refusal.get()));
        }
      }
    }

    @Override
    public void processElement(StreamRecord<Long> element) {
      // the trigger's one element only gives the check a task to run in
    }
  }
}
