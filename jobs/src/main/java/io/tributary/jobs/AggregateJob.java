package io.tributary.jobs;

import io.tributary.config.TributaryConfig;
import io.tributary.format.EventSchema;
import io.tributary.format.FormatOptions;
import io.tributary.format.JsonEvents;
import io.tributary.iceberg.DeadLetterTable;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.IcebergSinkBuilder;
import io.tributary.quality.Checked;
import io.tributary.source.RecordSource;
import io.tributary.window.EventWindows;
import io.tributary.window.WindowOptions;
import io.tributary.window.WindowSpec;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;

/**
 * Event-time windowed metrics per key, upserted into Iceberg: a window that fires again (late
 * events within the allowed lateness, early firings) overwrites its row.
 *
 * <pre>
 * source, decoded + validated in the reader, watermarks per partition
 *    |--> key by group-by --> window + aggregate --> upsert table
 *    |                              '--> too late --.
 *    '--> bad records ----------------------------> dead-letter table
 * </pre>
 */
public final class AggregateJob extends LakeJob {
  private final EventSchema schema;
  private final WindowSpec windows;
  private final String partitionSpec;

  AggregateJob(TributaryConfig config, RecordSource source) {
    super("aggregate", config, source);
    this.schema = EventSchema.fromConfig(config.group(FormatOptions.GROUP));
    this.windows = WindowSpec.fromConfig(config.group(WindowOptions.GROUP), schema);
    this.partitionSpec =
        config.group(IcebergOptions.GROUP).isSet(IcebergOptions.PARTITION_SPEC)
            ? table.partitionSpec()
            : "days(window_start)";
  }

  @Override
  public void build(StreamExecutionEnvironment env) {
    Checked<RowData> events = JsonEvents.readWithSource(source, env, schema, name());
    startGuard().addTo(events.rows());
    EventWindows.Aggregated metrics =
        EventWindows.aggregate(
            events.rows(),
            windows,
            name(),
            source.bounded() ? schema.maxOutOfOrderness() : null,
            source.refetch());
    IcebergSinkBuilder.forRows(metrics.rows(), windows.outputType())
        .catalog(catalog)
        .table(table.name())
        .partitionedBy(partitionSpec, table.existingSpec())
        .upsert(windows.identifierFields())
        .metricsOf(name())
        .append();
    DeadLetterTable.write(
        events.deadLetters().union(metrics.tooLate()), catalog, table.deadLetters());
    maintainTables(env);
  }
}
