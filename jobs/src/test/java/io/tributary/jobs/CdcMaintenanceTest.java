package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.ChangeStreams;
import io.tributary.testing.ChangeStreams.ChangeStream;
import io.tributary.testing.ChangeStreams.Message;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdc} mirrors rewritten (equality deletes applied) and expired while changes keep coming,
 * with a TaskManager kill in between: every mirror equals the oracle, with no lost delete and no
 * resurrected row. The mirrors exist from the first run on, so the restored run maintains them.
 */
@Timeout(300)
class CdcMaintenanceTest {
  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  @Test
  void mirrorsEqualTheOracleAcrossRewritesExpiryAndAKill(@InjectMiniCluster MiniCluster cluster)
      throws Exception {
    ChangeStream stream = ChangeStreams.generate(11, 10_000);
    List<Message> messages = stream.messages();
    String topic = "shop-maintained";
    kafka.createTopic(topic, CdcExactlyOnceTest.PARTITIONS);
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "shop");
    List<String> mapping = new ArrayList<>();
    for (String t : stream.tables()) {
      mapping.add("public." + t + "=shop.public_" + t);
    }
    List<String> args = args(topic, "--cdc.tables", String.join(";", mapping));

    // first run: creates the mirrors (too late for this run's graph to build Iceberg's maintenance
    // for them, so the job maintains them itself)
    int third = messages.size() / 3;
    JobClient first = JobTesting.startAsync("cdc-before", args.toArray(new String[0]));
    CdcExactlyOnceTest.send(kafka, topic, messages.subList(0, third));
    // Every mirror made and committed to; the savepoint carries whatever is not committed yet.
    JobTesting.waitFor(
        Duration.ofSeconds(120),
        () ->
            CdcExactlyOnceTest.lastCheckpoints(catalog, stream).values().stream()
                .allMatch(checkpoint -> checkpoint >= 0));
    String savepoint =
        first
            .stopWithSavepoint(
                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get(120, TimeUnit.SECONDS);

    // only the restored run's rewrites count below: Iceberg's maintenance, built at this start
    Set<Long> firstRun = rewriteSnapshots(catalog, stream);
    args.addAll(Arrays.asList("--job.flink.execution.savepoint.path", savepoint));
    JobClient client = JobTesting.startAsync("cdc-maintained", args.toArray(new String[0]));
    Set<Long> rewrites = new HashSet<>();
    // in four commits at least: the restored pipelines count commits from this start
    sendInCommits(catalog, stream, topic, messages.subList(third, 2 * third), 4, () -> {});
    JobTesting.waitFor(
        Duration.ofSeconds(90),
        () -> {
          rewrites.addAll(rewriteSnapshots(catalog, stream));
          rewrites.removeAll(firstRun);
          return !rewrites.isEmpty();
        });
    // the kill then restores a checkpoint taken after the rewrites
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 2);
    JobTesting.killTaskManager(cluster, client, 0);
    CdcExactlyOnceTest.send(kafka, topic, messages.subList(2 * third, messages.size()));
    // every change applied: only then can the mirrors equal the oracle
    CdcExactlyOnceTest.awaitOracle(catalog, stream);
    // more commits and maintenance runs: a lost delete or a duplicate would land now
    JobTesting.waitFor(
        Duration.ofSeconds(60),
        () -> {
          rewrites.addAll(rewriteSnapshots(catalog, stream));
          rewrites.removeAll(firstRun);
          return rewrites.size() >= 2;
        });
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);

    CdcExactlyOnceTest.assertEqualsOracle(catalog, stream);
    System.out.printf(
        "cdc maintenance: %d rewrites seen over %d mirrors, %d changes%n",
        rewrites.size(), stream.tables().size(), messages.size());
  }

  /**
   * One run that creates every mirror while it runs: each is rewritten and expired by the job while
   * changes keep coming (no restart gives Iceberg's maintenance a chance), and equals the oracle.
   */
  @Test
  void mirrorsCreatedWhileTheJobRunsAreMaintainedByIt() throws Exception {
    ChangeStream stream = ChangeStreams.generate(23, 6_000);
    List<Message> messages = stream.messages();
    String topic = "shop-created-later";
    kafka.createTopic(topic, CdcExactlyOnceTest.PARTITIONS);
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "shop");
    JobClient client =
        JobTesting.startAsync(
            "cdc-new-tables", args(topic, "--iceberg.database", "shop").toArray(new String[0]));
    try {
      // in parts of at least one commit each, so rewrites run while changes keep coming: a lost
      // delete or a resurrected row would land now
      Map<String, Set<Long>> rewrites = new HashMap<>();
      sendInCommits(
          catalog, stream, topic, messages, 12, () -> collectRewrites(catalog, stream, rewrites));
      CdcExactlyOnceTest.awaitOracle(catalog, stream);
      // every mirror's last run completed, seen while the job runs: the cancel below may cut a
      // run short
      JobTesting.waitFor(
          Duration.ofSeconds(90),
          () ->
              collectRewrites(catalog, stream, rewrites) >= 2
                  && maxSnapshots(catalog, stream) <= 5
                  && stream.tables().stream()
                      .allMatch(t -> lastRun(catalog, t).endsWith(" completed")));
      assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    } finally {
      client.cancel().get(60, TimeUnit.SECONDS);
    }

    CdcExactlyOnceTest.assertEqualsOracle(catalog, stream);
    // no run failed since; one the cancel cut short is recorded as such
    for (String t : stream.tables()) {
      assertThat(lastRun(catalog, t))
          .as("last maintenance run of %s", t)
          .matches(".* ms (completed|interrupted)");
    }
  }

  /** The mirror's {@code tributary.maintenance.last-run} property, "" before its first run. */
  private static String lastRun(IcebergCatalog catalog, String t) {
    Table table = catalog.with(c -> c.loadTable(catalog.identifier("public_" + t)));
    return table.properties().getOrDefault("tributary.maintenance.last-run", "");
  }

  /**
   * Adds each mirror's rewrite snapshots to {@code seen}; returns the fewest any mirror has had (0
   * while one does not exist yet).
   */
  private static int collectRewrites(
      IcebergCatalog catalog, ChangeStream stream, Map<String, Set<Long>> seen) {
    int fewest = Integer.MAX_VALUE;
    for (String t : stream.tables()) {
      String name = "public_" + t;
      Set<Long> ids = seen.computeIfAbsent(name, k -> new HashSet<>());
      if (Tables.exists(catalog, name)) {
        ids.addAll(rewriteSnapshots(catalog, name));
      }
      fewest = Math.min(fewest, ids.size());
    }
    return fewest;
  }

  /**
   * Sends {@code messages} in {@code parts}, each awaited until every mirror has a commit it did
   * not have before (not the committed offsets: the source commits those at its next poll, up to 10
   * s later on an idle topic); {@code poll} runs on every check.
   */
  private static void sendInCommits(
      IcebergCatalog catalog,
      ChangeStream stream,
      String topic,
      List<Message> messages,
      int parts,
      Runnable poll)
      throws InterruptedException {
    for (int p = 0; p < parts; p++) {
      Map<String, Long> before = CdcExactlyOnceTest.lastCheckpoints(catalog, stream);
      CdcExactlyOnceTest.send(
          kafka,
          topic,
          messages.subList(messages.size() * p / parts, messages.size() * (p + 1) / parts));
      JobTesting.waitFor(
          Duration.ofSeconds(120),
          () -> {
            poll.run();
            Map<String, Long> now = CdcExactlyOnceTest.lastCheckpoints(catalog, stream);
            return before.keySet().stream().allMatch(t -> now.get(t) > before.get(t));
          });
    }
  }

  private static int maxSnapshots(IcebergCatalog catalog, ChangeStream stream) {
    int max = 0;
    for (String t : stream.tables()) {
      Table table = catalog.with(c -> c.loadTable(catalog.identifier("public_" + t)));
      int n = 0;
      for (Snapshot ignored : table.snapshots()) {
        n++;
      }
      max = Math.max(max, n);
    }
    return max;
  }

  /** cdc on Kafka under kills, with maintenance due every few commits and seconds. */
  private List<String> args(String topic, String... more) {
    List<String> args = new ArrayList<>(JobTesting.underKills("cdc", dir));
    args.addAll(
        List.of(
            "--cdc.format", "debezium-json",
            "--maintenance.rate-limit", "1 s",
            "--maintenance.lock-check-delay", "1 s",
            "--maintenance.rewrite.commit-count", "3",
            "--maintenance.expire-snapshots.interval", "2 s",
            "--maintenance.expire-snapshots.max-age", "1 s",
            "--maintenance.expire-snapshots.retain-last", "5"));
    args.addAll(JobTesting.fromKafka(kafka.bootstrapServers(), topic, dir));
    args.addAll(Arrays.asList(more));
    return args;
  }

  private static Set<Long> rewriteSnapshots(IcebergCatalog catalog, ChangeStream stream) {
    Set<Long> ids = new HashSet<>();
    for (String t : stream.tables()) {
      if (Tables.exists(catalog, "public_" + t)) {
        ids.addAll(rewriteSnapshots(catalog, "public_" + t));
      }
    }
    return ids;
  }

  private static Set<Long> rewriteSnapshots(IcebergCatalog catalog, String table) {
    Set<Long> ids = new HashSet<>();
    for (Snapshot s : catalog.with(c -> c.loadTable(catalog.identifier(table))).snapshots()) {
      if ("replace".equals(s.operation())) {
        ids.add(s.snapshotId());
      }
    }
    return ids;
  }
}
