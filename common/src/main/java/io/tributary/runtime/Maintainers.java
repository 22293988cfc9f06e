package io.tributary.runtime;

import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.iceberg.TableMaintainer;
import io.tributary.source.SourceOptions;

/**
 * Builds table maintenance for a job from its whole configuration. The maintenance code itself
 * reads only the {@code maintenance} group; what it needs of the job (checkpoint interval, bounded
 * or not, the lock owner's name) is handed to it here.
 */
public final class Maintainers {
  private Maintainers() {}

  /** Maintenance inside a streaming job, for the tables it writes. */
  public static TableMaintainer forJob(TributaryConfig c) {
    return TableMaintainer.fromConfig(
        c,
        c.get(JobOptions.GROUP, JobOptions.CHECKPOINT_INTERVAL),
        c.get(SourceOptions.GROUP, SourceOptions.BOUNDED),
        RetainedCheckpoints.of(c).name());
  }

  /** The {@code maintain} job's one pass over named tables. */
  public static OneShotMaintenance oneShot(TributaryConfig c) {
    return OneShotMaintenance.fromConfig(
        c, c.get(JobOptions.GROUP, JobOptions.CHECKPOINT_INTERVAL));
  }
}
