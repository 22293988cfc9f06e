package io.tributary.jobs;

import io.tributary.config.TributaryConfig;
import io.tributary.format.EventSchema;
import io.tributary.format.JsonEvents;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergSinkBuilder;
import io.tributary.iceberg.TargetTable;
import io.tributary.quality.DeadLetterTable;
import io.tributary.source.RecordSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Raw events landed exactly once in an Iceberg append table.
 *
 * <pre>
 * source (kafka | datagen), decoded + validated in the reader, watermarks per partition
 *    |--> valid rows --> Iceberg append table
 *    '--> bad records --> dead-letter table
 * </pre>
 */
public final class IngestJob implements TributaryJob {
  private final RecordSource source;
  private final EventSchema schema;
  private final IcebergCatalog catalog;
  private final TargetTable table;

  /** Reads and checks every setting the job needs, before any graph is built. */
  IngestJob(TributaryConfig config) {
    this.source = RecordSource.fromConfig(config, name());
    this.schema = EventSchema.fromConfig(config);
    this.catalog = IcebergCatalog.fromConfig(config);
    this.table = TargetTable.fromConfig(config);
  }

  @Override
  public String name() {
    return "ingest";
  }

  @Override
  public void build(StreamExecutionEnvironment env) {
    JsonEvents.Decoded events = JsonEvents.read(source, env, schema, name());
    IcebergSinkBuilder.forRows(events.rows(), schema.rowType())
        .catalog(catalog)
        .table(table.name())
        .partitionedBy(table.partitionSpec())
        .append();
    DeadLetterTable.write(events.deadLetters(), catalog, table.deadLetters());
  }

  @Override
  public RecordSource source() {
    return source;
  }

  @Override
  public IcebergCatalog catalog() {
    return catalog;
  }

  @Override
  public TargetTable table() {
    return table;
  }
}
