package io.tributary.cdc.sink;

import io.tributary.cdc.CdcOptions;
import io.tributary.cdc.CdcOptions.SchemaChanges;
import io.tributary.cdc.CdcTables;
import io.tributary.cdc.RowChange;
import io.tributary.cdc.RowChangeType;
import io.tributary.config.GroupConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.PartitionSpecs;
import io.tributary.metrics.Metrics;
import io.tributary.quality.Checked;
import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.OutputTag;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;

/**
 * The cdc table stage: fits each change to its Iceberg table before the sink. It wires three parts
 * together: {@link TableDdl} creates a missing table from the change's columns and evolves a
 * table's schema (policy {@code evolve}) or stops the job (policy {@code fail}); {@link
 * HeldChanges} holds a table's changes back over a schema change until the next checkpoint; {@link
 * RowProjection} shapes each change's row to the table's schema, or names the column of a type the
 * table cannot take, and the change is dead-lettered.
 *
 * <p>Each change leaves with exactly the table's current schema. That is not only tidiness: Iceberg
 * 1.10's dynamic sink converts rows whose schema differs from the table's into new rows of kind
 * INSERT, which would turn a delete into a resurrected row. A row in the table's own schema passes
 * through it unchanged, kind included.
 */
public final class ChangeTables extends AbstractStreamOperator<RowChange>
    implements OneInputStreamOperator<RowChange, RowChange> {
  private static final long serialVersionUID = 1L;

  private final String job;
  private final IcebergCatalog catalog;
  private final SchemaChanges policy;
  private final OutputTag<DeadLetter> deadLetters;
  private final String registry;
  private final CdcTables tables;
  private transient Catalog client;
  private transient TableDdl ddl;
  private transient Map<String, Target> targets;
  private transient HeldChanges held;
  private transient boolean releaseScheduled;

  /**
   * @param registry the table whose properties list the mirrored tables ({@link MirroredTables}):
   *     the job's dead-letter table, which exists before any change is read
   */
  public ChangeTables(
      String job,
      IcebergCatalog catalog,
      SchemaChanges policy,
      OutputTag<DeadLetter> deadLetters,
      String registry,
      CdcTables tables) {
    this.job = job;
    this.catalog = catalog;
    this.policy = policy;
    this.deadLetters = deadLetters;
    this.registry = registry;
    this.tables = tables;
    // A raw operator starts its own task by default (HEAD): each change would then be serialized
    // once more between the guard's task and this one.
    this.chainingStrategy = ChainingStrategy.ALWAYS;
  }

  /**
   * Checks cdc.partition-spec at start-up: every term readable, and every partition column part of
   * the key that cdc.primary-keys gives the table's sources. A key that comes from the message key
   * is only known when the table is created, and checked then.
   */
  public static void checkPartitionSpecs(GroupConfig c, CdcTables tables) {
    for (Map.Entry<String, String> e : tables.partitionSpecs().entrySet()) {
      List<String> columns;
      try {
        columns = PartitionSpecs.columns(e.getValue());
      } catch (IllegalArgumentException bad) {
        throw c.invalid(
            CdcOptions.PARTITION_SPEC, "gives " + e.getKey() + " a spec that " + bad.getMessage());
      }
      for (List<String> key : tables.configuredKeysOf(e.getKey())) {
        List<String> outside = new ArrayList<>(columns);
        outside.removeAll(key);
        if (!outside.isEmpty()) {
          throw c.invalid(
              CdcOptions.PARTITION_SPEC,
              "partitions "
                  + e.getKey()
                  + " by "
                  + outside
                  + ", outside its key "
                  + key
                  + " (cdc.primary-keys). An upsert deletes a key within its partition, so a row"
                  + " whose partition column changed would stay behind: partition by key columns"
                  + " only.");
        }
      }
    }
  }

  /** Adds the stage after {@code changes}, chained to it. */
  public static Checked<RowChange> fit(
      DataStream<RowChange> changes,
      String job,
      IcebergCatalog catalog,
      SchemaChanges policy,
      String registry,
      CdcTables tables) {
    OutputTag<DeadLetter> tag =
        new OutputTag<>("schema-mismatch", TypeInformation.of(DeadLetter.class));
    SingleOutputStreamOperator<RowChange> rows =
        changes
            .transform(
                "create / evolve tables",
                RowChangeType.INSTANCE,
                new ChangeTables(job, catalog, policy, tag, registry, tables))
            .uid("change-tables");
    return new Checked<>(rows, rows.getSideOutput(tag));
  }

  /** A table as this operator last saw it, and how each incoming row type maps onto it. */
  private static final class Target {
    final TableIdentifier id;
    final Schema schema;
    final RowType rowType;
    final Map<RowType, RowProjection> projections = new HashMap<>();
    // The same, by instance: rows of one shape share a RowType instance (the serializer's and the
    // decoder's caches), and hashing a RowType walks every field (HashMap.get was 4.6% of the
    // job's samples, JFR of the 2 M cdc benchmark). Bounded, should instances not be shared.
    private final Map<RowType, RowProjection> byInstance = new IdentityHashMap<>();

    Target(TableIdentifier id, Schema schema) {
      this.id = id;
      this.schema = schema;
      this.rowType = FlinkSchemaUtil.convert(schema);
    }

    /** The projection planned for rows of {@code type}, or null before one is. */
    RowProjection projection(RowType type) {
      RowProjection p = byInstance.get(type);
      if (p == null) {
        p = projections.get(type);
        if (p != null) {
          if (byInstance.size() >= 64) {
            byInstance.clear();
          }
          byInstance.put(type, p);
        }
      }
      return p;
    }
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    held = HeldChanges.in(context.getOperatorStateStore());
  }

  @Override
  public void open() throws Exception {
    super.open();
    client = catalog.loader().loadCatalog();
    ddl =
        new TableDdl(
            client,
            catalog.tableProperties(),
            policy,
            Metrics.counter(getRuntimeContext(), job, Metrics.TABLES_CREATED),
            Metrics.counter(getRuntimeContext(), job, Metrics.TABLES_EVOLVED));
    targets = new HashMap<>();
    if (!held.isEmpty()) {
      scheduleRelease(); // restored: they belong after the checkpoint they were saved in
    }
  }

  @Override
  public void close() throws Exception {
    super.close();
    // Not a HadoopCatalog: closing one stops the JVM-wide lock manager (see IcebergCatalog.with).
    if (client instanceof Closeable
        && !(client instanceof org.apache.iceberg.hadoop.HadoopCatalog)) {
      ((Closeable) client).close();
    }
  }

  @Override
  public void processElement(StreamRecord<RowChange> record) {
    apply(record.getValue());
  }

  /**
   * A table's schema may change only between checkpoints. Iceberg's dynamic sink writes each schema
   * version with its own writer, and an equality delete cannot remove a row committed in the same
   * snapshot: a key written before and after a mid-checkpoint schema change would keep both rows.
   * So from the change that needs a new schema on, the table's changes are held (see {@link
   * HeldChanges}) until the next checkpoint has passed this operator.
   */
  private void apply(RowChange change) {
    if (held.joins(change)) {
      return;
    }
    Target t = targets.get(change.table);
    if (t == null) {
      t = load(change);
    }
    RowProjection p = t.projection(change.type);
    if (p == null) {
      if (fit(t, change) != t) {
        held.hold(change);
        return;
      }
      p = RowProjection.plan(t.id, t.schema, t.rowType, change);
      t.projections.put(change.type, p);
    }
    if (p.mismatch() != null) {
      output.collect(
          deadLetters,
          new StreamRecord<>(change.deadLetter(job, Reason.SCHEMA_MISMATCH, p.mismatch())));
      return;
    }
    output.collect(
        new StreamRecord<>(
            new RowChange(
                change.table,
                change.key,
                change.kind,
                change.position,
                change.keyColumns,
                t.rowType,
                p.apply(change),
                change.origin)));
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    held.snapshot();
    if (!held.isEmpty()) {
      // The barrier has left this operator already: a timer fires after it, in the next epoch.
      scheduleRelease();
    }
  }

  private void scheduleRelease() {
    if (!releaseScheduled) {
      releaseScheduled = true;
      getProcessingTimeService()
          .registerTimer(getProcessingTimeService().getCurrentProcessingTime(), t -> release());
    }
  }

  private void release() {
    releaseScheduled = false;
    for (List<RowChange> changes : held.release()) {
      // Every schema change the waiting changes need, first; then all of them on the final
      // schema, in order, within this one checkpoint.
      Target t = targets.get(changes.get(0).table);
      if (t == null) {
        t = load(changes.get(0)); // restored from a checkpoint: nothing cached yet
      }
      for (RowChange c : changes) {
        if (!t.projections.containsKey(c.type)) {
          t = fit(t, c);
        }
      }
      for (RowChange c : changes) {
        apply(c);
      }
    }
  }

  /** The change's table, created if absent and listed as mirrored before any row of it leaves. */
  private Target load(RowChange change) {
    TableIdentifier id = TableIdentifier.parse(change.table);
    Schema schema = ddl.createIfAbsent(id, change, tables.partitionSpec(id.toString()));
    MirroredTables.register(client, catalog.identifier(registry), id, job);
    Target t = new Target(id, schema);
    targets.put(change.table, t);
    return t;
  }

  /**
   * {@code t}, if its schema takes the change's columns; else the table as {@link TableDdl} left it
   * after evolving it for them, which is another target when its schema changed (here or in another
   * subtask).
   */
  private Target fit(Target t, RowChange change) {
    if (RowProjection.takes(t.schema, change.type)) {
      return t;
    }
    Schema now = ddl.evolve(t.id, change);
    if (now.sameSchema(t.schema)) {
      return t; // nothing the table can gain: the projection dead-letters the change
    }
    Target fresh = new Target(t.id, now);
    targets.put(t.id.toString(), fresh);
    return fresh;
  }
}
