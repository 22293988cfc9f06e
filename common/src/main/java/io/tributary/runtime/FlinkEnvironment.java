package io.tributary.runtime;

import io.tributary.config.ConfigException;
import io.tributary.config.ConfigLoader.Origin;
import io.tributary.config.GroupConfig;
import io.tributary.config.Secrets;
import io.tributary.runtime.JobOptions.CheckpointMode;
import io.tributary.source.SourceOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
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

  /** Where the embedded cluster listens. */
  static final String LOOPBACK = "127.0.0.1";

  private FlinkEnvironment() {}

  /**
   * The environment for a job configured by the {@code job} and {@code source} groups,
   * checkpointing into {@code checkpoints}.
   */
  public static StreamExecutionEnvironment create(
      GroupConfig job, GroupConfig source, RetainedCheckpoints checkpoints, Origin origin) {
    Configuration conf =
        origin == Origin.MANAGED ? new Configuration() : settings(job, source, checkpoints);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    if (env instanceof LocalStreamEnvironment) {
      // No cluster around (java -jar tributary-local.jar, a test): the embedded one is this
      // process's own, and its REST API and blob server take unauthenticated job submissions and
      // files. Created again, since the local environment's cluster reads its configuration only
      // at creation.
      conf = loopback(conf);
      env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    }
    if (origin == Origin.MANAGED) {
      LOG.info("Running on Amazon Managed Service for Apache Flink: the service owns checkpoints.");
    } else {
      env.configure(conf, Thread.currentThread().getContextClassLoader());
    }
    job.getOptional(JobOptions.PARALLELISM).ifPresent(env::setParallelism);
    return env;
  }

  /**
   * Addresses of the embedded cluster's listening sockets (REST API and web UI, blob server, RPC,
   * TaskManager data port): 127.0.0.1, unless {@code job.flink.*} sets one explicitly.
   */
  static Configuration loopback(Configuration conf) {
    Configuration out = new Configuration(conf);
    for (ConfigOption<String> option :
        List.of(
            RestOptions.BIND_ADDRESS,
            RestOptions.ADDRESS,
            JobManagerOptions.BIND_HOST,
            JobManagerOptions.ADDRESS,
            TaskManagerOptions.BIND_HOST,
            TaskManagerOptions.HOST)) {
      if (!out.contains(option)) {
        out.set(option, LOOPBACK);
      }
    }
    return out;
  }

  /**
   * The savepoint or checkpoint the configuration restores from, {@code
   * job.flink.execution.state-recovery.path} or its older name {@code
   * job.flink.execution.savepoint.path}.
   */
  public static java.util.Optional<String> restorePath(GroupConfig c) {
    Configuration flink = Configuration.fromMap(c.passThrough("flink."));
    return flink.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
  }

  /** The Flink configuration the {@code job} group (and the source's end) translate to. */
  public static Configuration settings(
      GroupConfig c, GroupConfig source, RetainedCheckpoints checkpoints) {
    Configuration conf = new Configuration();
    Duration interval = c.get(JobOptions.CHECKPOINT_INTERVAL);
    if (SourceOptions.endsOnDemand(source)) {
      // The source reports a backlog until every reader is out of records (EndAfterCheckpoint):
      // the user's interval holds while it reads, the short one triggers the covering checkpoint.
      Duration end = source.get(SourceOptions.END_CHECKPOINT_INTERVAL);
      conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL_DURING_BACKLOG, interval);
      conf.set(
          CheckpointingOptions.CHECKPOINTING_INTERVAL,
          end.compareTo(interval) < 0 ? end : interval);
    } else {
      conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
    }
    conf.set(
        CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
        c.get(JobOptions.CHECKPOINT_MODE) == CheckpointMode.EXACTLY_ONCE
            ? org.apache.flink.core.execution.CheckpointingMode.EXACTLY_ONCE
            : org.apache.flink.core.execution.CheckpointingMode.AT_LEAST_ONCE);
    conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, c.get(JobOptions.CHECKPOINT_TIMEOUT));
    conf.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    // one folder per job configuration, where a restart finds the checkpoint to resume from
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.dir());
    // a restored job's first checkpoint is a full one in its own folder (also Flink's default):
    // older job folders can then be deleted without breaking the newer ones
    conf.set(StateRecoveryOptions.RESTORE_MODE, RestoreMode.NO_CLAIM);
    conf.set(StateBackendOptions.STATE_BACKEND, c.get(JobOptions.STATE_BACKEND).toString());
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, c.get(JobOptions.STATE_INCREMENTAL));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
        c.get(JobOptions.RESTART_INITIAL_DELAY));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
        c.get(JobOptions.RESTART_MULTIPLIER));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
        c.get(JobOptions.RESTART_MAX_DELAY));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
        c.get(JobOptions.RESTART_RESET_THRESHOLD));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR,
        c.get(JobOptions.RESTART_JITTER));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
        c.get(JobOptions.RESTART_MAX_ATTEMPTS));
    List<String> problems = new ArrayList<>();
    c.passThrough("flink.")
        .forEach(
            (key, value) -> {
              if (Secrets.isCredential(key) && !GlobalConfiguration.isSensitive(key)) {
                // Flink logs its configuration and shows it in the REST API, masking only the
                // keys its own list names.
                problems.add(
                    String.format(
                        "key 'flink.%s' in property group '%s' names a credential, and Flink would"
                            + " print its value: it masks only keys containing password, secret,"
                            + " token, apikey, jaas.config and a few more. Set it in the cluster's"
                            + " Flink configuration instead, or leave it out.",
                        key, c.id()));
              }
              conf.setString(key, value);
            });
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    if (c.get(JobOptions.NAME) == JobOptions.JobName.MAINTAIN) {
      // its rewrites are short bounded jobs that keep no state: nothing to checkpoint
      conf.removeConfig(CheckpointingOptions.CHECKPOINTING_INTERVAL);
    }
    return conf;
  }
}
