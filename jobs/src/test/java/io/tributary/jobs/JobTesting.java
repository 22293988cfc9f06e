package io.tributary.jobs;

import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.TableSummary;
import io.tributary.runtime.FlinkEnvironment;
import io.tributary.runtime.TributaryOptions;
import io.tributary.testing.Tables;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** What the jobs' MiniCluster tests share: the cluster, starting a job, killing TaskManagers. */
final class JobTesting {
  private JobTesting() {}

  /**
   * One TaskManager, so a kill always hits the job (with two, the scheduler may have put every task
   * on the survivor).
   *
   * <p>Without the leaked-class-loader check: Iceberg's shared worker threads keep the context
   * class loader of the job that started them, and every test class in this JVM reads tables after
   * its jobs ended. Reading from S3, the AWS SDK's commons-logging then asked a closed job class
   * loader for resources ("Trying to access closed classloader", seen in CI in S3OutageTest, whose
   * pool threads an earlier test class's job had started). A test artifact of running many jobs in
   * one JVM; MSF runs one job per cluster.
   */
  static MiniClusterExtension miniCluster(int slots) {
    Configuration conf = new Configuration();
    conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(conf)
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(slots)
            .build());
  }

  /** Validates the arguments as {@link Main} does and submits the job without waiting. */
  static JobClient startAsync(String name, String... args) throws Exception {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args);
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    StreamExecutionEnvironment env = FlinkEnvironment.create(config, loaded.origin);
    TributaryJob.fromConfig(config).build(env);
    return env.executeAsync(name);
  }

  /**
   * Kills the {@code kill}-th TaskManager (the MiniCluster keeps dead ones in its list, so the live
   * one is always the latest), starts a fresh one, and waits until the job restarted.
   */
  static void killTaskManager(MiniCluster cluster, JobClient client, int kill) throws Exception {
    long restartedAt = lastRestart(cluster, client);
    cluster.terminateTaskManager(kill).get(30, TimeUnit.SECONDS);
    cluster.startTaskManager();
    waitFor(Duration.ofSeconds(60), () -> lastRestart(cluster, client) > restartedAt);
  }

  static long lastRestart(MiniCluster cluster, JobClient client) {
    try {
      return cluster
          .getArchivedExecutionGraph(client.getJobID())
          .get(10, TimeUnit.SECONDS)
          .getStatusTimestamp(JobStatus.RESTARTING);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void waitFor(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.sleep(250);
    }
  }

  /** Rows committed to the table so far; 0 before it exists. */
  static long rows(IcebergCatalog catalog, String table) {
    return Tables.exists(catalog, table) ? TableSummary.of(catalog, table).rows : 0;
  }

  /**
   * Record {@code i} of the failure tests' order stream: an id, a payload and an event time {@code
   * i} ms after {@code base}; or, when {@code broken}, truncated JSON that must be dead-lettered.
   */
  static String order(int i, boolean broken, Instant base) {
    return broken
        ? "{\"id\":" + i + ",\"ts\":"
        : "{\"id\":" + i + ",\"payload\":\"p" + i + "\",\"ts\":\"" + base.plusMillis(i) + "\"}";
  }

  /**
   * Waits until {@code table} gained rows (a commit), then kills the TaskManager: recovery then
   * restores real source and Iceberg state, not an empty start.
   */
  static void killAfterACommit(
      MiniCluster cluster, JobClient client, IcebergCatalog catalog, String table, int kill)
      throws Exception {
    long before = rows(catalog, table);
    waitFor(Duration.ofSeconds(60), () -> rows(catalog, table) > before);
    killTaskManager(cluster, client, kill);
  }
}
