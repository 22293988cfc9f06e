package io.tributary.runtime;

import io.tributary.config.ConfigLoader.Origin;
import io.tributary.config.TributaryConfig;
import io.tributary.runtime.JobOptions.CheckpointMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The execution environment with Tributary's fault-tolerance settings: exactly-once checkpoints to
 * durable storage and an exponential-delay restart strategy. On MSF the service owns checkpointing,
 * state backend and restarts, so none of them is touched there.
 */
public final class FlinkEnvironment {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkEnvironment.class);

  private FlinkEnvironment() {}

  public static StreamExecutionEnvironment create(TributaryConfig c, Origin origin) {
    Configuration conf = origin == Origin.MANAGED ? new Configuration() : settings(c);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    if (origin == Origin.MANAGED) {
      LOG.info("Running on Amazon Managed Service for Apache Flink: the service owns checkpoints.");
    } else {
      env.configure(conf, Thread.currentThread().getContextClassLoader());
    }
    c.getOptional(JobOptions.GROUP, JobOptions.PARALLELISM).ifPresent(env::setParallelism);
    return env;
  }

  /**
   * The savepoint or checkpoint the configuration restores from, {@code
   * job.flink.execution.state-recovery.path} or its older name {@code
   * job.flink.execution.savepoint.path}.
   */
  public static java.util.Optional<String> restorePath(TributaryConfig c) {
    Configuration flink = Configuration.fromMap(c.passThrough(JobOptions.GROUP, "flink."));
    return flink.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
  }

  /** The Flink configuration the job options translate to. */
  public static Configuration settings(TributaryConfig c) {
    var g = JobOptions.GROUP;
    if (c.get(g, JobOptions.RESTART_MAX_ATTEMPTS) < 1) {
      // Flink would reject it only at submission, with a message about its own option name
      throw c.invalid(
          g,
          JobOptions.RESTART_MAX_ATTEMPTS,
          "must be at least 1: the failures in a row after which the job fails for good.");
    }
    Configuration conf = new Configuration();
    conf.set(
        ExecutionCheckpointingOptions.CHECKPOINTING_INTERVAL,
        c.get(g, JobOptions.CHECKPOINT_INTERVAL));
    conf.set(
        ExecutionCheckpointingOptions.CHECKPOINTING_MODE,
        c.get(g, JobOptions.CHECKPOINT_MODE) == CheckpointMode.EXACTLY_ONCE
            ? org.apache.flink.streaming.api.CheckpointingMode.EXACTLY_ONCE
            : org.apache.flink.streaming.api.CheckpointingMode.AT_LEAST_ONCE);
    conf.set(
        ExecutionCheckpointingOptions.CHECKPOINTING_TIMEOUT,
        c.get(g, JobOptions.CHECKPOINT_TIMEOUT));
    conf.set(
        ExecutionCheckpointingOptions.EXTERNALIZED_CHECKPOINT,
        org.apache.flink.streaming.api.environment.CheckpointConfig.ExternalizedCheckpointCleanup
            .RETAIN_ON_CANCELLATION);
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    // one folder per job configuration, where a restart finds the checkpoint to resume from
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, RetainedCheckpoints.of(c).dir());
    // a restored job's first checkpoint is a full one in its own folder (also Flink's default):
    // older job folders can then be deleted without breaking the newer ones
    conf.set(StateRecoveryOptions.RESTORE_MODE, RestoreMode.NO_CLAIM);
    conf.set(StateBackendOptions.STATE_BACKEND, c.get(g, JobOptions.STATE_BACKEND).toString());
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, c.get(g, JobOptions.STATE_INCREMENTAL));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
        c.get(g, JobOptions.RESTART_INITIAL_DELAY));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
        c.get(g, JobOptions.RESTART_MULTIPLIER));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
        c.get(g, JobOptions.RESTART_MAX_DELAY));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
        c.get(g, JobOptions.RESTART_RESET_THRESHOLD));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR,
        c.get(g, JobOptions.RESTART_JITTER));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
        c.get(g, JobOptions.RESTART_MAX_ATTEMPTS));
    c.passThrough(g, "flink.").forEach(conf::setString);
    return conf;
  }
}
