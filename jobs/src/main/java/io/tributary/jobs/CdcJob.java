package io.tributary.jobs;

import io.tributary.cdc.CdcOptions;
import io.tributary.cdc.CdcTables;
import io.tributary.cdc.Changes;
import io.tributary.cdc.RowChange;
import io.tributary.cdc.sink.ChangeSink;
import io.tributary.cdc.sink.ChangeTables;
import io.tributary.cdc.sink.MirroredTables;
import io.tributary.config.GroupConfig;
import io.tributary.config.TributaryConfig;
import io.tributary.format.AvroFrames;
import io.tributary.format.FormatOptions;
import io.tributary.format.SchemaRegistry;
import io.tributary.iceberg.CommitMetrics;
import io.tributary.iceberg.CommitWatch;
import io.tributary.iceberg.DeadLetterTable;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.TableMaintainer;
import io.tributary.iceberg.TargetTable;
import io.tributary.quality.Checked;
import io.tributary.runtime.StartGuard;
import io.tributary.source.RecordSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Database change streams (Debezium, AWS DMS) mirrored exactly once into Iceberg v2 upsert tables,
 * one per source table.
 *
 * <pre>
 * source (kafka | kinesis), decoded to row changes (a key change: delete + insert)
 *    |   (DMS tables without cdc.primary-keys: by source table --> key from create-table record)
 *    |--> key by (table, primary key) --> ordering guard (drops stale changes)
 *    |       |    '--> stale (cdc.stale-changes = dead-letter) --------.
 *    |       --> create / evolve tables --> upsert sink               |
 *    |                 '--> type mismatch ----------------------------|
 *    '--> bad records (bad-position, empty, malformed-json...) -------> dead-letter table
 * </pre>
 */
public final class CdcJob implements TributaryJob {
  private final RecordSource source;
  private final IcebergCatalog catalog;
  private final TargetTable deadLetters;
  private final CdcOptions.Format format;
  private final CdcTables tables;
  private final CdcOptions.SchemaChanges schemaChanges;
  private final Duration orderingTtl;
  private final CdcOptions.Position ordering;
  private final CdcOptions.StaleChanges staleChanges;
  private final Set<FormatOptions.Lenient> lenient;
  private final AvroFrames frames;
  private final StartGuard startGuard;
  private final TableMaintainer maintainer;

  /**
   * @param source what the job reads: {@link TributaryJob#sourceFrom} the configuration in
   *     production, a scripted source in tests
   */
  CdcJob(TributaryConfig config, RecordSource source) {
    // the dynamic sink would lose a bounded run's tail otherwise (EndAfterCheckpoint says how)
    // the second checkpoint commits what ChangeTables held back over a schema change
    this.source = source.endingAfterCheckpoints(2);
    GroupConfig iceberg = config.group(IcebergOptions.GROUP);
    GroupConfig cdc = config.group(CdcOptions.GROUP);
    GroupConfig formatGroup = config.group(FormatOptions.GROUP);
    this.catalog = IcebergCatalog.fromConfig(iceberg);
    this.deadLetters = TargetTable.deadLettersOnly(iceberg, "cdc_dead_letters");
    this.format = cdc.get(CdcOptions.FORMAT);
    // unmapped source tables are mirrored into iceberg.database
    this.tables = CdcTables.fromConfig(cdc, iceberg.get(IcebergOptions.DATABASE));
    ChangeTables.checkPartitionSpecs(cdc, tables);
    this.schemaChanges = cdc.get(CdcOptions.SCHEMA_CHANGES);
    this.orderingTtl = cdc.get(CdcOptions.ORDERING_TTL);
    this.ordering = cdc.get(CdcOptions.POSITION);
    this.staleChanges = cdc.get(CdcOptions.STALE_CHANGES);
    // the same opt-in conversions as ingest; the rest of group format describes ingest's events
    this.lenient = Set.copyOf(formatGroup.get(FormatOptions.LENIENT));
    this.frames =
        format.registry() == null
            ? null
            : new AvroFrames(SchemaRegistry.fromConfig(formatGroup, format.registry()));
    // The mirrored tables follow the source tables, so only the dead-letter table and the targets
    // named in cdc.tables are known at start. Not every table of the default namespace: other jobs
    // (an aggregate, another cdc) write there too, and their commits are not this job's.
    List<String> guarded = new ArrayList<>();
    guarded.add(deadLetters.deadLetters());
    guarded.addAll(tables.configuredTargets());
    this.startGuard = TributaryJob.startGuard(config, catalog, guarded);
    this.maintainer = TributaryJob.maintainer(config);
  }

