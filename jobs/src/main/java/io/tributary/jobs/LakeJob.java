package io.tributary.jobs;

import io.tributary.config.GroupConfig;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.TableMaintainer;
import io.tributary.iceberg.TargetTable;
import io.tributary.runtime.StartGuard;
import io.tributary.source.RecordSource;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** What every job reads from its configuration first: its source, catalog and target table. */
abstract class LakeJob implements TributaryJob {
  private final String name;
  protected final RecordSource source;
  protected final IcebergCatalog catalog;
  protected final TargetTable table;
  private final TableMaintainer maintainer;
  private final StartGuard startGuard;

  /**
   * @param source what the job reads: {@link TributaryJob#sourceFrom} the configuration in
   *     production, a scripted source in tests
   */
  LakeJob(String name, TributaryConfig config, RecordSource source) {
    this.name = name;
    // Iceberg's FlinkSink would lose a bounded run's tail otherwise (EndAfterCheckpoint says how);
    // once every record is in a completed checkpoint, it is committed.
    this.source = source.endingAfterCheckpoints(1);
    GroupConfig iceberg = config.group(IcebergOptions.GROUP);
    this.catalog = IcebergCatalog.fromConfig(iceberg);
    this.table = TargetTable.fromConfig(iceberg);
    this.maintainer = TributaryJob.maintainer(config);
    this.startGuard =
        TributaryJob.startGuard(config, catalog, List.of(table.name(), table.deadLetters()));
  }

  /** Maintains the main and the dead-letter table; call after their sinks created them. */
  protected final void maintainTables(StreamExecutionEnvironment env) {
    maintainer.maintain(env, catalog, table.name());
    maintainer.maintain(env, catalog, table.deadLetters());
  }

  @Override
  public final StartGuard startGuard() {
    return startGuard;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final RecordSource source() {
    return source;
  }

  @Override
  public final IcebergCatalog catalog() {
    return catalog;
  }

  @Override
  public final TargetTable table() {
    return table;
  }
}
