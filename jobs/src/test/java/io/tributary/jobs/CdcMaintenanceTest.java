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
import java.util.HashSet;
import java.util.List;
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
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "cdc",
                "--job.parallelism", "2",
                "--job.checkpoint.interval", "500 ms",
                "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "--job.restart.initial-delay", "200 ms",
                "--job.restart.max-delay", "2 s",
                "--cdc.format", "debezium-json",
                "--cdc.tables", String.join(";", mapping),
                "--source.type", "kafka",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.group.id", topic,
                "--kafka.start", "earliest",
                "--iceberg.warehouse", dir.resolve("warehouse").toString(),
                "--maintenance.rate-limit", "1 s",
                "--maintenance.lock-check-delay", "1 s",
                "--maintenance.rewrite.commit-count", "3",
                "--maintenance.expire-snapshots.interval", "2 s",
                "--maintenance.expire-snapshots.max-age", "1 s",
                "--maintenance.expire-snapshots.retain-last", "5"));

    // first run: creates the mirrors (too late for this run's graph to maintain them)
    int third = messages.size() / 3;
    JobClient first = JobTesting.startAsync("cdc-before", args.toArray(new String[0]));
    CdcExactlyOnceTest.send(kafka, topic, messages.subList(0, third));
    awaitApplied(topic, third);
    String savepoint =
        first
            .stopWithSavepoint(
                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get(120, TimeUnit.SECONDS);

    args.addAll(Arrays.asList("--job.flink.execution.savepoint.path", savepoint));
    JobClient client = JobTesting.startAsync("cdc-maintained", args.toArray(new String[0]));
    Set<Long> rewrites = new HashSet<>();
    CdcExactlyOnceTest.send(kafka, topic, messages.subList(third, 2 * third));
    JobTesting.waitFor(
        Duration.ofSeconds(90),
        () -> {
          rewrites.addAll(rewriteSnapshots(catalog, stream));
          return !rewrites.isEmpty();
        });
    long committed = kafka.committedOffsets(topic);
    JobTesting.waitFor(Duration.ofSeconds(60), () -> kafka.committedOffsets(topic) > committed);
    JobTesting.killTaskManager(cluster, client, 0);
    CdcExactlyOnceTest.send(kafka, topic, messages.subList(2 * third, messages.size()));
    awaitApplied(topic, messages.size());
    // more commits and maintenance runs: a lost delete or a duplicate would land now
    JobTesting.waitFor(
        Duration.ofSeconds(60),
        () -> {
          rewrites.addAll(rewriteSnapshots(catalog, stream));
          return rewrites.size() >= 2;
        });
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);

    CdcExactlyOnceTest.assertEqualsOracle(catalog, stream);
    System.out.printf(
        "cdc maintenance: %d rewrites seen over %d mirrors, %d changes%n",
        rewrites.size(), stream.tables().size(), messages.size());
  }

  private static void awaitApplied(String topic, long count) throws InterruptedException {
    JobTesting.waitFor(Duration.ofSeconds(120), () -> kafka.committedOffsets(topic) >= count);
  }

  private static Set<Long> rewriteSnapshots(IcebergCatalog catalog, ChangeStream stream) {
    Set<Long> ids = new HashSet<>();
    for (String t : stream.tables()) {
      if (!Tables.exists(catalog, "public_" + t)) {
        continue;
      }
      Table table = catalog.with(c -> c.loadTable(catalog.identifier("public_" + t)));
      for (Snapshot s : table.snapshots()) {
        if ("replace".equals(s.operation())) {
          ids.add(s.snapshotId());
        }
      }
    }
    return ids;
  }
}