  @Override
  public StartGuard startGuard() {
    return startGuard;
  }

  @Override
  public void build(StreamExecutionEnvironment env) {
    Checked<RowChange> changes =
        Changes.read(source, env, format, ordering, tables, lenient, frames, name());
    startGuard.addTo(changes.rows());
    Checked<RowChange> ordered = Changes.inOrder(changes.rows(), name(), orderingTtl, staleChanges);
    // Before the table stage, which drops record timestamps; see CommitWatch for what it measures.
    DataStream<RowChange> watched =
        CommitWatch.before(
            ordered.rows(),
            "cdc-commit-metrics",
            name(),
            catalog.metricsScope(),
            new MetricsTable(catalog.database()),
            tables.configuredTargets().stream()
                .map(catalog::metricsTable)
                .collect(Collectors.toList()));
    Checked<RowChange> fitted =
        ChangeTables.fit(
            watched, name(), catalog, schemaChanges, deadLetters.deadLetters(), tables);
    ChangeSink.append(fitted.rows(), catalog);
    DeadLetterTable.write(
        changes.deadLetters().union(ordered.deadLetters(), fitted.deadLetters()),
        catalog,
        deadLetters.deadLetters());
    maintainer.maintain(env, catalog, deadLetters.deadLetters());
    // Mirrors are created by the first change of their source table, after the graph is built:
    // those named in cdc.tables, and those earlier runs created, are maintained from this start.
    Set<String> mirrors = new LinkedHashSet<>(tables.configuredTargets());
    MirroredTables.mirrored(catalog, deadLetters.deadLetters())
        .forEach(t -> mirrors.add(t.toString()));
    maintainer.maintainExisting(env, catalog, mirrors);
    // ...and those created from now on, by the job itself, until its next start
    maintainer.maintainTablesCreatedLater(
        env, catalog, new Mirrors(catalog, deadLetters.deadLetters(), tables.configuredTargets()));
  }

  /** Every table this pipeline mirrors now: the named targets and those its registry lists. */
  private static final class Mirrors implements SerializableSupplier<Collection<TableIdentifier>> {
    private static final long serialVersionUID = 1L;
    private final IcebergCatalog catalog;
    private final String registry;
    private final List<String> targets;

    Mirrors(IcebergCatalog catalog, String registry, Collection<String> targets) {
      this.catalog = catalog;
      this.registry = registry;
      this.targets = List.copyOf(targets);
    }

    @Override
    public Collection<TableIdentifier> get() {
      Set<TableIdentifier> out = new LinkedHashSet<>();
      targets.forEach(t -> out.add(TableIdentifier.parse(t)));
      out.addAll(MirroredTables.mirrored(catalog, registry));
      return out;
    }
  }

  @Override
  public String name() {
    return "cdc";
  }

  /** A change's table as its metrics name it (see {@link IcebergCatalog#metricsTable}). */
  private static final class MetricsTable implements KeySelector<RowChange, String> {
    private static final long serialVersionUID = 1L;
    private final String database;

    MetricsTable(String database) {
      this.database = database;
    }

    @Override
    public String getKey(RowChange c) {
      return CommitMetrics.table(c.table, null, database);
    }
  }

  @Override
  public RecordSource source() {
    return source;
  }

  @Override
  public IcebergCatalog catalog() {
    return catalog;
  }

  /** Only the dead-letter table: the mirrored tables follow the source tables. */
  @Override
  public TargetTable table() {
    return deadLetters;
  }
}
