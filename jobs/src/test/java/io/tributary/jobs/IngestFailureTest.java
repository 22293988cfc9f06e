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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task managers killed three times while {@code ingest} reads an unbounded Kafka topic that keeps
 * receiving data: afterwards every record is in the table (or dead-letter table) exactly once.
 */
@Timeout(400)
class IngestFailureTest {
  static final int TOTAL = 24_000;
  static final int BATCH = 1_000;
  static final int KILLS = 3;

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  @Test
  void everyRecordExactlyOnceAfterTaskManagerKills(@InjectMiniCluster MiniCluster cluster)
      throws Exception {
    String topic = "orders";
    kafka.createTopic(topic, 3);
    List<String> args = new ArrayList<>(JobTesting.underKills("ingest", dir));
    args.addAll(
        List.of(
            "--job.state.backend", "rocksdb",
            "--source.type", "kafka",
            "--kafka.bootstrap.servers", kafka.bootstrapServers(),
            "--kafka.topics", topic,
            "--kafka.start", "earliest",
            "--format.schema", "id BIGINT NOT NULL, payload STRING, ts TIMESTAMP_LTZ(3) NOT NULL",
            "--format.event-time.field", "ts",
            "--iceberg.warehouse", dir.resolve("warehouse").toString(),
            "--iceberg.database", "lake",
            "--iceberg.table", "orders",
            "--iceberg.partition-spec", "bucket(3, id)"));
    JobClient client = JobTesting.startAsync("ingest-under-failures", args.toArray(new String[0]));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");

    // whole milliseconds: the column is TIMESTAMP_LTZ(3), and strict decoding refuses more digits
    Instant base = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    int sent = 0;
    int kills = 0;
    while (sent < TOTAL) {
      kafka.sendAll(topic, JobTesting.orders(topic, sent, sent + BATCH, base));
      sent += BATCH;
      if (sent % 6_000 == 0 && kills < KILLS) {
        // The kill must fail the job and make it restart from its checkpoint.
        JobTesting.killAfterACommit(cluster, client, catalog, "orders", kills++);
      }
      Thread.sleep(200);
    }
    assertThat(kills).isEqualTo(KILLS);

    long expectedDead = JobTesting.brokenOrders(TOTAL);
    long expectedGood = TOTAL - expectedDead;
    JobTesting.waitFor(
        Duration.ofSeconds(180),
        () ->
            JobTesting.rows(catalog, "orders") >= expectedGood
                && JobTesting.rows(catalog, "orders_dead_letters") >= expectedDead);
    // A few more checkpoints: a duplicate would show up now if recovery replayed committed data.
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 3);
    // Offsets reach the consumer group on checkpoints, for lag monitoring; on a topic gone idle
    // up to 10 s after the checkpoint (the source's fetcher commits once its poll returns), so
    // this waits after the checkpoints above, not before them.
    JobTesting.waitFor(
        Duration.ofSeconds(60), () -> kafka.committedOffsets("tributary-ingest") == TOTAL);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);

    JobTesting.assertOrdersExactlyOnce(catalog, "orders", TOTAL);
  }
}
