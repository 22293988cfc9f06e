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
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three TaskManager kills while {@code aggregate} reads an unbounded topic that keeps receiving
 * data. The final table must equal what a run without failures produces: the exact per-window
 * aggregates of the input (in event-time order, so nothing is late).
 */
@Timeout(400)
class AggregateFailureTest {
  static final int TOTAL = 18_000;
  static final int BATCH = 1_000;

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  @Test
  void finalTableEqualsTheNoFailureResult(@InjectMiniCluster MiniCluster cluster) throws Exception {
    String topic = "payments";
    kafka.createTopic(topic, 3);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "aggregate",
                "--job.parallelism", "2",
                "--job.checkpoint.interval", "500 ms",
                "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "--job.restart.initial-delay", "200 ms",
                "--job.restart.max-delay", "2 s",
                "--source.type", "kafka",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.start", "earliest",
                "--format.schema", Payments.SCHEMA,
                "--format.event-time.field", "ts",
                "--format.event-time.max-out-of-orderness", "1 s",
                "--iceberg.warehouse", dir.resolve("warehouse").toString(),
                "--iceberg.database", "m",
                "--iceberg.table", "payments"));
    args.addAll(List.of(Payments.AGGREGATE));
    JobClient client =
        JobTesting.startAsync("aggregate-under-failures", args.toArray(new String[0]));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "m");

    Instant base = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    Payments payments = new Payments(base);
    int kills = 0;
    for (int sent = 0; sent <= TOTAL; sent += BATCH) {
      List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
      boolean last = sent == TOTAL;
      for (int i = sent; i < (last ? sent + 3 : sent + BATCH); i++) {
        // In event-time order on every partition; the last three events close every window.
        long t = last ? i * 10L + 60_000 : i * 10L;
        batch.add(new ProducerRecord<>(topic, i % 3, null, payments.event(i, t)));
      }
      kafka.sendAll(topic, batch);
      if (sent > 0 && sent % 5_000 == 0 && kills < 3) {
        // Kill only after the job has committed since the last kill, so the kill lands on a
        // job with real state, and never inside the first Iceberg write: in a MiniCluster the
        // task managers share one JVM, and a class initializer interrupted by a kill stays
        // broken for every later attempt (a separate TaskManager process would not care).
        int before = Payments.actual(catalog, "payments").size();
        JobTesting.waitFor(
            Duration.ofSeconds(60), () -> Payments.actual(catalog, "payments").size() > before);
        // The kill must fail the job and make it restart from its checkpoint.
        JobTesting.killTaskManager(cluster, client, kills++);
      }
      Thread.sleep(300);
    }
    assertThat(kills).isEqualTo(3);

    // The closing events' own windows stay open; every other window must be final and exact.
    long closing = TOTAL * 10L + 60_000;
    List<String> expected = payments.expectedBefore(closing - closing % Payments.WINDOW);
    try {
      JobTesting.waitFor(
          Duration.ofSeconds(120), () -> Payments.actual(catalog, "payments").equals(expected));
    } catch (AssertionError timedOut) {
      // the assertions below name what differs
    }
    assertThat(
            Tables.exists(catalog, "payments_dead_letters")
                ? Tables.read(catalog, "payments_dead_letters").stream()
                    .map(r -> r.getField("reason") + ": " + r.getField("error_message"))
                    .limit(3)
                    .collect(Collectors.toList())
                : List.of())
        .isEmpty();
    List<String> now = Payments.actual(catalog, "payments");
    assertThat(now.size()).isEqualTo(expected.size());
    assertThat(now).containsExactlyElementsOf(expected);
    // more checkpoints: a window replayed twice after a bad recovery would show now
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 3);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);
    assertThat(Payments.actual(catalog, "payments")).containsExactlyElementsOf(expected);
    assertThat(Tables.read(catalog, "payments_dead_letters")).isEmpty();
  }
}
