package io.tributary.jobs;

import io.tributary.config.ConfigException;
import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.MaintenanceOptions;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.runtime.FlinkEnvironment;
import io.tributary.runtime.JobOptions;
import io.tributary.runtime.Maintainers;
import io.tributary.source.SourceOptions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
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
    if (isMaintain(args)) {
      maintain(args, System.out);
      return;
    }
    run(args);
  }

  /** True when the arguments name the maintain job, which is no streaming job. */
  public static boolean isMaintain(String[] args) {
    TributaryConfig config =
        TributaryConfig.validate(ConfigLoader.load(args).groups, TributaryOptions.ALL);
    return config.getOptional(JobOptions.GROUP, JobOptions.NAME).orElse(null)
        == JobOptions.JobName.MAINTAIN;
  }

  /**
   * Runs the {@code maintain} job: the maintenance group's tasks once over the named tables,
   * printing what it did per table to {@code out}. A table whose lock is held is skipped (and said
   * so); a table whose maintenance failed fails the run once every table had its turn.
   */
  public static List<OneShotMaintenance.Report> maintain(String[] args, PrintStream out) {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args);
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    LOG.info("Tributary configuration ({}):\n{}", loaded.origin, config.describe());
    OneShotMaintenance maintenance =
        Maintainers.oneShot(
            config.group(MaintenanceOptions.GROUP),
            config.group(IcebergOptions.GROUP),
            config.group(JobOptions.GROUP));
    out.println("Tributary maintain: " + maintenance.describe());
    List<OneShotMaintenance.Report> reports = new ArrayList<>();
    for (org.apache.iceberg.catalog.TableIdentifier id : maintenance.tables()) {
      OneShotMaintenance.Report r = maintenance.maintain(id);
      out.println(r.format());
      out.flush();
      reports.add(r);
    }
    long failed =
        reports.stream()
            .filter(
                r ->
                    r.outcome == OneShotMaintenance.Outcome.FAILED
                        || r.outcome == OneShotMaintenance.Outcome.INTERRUPTED)
            .count();
    out.printf(
        "maintained %d of %d tables%n",
        reports.stream().filter(r -> r.outcome == OneShotMaintenance.Outcome.MAINTAINED).count(),
        reports.size());
    if (failed > 0) {
      throw new IllegalStateException(
          "maintain: the maintenance of " + failed + " of " + reports.size() + " tables failed");
    }
    return reports;
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
            || FlinkEnvironment.restorePath(config.group(JobOptions.GROUP)).isPresent();
    return !restoring && ("local".equals(target) || "remote".equals(target));
  }

  /** The environment, configured by the {@code job} and {@code source} groups. */
  static StreamExecutionEnvironment environment(
      TributaryConfig config, ConfigLoader.Origin origin) {
    return FlinkEnvironment.create(
        config.group(JobOptions.GROUP),
        config.group(SourceOptions.GROUP),
        TributaryJob.checkpoints(config),
        origin);
  }

  /** Validates, builds and executes; returns when the job ends (bounded sources end). */
  public static Run run(String[] args) throws Exception {
    Built b = build(args);
    long start = System.nanoTime();
    JobExecutionResult result = b.env.execute("tributary-" + b.job.name());
    return new Run(b.job, result, (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Validates, builds and submits, and returns at once: for a run that does not end by itself and
   * is watched and cancelled through its client (the benchmark's steady state).
   */
  public static JobClient start(String[] args) throws Exception {
    Built b = build(args);
    return b.env.executeAsync("tributary-" + b.job.name());
  }

  /** A job added to its environment, not yet submitted. */
  private static final class Built {
    final TributaryJob job;
    final StreamExecutionEnvironment env;

    Built(TributaryJob job, StreamExecutionEnvironment env) {
      this.job = job;
      this.env = env;
    }
  }

  private static Built build(String[] args) throws Exception {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args);
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    LOG.info("Tributary configuration ({}):\n{}", loaded.origin, config.describe());
    TributaryJob job = TributaryJob.fromConfig(config);
    StreamExecutionEnvironment env = environment(config, loaded.origin);
    job.build(env);
    if (loaded.origin == ConfigLoader.Origin.FILE && freshSubmission(env, config)) {
      // the guard in the job would refuse too; failing here spares a submission and says it
      // where the user typed the command
      Optional<String> refusal = job.startGuard().refusal();
      if (refusal.isPresent()) {
        throw new ConfigException(refusal.get());
      }
    }
    return new Built(job, env);
  }
}
