package io.tributary.iceberg;

import static io.tributary.iceberg.SmallCommits.create;
import static io.tributary.iceberg.SmallCommits.dataFiles;
import static io.tributary.iceberg.SmallCommits.liveDeleteFiles;
import static io.tributary.iceberg.SmallCommits.rows;
import static io.tributary.iceberg.SmallCommits.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.testing.Components;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple5;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared maintainer a running job uses for the tables it creates: a table created after the job
 * started is rewritten once enough commits came (counted from its creation) (same rows, fewer
 * files, no live deletes), and a lock the maintainer left before a restart is released even on a
 * table the restarted graph now maintains with Iceberg's own pipeline, while another owner's lock
 * is left alone. Restored from a savepoint, it keeps each table's schedule.
 */
class NewTableMaintenanceTest {
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(4)
              .build());

  @TempDir Path dir;

  @Test
  void rewritesATableCreatedAfterTheStartAndReleasesOnlyItsOwnLeftLocks() throws Exception {
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    TableMaintainer maintainer = maintainer();
    String sharedOwner = maintainer.owner() + "/new-tables";
    // before the restart: the shared maintainer was cut short on "orders" (its lock left), and
    // another job holds the lock of "foreign"
    Table orders = create(catalog, "orders");
    upsert(orders, rows(0, 5, 0));
    lock(catalog, "orders", sharedOwner);
    Table foreign = create(catalog, "foreign");
    upsert(foreign, rows(0, 5, 0));
    lock(catalog, "foreign", "another-job");

    // the restart: "orders" now has Iceberg's pipeline in the graph, the rest is shared
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    maintainer.maintain(env, catalog, "orders");
    maintainer.maintainTablesCreatedLater(
        env,
        catalog,
        () ->
            List.of(
                TableIdentifier.parse("lake.orders"),
                TableIdentifier.parse("lake.foreign"),
                TableIdentifier.parse("lake.later")));
    JobClient job = env.executeAsync("shared maintenance");
    try {
      await(
          () -> holder(catalog, "orders") == null, "the left lock of orders released by its owner");
      assertThat(load(catalog, "orders").properties().get(TablePropertyLock.LAST_RUN_PROPERTY))
          .endsWith(" interrupted");

      // created while the job runs: due for a rewrite at its fourth commit, not before
      Table later = create(catalog, "later");
      for (int commit = 0; commit < 4; commit++) {
        upsert(later, rows(commit * 2, 6, commit)); // each overlaps the last: live deletes
      }
      List<String> rows = sorted(Tables.read(load(catalog, "later")));
      assertThat(liveDeleteFiles(load(catalog, "later"))).isPositive();
      await(() -> rewritten(catalog, "later"), "later rewritten");
      Table after = load(catalog, "later");
      assertThat(sorted(Tables.read(after))).isEqualTo(rows);
      assertThat(dataFiles(after)).isEqualTo(1);
      assertThat(liveDeleteFiles(after)).isZero();
      assertThat(after.properties().get(TablePropertyLock.LAST_RUN_PROPERTY))
          .endsWith(" completed");

      assertThat(job.getJobStatus().get().isGloballyTerminalState()).isFalse();
    } finally {
      cancel(job);
    }
    // another owner's lock: never taken over, so the table was never rewritten
    assertThat(holder(catalog, "foreign")).isEqualTo("another-job");
    for (Snapshot s : load(catalog, "foreign").snapshots()) {
      assertThat(s.operation()).isNotEqualTo("replace");
    }
  }

  /**
   * Restored from a savepoint, it goes on counting from a table's last rewrite: without the
   * schedule in state it would count every commit since the table's creation and rewrite at once.
   */
  @Test
  void restoredFromASavepointItCountsCommitsFromTheLastRewrite() throws Exception {
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    TableMaintainer maintainer = maintainer();
    String sharedOwner = maintainer.owner() + "/new-tables";
    Table later = create(catalog, "later");

    JobClient first = startShared(maintainer, catalog, null);
    String savepoint;
    try {
      for (int commit = 0; commit < 4; commit++) {
        upsert(later, rows(commit * 2, 6, commit));
      }
      await(() -> rewrites(catalog, "later") == 1, "later rewritten at its fourth commit");
      // "marker", listed after "later", appears with a lock this maintainer left: its release
      // says a round after the rewrite's ended, so the rewrite is in the schedule
      createLocked(catalog, "marker", sharedOwner);
      await(() -> holder(catalog, "marker") == null, "a round after the rewrite");
    } finally {
      savepoint =
          first
              .stopWithSavepoint(
                  false,
                  dir.resolve("savepoints").toUri().toString(),
                  SavepointFormatType.CANONICAL)
              .get();
    }

    // two commits since the rewrite: not due
    upsert(load(catalog, "later"), rows(20, 6, 4));
    upsert(load(catalog, "later"), rows(22, 6, 5));
    lock(catalog, "marker", sharedOwner);
    JobClient second = startShared(maintainer, catalog, savepoint);
    try {
      await(() -> holder(catalog, "marker") == null, "a first round after the restore");
      assertThat(rewrites(catalog, "later")).as("rewrites after the restore's first round").isOne();

      // the fourth commit since the rewrite: due
      upsert(load(catalog, "later"), rows(24, 6, 6));
      upsert(load(catalog, "later"), rows(26, 6, 7));
      await(() -> rewrites(catalog, "later") == 2, "later rewritten again");
      // its last rewrite's lock, released with the dangling-delete drop that follows the
      // rewrite: awaited before the cancel, which could otherwise stop the round before the drop
      await(() -> holder(catalog, "later") == null, "later's lock released");
    } finally {
      cancel(second);
    }
  }

  /**
   * With {@code maintenance.parallelism} 2, two tables due at the same round are maintained at
   * once: the times each held its lock (from {@code tributary.maintenance.last-run}) overlap. One
   * table after another, the second lock is taken after the first is released.
   */
  @Test
  void twoDueTablesAreMaintainedAtOnceWithParallelismTwo() throws Exception {
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    for (String name : List.of("left", "right")) {
      Table t = create(catalog, name);
      for (int commit = 0; commit < 4; commit++) {
        upsert(t, rows(commit * 2, 6, commit)); // due at the first round
      }
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    maintainer("maintenance.parallelism", "2")
        .maintainTablesCreatedLater(
            env,
            catalog,
            () -> List.of(TableIdentifier.parse("lake.left"), TableIdentifier.parse("lake.right")));
    JobClient job = env.executeAsync("shared maintenance, two at once");
    try {
      await(
          () -> rewritten(catalog, "left") && rewritten(catalog, "right"), "both tables rewritten");
    } finally {
      cancel(job);
    }
    long[] left = heldFromTo(catalog, "left");
    long[] right = heldFromTo(catalog, "right");
    assertThat(Math.min(left[1], right[1]))
        .as(
            "the earlier release (left %s, right %s)",
            Arrays.toString(left), Arrays.toString(right))
        .isGreaterThan(Math.max(left[0], right[0]));
  }

  /** When the table's last run took and released its lock, from its last-run property. */
  private static long[] heldFromTo(IcebergCatalog catalog, String table) {
    String lastRun = load(catalog, table).properties().get(TablePropertyLock.LAST_RUN_PROPERTY);
    assertThat(lastRun).endsWith(" completed");
    String[] parts = lastRun.split(" "); // <released> <millis> ms completed
    long released = Instant.parse(parts[0]).toEpochMilli();
    return new long[] {released - Long.parseLong(parts[1]), released};
  }

  /**
   * The schedule's state: a savepoint of the tuple layout (versions up to 2026-12-06) restores into
   * the POJO state, which can gain fields, and leaves the tuple state empty; a table no longer
   * listed leaves the state at the next round.
   */
  @Test
  void aTupleScheduleMovesToThePojoStateAndAnUnlistedTableIsForgotten() throws Exception {
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    create(catalog, "kept");
    OperatorSubtaskState tuples;
    try (OneInputStreamOperatorTestHarness<Long, Void> old =
        harness(
            new TupleLayout(
                Tuple5.of("lake.kept", 1L, 7L, 2L, 3L), Tuple5.of("lake.gone", 4L, 0L, 5L, 6L)))) {
      old.open();
      tuples = old.snapshot(1, 1);
    }

    NewTableMaintenance shared =
        maintainer().sharedMaintainer(catalog, () -> List.of(TableIdentifier.parse("lake.kept")));
    try (OneInputStreamOperatorTestHarness<Long, Void> restored = harness(shared)) {
      restored.initializeState(tuples);
      restored.open();
      OperatorSubtaskState moved = restored.snapshot(2, 2);
      assertThat(StateOf.read(moved).schedules)
          .containsExactlyInAnyOrder("lake.kept 1 7 2 3", "lake.gone 4 0 5 6");
      assertThat(StateOf.read(moved).tuples).isEmpty();

      // a round: "kept" is not due (its sequence number is below the restored 7), "gone" is not
      // listed any more
      restored.processElement(0L, 0);
      long[] checkpoint = {3};
      await(
          () ->
              StateOf.read(restored.snapshot(checkpoint[0]++, 3))
                  .schedules
                  .equals(List.of("lake.kept 1 7 2 3")),
          "the unlisted table forgotten, the listed one kept as restored");
    }
    assertThat(TypeInformation.of(NewTableMaintenance.ScheduleState.class))
        .as("a POJO, whose serializer restores state with fewer or more fields")
        .isInstanceOf(PojoTypeInfo.class);
  }

  private static OneInputStreamOperatorTestHarness<Long, Void> harness(
      ProcessFunction<Long, Void> f) throws Exception {
    return new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(f));
  }

  /** The shared maintainer's state as the versions up to 2026-12-06 wrote it. */
  private static final class TupleLayout extends ProcessFunction<Long, Void>
      implements CheckpointedFunction {
    private final List<Tuple5<String, Long, Long, Long, Long>> entries;
    private transient ListState<Tuple5<String, Long, Long, Long, Long>> state;

    @SafeVarargs
    TupleLayout(Tuple5<String, Long, Long, Long, Long>... entries) {
      this.entries = List.of(entries);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      state =
          context.getOperatorStateStore().getListState(NewTableMaintenance.tupleSchedulesState());
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      state.update(entries);
    }

    @Override
    public void processElement(Long value, Context ctx, Collector<Void> out) {}
  }

  /** Reads both schedule states out of an operator snapshot, one line per table. */
  private static final class StateOf extends ProcessFunction<Long, Void>
      implements CheckpointedFunction {
    final List<String> schedules = new ArrayList<>();
    final List<String> tuples = new ArrayList<>();

    static StateOf read(OperatorSubtaskState snapshot) throws Exception {
      StateOf reader = new StateOf();
      try (OneInputStreamOperatorTestHarness<Long, Void> h = harness(reader)) {
        h.initializeState(snapshot);
      }
      return reader;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      OperatorStateStore store = context.getOperatorStateStore();
      for (NewTableMaintenance.ScheduleState s :
          store.getListState(NewTableMaintenance.schedulesState()).get()) {
        schedules.add(
            s.table
                + " "
                + s.rewrittenAt
                + " "
                + s.rewrittenAtSequence
                + " "
                + s.expiredAt
                + " "
                + s.orphansRemovedAt);
      }
      for (Tuple5<String, Long, Long, Long, Long> t :
          store.getListState(NewTableMaintenance.tupleSchedulesState()).get()) {
        tuples.add(t.toString());
      }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {}

    @Override
    public void processElement(Long value, Context ctx, Collector<Void> out) {}
  }

  /**
   * A round a second; a rewrite at the fourth commit since the last; no expiry, no orphans; then
   * {@code more} keys and values.
   */
  private static TableMaintainer maintainer(String... more) {
    List<String> keys =
        new ArrayList<>(
            List.of(
                "job.name", "ingest",
                "source.type", "datagen",
                "maintenance.rate-limit", "1 s",
                "maintenance.rewrite.commit-count", "4",
                "maintenance.expire-snapshots.enabled", "false",
                "maintenance.delete-orphans.enabled", "false"));
    keys.addAll(List.of(more));
    return Components.maintainer(Configs.of(keys.toArray(new String[0])));
  }

  /** Cancels the job and waits until it ended, so no maintenance write outlives the test. */
  private static void cancel(JobClient job) throws Exception {
    job.cancel().get();
    await(() -> job.getJobStatus().get().isGloballyTerminalState(), "the job ended");
  }

  private static JobClient startShared(
      TableMaintainer maintainer, IcebergCatalog catalog, String savepoint) throws Exception {
    Configuration conf = new Configuration();
    if (savepoint != null) {
      conf.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    maintainer.maintainTablesCreatedLater(
        env,
        catalog,
        () -> List.of(TableIdentifier.parse("lake.later"), TableIdentifier.parse("lake.marker")));
    return env.executeAsync("shared maintenance");
  }

  /** The rewrites committed to the table (not the drops of dangling deletes that follow them). */
  private static long rewrites(IcebergCatalog catalog, String table) {
    long n = 0;
    for (Snapshot s : load(catalog, table).snapshots()) {
      if ("replace".equals(s.operation()) && !s.summary().containsKey(DanglingDeletes.DROPPED)) {
        n++;
      }
    }
    return n;
  }

  /** A table created with {@code owner}'s lock set: no round can see it unlocked first. */
  private static void createLocked(IcebergCatalog catalog, String table, String owner) {
    catalog.with(
        c ->
            c.buildTable(catalog.identifier(table), SmallCommits.SCHEMA)
                .withProperty(TablePropertyLock.LOCK_PROPERTY, owner + "@" + Instant.now())
                .create());
  }

  private static void lock(IcebergCatalog catalog, String table, String owner) {
    TablePropertyLock lock =
        new TablePropertyLock(catalog, TableIdentifier.of("lake", table), owner);
    assertThat(lock.createLock().tryLock()).isTrue();
  }

  private static String holder(IcebergCatalog catalog, String table) {
    return TablePropertyLock.holder(
        ((HasTableOperations) load(catalog, table)).operations().current(),
        TablePropertyLock.LOCK_PROPERTY);
  }

  private static boolean rewritten(IcebergCatalog catalog, String table) {
    Table t = load(catalog, table);
    return "replace".equals(t.currentSnapshot().operation())
        && !t.properties().containsKey(TablePropertyLock.LOCK_PROPERTY);
  }

  private static void await(java.util.concurrent.Callable<Boolean> condition, String what) {
    Awaitility.await(what)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(condition);
  }

  private static Table load(IcebergCatalog catalog, String table) {
    return catalog.with(c -> c.loadTable(TableIdentifier.of("lake", table)));
  }

  private static List<String> sorted(List<Record> rows) {
    List<String> out = new ArrayList<>();
    for (Record r : rows) {
      out.add(r.getField("id") + "=" + r.getField("v"));
    }
    return out.stream().sorted(Comparator.naturalOrder()).collect(Collectors.toList());
  }
}
