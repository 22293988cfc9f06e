package io.tributary.cdc.sink;

import io.tributary.cdc.RowChange;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.PartitionSpecs;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.Collector;
import org.apache.iceberg.DistributionMode;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.sink.dynamic.DynamicIcebergSink;
import org.apache.iceberg.flink.sink.dynamic.DynamicRecord;
import org.apache.iceberg.flink.sink.dynamic.DynamicRecordGenerator;
import org.apache.iceberg.flink.sink.dynamic.PerCheckpointDynamicSink;

/**
 * Upserts {@link RowChange}s into their tables with Iceberg's {@link DynamicIcebergSink}: one sink
 * for any number of tables, each change routed by its table name, written by the writer of the
 * ordering guard's subtask (so one key's changes stay in order on one writer), committed on
 * checkpoints.
 *
 * <p>Changes must come from {@link ChangeTables}, which creates and evolves the tables and shapes
 * every row to its table's schema; the sink then never converts a row (see there why that matters).
 */
public final class ChangeSink {
  private ChangeSink() {}

  /**
   * Adds the sink with iceberg.write.parallelism writers (default: the job's parallelism), each
   * table spread over all of them.
   *
   * <p>{@code changes} must keep each (table, primary key) on one subtask, as the ordering guard's
   * partitioning does through {@link ChangeTables}, chained after it. With as many writers as
   * subtasks, the writers then run in the same tasks and take the changes where they are: one
   * shuffle for the whole pipeline, not a second one by Iceberg's writer key. With another
   * iceberg.write.parallelism, the sink hashes each change to a writer by its key, as before.
   */
  public static void append(DataStream<RowChange> changes, IcebergCatalog catalog) {
    int parallelism =
        catalog.writeParallelism() != null
            ? catalog.writeParallelism()
            : changes.getExecutionEnvironment().getParallelism();
    // Iceberg's sink, with each checkpoint's results committed apart: an aborted checkpoint
    // otherwise folds into the next commit and can keep an upserted key twice.
    PerCheckpointDynamicSink.forInput(changes)
        .generator(new Records(parallelism, catalog))
        .catalogLoader(catalog.loader())
        .immediateTableUpdate(true) // keeps every change on one path: per-key order is kept
        .writeParallelism(parallelism)
        .inputPartitionedByKey()
        .uidPrefix("cdc-sink")
        .append();
  }

  /** A change as the dynamic sink's record: upsert on the key, into the named table. */
  static final class Records implements DynamicRecordGenerator<RowChange> {
    private static final long serialVersionUID = 1L;

    private final int writeParallelism;
    private final IcebergCatalog catalog;
    // Rows of one table schema share one RowType instance (ChangeTables, the serializer's cache).
    private transient Map<RowType, Schema> schemas;
    private transient Map<String, TableIdentifier> identifiers;
    private transient Map<String, Set<String>> keys; // a table's key: ChangeTables checks it
    // Two tables of equal columns may share a RowType instance, not a spec: keyed by both.
    private transient Map<String, Map<RowType, PartitionSpec>> specs;

    Records(int writeParallelism, IcebergCatalog catalog) {
      this.writeParallelism = writeParallelism;
      this.catalog = catalog;
    }

    @Override
    public void generate(RowChange c, Collector<DynamicRecord> out) {
      if (schemas == null) {
        schemas = new IdentityHashMap<>();
        identifiers = new java.util.HashMap<>();
        keys = new java.util.HashMap<>();
        specs = new java.util.HashMap<>();
      }
      Schema schema = schemas.computeIfAbsent(c.type, ChangeSink::schemaOf);
      TableIdentifier id = identifiers.computeIfAbsent(c.table, TableIdentifier::parse);
      PartitionSpec spec =
          specs
              .computeIfAbsent(c.table, t -> new IdentityHashMap<>())
              .computeIfAbsent(c.type, type -> tableSpec(id, schema));
      DynamicRecord r =
          new DynamicRecord(
              id,
              SnapshotRef.MAIN_BRANCH,
              schema,
              c.row,
              spec,
              // Both modes hash a key's rows to one writer, but in 1.10.2 HASH refuses a
              // partitioned table unless each partition field's name is a key column (true only
              // of identity partitions: bucket(4, id) is named id_bucket). Partition columns are
              // key columns here (ChangeTables), so a key also keeps to one partition.
              DistributionMode.NONE,
              writeParallelism);
      r.setUpsertMode(true);
      r.setEqualityFields(keys.computeIfAbsent(c.table, t -> new HashSet<>(List.of(c.keyColumns))));
      out.collect(r);
    }

    /**
     * The table's own spec, as ChangeTables created it (or the user did): the dynamic sink evolves
     * a table to whatever spec a record names, so naming another one would repartition it.
     */
    private PartitionSpec tableSpec(TableIdentifier id, Schema schema) {
      org.apache.iceberg.Table table = catalog.with(c -> c.loadTable(id));
      return PartitionSpecs.rebind(table.spec(), table.schema(), schema);
    }
  }

  static Schema schemaOf(RowType type) {
    return FlinkSchemaUtil.convert(FlinkSchemaUtil.toResolvedSchema(type));
  }
}
