package io.tributary.cdc.sink;

import io.tributary.cdc.CdcOptions.SchemaChanges;
import io.tributary.cdc.RowChange;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.PartitionSpecs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.Tasks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the cdc job changes a mirrored table's definition: creates a missing table from a
 * change's columns (key columns as identifier fields, the configured partition spec) and evolves a
 * table's schema to take a change's columns (new columns, wider types), per {@code
 * cdc.schema-changes}.
 *
 * <p>Every subtask of the stage may run the same DDL on the same table at once. Each step is
 * therefore idempotent on a fresh load of the table (create if absent, evolve if needed), and a
 * commit that loses a race is retried from a reload with backoff, where it finds the other
 * subtask's table or schema and usually has nothing left to do.
 */
final class TableDdl {
  private static final Logger LOG = LoggerFactory.getLogger(TableDdl.class);
  static final int COMMIT_RETRIES = 9;
  private static final long MIN_BACKOFF_MS = 200;
  private static final long MAX_BACKOFF_MS = 5_000;
  private static final long MAX_RETRY_MS = 60_000;

  private final Catalog client;
  private final Map<String, String> tableProperties;
  private final SchemaChanges policy;
  private final Counter created;
  private final Counter evolved;

  TableDdl(
      Catalog client,
      Map<String, String> tableProperties,
      SchemaChanges policy,
      Counter created,
      Counter evolved) {
    this.client = client;
    this.tableProperties = tableProperties;
    this.policy = policy;
    this.created = created;
    this.evolved = evolved;
  }

  private static <T> Tasks.Builder<T> retried(T item) {
    return Tasks.foreach(Collections.singletonList(item))
        .retry(COMMIT_RETRIES)
        .exponentialBackoff(MIN_BACKOFF_MS, MAX_BACKOFF_MS, MAX_RETRY_MS, 2.0);
  }

  /**
   * The schema of table {@code id}, created first from {@code change}'s columns if it does not
   * exist. {@code specText} is its configured partition spec (null: unpartitioned), which an
   * existing table must already have.
   */
  Schema createIfAbsent(TableIdentifier id, RowChange change, String specText) {
    AtomicReference<Table> out = new AtomicReference<>();
    // A hadoop catalog reports a lost create race as a failed commit of metadata version 1
    retried(id)
        .onlyRetryOn(AlreadyExistsException.class, CommitFailedException.class)
        .run(
            i ->
                out.set(
                    client.tableExists(i) ? existing(i, specText) : create(i, change, specText)));
    return out.get().schema();
  }

  private Table existing(TableIdentifier id, String specText) {
    Table table = client.loadTable(id);
    checkSpec(table, specText);
    return table;
  }

  private Table create(TableIdentifier id, RowChange change, String specText) {
    IcebergCatalog.ensureNamespace(client, id.namespace());
    Schema schema = schemaOf(change);
    // Created with an empty first snapshot in one commit, so the table has its main branch from
    // the start. Without it, the sink's subtasks each find no branch and race to add one.
    Transaction create =
        client
            .buildTable(id, schema)
            .withPartitionSpec(spec(id, schema, specText, change))
            .withProperties(tableProperties)
            .withProperty(TableProperties.FORMAT_VERSION, "2")
            .createTransaction();
    create.newAppend().commit();
    create.commitTransaction();
    Table table = client.loadTable(id);
    created.inc();
    LOG.info(
        "Created {} for CDC with schema {}, partitioned by {}",
        id,
        table.schema(),
        PartitionSpecs.describe(table.spec(), table.schema()));
    return table;
  }

  /**
   * The schema of table {@code id} after evolving it, if needed and the policy allows, to take
   * {@code change}'s new columns and wider types. Unchanged if a change's column has a type the
   * table cannot take: that change is dead-lettered, not applied.
   */
  Schema evolve(TableIdentifier id, RowChange change) {
    AtomicReference<Schema> out = new AtomicReference<>();
    retried(id)
        .onlyRetryOn(CommitFailedException.class)
        .run(i -> out.set(evolve(i, client.loadTable(i), change)));
    return out.get();
  }

