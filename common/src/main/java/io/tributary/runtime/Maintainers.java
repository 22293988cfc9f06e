package io.tributary.runtime;

import io.tributary.config.GroupConfig;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.iceberg.TableMaintainer;
import io.tributary.source.SourceOptions;

/**
 * Builds table maintenance for a job. The maintenance code itself reads only the {@code
 * maintenance} group; what it needs of the job (checkpoint interval, bounded or not, the lock
 * owner's name) is read here from the groups the composition root hands in.
 */
public final class Maintainers {
  private Maintainers() {}

  /** Maintenance inside a streaming job, for the tables it writes. */
  public static TableMaintainer forJob(
      GroupConfig maintenance,
      GroupConfig job,
      GroupConfig source,
      RetainedCheckpoints checkpoints) {
    return TableMaintainer.fromConfig(
        maintenance,
        job.get(JobOptions.CHECKPOINT_INTERVAL),
        source.get(SourceOptions.BOUNDED),
        checkpoints.name());
  }

  /** The {@code maintain} job's one pass over named tables of the {@code iceberg} catalog. */
  public static OneShotMaintenance oneShot(
      GroupConfig maintenance, GroupConfig iceberg, GroupConfig job) {
    return OneShotMaintenance.fromConfig(
        maintenance, iceberg, job.get(JobOptions.CHECKPOINT_INTERVAL));
  }
}
