package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.TableSummary;
import io.tributary.source.RecordSource;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** What the jobs' MiniCluster tests share: the cluster, starting a job, killing TaskManagers. */
public final class JobTesting {
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
    return miniCluster(slots, new Configuration());
  }

  /** As {@link #miniCluster(int)}, with every metric also handed to {@code reporter}. */
  public static MiniClusterExtension miniCluster(int slots, InMemoryReporter reporter) {
    return miniCluster(slots, reporter.addToConfiguration(new Configuration()));
  }

  private static MiniClusterExtension miniCluster(int slots, Configuration conf) {
    conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(conf)
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(slots)
            .build());
  }

  /**
   * The job arguments of a test that kills TaskManagers: parallelism 2, checkpoints every 500 ms
   * under {@code dir}, and restarts quick enough (200 ms, at most 500 ms apart) for several kills
   * in one test.
   */
  public static List<String> underKills(String job, Path dir) {
    return List.of(
        "--job.name", job,
        "--job.parallelism", "2",
        "--job.checkpoint.interval", "500 ms",
        "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
        "--job.restart.initial-delay", "200 ms",
        "--job.restart.max-delay", "500 ms");
  }

  /**
   * A Kafka source on {@code topic} from its start, the consumer group named after the topic, and
   * the Iceberg warehouse in {@code dir}.
   */
  public static List<String> fromKafka(String bootstrapServers, String topic, Path dir) {
    return List.of(
        "--source.type",
        "kafka",
        "--kafka.bootstrap.servers",
        bootstrapServers,
        "--kafka.topics",
        topic,
        "--kafka.group.id",
        topic,
        "--kafka.start",
        "earliest",
        "--iceberg.warehouse",
        dir.resolve("warehouse").toString());
  }

  /** Validates the arguments as {@link Main} does and submits the job without waiting. */
  public static JobClient startAsync(String name, String... args) throws Exception {
    return build(args).executeAsync(name);
  }

  /**
   * As {@link #startAsync(String, String...)}, reading {@code source} (a scripted one) instead of
   * the configured source.
   */
  static JobClient startAsync(String name, RecordSource source, String... args) throws Exception {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args);
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    StreamExecutionEnvironment env = Main.environment(config, loaded.origin);
    TributaryJob.fromConfig(config, source).build(env);
    return env.executeAsync(name);
  }

  /**
   * The job graph a submission with these arguments would run: its operator ids are what a
   * savepoint's state is matched against.
   */
  static JobGraph jobGraph(String... args) {
    return build(args).getStreamGraph().getJobGraph();
  }

  /** The job's pipeline in the environment {@link Main} would create; tables get provisioned. */
  private static StreamExecutionEnvironment build(String... args) {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args);
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    StreamExecutionEnvironment env = Main.environment(config, loaded.origin);
    TributaryJob.fromConfig(config).build(env);
    return env;
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

  /**
   * Cancels the job and waits until it has ended: cancel() returns before the tasks stop writing,
   * and a test's temporary folder cannot be deleted while they still write into it.
   */
  public static void cancelAndAwaitEnd(JobClient client) throws Exception {
    client.cancel().get();
    waitFor(
        Duration.ofSeconds(60),
        () -> {
          try {
            return client.getJobStatus().get().isGloballyTerminalState();
          } catch (Exception e) {
            return true; // the cluster forgot the job: it ended
          }
        });
  }

  public static void waitFor(Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    try {
      Awaitility.await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(250))
          .until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("condition not met within " + timeout, e);
    }
  }

  /** The job's checkpoint statistics as the MiniCluster holds them. */
  static CheckpointStatsSnapshot checkpoints(MiniCluster cluster, JobID job) {
    try {
      return cluster
          .getArchivedExecutionGraph(job)
          .get(10, TimeUnit.SECONDS)
          .getCheckpointStatsSnapshot();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until {@code more} checkpoints of the job completed after this call: each commits, so a
   * duplicate a bad recovery would write has landed by then.
   */
  static void awaitMoreCheckpoints(MiniCluster cluster, JobID job, int more)
      throws InterruptedException {
    long start = checkpoints(cluster, job).getCounts().getNumberOfCompletedCheckpoints();
    waitFor(
        Duration.ofSeconds(60),
        () ->
            checkpoints(cluster, job).getCounts().getNumberOfCompletedCheckpoints()
                >= start + more);
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
   * Orders {@code from} (inclusive) to {@code to} for a 3-partition topic, every 100th of them
   * broken (the dead letters must be exactly once too).
   */
  static List<ProducerRecord<byte[], byte[]>> orders(String topic, int from, int to, Instant base) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(
          new ProducerRecord<>(topic, i % 3, null, order(i, brokenOrder(i), base).getBytes(UTF_8)));
    }
    return out;
  }

  static boolean brokenOrder(int i) {
    return i % 100 == 99;
  }

  /** Of the orders 0 to {@code total} (exclusive), those {@link #brokenOrder} breaks. */
  static int brokenOrders(int total) {
    return total / 100;
  }

  /**
   * Every one of the {@link #orders} 0 to {@code total} (exclusive) exactly once: a valid one as
   * its row in {@code table}, a broken one as a {@code truncated-json} dead letter.
   */
  static void assertOrdersExactlyOnce(IcebergCatalog catalog, String table, int total) {
    int bad = brokenOrders(total);
    List<Record> rows = Tables.read(catalog, table);
    Set<Long> ids = rows.stream().map(r -> (Long) r.getField("id")).collect(Collectors.toSet());
    assertThat(rows).hasSize(total - bad);
    assertThat(ids).hasSize(total - bad);
    Set<Long> expectedIds = new TreeSet<>();
    for (int i = 0; i < total; i++) {
      if (!brokenOrder(i)) {
        expectedIds.add((long) i);
      }
    }
    assertThat(new TreeSet<>(ids)).isEqualTo(expectedIds);
    for (Record r : rows) {
      assertThat(r.getField("payload")).isEqualTo("p" + r.getField("id"));
    }
    List<Record> dead = Tables.read(catalog, table + "_dead_letters");
    assertThat(dead).hasSize(bad);
    assertThat(
            dead.stream()
                .map(r -> r.getField("source_partition") + "@" + r.getField("source_position"))
                .distinct())
        .hasSize(bad);
    assertThat(dead).allSatisfy(r -> assertThat(r.getField("reason")).isEqualTo("truncated-json"));
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
