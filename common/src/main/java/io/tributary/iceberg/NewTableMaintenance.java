package io.tributary.iceberg;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple5;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintains, inside a running job, the tables it created after its graph was built: the mirrors a
 * {@code cdc} job creates for source tables that first appear while it runs. Iceberg's {@code
 * TableMaintenance} cannot: it loads its table when the graph is built, and a graph cannot grow
 * while the job runs.
 *
 * <pre>
 * ticks, one per maintenance.rate-limit --> [this, parallelism 1] --> nothing
 *                                             |  on worker threads, maintenance.parallelism
 *                                             '  tables at once: the due tasks of {@link OneShotMaintenance}
 * </pre>
 *
 * <p>The tasks, the lock and the figures are the {@code maintain} job's ({@link
 * OneShotMaintenance}); the triggers follow the group's: a rewrite after {@code
 * rewrite.commit-count} commits, at {@code rewrite.data-file-count} data files, or after {@code
 * rewrite.interval} with any commit; expiry and orphan removal every interval. The work runs on its
 * own threads, {@code parallelism} tables at once, so a long rewrite never holds back a checkpoint,
 * nor, with a parallelism above one, every other table. The schedule is operator state: a job
 * restored from a checkpoint or savepoint goes on counting commits and intervals from each table's
 * last runs instead of rewriting every table again at once. A lock this owner left behind (a crash
 * mid-run) is released before the table's first run after each start. Once the job is next started
 * from its state, these tables exist at graph build and get Iceberg's own maintenance instead,
 * unless {@code maintenance.per-table-pipelines = false} leaves every mirror to this maintainer
 * (one graph for any number of tables). A table no longer listed, or dropped, leaves the schedule.
 */
