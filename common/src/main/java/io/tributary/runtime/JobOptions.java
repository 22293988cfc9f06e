package io.tributary.runtime;

import io.tributary.config.EnumNames;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Ranges;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/** Which job runs, and how Flink runs it: checkpoints, state, restarts. */
public final class JobOptions {
  private JobOptions() {}

  /** The jobs of the suite. */
  public enum JobName {
    INGEST,
    AGGREGATE,
    CDC,
    MAINTAIN;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** Checkpointing guarantee. */
  public enum CheckpointMode {
    EXACTLY_ONCE,
    AT_LEAST_ONCE;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** Where keyed state lives between checkpoints. */
  public enum StateBackend {
    HASHMAP,
    ROCKSDB;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** What a job may do when it starts without restored Flink state. */
  public enum StartMode {
    RESUME,
    FRESH_OVER_EXISTING;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  public static final ConfigOption<JobName> NAME =
      Options.key("name")
          .enumType(JobName.class)
          .noDefaultValue()
          .withDescription(
              "The job to run: ingest, aggregate and cdc stream into tables; maintain runs the"
                  + " maintenance group's tasks once over maintenance.maintain.tables (or"
                  + " .namespace), prints what it did per table, and ends.");

  public static final ConfigOption<Integer> PARALLELISM =
      Ranges.between(
          1,
          32768,
          Options.key("parallelism")
              .intType()
              .noDefaultValue()
              .withDescription(
                  "Default parallelism of the job's operators. Unset: the cluster's default (on MSF,"
                      + " the application's parallelism setting)."));

  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      Ranges.atLeast(
          Duration.ofMillis(10),
          Options.key("checkpoint.interval")
              .durationType()
              .defaultValue(Duration.ofSeconds(10))
              .withDescription(
                  "How often to checkpoint. Iceberg commits happen on checkpoints, so this is also"
                      + " the data latency. Ignored on MSF, where the service owns checkpointing."));

  public static final ConfigOption<CheckpointMode> CHECKPOINT_MODE =
      Options.key("checkpoint.mode")
          .enumType(CheckpointMode.class)
          .defaultValue(CheckpointMode.EXACTLY_ONCE)
          .withDescription("Checkpointing guarantee. Ignored on MSF.");

  public static final ConfigOption<String> CHECKPOINT_DIR =
      Options.key("checkpoint.dir")
          .stringType()
          .defaultValue("file:///tmp/tributary/checkpoints")
          .withDescription(
              "Checkpoint storage URI (file://, s3://). Each job configuration checkpoints into"
                  + " its own folder below it, <job name>-<hash of job name, source and target"
                  + " table>/<flink job id>/chk-N, where the local runner finds the checkpoint to"
                  + " resume from. Ignored on MSF. Never the JobManager's memory: it caps state"
                  + " handles at 5 MB.");

  public static final ConfigOption<Duration> CHECKPOINT_TIMEOUT =
      Ranges.atLeast(
          Duration.ofMillis(10),
          Options.key("checkpoint.timeout")
              .durationType()
              .defaultValue(Duration.ofMinutes(10))
              .withDescription("A checkpoint taking longer than this is aborted. Ignored on MSF."));

  public static final ConfigOption<Integer> CHECKPOINT_KEEP =
      Ranges.atLeast(
          1,
          Options.key("checkpoint.keep")
              .intType()
              .defaultValue(3)
              .withDescription(
                  "Local runner: how many job folders with retained checkpoints it keeps per job"
                      + " configuration under job.checkpoint.dir when it starts; older ones are"
                      + " deleted, never the one it resumes from."));

  public static final ConfigOption<Boolean> PROGRESS =
      Options.key("progress")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Local runner: print a progress line while the job runs (events read, rows and"
                  + " dead letters committed, source lag, last checkpoint, events/s), rewritten"
                  + " in place every 2 s on a terminal, one line every 10 s into a pipe, and the"
                  + " final figures before the summary. false prints only the summary.");

