package io.tributary.jobs;

import io.tributary.config.TributaryConfig;
import io.tributary.format.EventSchema;
import io.tributary.format.FormatOptions;
import io.tributary.format.JsonEvents;
import io.tributary.iceberg.DeadLetterTable;
import io.tributary.iceberg.IcebergSinkBuilder;
import io.tributary.quality.Checked;
import io.tributary.source.RecordSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;

/**
 * Raw events landed exactly once in an Iceberg append table.
 *
 * <pre>
 * source (kafka | datagen), decoded + validated in the reader, watermarks per partition
 *    |--> valid rows --> Iceberg append table
 *    '--> bad records --> dead-letter table
 * </pre>
 */
public final class IngestJob extends LakeJob {
  private final EventSchema schema;

  /** Reads and checks every setting the job needs, before any graph is built. */
  IngestJob(TributaryConfig config, RecordSource source) {
    super("ingest", config, source);
    this.schema = EventSchema.fromConfig(config.group(FormatOptions.GROUP));
  }

  @Override
  public void build(StreamExecutionEnvironment env) {
    Checked<RowData> events = JsonEvents.read(source, env, schema, name());
    startGuard().addTo(events.rows());
    IcebergSinkBuilder sink =
        IcebergSinkBuilder.forRows(events.rows(), schema.rowType())
            .catalog(catalog)
            .table(table.name())
            .partitionedBy(table.partitionSpec(), table.existingSpec())
            .metricsOf(name());
    if (schema.fromRegistry()) {
      sink.addingOptionalColumns(); // the registry's schema evolved since the table was made
    }
    sink.append();
    DeadLetterTable.write(events.deadLetters(), catalog, table.deadLetters());
    maintainTables(env);
  }
}
