package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
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
 * {@code ingest} with maintenance aggressive enough to rewrite and expire many times while it runs:
 * after snapshots were expired, a TaskManager is killed and the job recovers from its checkpoint.
 * The committer then finds its last committed checkpoint in the snapshots expiry kept, so nothing
 * is committed twice, and the rewrites lost nothing: every record is in the table (or the
 * dead-letter table) exactly once.
 */
@Timeout(360)
class MaintenanceRestoreTest {
  static final int TOTAL = 6_000;
  static final int BATCH = 500;

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  @Test
  void expiryKeepsTheJobRestorable(@InjectMiniCluster MiniCluster cluster) throws Exception {
    String topic = "orders";
    kafka.createTopic(topic, 3);
    List<String> args = new ArrayList<>(JobTesting.underKills("ingest", dir));
    args.addAll(
        List.of(
            "--source.type", "kafka",
            "--kafka.bootstrap.servers", kafka.bootstrapServers(),
            "--kafka.topics", topic,
            "--kafka.start", "earliest",
            "--format.schema", "id BIGINT NOT NULL, payload STRING, ts TIMESTAMP_LTZ(3) NOT NULL",
            "--format.event-time.field", "ts",
            "--iceberg.warehouse", dir.resolve("warehouse").toString(),
            "--iceberg.database", "lake",
            "--iceberg.table", "orders",
            "--maintenance.rate-limit", "1 s",
            "--maintenance.lock-check-delay", "1 s",
            "--maintenance.rewrite.commit-count", "4",
            "--maintenance.expire-snapshots.interval", "1 s",
            "--maintenance.expire-snapshots.max-age", "1 s",
            "--maintenance.expire-snapshots.retain-last", "5"));
    JobClient client =
        JobTesting.startAsync("ingest-with-maintenance", args.toArray(new String[0]));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    Instant base = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);

    kafka.sendAll(topic, JobTesting.orders(topic, 0, BATCH, base));
    JobTesting.waitFor(Duration.ofSeconds(60), () -> JobTesting.rows(catalog, "orders") > 0);
    long first = table(catalog).currentSnapshot().snapshotId();
    Set<Long> rewrites = new HashSet<>();
    int sent = BATCH;
    // keep writing until the first snapshot was expired and a rewrite was seen
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (table(catalog).snapshot(first) != null || rewrites.isEmpty()) {
      assertThat(System.nanoTime()).as("expiry and a rewrite within 180 s").isLessThan(deadline);
      if (sent < TOTAL / 2) {
        kafka.sendAll(topic, JobTesting.orders(topic, sent, sent + BATCH, base));
        sent += BATCH;
      }
      rewrites.addAll(replaceSnapshots(table(catalog)));
      Thread.sleep(300);
    }
    int retained = size(table(catalog).snapshots());
    long maintainedAfter = System.nanoTime() - (deadline - Duration.ofSeconds(180).toNanos());
    kafka.sendAll(topic, JobTesting.orders(topic, sent, sent + BATCH, base));
    sent += BATCH;
    JobTesting.killAfterACommit(cluster, client, catalog, "orders", 0);

    while (sent < TOTAL) {
      kafka.sendAll(topic, JobTesting.orders(topic, sent, sent + BATCH, base));
      sent += BATCH;
      Thread.sleep(200);
    }
    long expectedDead = JobTesting.brokenOrders(TOTAL);
    JobTesting.waitFor(
        Duration.ofSeconds(90),
        () ->
            JobTesting.rows(catalog, "orders") >= TOTAL - expectedDead
                && JobTesting.rows(catalog, "orders_dead_letters") >= expectedDead);
    // A few more checkpoints (and maintenance runs): a duplicate would show up now.
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 3);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);

    JobTesting.assertOrdersExactlyOnce(catalog, "orders", TOTAL);
    System.out.printf(
        "maintenance restore: expired and rewritten after %d ms (%d rewrites seen), %d snapshots"
            + " retained before the kill, %d after the run%n",
        maintainedAfter / 1_000_000, rewrites.size(), retained, size(table(catalog).snapshots()));
  }

  private static Table table(IcebergCatalog catalog) {
    return catalog.with(c -> c.loadTable(catalog.identifier("orders")));
  }

  private static Set<Long> replaceSnapshots(Table t) {
    Set<Long> ids = new HashSet<>();
    for (Snapshot s : t.snapshots()) {
      if ("replace".equals(s.operation())) {
        ids.add(s.snapshotId());
      }
    }
    return ids;
  }

  private static int size(Iterable<?> items) {
    int n = 0;
    for (Object unused : items) {
      n++;
    }
    return n;
  }
}