final class NewTableMaintenance extends ProcessFunction<Long, Void>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(NewTableMaintenance.class);

  private final OneShotMaintenance tasks;
  private final TableMaintainer.MaintenanceOptionsView options;
  private final SerializableSupplier<Collection<TableIdentifier>> tables;
  private final Set<String> maintainedByTheGraph;
  private final String pipelineOwner;

  /** Runs the rounds, one at a time. */
  private transient ExecutorService worker;

  /** Runs the tables' maintenance, up to {@code maintenance.parallelism} tables at once. */
  private transient ExecutorService runs;

  private transient Future<?> round;

  /** Written by the pool's threads, read by checkpoints on the task thread. */
  private transient Map<TableIdentifier, Schedule> schedules;

  private transient ListState<ScheduleState> scheduleState;

  /** The tables seen since this start: a lock left before it is released at the first sight. */
  private transient Set<TableIdentifier> lockChecked;

  private NewTableMaintenance(
      OneShotMaintenance tasks,
      TableMaintainer.MaintenanceOptionsView options,
      SerializableSupplier<Collection<TableIdentifier>> tables,
      Set<String> maintainedByTheGraph,
      String pipelineOwner) {
    this.pipelineOwner = pipelineOwner;
    this.tasks = tasks;
    this.options = options;
    this.tables = tables;
    this.maintainedByTheGraph = maintainedByTheGraph;
  }

  /**
   * Adds the ticks, one per {@code maintenance.rate-limit}, and {@code maintainer} to {@code env}.
   */
  static void addTo(StreamExecutionEnvironment env, NewTableMaintenance maintainer) {
    double perSecond = 1_000.0 / Math.max(1_000, maintainer.options.rateLimit.toMillis());
    DataGeneratorSource<Long> ticks =
        new DataGeneratorSource<>(
            (GeneratorFunction<Long, Long>) i -> i,
            Long.MAX_VALUE,
            RateLimiterStrategy.perSecond(perSecond),
            Types.LONG);
    env.fromSource(ticks, WatermarkStrategy.noWatermarks(), "maintenance ticks (new tables)")
        .uid("maintenance-new-tables-ticks")
        .setParallelism(1)
        .process(maintainer)
        .uid("maintenance-new-tables")
        .name("shared table maintenance")
        .setParallelism(1)
        .sinkTo(new DiscardingSink<>())
        .name("maintenance (new tables) end")
        .uid("maintenance-new-tables-end")
        .setParallelism(1);
  }

  /**
   * A maintainer of the tables that {@code tables} lists, when called, among every table the job
   * writes; those in {@code maintainedByTheGraph} ({@code namespace.table}) are left to Iceberg's
   * maintenance, whose lock owner is {@code pipelineOwner}. This maintainer's own lock owner is
   * {@code owner}.
   */
  static NewTableMaintenance create(
      IcebergCatalog catalog,
      TableMaintainer.MaintenanceOptionsView options,
      String pipelineOwner,
      String owner,
      SerializableSupplier<Collection<TableIdentifier>> tables,
      Set<String> maintainedByTheGraph) {
    return new NewTableMaintenance(
        new OneShotMaintenance(options, catalog, owner),
        options,
        tables,
        maintainedByTheGraph,
        pipelineOwner);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    OperatorStateStore store = context.getOperatorStateStore();
    scheduleState = store.getListState(schedulesState());
    schedules = new ConcurrentHashMap<>();
    for (ScheduleState e : scheduleState.get()) {
      schedules.put(TableIdentifier.parse(e.table), new Schedule(e));
    }
    // Looked up by name first: registering the old state on every start would write it for ever.
    ListStateDescriptor<Tuple5<String, Long, Long, Long, Long>> tuples = tupleSchedulesState();
    if (store.getRegisteredStateNames().contains(tuples.getName())) {
      ListState<Tuple5<String, Long, Long, Long, Long>> old = store.getListState(tuples);
      for (Tuple5<String, Long, Long, Long, Long> e : old.get()) {
        ScheduleState s = new ScheduleState();
        s.table = e.f0;
        s.rewrittenAt = e.f1;
        s.rewrittenAtSequence = e.f2;
        s.expiredAt = e.f3;
        s.orphansRemovedAt = e.f4;
        schedules.putIfAbsent(TableIdentifier.parse(s.table), new Schedule(s));
      }
      old.clear();
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    List<ScheduleState> out = new ArrayList<>();
    schedules.forEach((id, s) -> out.add(s.toState(id)));
    scheduleState.update(out);
  }

  /**
   * The schedules as operator state. A POJO, not a tuple: Flink's POJO serializer restores state
   * written with fewer or more fields, so a new schedule field keeps every table's schedule.
   */
  static ListStateDescriptor<ScheduleState> schedulesState() {
    return new ListStateDescriptor<>("table-schedules", Types.POJO(ScheduleState.class));
  }

  /**
   * The state of versions up to 2026-12-06, which a tuple's serializer could not evolve: read once
   * on restore, moved to {@link #schedulesState}, then emptied.
   */
  static ListStateDescriptor<Tuple5<String, Long, Long, Long, Long>> tupleSchedulesState() {
    return new ListStateDescriptor<>(
        "schedules", Types.TUPLE(Types.STRING, Types.LONG, Types.LONG, Types.LONG, Types.LONG));
  }

  /** One table's schedule in state; times are epoch milliseconds. */
  public static final class ScheduleState {
    /** {@code namespace.table}. */
    public String table;

    /** Last rewrite by this maintainer, or when the table was first seen. */
    public long rewrittenAt;

    /** The table's sequence number right after that rewrite (0: never rewritten). */
    public long rewrittenAtSequence;

    public long expiredAt;
    public long orphansRemovedAt;

    public ScheduleState() {}
  }

  @Override
  public void open(Configuration parameters) {
    lockChecked = ConcurrentHashMap.newKeySet();
    worker = Executors.newSingleThreadExecutor(daemons("tributary-new-table-maintenance"));
    runs =
        Executors.newFixedThreadPool(
            options.parallelism, daemons("tributary-new-table-maintenance-run"));
  }

  private static ThreadFactory daemons(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void processElement(Long tick, Context ctx, Collector<Void> out) {
    if (round == null || round.isDone()) {
      round = worker.submit(this::round);
    }
  }

  /**
   * One pass over the tables (on the worker thread): each table's due tasks run on the pool, up to
   * {@code maintenance.parallelism} tables at once; the pass ends when every table's run has.
   */
  private void round() {
    Collection<TableIdentifier> all;
    try {
      all = tables.get();
    } catch (RuntimeException e) {
      LOG.warn("Could not list the tables to maintain: {}", e.toString());
      return;
    }
    forgetUnlisted(all);
    List<Future<?>> started = new ArrayList<>();
    for (TableIdentifier id : all) {
      started.add(runs.submit(() -> maintainIfDue(id)));
    }
    // every run ends before the next round, so no table is ever maintained twice at once
    for (Future<?> f : started) {
      try {
        f.get();
      } catch (InterruptedException e) {
        // the task is stopping: runs under way are interrupted too, and release their locks
        started.forEach(r -> r.cancel(true));
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        LOG.warn("A maintenance run failed: {}", e.getCause().toString());
      }
    }
  }

  /** The due tasks of one table (on a pool thread). Never throws. */
  private void maintainIfDue(TableIdentifier id) {
    if (Thread.currentThread().isInterrupted()) {
      return;
    }
    try {
      if (maintainedByTheGraph.contains(id.toString())) {
        // this maintainer ran on it before the job was last restarted and may have left its
        // lock (a crash mid-run); no run of ours is under way, and the graph's pipeline, another
        // owner, would wait for that lock for ever
        if (lockChecked.add(id) && tasks.tableIfExists(id) != null) {
          tasks.releaseLeftLock(id, tasks.owner());
        }
        schedules.remove(id); // restored from before: the graph's pipeline schedules it now
        return;
      }
      Table t = tasks.tableIfExists(id);
      if (t == null) {
        // listed before its creation, or dropped since: a table created again under its name
        // starts a new schedule
        schedules.remove(id);
        return;
      }
      if (lockChecked.add(id)) {
        // a run cut short left its lock: this maintainer's, or the pipeline's that maintained
        // the table before (maintenance.per-table-pipelines switched off); neither runs now
        tasks.releaseLeftLock(id, tasks.owner());
        tasks.releaseLeftLock(id, pipelineOwner);
        LOG.info("Maintaining {} (shared maintainer)", id);
      }
      Schedule s = schedules.computeIfAbsent(id, k -> new Schedule(System.currentTimeMillis()));
      long now = System.currentTimeMillis();
      Set<OneShotMaintenance.Task> due = s.due(t, now);
      if (!due.isEmpty()) {
        OneShotMaintenance.Report r = tasks.maintain(id, due);
        if (r.outcome != OneShotMaintenance.Outcome.SKIPPED_LOCKED) {
          s.ran(due, now, sequenceNumber(t) + (r.committedARewrite() ? 1 : 0));
        }
      }
    } catch (RuntimeException e) {
      // the next tick tries again; a catalog outage must not fail the job
      LOG.warn("Maintenance of {} skipped this round: {}", id, e.toString());
    }
  }

  /**
   * Drops the schedules of tables {@code listed} no longer has, so the state does not keep every
   * table a long-running job ever mirrored.
   */
  private void forgetUnlisted(Collection<TableIdentifier> listed) {
    Set<TableIdentifier> keep = new HashSet<>(listed);
    for (TableIdentifier id : schedules.keySet()) {
      if (!keep.contains(id)) {
        schedules.remove(id);
        LOG.info("Forgetting the maintenance schedule of {}: no longer listed", id);
      }
    }
  }

  @Override
  public void close() throws Exception {
    // runs under way are interrupted, and release their locks (OneShotMaintenance#maintain)
    for (ExecutorService pool : new ExecutorService[] {worker, runs}) {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
    for (ExecutorService pool : new ExecutorService[] {worker, runs}) {
      if (pool != null && !pool.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("A maintenance thread did not stop within 30 s");
      }
    }
  }

  /** The table's last sequence number: one more with every commit (mirrors are format v2). */
  private static long sequenceNumber(Table t) {
    Snapshot current = t.currentSnapshot();
    return current == null ? 0 : current.sequenceNumber();
  }

  /**
   * When each task of one table last ran (or, before its first run, when the table was seen).
   * Synchronized: the worker thread updates it while a checkpoint reads it.
   */
  private final class Schedule {
    private long rewritten;
    private long rewrittenAtSequence;
    private long expired;
    private long orphansRemoved;

    /** Every commit since the table's creation counts: none was rewritten by this maintainer. */
    Schedule(long seen) {
      this.rewritten = seen;
      this.expired = seen;
      this.orphansRemoved = seen;
    }

    Schedule(ScheduleState s) {
      this.rewritten = s.rewrittenAt;
      this.rewrittenAtSequence = s.rewrittenAtSequence;
      this.expired = s.expiredAt;
      this.orphansRemoved = s.orphansRemovedAt;
    }

    synchronized ScheduleState toState(TableIdentifier id) {
      ScheduleState s = new ScheduleState();
      s.table = id.toString();
      s.rewrittenAt = rewritten;
      s.rewrittenAtSequence = rewrittenAtSequence;
      s.expiredAt = expired;
      s.orphansRemovedAt = orphansRemoved;
      return s;
    }

    synchronized Set<OneShotMaintenance.Task> due(Table t, long now) {
      Set<OneShotMaintenance.Task> due = EnumSet.noneOf(OneShotMaintenance.Task.class);
      if (options.rewrite && rewriteDue(t, now)) {
        due.add(OneShotMaintenance.Task.REWRITE);
      }
      if (options.expire && now - expired >= options.expireInterval.toMillis()) {
        due.add(OneShotMaintenance.Task.EXPIRE_SNAPSHOTS);
      }
      if (options.orphans && now - orphansRemoved >= options.orphansInterval.toMillis()) {
        due.add(OneShotMaintenance.Task.DELETE_ORPHANS);
      }
      return due;
    }

    private boolean rewriteDue(Table t, long now) {
      // every commit since the last rewrite is a writer's (this maintainer is the only rewriter)
      long commits = sequenceNumber(t) - rewrittenAtSequence;
      if (commits <= 0) {
        return false;
      }
      return commits >= options.rewriteCommits
          || OneShotMaintenance.Figures.dataFiles(t) >= options.rewriteDataFiles
          || now - rewritten >= options.rewriteInterval.toMillis();
    }

    /** Records a run of {@code done} at {@code now}, the table then at {@code sequence}. */
    synchronized void ran(Set<OneShotMaintenance.Task> done, long now, long sequence) {
      if (done.contains(OneShotMaintenance.Task.REWRITE)) {
        rewritten = now;
        rewrittenAtSequence = sequence;
      }
      if (done.contains(OneShotMaintenance.Task.EXPIRE_SNAPSHOTS)) {
        expired = now;
      }
      if (done.contains(OneShotMaintenance.Task.DELETE_ORPHANS)) {
        orphansRemoved = now;
      }
    }
  }
}
