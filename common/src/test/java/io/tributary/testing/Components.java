package io.tributary.testing;

import io.tributary.cdc.CdcOptions;
import io.tributary.cdc.CdcTables;
import io.tributary.config.ConfigLoader.Origin;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.MaintenanceOptions;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.iceberg.TableMaintainer;
import io.tributary.runtime.FlinkEnvironment;
import io.tributary.runtime.JobOptions;
import io.tributary.runtime.Maintainers;
import io.tributary.runtime.RetainedCheckpoints;
import io.tributary.source.DatagenOptions;
import io.tributary.source.KafkaOptions;
import io.tributary.source.RecordSource;
import io.tributary.source.SourceOptions;
import io.tributary.source.kinesis.KinesisOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Components built from a whole configuration the way the jobs' composition root builds them, each
 * handed its own group(s): for tests of common, which has no composition root of its own.
 */
public final class Components {
  private Components() {}

  public static RecordSource source(TributaryConfig c, String job) {
    return RecordSource.fromConfig(
        c.group(SourceOptions.GROUP),
        c.group(KafkaOptions.GROUP),
        c.group(KinesisOptions.GROUP),
        c.group(DatagenOptions.GROUP),
        job);
  }

  public static RetainedCheckpoints checkpoints(TributaryConfig c) {
    return RetainedCheckpoints.of(
        c.group(JobOptions.GROUP),
        c.group(SourceOptions.GROUP),
        c.group(KafkaOptions.GROUP),
        c.group(KinesisOptions.GROUP),
        c.group(IcebergOptions.GROUP));
  }

  public static Configuration flinkSettings(TributaryConfig c) {
    return FlinkEnvironment.settings(
        c.group(JobOptions.GROUP), c.group(SourceOptions.GROUP), checkpoints(c));
  }

  public static StreamExecutionEnvironment environment(TributaryConfig c, Origin origin) {
    return FlinkEnvironment.create(
        c.group(JobOptions.GROUP), c.group(SourceOptions.GROUP), checkpoints(c), origin);
  }

  public static TableMaintainer maintainer(TributaryConfig c) {
    return Maintainers.forJob(
        c.group(MaintenanceOptions.GROUP),
        c.group(JobOptions.GROUP),
        c.group(SourceOptions.GROUP),
        checkpoints(c));
  }

  public static OneShotMaintenance oneShot(TributaryConfig c) {
    return Maintainers.oneShot(
        c.group(MaintenanceOptions.GROUP),
        c.group(IcebergOptions.GROUP),
        c.group(JobOptions.GROUP));
  }

  public static CdcTables cdcTables(TributaryConfig c) {
    return CdcTables.fromConfig(
        c.group(CdcOptions.GROUP), c.group(IcebergOptions.GROUP).get(IcebergOptions.DATABASE));
  }
}