  private Schema evolve(TableIdentifier id, Table table, RowChange change) {
    Schema current = table.schema();
    UpdateSchema update = table.updateSchema().unionByNameWith(unionable(current, change.type));
    Schema next = update.apply();
    if (next.sameSchema(current)) {
      return current; // another subtask evolved it already, or nothing fits
    }
    List<String> changes = described(current, next, change.type);
    if (policy == SchemaChanges.FAIL) {
      throw new SuppressRestartsException(
          new IllegalStateException(
              "cdc.schema-changes = fail, and source changes for "
                  + id
                  + " need "
                  + String.join(", ", changes)
                  + " (at "
                  + change.origin
                  + "). Alter the Iceberg table to match, or set cdc.schema-changes = evolve."));
    }
    update.commit();
    evolved.inc();
    LOG.info("Evolved {}: {}", id, String.join(", ", changes));
    return client.loadTable(id).schema();
  }

  /**
   * The change's columns as what {@code unionByNameWith} may merge into {@code table}. Two of its
   * rules differ from the stage's, and the input keeps the stage's:
   *
   * <ul>
   *   <li>A column whose type the table can neither take nor widen to (a {@code string} for a
   *       {@code long}, another decimal scale) is left out: the union would fail the whole commit,
   *       where the stage evolves the other columns and dead-letters that change, naming the
   *       column.
   *   <li>A column the table has keeps the table's nullability: the union would make a required
   *       column optional because a change has it nullable, which for an identifier field fails the
   *       commit, and the stage never relaxes a column the user or an earlier key made required.
   * </ul>
   *
   * The union itself adds what is new (optional, at the end, in the change's order), widens what
   * Iceberg can promote, and ignores a narrower type, which the projection widens per row.
   */
  static Schema unionable(Schema table, RowType change) {
    List<Types.NestedField> fields = new ArrayList<>();
    for (Types.NestedField f :
        FlinkSchemaUtil.convert(FlinkSchemaUtil.toResolvedSchema(change)).columns()) {
      Types.NestedField existing = table.findField(f.name());
      if (existing == null) {
        fields.add(f);
      } else if (convertible(existing.type(), f.type())) {
        fields.add(Types.NestedField.of(f.fieldId(), existing.isOptional(), f.name(), f.type()));
      }
    }
    return new Schema(fields);
  }

  private static boolean convertible(Type a, Type b) {
    return a.equals(b)
        || (a.isPrimitiveType()
            && b.isPrimitiveType()
            && (TypeUtil.isPromotionAllowed(a, b.asPrimitiveType())
                || TypeUtil.isPromotionAllowed(b, a.asPrimitiveType())));
  }

  /** What evolving {@code from} to {@code to} does for {@code change}'s columns, in its order. */
  private static List<String> described(Schema from, Schema to, RowType change) {
    List<String> out = new ArrayList<>();
    for (String name : change.getFieldNames()) {
      Types.NestedField before = from.findField(name);
      Types.NestedField after = to.findField(name);
      if (after == null) {
        continue;
      }
      if (before == null) {
        out.add("new column " + name + " " + after.type());
      } else if (!before.type().equals(after.type())) {
        out.add("column " + name + " widened from " + before.type() + " to " + after.type());
      }
    }
    return out;
  }

  /** The change's columns as an Iceberg schema whose identifier fields are the key columns. */
  static Schema schemaOf(RowChange change) {
    Schema s = FlinkSchemaUtil.convert(FlinkSchemaUtil.toResolvedSchema(change.type));
    Set<Integer> ids = new HashSet<>();
    for (String k : change.keyColumns) {
      ids.add(s.findField(k).fieldId());
    }
    return new Schema(s.columns(), ids);
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
}