  public static final ConfigOption<StartMode> START =
      Options.key("start")
          .enumType(StartMode.class)
          .defaultValue(StartMode.RESUME)
          .withDescription(
              "resume: a job that starts without restored Flink state (no checkpoint or"
                  + " savepoint) refuses to start when a target table already holds commits of a"
                  + " Flink job, naming the latest retained checkpoint to resume from; the local"
                  + " runner resumes from it by itself. fresh-over-existing: start anyway, from the"
                  + " source's start position (kafka: the group's committed offsets, else"
                  + " kafka.start): rows already in the table may then be written again, or"
                  + " skipped.");

  public static final ConfigOption<StateBackend> STATE_BACKEND =
      Options.key("state.backend")
          .enumType(StateBackend.class)
          .defaultValue(StateBackend.HASHMAP)
          .withDescription(
              "hashmap keeps state on the heap (fast, bounded by memory); rocksdb keeps it on"
                  + " local disk (large state). Ignored on MSF, which uses RocksDB.");

  public static final ConfigOption<Boolean> STATE_INCREMENTAL =
      Options.key("state.incremental")
          .booleanType()
          .defaultValue(true)
          .withDescription("Incremental checkpoints (RocksDB only). Ignored on MSF.");

  public static final ConfigOption<Duration> RESTART_INITIAL_DELAY =
      Ranges.atLeast(
          Duration.ofMillis(1),
          Options.key("restart.initial-delay")
              .durationType()
              .defaultValue(Duration.ofSeconds(1))
              .withDescription(
                  "Exponential-delay restart strategy: delay before the first restart. Ignored on"
                      + " MSF."));

  public static final ConfigOption<Double> RESTART_MULTIPLIER =
      Ranges.above(
          1.0,
          " (Flink's exponential-delay strategy refuses 1 when the job starts on the cluster; for"
              + " a delay that does not grow, set restart.max-delay to restart.initial-delay)",
          Options.key("restart.multiplier")
              .doubleType()
              .defaultValue(2.0)
              .withDescription("Exponential-delay restart strategy: delay growth per failure."));

  public static final ConfigOption<Duration> RESTART_MAX_DELAY =
      Ranges.atLeast(
          Duration.ofMillis(1),
          Options.key("restart.max-delay")
              .durationType()
              .defaultValue(Duration.ofMinutes(1))
              .withDescription("Exponential-delay restart strategy: the cap on the delay."));

  public static final ConfigOption<Duration> RESTART_RESET_THRESHOLD =
      Ranges.atLeast(
          Duration.ofMillis(1),
          Options.key("restart.reset-threshold")
              .durationType()
              .defaultValue(Duration.ofMinutes(10))
              .withDescription(
                  "Exponential-delay restart strategy: after this long without failure the delay"
                      + " starts again from the initial delay."));

  public static final ConfigOption<Double> RESTART_JITTER =
      Ranges.between(
          0.0,
          1.0,
          Options.key("restart.jitter")
              .doubleType()
              .defaultValue(0.1)
              .withDescription(
                  "Exponential-delay restart strategy: random share of the delay added or removed,"
                      + " so many jobs do not restart in lock-step."));

  public static final ConfigOption<Integer> RESTART_MAX_ATTEMPTS =
      Ranges.atLeast(
          1,
          " (the failures in a row after which the job fails for good)",
          Options.key("restart.max-attempts")
              .intType()
              .defaultValue(Integer.MAX_VALUE)
              .withDescription(
                  "Exponential-delay restart strategy: failures in a row (without a reset) after"
                      + " which the job fails for good. Default: keep restarting."));

  public static final OptionGroup GROUP =
      OptionGroup.of("job", "The job to run and how Flink runs it.")
          .add(
              NAME,
              PARALLELISM,
              CHECKPOINT_INTERVAL,
              CHECKPOINT_MODE,
              CHECKPOINT_DIR,
              CHECKPOINT_TIMEOUT,
              CHECKPOINT_KEEP,
              PROGRESS,
              START,
              STATE_BACKEND,
              STATE_INCREMENTAL,
              RESTART_INITIAL_DELAY,
              RESTART_MULTIPLIER,
              RESTART_MAX_DELAY,
              RESTART_RESET_THRESHOLD,
              RESTART_JITTER,
              RESTART_MAX_ATTEMPTS)
          .passThrough(
              "flink.",
              "Any Flink configuration key, e.g. flink.pipeline.object-reuse = true. Ignored on"
                  + " MSF.");
}
