package io.tributary.cdc.sink;

import io.tributary.cdc.CdcOptions;
import io.tributary.cdc.CdcOptions.SchemaChanges;
import io.tributary.cdc.CdcTables;
import io.tributary.cdc.RowChange;
import io.tributary.cdc.RowChangeType;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.PartitionSpecs;
import io.tributary.metrics.Metrics;
import io.tributary.quality.Checked;
import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.OutputTag;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits each change to its Iceberg table before the sink: creates a missing table from the change's
 * columns (key columns as identifier fields), adds new columns or widens types (policy {@code
 * evolve}) or stops the job (policy {@code fail}), and dead-letters changes with a type the table
 * cannot take, naming the column.
 *
 * <p>Each change leaves with exactly the table's current schema. That is not only tidiness: Iceberg
 * 1.10's dynamic sink converts rows whose schema differs from the table's into new rows of kind
 * INSERT, which would turn a delete into a resurrected row. A row in the table's own schema passes
 * through it unchanged, kind included.
 */
public final class ChangeTables extends AbstractStreamOperator<RowChange>
    implements OneInputStreamOperator<RowChange, RowChange> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ChangeTables.class);
  private static final int COMMIT_ATTEMPTS = 10;

  /**
   * Prefix of the dead-letter table's properties that list the tables this pipeline mirrors (one
   * key per table, so concurrent subtasks never overwrite each other). A start without state reads
   * them to find tables that are named nowhere in the configuration (see {@code StartGuard}).
   */
  public static final String MIRRORED_PREFIX = "tributary.cdc.mirrored.";

  private final String job;
  private final IcebergCatalog catalog;
  private final SchemaChanges policy;
  private final OutputTag<DeadLetter> deadLetters;
  private final String registry;
  private final CdcTables tables;
  private transient Catalog client;
  private transient Map<String, Target> targets;
  // Tables whose schema changed in this checkpoint, and their changes since: released after it
  private transient Map<String, List<RowChange>> held;
  private transient ListState<RowChange> heldState;
  private transient boolean releaseScheduled;
  private transient Counter created;
  private transient Counter evolved;

  /** The tables a registry table's properties list as mirrored ({@link #MIRRORED_PREFIX}). */
  public static List<TableIdentifier> mirrored(Map<String, String> registryProperties) {
    List<TableIdentifier> out = new ArrayList<>();
    for (String key : registryProperties.keySet()) {
      if (key.startsWith(MIRRORED_PREFIX)) {
        out.add(TableIdentifier.parse(key.substring(MIRRORED_PREFIX.length())));
      }
    }
    return out;
  }

  /** The tables the pipeline writing to dead-letter table {@code registry} has mirrored so far. */
  public static List<TableIdentifier> mirrored(IcebergCatalog catalog, String registry) {
    TableIdentifier at = catalog.identifier(registry);
    return catalog.with(
        c -> c.tableExists(at) ? mirrored(c.loadTable(at).properties()) : List.of());
  }

  /**
   * @param registry the table whose properties list the mirrored tables ({@link #MIRRORED_PREFIX}):
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
  public static void checkPartitionSpecs(TributaryConfig c, CdcTables tables) {
    for (Map.Entry<String, String> e : tables.partitionSpecs().entrySet()) {
      List<String> columns;
      try {
        columns = PartitionSpecs.columns(e.getValue());
      } catch (IllegalArgumentException bad) {
        throw c.invalid(
            CdcOptions.GROUP,
            CdcOptions.PARTITION_SPEC,
            "gives " + e.getKey() + " a spec that " + bad.getMessage());
      }
      for (List<String> key : tables.configuredKeysOf(e.getKey())) {
        List<String> outside = new ArrayList<>(columns);
        outside.removeAll(key);
        if (!outside.isEmpty()) {
          throw c.invalid(
              CdcOptions.GROUP,
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
    final Map<RowType, Projection> projections = new HashMap<>();

    Target(TableIdentifier id, Schema schema) {
      this.id = id;
      this.schema = schema;
      this.rowType = FlinkSchemaUtil.convert(schema);
    }
  }

  /** Copies a change's fields into the table's column order, widening where the table is wider. */
  private static final class Projection {
    final String mismatch;
    final RowData.FieldGetter[] getters;
    final int[] decimalPrecision;
    final boolean[] toLong;
    final boolean[] toDouble;

    Projection(String mismatch) {
      this.mismatch = mismatch;
      this.getters = null;
      this.decimalPrecision = null;
      this.toLong = null;
      this.toDouble = null;
    }

    Projection(RowType from, Target to) {
      this.mismatch = null;
      int n = to.rowType.getFieldCount();
      getters = new RowData.FieldGetter[n];
      decimalPrecision = new int[n];
      toLong = new boolean[n];
      toDouble = new boolean[n];
      for (int i = 0; i < n; i++) {
        String name = to.rowType.getFieldNames().get(i);
        int j = from.getFieldIndex(name);
        if (j < 0) {
          continue; // absent from the change: null
        }
        getters[i] = RowData.createFieldGetter(from.getTypeAt(j), j);
        Type target = to.schema.columns().get(i).type();
        Type source = FlinkSchemaUtil.convert(from.getTypeAt(j));
        if (!source.equals(target)) {
          toLong[i] = target.typeId() == Type.TypeID.LONG;
          toDouble[i] = target.typeId() == Type.TypeID.DOUBLE;
          if (target.typeId() == Type.TypeID.DECIMAL) {
            decimalPrecision[i] = ((Types.DecimalType) target).precision();
          }
        }
      }
    }

    RowData apply(RowChange c) {
      GenericRowData out = new GenericRowData(c.kind, getters.length);
      for (int i = 0; i < getters.length; i++) {
        if (getters[i] == null) {
          continue;
        }
        Object v = getters[i].getFieldOrNull(c.row);
        if (v != null) {
          if (toLong[i]) {
            v = ((Number) v).longValue();
          } else if (toDouble[i]) {
            v = ((Number) v).doubleValue();
          } else if (decimalPrecision[i] > 0) {
            DecimalData d = (DecimalData) v;
            v = DecimalData.fromBigDecimal(d.toBigDecimal(), decimalPrecision[i], d.scale());
          }
        }
        out.setField(i, v);
      }
      return out;
    }
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    heldState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("held-changes", RowChangeType.INSTANCE));
    held = new LinkedHashMap<>();
    for (RowChange c : heldState.get()) {
      held.computeIfAbsent(c.table, k -> new ArrayList<>()).add(c);
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    client = catalog.loader().loadCatalog();
    targets = new HashMap<>();
    created = Metrics.counter(getRuntimeContext(), job, Metrics.TABLES_CREATED);
    evolved = Metrics.counter(getRuntimeContext(), job, Metrics.TABLES_EVOLVED);
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
   * So from the change that needs a new schema on, the table's changes wait, in order and in
   * operator state, until the next checkpoint has passed this operator.
   */
  private void apply(RowChange change) {
    List<RowChange> waiting = held.get(change.table);
    if (waiting != null) {
      waiting.add(change);
      return;
    }
    Target t = targets.get(change.table);
    if (t == null) {
      t = load(change);
    }
    Projection p = t.projections.get(change.type);
    if (p == null) {
      Target fitted = fit(t, change);
      if (fitted != t) {
        held.computeIfAbsent(change.table, k -> new ArrayList<>()).add(change);
        return;
      }
      p = plan(t, change);
      t.projections.put(change.type, p);
    }
    if (p.mismatch != null) {
      output.collect(
          deadLetters,
          new StreamRecord<>(change.deadLetter(job, Reason.SCHEMA_MISMATCH, p.mismatch)));
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
    List<RowChange> all = new ArrayList<>();
    held.values().forEach(all::addAll);
    heldState.update(all);
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
    Map<String, List<RowChange>> waiting = held;
    held = new LinkedHashMap<>();
    for (List<RowChange> changes : waiting.values()) {
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

  private Target load(RowChange change) {
    TableIdentifier id = TableIdentifier.parse(change.table);
    Table table;
    String specText = tables.partitionSpec(id.toString());
    if (client.tableExists(id)) {
      table = client.loadTable(id);
      checkSpec(table, specText);
    } else {
      IcebergCatalog.ensureNamespace(client, id.namespace());
      Schema schema = schemaOf(change);
      PartitionSpec spec = spec(id, schema, specText, change);
      try {
        // Created with an empty first snapshot in one commit, so the table has its main branch
        // from the start. Without it, the sink's subtasks each find no branch and race to add one.
        org.apache.iceberg.Transaction create =
            client
                .buildTable(id, schema)
                .withPartitionSpec(spec)
                .withProperties(catalog.tableProperties())
                .withProperty(TableProperties.FORMAT_VERSION, "2")
                .createTransaction();
        create.newAppend().commit();
        create.commitTransaction();
        table = client.loadTable(id);
        created.inc();
        LOG.info(
            "Created {} for CDC with schema {}, partitioned by {}",
            id,
            table.schema(),
            PartitionSpecs.describe(table.spec(), table.schema()));
      } catch (AlreadyExistsException | CommitFailedException e) {
        // Another subtask created it first (a hadoop catalog reports that as a failed commit of
        // metadata version 1); use theirs, or fail if it is not there after all.
        if (!client.tableExists(id)) {
          throw e;
        }
        table = client.loadTable(id);
        checkSpec(table, specText);
      }
    }
    register(id);
    Target t = new Target(id, table.schema());
    targets.put(change.table, t);
    return t;
  }

  /**
   * The configured spec of a table about to be created, bound to its schema. A partition column
   * outside the change's key stops the job: the key is only known now when it comes from the
   * message key, and no later change could be applied right.
   */
  private static PartitionSpec spec(
      TableIdentifier id, Schema schema, String text, RowChange change) {
    if (text == null) {
      return PartitionSpec.unpartitioned();
    }
    PartitionSpec spec;
    try {
      spec = PartitionSpecs.parse(text, schema);
    } catch (IllegalArgumentException e) {
      throw new SuppressRestartsException(
          new IllegalStateException(
              "cdc.partition-spec for " + id + " does not fit its columns: " + e.getMessage(), e));
    }
    List<String> key = Arrays.asList(change.keyColumns);
    for (String column : PartitionSpecs.columns(text)) {
      if (!key.contains(column)) {
        throw new SuppressRestartsException(
            new IllegalStateException(
                "cdc.partition-spec partitions "
                    + id
                    + " by '"
                    + column
                    + "', which is not in its key "
                    + key
                    + " (at "
                    + change.origin
                    + "). An upsert deletes a key within its partition: partition by key"
                    + " columns only."));
      }
    }
    return spec;
  }

  /** An existing table must already have the configured spec: the job never changes a spec. */
  private static void checkSpec(Table table, String text) {
    if (text == null) {
      return;
    }
    PartitionSpec wanted = PartitionSpecs.parse(text, table.schema());
    if (!PartitionSpecs.sameFields(wanted, table.spec())) {
      throw new SuppressRestartsException(
          new IllegalStateException(
              "cdc.partition-spec gives "
                  + table.name()
                  + " '"
                  + PartitionSpecs.describe(wanted, table.schema())
                  + "', but the existing table is partitioned by '"
                  + PartitionSpecs.describe(table.spec(), table.schema())
                  + "'. Evolve the table yourself (ALTER TABLE ... ADD/DROP PARTITION FIELD) or"
                  + " change cdc.partition-spec to match."));
    }
  }

  /** Lists {@code id} in the registry table before any row of it can be committed. */
  private void register(TableIdentifier id) {
    TableIdentifier at = catalog.identifier(registry);
    if (!client.tableExists(at)) {
      throw new IllegalStateException(
          "the dead-letter table " + at + " is missing: it is created when the job starts");
    }
    Table r = client.loadTable(at);
    String key = MIRRORED_PREFIX + id;
    if (!r.properties().containsKey(key)) {
      // Iceberg retries a conflicting property commit on a fresh base: no subtask's key is lost
      r.updateProperties().set(key, job).commit();
      LOG.info("Listed {} in {} as a table this pipeline mirrors", id, at);
    }
  }

  /** The change's columns as an Iceberg schema whose identifier fields are the key columns. */
  private static Schema schemaOf(RowChange change) {
    Schema s = FlinkSchemaUtil.convert(FlinkSchemaUtil.toResolvedSchema(change.type));
    Set<Integer> ids = new HashSet<>();
    for (String k : change.keyColumns) {
      ids.add(s.findField(k).fieldId());
    }
    return new Schema(s.columns(), ids);
  }

  /** Evolves the table when the change brings new columns or wider types, per the policy. */
  private Target fit(Target t, RowChange change) {
    List<String> changes = evolution(t.schema, change.type);
    if (changes.isEmpty()) {
      return t;
    }
    // Another subtask may have evolved it already: look again before changing anything.
    t = reload(t);
    changes = evolution(t.schema, change.type);
    if (changes.isEmpty()) {
      return t;
    }
    if (policy == SchemaChanges.FAIL) {
      throw new SuppressRestartsException(
          new IllegalStateException(
              "cdc.schema-changes = fail, and source changes for "
                  + t.id
                  + " need "
                  + String.join(", ", changes)
                  + " (at "
                  + change.origin
                  + "). Alter the Iceberg table to match, or set cdc.schema-changes = evolve."));
    }
    for (int attempt = 1; ; attempt++) {
      Table table = client.loadTable(t.id);
      UpdateSchema update = table.updateSchema();
      boolean any = false;
      for (RowType.RowField f : change.type.getFields()) {
        Types.NestedField existing = table.schema().findField(f.getName());
        Type wanted = FlinkSchemaUtil.convert(f.getType());
        if (existing == null) {
          update.addColumn(f.getName(), wanted);
          any = true;
        } else if (!existing.type().equals(wanted)
            && wanted.isPrimitiveType()
            && TypeUtil.isPromotionAllowed(existing.type(), wanted.asPrimitiveType())) {
          update.updateColumn(f.getName(), wanted.asPrimitiveType());
          any = true;
        }
      }
      if (!any) {
        return reload(t);
      }
      try {
        update.commit();
        evolved.inc();
        LOG.info("Evolved {}: {}", t.id, String.join(", ", changes));
        return reload(t);
      } catch (CommitFailedException e) {
        if (attempt >= COMMIT_ATTEMPTS) {
          throw e;
        }
        sleep(Math.min(100L << attempt, 5_000L));
      }
    }
  }

  /** What the table must gain to take {@code type}: new columns and widened types. */
  private static List<String> evolution(Schema schema, RowType type) {
    List<String> out = new ArrayList<>();
    for (RowType.RowField f : type.getFields()) {
      Types.NestedField existing = schema.findField(f.getName());
      Type wanted = FlinkSchemaUtil.convert(f.getType());
      if (existing == null) {
        out.add("new column " + f.getName() + " " + wanted);
      } else if (!existing.type().equals(wanted)
          && wanted.isPrimitiveType()
          && TypeUtil.isPromotionAllowed(existing.type(), wanted.asPrimitiveType())) {
        out.add("column " + f.getName() + " widened from " + existing.type() + " to " + wanted);
      }
    }
    return out;
  }

  /** How the change maps onto the table, or why it cannot. */
  private static Projection plan(Target t, RowChange change) {
    Set<String> keys = new HashSet<>(Arrays.asList(change.keyColumns));
    if (!t.schema.identifierFieldNames().equals(keys)) {
      return new Projection(
          "table "
              + t.id
              + " has identifier fields "
              + t.schema.identifierFieldNames()
              + " but the change's primary key is "
              + keys);
    }
    for (RowType.RowField f : change.type.getFields()) {
      Types.NestedField existing = t.schema.findField(f.getName());
      Type wanted = FlinkSchemaUtil.convert(f.getType());
      if (existing == null) {
        return new Projection("column '" + f.getName() + "' is not in table " + t.id);
      }
      boolean fits =
          existing.type().equals(wanted)
              || (wanted.isPrimitiveType()
                  && existing.type().isPrimitiveType()
                  && TypeUtil.isPromotionAllowed(wanted, existing.type().asPrimitiveType()));
      if (!fits) {
        return new Projection(
            "column '"
                + f.getName()
                + "' is "
                + wanted
                + " in the change but "
                + existing.type()
                + " in table "
                + t.id
                + ", which cannot take it");
      }
    }
    return new Projection(change.type, t);
  }

  private Target reload(Target t) {
    Table table = client.loadTable(t.id);
    Target fresh = new Target(t.id, table.schema());
    targets.put(t.id.toString(), fresh);
    return fresh;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while retrying a schema change", e);
    }
  }
}
