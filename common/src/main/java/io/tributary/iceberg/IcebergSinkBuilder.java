package io.tributary.iceberg;

import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SerializableTable;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.sink.FlinkSink;
import org.apache.iceberg.types.TypeUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes rows into an Iceberg table with Iceberg's own {@link FlinkSink}, provisioning the table
 * first. Commits happen on checkpoints, which makes the write exactly once.
 *
 * <pre>{@code
 * IcebergSinkBuilder.forRows(rows, rowType)
 *     .catalog(catalog)
 *     .table("events")
 *     .partitionedBy("days(ts)")
 *     .append();
 * }</pre>
 */
public final class IcebergSinkBuilder {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergSinkBuilder.class);
  private final DataStream<RowData> rows;
  private final RowType rowType;
  private IcebergCatalog catalog;
  private String table;
  private String partitionSpec = "";
  private ExistingSpec existingSpec = ExistingSpec.KEEP;
  private boolean addOptionalColumns;
  private List<String> upsertKeys = Collections.emptyList();
  private Integer writeParallelism;
  private String uidPrefix;
  private String watchedBy;

  private IcebergSinkBuilder(DataStream<RowData> rows, RowType rowType) {
    this.rows = rows;
    this.rowType = rowType;
  }

  /** Starts a sink for rows of this type; field names become column names. */
  public static IcebergSinkBuilder forRows(DataStream<RowData> rows, RowType rowType) {
    return new IcebergSinkBuilder(rows, rowType);
  }

  /** The catalog and database to write into. Required. */
  public IcebergSinkBuilder catalog(IcebergCatalog catalog) {
    this.catalog = catalog;
    return this;
  }

  /** The table name inside the catalog's database. Required. */
  public IcebergSinkBuilder table(String table) {
    this.table = table;
    return this;
  }

  /** What to do with an existing table whose partition spec is not the configured one. */
  public enum ExistingSpec {
    /** Leave it: the spec is only used to create the table. */
    KEEP,
    /** Stop at start-up, naming both specs. */
    FAIL,
    /** Evolve the table's spec to the configured one. */
    EVOLVE
  }

  /**
   * Partition transforms used when the table is created, e.g. {@code days(ts)}; checked against the
   * schema of a new or existing table. An existing table's own spec is kept.
   */
  public IcebergSinkBuilder partitionedBy(String spec) {
    return partitionedBy(spec, ExistingSpec.KEEP);
  }

  /**
   * As {@link #partitionedBy(String)}, with {@code existing} deciding about an existing table
   * partitioned otherwise. The spec is the user's {@code iceberg.partition-spec}: problems name
   * that key.
   */
  public IcebergSinkBuilder partitionedBy(String spec, ExistingSpec existing) {
    this.partitionSpec = spec;
    this.existingSpec = existing;
    return this;
  }

  /**
   * An existing table lacking optional columns of the job's schema gains them at start-up (added
   * last, nullable), so a schema the registry evolved reaches the table on the next start. Without
   * it such a table stops the job. Required columns are never added: old rows have no value.
   */
  public IcebergSinkBuilder addingOptionalColumns() {
    this.addOptionalColumns = true;
    return this;
  }

  /** Writer parallelism; overrides the catalog-wide {@code iceberg.write.parallelism}. */
  public IcebergSinkBuilder writeParallelism(int parallelism) {
    this.writeParallelism = parallelism;
    return this;
  }

  /** Operator uid prefix; defaults to the table name. Keep it stable across releases. */
  public IcebergSinkBuilder uidPrefix(String prefix) {
    this.uidPrefix = prefix;
    return this;
  }

  /**
   * Publishes the table's freshness and commit metrics under {@code job}'s metric group (see {@link
   * CommitWatch}): an operator before the sink, uid {@code <uid prefix>-commit-metrics}.
   */
  public IcebergSinkBuilder metricsOf(String job) {
    this.watchedBy = job;
    return this;
  }

  /**
   * Upsert on these key columns: each row replaces the row with the same key (equality delete plus
   * insert). The keys become the table's identifier fields.
   */
  public IcebergSinkBuilder upsert(List<String> keys) {
    this.upsertKeys = new ArrayList<>(keys);
    return this;
  }

  /** Provisions the table now (before the job runs) and adds the sink. */
  public DataStreamSink<Void> append() {
    if (catalog == null || table == null) {
      throw new IllegalStateException("catalog and table are required");
    }
    Table t = provision();
    String prefix = uidPrefix == null ? table : uidPrefix;
    DataStream<RowData> input = rows;
    if (watchedBy != null) {
      String id = catalog.metricsTable(catalog.identifier(table).toString());
      input =
          CommitWatch.before(
              rows,
              prefix + "-commit-metrics",
              watchedBy,
              catalog.metricsScope(),
              CommitWatch.always(id),
              List.of(id));
    }
    FlinkSink.Builder b =
        FlinkSink.forRowData(input)
            .tableLoader(catalog.tableLoader(table))
            .resolvedSchema(FlinkSchemaUtil.toResolvedSchema(rowType))
            .distributionMode(catalog.distribution())
            .uidPrefix(prefix);
    Integer p = writeParallelism != null ? writeParallelism : catalog.writeParallelism();
    if (p != null) {
      b.writeParallelism(p);
    }
    if (!upsertKeys.isEmpty()) {
      b.upsert(true).equalityFieldColumns(upsertKeys);
    }
    return b.append().name("iceberg: " + t.name());
  }

  /**
   * Creates the table if missing; fails with a clear message if it exists but does not fit.
   *
   * @return a read-only copy of the table's metadata
   */
  public Table provision() {
    TableIdentifier id = catalog.identifier(table);
    Schema wanted = schema();
    // A read-only copy: the catalog (and its JDBC or HTTP client) is closed on return.
    return catalog.with(c -> SerializableTable.copyOf(provision(c, id, wanted)));
  }

  private Table provision(Catalog c, TableIdentifier id, Schema wanted) {
    catalog.ensureNamespace(c);
    if (!c.tableExists(id)) {
      PartitionSpec spec = spec(wanted);
      try {
        return c.buildTable(id, wanted)
            .withPartitionSpec(spec)
            .withProperties(catalog.tableProperties())
            .create();
      } catch (org.apache.iceberg.exceptions.AlreadyExistsException e) {
        // Another job created it between our check and create: check what it made.
      }
    }
    Table existing = c.loadTable(id);
    if (addOptionalColumns) {
      existing = addOptionalColumns(c, id, existing, wanted);
    }
    try {
      TypeUtil.validateWriteSchema(
          existing.schema(), TypeUtil.reassignOrRefreshIds(wanted, existing.schema()), true, true);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "table "
              + id
              + " exists with a schema the job cannot write: "
              + e.getMessage().replace('\n', ' ')
              + " Fix format.schema to match, or point iceberg.table at a new table.");
    }
    PartitionSpec spec = spec(existing.schema());
    if (existingSpec != ExistingSpec.KEEP && !PartitionSpecs.sameFields(spec, existing.spec())) {
      String have = PartitionSpecs.describe(existing.spec(), existing.schema());
      String want = PartitionSpecs.describe(spec, existing.schema());
      if (existingSpec == ExistingSpec.FAIL) {
        throw TributaryConfig.invalid(
            IcebergOptions.GROUP,
            IcebergOptions.PARTITION_SPEC,
            partitionSpec,
            "differs from the spec of the existing table "
                + id
                + ", which is '"
                + have
                + "' (configured: '"
                + want
                + "'). Set iceberg.partition-spec = "
                + (have.equals("unpartitioned") ? "''" : have)
                + " to keep the table as it is, or iceberg.partition-spec.evolve = true to"
                + " evolve it to the configured spec.");
      }
      LOG.info("Evolving the partition spec of {} from '{}' to '{}'", id, have, want);
      PartitionSpecs.evolve(existing, spec);
      existing = c.loadTable(id);
    }
    if (!upsertKeys.isEmpty()) {
      List<String> have = new ArrayList<>(existing.schema().identifierFieldNames());
      Collections.sort(have);
      List<String> want = new ArrayList<>(upsertKeys);
      Collections.sort(want);
      if (!have.equals(want)) {
        throw new ConfigException(
            "table "
                + id
                + " exists with identifier fields "
                + have
                + " but the job upserts on "
                + want
                + ". Point iceberg.table at a new table or change the key.");
      }
    }
    return existing;
  }

  private static Table addOptionalColumns(
      Catalog c, TableIdentifier id, Table existing, Schema wanted) {
    org.apache.iceberg.UpdateSchema update = null;
    List<String> added = new ArrayList<>();
    for (org.apache.iceberg.types.Types.NestedField f : wanted.columns()) {
      if (f.isOptional() && existing.schema().findField(f.name()) == null) {
        update = update == null ? existing.updateSchema() : update;
        update.addColumn(f.name(), f.type());
        added.add(f.name() + " " + f.type());
      }
    }
    if (update == null) {
      return existing;
    }
    LOG.info("Adding optional columns {} to {}", added, id);
    update.commit();
    return c.loadTable(id);
  }

  private PartitionSpec spec(Schema schema) {
    try {
      return PartitionSpecs.parse(partitionSpec, schema);
    } catch (IllegalArgumentException e) {
      throw TributaryConfig.invalid(
          IcebergOptions.GROUP,
          IcebergOptions.PARTITION_SPEC,
          partitionSpec,
          "is not a partition spec for table "
              + catalog.identifier(table)
              + ": "
              + e.getMessage()
              + ".");
    }
  }

  private Schema schema() {
    Schema s = FlinkSchemaUtil.convert(FlinkSchemaUtil.toResolvedSchema(rowType));
    if (upsertKeys.isEmpty()) {
      return s;
    }
    List<Integer> ids = new ArrayList<>();
    for (String k : upsertKeys) {
      if (s.findField(k) == null) {
        throw new ConfigException("upsert key '" + k + "' is not a column of " + table);
      }
      ids.add(s.findField(k).fieldId());
    }
    return new Schema(s.columns(), new java.util.HashSet<>(ids));
  }
}
