package io.tributary.jobs;

import io.tributary.config.ConfigException;
import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import io.tributary.runtime.FlinkEnvironment;
import io.tributary.runtime.TributaryOptions;
import java.util.Optional;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the cluster jar, on MSF and with {@code flink run}: reads the property groups,
 * validates them all, then builds and runs the job that {@code job.name} names.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  /** How the cluster jar is started, for --help. */
  public static final String SYNOPSIS =
      "usage: flink run [flink options] tributary-jobs.jar --config FILE [--<group>.<key> VALUE"
          + " ...]\n"
          + "  (on Amazon Managed Service for Apache Flink: no arguments; the application's"
          + " runtime properties hold the groups)";

  public static void main(String[] args) throws Exception {
    if (ConfigLoader.wantsHelp(args)) {
      System.out.print(ConfigLoader.usage(SYNOPSIS, TributaryOptions.ALL, args));
      return;
    }
    run(args);
  }

  /** A job that ran, with what it needs for a summary. */
  public static final class Run {
    public final TributaryJob job;
    public final JobExecutionResult result;
    public final long millis;

    Run(TributaryJob job, JobExecutionResult result, long millis) {
      this.job = job;
      this.result = result;
      this.millis = millis;
    }
  }

  /**
   * True where {@code main} knows the job will start without state: a local or session-cluster
   * submission without a savepoint. In application mode (and on MSF) {@code main} runs again on a
   * JobManager failover that then restores from a checkpoint: only the job's own check can tell.
   */
  static boolean freshSubmission(StreamExecutionEnvironment env, TributaryConfig config) {
    ReadableConfig conf = env.getConfiguration();
    String target = conf.get(DeploymentOptions.TARGET);
    boolean restoring =
        conf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH).isPresent()
            || FlinkEnvironment.restorePath(config).isPresent();
    return !restoring && ("local".equals(target) || "remote".equals(target));
  }

  /** Validates, builds and executes; returns when the job ends (bounded sources end). */
  public static Run run(String[] args) throws Exception {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args);
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    LOG.info("Tributary configuration ({}):\n{}", loaded.origin, config.describe());
    TributaryJob job = TributaryJob.fromConfig(config);
    StreamExecutionEnvironment env = FlinkEnvironment.create(config, loaded.origin);
    job.build(env);
    if (loaded.origin == ConfigLoader.Origin.FILE && freshSubmission(env, config)) {
      // the guard in the job would refuse too; failing here spares a submission and says it
      // where the user typed the command
      Optional<String> refusal = job.startGuard().refusal();
      if (refusal.isPresent()) {
        throw new ConfigException(refusal.get());
      }
    }
    long start = System.nanoTime();
    JobExecutionResult result = env.execute("tributary-" + job.name());
    return new Run(job, result, (System.nanoTime() - start) / 1_000_000);
  }
}
