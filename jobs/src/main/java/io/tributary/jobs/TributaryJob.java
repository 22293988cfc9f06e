package io.tributary.jobs;

import io.tributary.config.TributaryConfig;
import io.tributary.format.FormatOptions;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.MaintenanceOptions;
import io.tributary.iceberg.TableMaintainer;
import io.tributary.iceberg.TargetTable;
import io.tributary.runtime.JobOptions;
import io.tributary.runtime.JobOptions.JobName;
import io.tributary.runtime.Maintainers;
import io.tributary.runtime.RetainedCheckpoints;
import io.tributary.runtime.StartGuard;
import io.tributary.source.DatagenOptions;
import io.tributary.source.KafkaOptions;
import io.tributary.source.RecordSource;
import io.tributary.source.SourceOptions;
import io.tributary.source.kinesis.KinesisOptions;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A job of the suite: configured from property groups, then added to an environment. The jobs are
 * the composition root: only they hold the whole configuration, and each component gets the
 * group(s) it reads.
 */
public interface TributaryJob {
  String name();

  /** Adds the job's pipeline to the environment; tables are provisioned here. */
  void build(StreamExecutionEnvironment env);

  RecordSource source();

  IcebergCatalog catalog();

  TargetTable table();

  /** The check that refuses a start without state on tables a Flink job committed to. */
  StartGuard startGuard();

  /**
   * The configured source. Kinesis marks idle shards inside its connector, so it is handed the
   * watermark idleness of the {@code format} group here, where every group is known.
   */
  static RecordSource sourceFrom(TributaryConfig config, String job) {
    return RecordSource.fromConfig(
            config.group(SourceOptions.GROUP),
            config.group(KafkaOptions.GROUP),
            config.group(KinesisOptions.GROUP),
            config.group(DatagenOptions.GROUP),
            job)
        .withShardIdleness(config.group(FormatOptions.GROUP).get(FormatOptions.IDLENESS));
  }

  /**
   * The job's checkpoint folder, named after the groups that make it one pipeline (what it reads,
   * where it writes).
   */
  static RetainedCheckpoints checkpoints(TributaryConfig config) {
    return RetainedCheckpoints.of(
        config.group(JobOptions.GROUP),
        config.group(SourceOptions.GROUP),
        config.group(KafkaOptions.GROUP),
        config.group(KinesisOptions.GROUP),
        config.group(IcebergOptions.GROUP));
  }

  /** Maintenance inside the job, for the tables it writes. */
  static TableMaintainer maintainer(TributaryConfig config) {
    return Maintainers.forJob(
        config.group(MaintenanceOptions.GROUP),
        config.group(JobOptions.GROUP),
        config.group(SourceOptions.GROUP),
        checkpoints(config));
  }

  /** The check that refuses a start without state on {@code tables}. */
  static StartGuard startGuard(
      TributaryConfig config, IcebergCatalog catalog, List<String> tables) {
    return StartGuard.of(config.group(JobOptions.GROUP), checkpoints(config), catalog, tables);
  }

  /** The job {@code job.name} names, with its settings validated. */
  static TributaryJob fromConfig(TributaryConfig config) {
    JobName name = streamingJob(config);
    return fromConfig(config, sourceFrom(config, name.toString()));
  }

  /**
   * The job {@code job.name} names, reading {@code source} instead of the configured one: tests
   * hand in a scripted source; every other setting comes from the configuration.
   */
  static TributaryJob fromConfig(TributaryConfig config, RecordSource source) {
    JobName name = streamingJob(config);
    switch (name) {
      case INGEST:
        return new IngestJob(config, source);
      case AGGREGATE:
        return new AggregateJob(config, source);
      case CDC:
        return new CdcJob(config, source);
      default:
        throw new IllegalStateException("unreachable: " + name);
    }
  }

  private static JobName streamingJob(TributaryConfig config) {
    JobName name = config.get(JobOptions.GROUP, JobOptions.NAME);
    if (name == JobName.MAINTAIN) {
      throw new IllegalArgumentException(
          "job.name = maintain is not a streaming job: Main.maintain runs it");
    }
    return name;
  }
}
