package io.tributary.jobs;

import io.tributary.config.OptionGroup;
import io.tributary.format.FormatOptions;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.runtime.JobOptions;
import io.tributary.source.DatagenOptions;
import io.tributary.source.KafkaOptions;
import io.tributary.source.SourceOptions;
import io.tributary.source.kinesis.KinesisOptions;
import io.tributary.window.WindowOptions;
import java.util.List;

/** Every property group of the suite, in the order the reference documents them. */
public final class TributaryOptions {
  private TributaryOptions() {}

  public static final List<OptionGroup> ALL =
      List.of(
          JobOptions.GROUP,
          SourceOptions.GROUP,
          KafkaOptions.GROUP,
          KinesisOptions.GROUP,
          DatagenOptions.GROUP,
          FormatOptions.GROUP,
          IcebergOptions.GROUP,
          WindowOptions.GROUP,
          io.tributary.cdc.CdcOptions.GROUP,
          io.tributary.iceberg.MaintenanceOptions.GROUP);
}
