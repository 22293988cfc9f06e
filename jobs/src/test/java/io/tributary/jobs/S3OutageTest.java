package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.TableSummary;
import io.tributary.stack.LocalStack;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3 goes away for 20 s while {@code ingest} runs unbounded into the REST catalog's tables on S3,
 * with input arriving steadily: the job recovers by itself, and once the input has ended and
 * everything is committed the table holds every valid record exactly once and the dead-letter table
 * every broken one.
 */
@Timeout(480)
class S3OutageTest {
  static final int BATCH = 200;
  static final Duration BATCH_EVERY = Duration.ofMillis(250);
  static final Duration OUTAGE = Duration.ofSeconds(20);
  static final Duration AFTER_OUTAGE = Duration.ofSeconds(10);

  @RegisterExtension static final MiniClusterExtension FLINK = S3Testing.miniCluster(2);

  @TempDir Path dir;

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  LocalStack stack;

  @AfterEach
  void stopStack() {
    try {
      if (stack != null) {
        stack.close();
      }
    } finally {
      S3Testing.clearLocalCredentials();
    }
  }

  @Test
  void ingestRecoversFromAnS3OutageWithEveryRecordExactlyOnce(
      @InjectMiniCluster MiniCluster cluster) throws Exception {
    stack = S3Testing.start(dir.resolve("stack"));
    String topic = "orders";
    kafka.createTopic(topic, 2);
    List<String> catalogKeys = S3Testing.catalogKeys(stack, "rest", dir, "outage");
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "ingest",
                "--job.parallelism", "2",
                "--job.checkpoint.interval", "1 s",
                "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "--job.restart.initial-delay", "500 ms",
                "--job.restart.max-delay", "5 s",
                "--source.type", "kafka",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.start", "earliest",
                "--format.schema",
                    "id BIGINT NOT NULL, payload STRING, ts TIMESTAMP_LTZ(3) NOT NULL",
                "--format.event-time.field", "ts",
                "--iceberg.table", "orders",
                "--iceberg.partition-spec", "bucket(2, id)"));
    args.addAll(S3Testing.args(catalogKeys));
    JobClient client = JobTesting.startAsync("ingest-s3-outage", args.toArray(new String[0]));
    IcebergCatalog catalog = S3Testing.catalog(catalogKeys);
    Instant base = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);

    // Steady input until the first commit has landed on S3.
    Producer producer = new Producer(topic, base);
    long firstCommitDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (rows(catalog, "orders") == 0) {
      assertThat(System.nanoTime())
          .as("a first commit within 120 s")
          .isLessThan(firstCommitDeadline);
      producer.sendFor(Duration.ofSeconds(1));
    }
    long committedBefore = rows(catalog, "orders");

    // S3 away for 20 s, input going on.
    long outageStart = System.nanoTime();
    stack.stop("s3");
    long s3Stopped = System.nanoTime();
    producer.sendFor(OUTAGE);
    long restartAt = System.nanoTime();
    stack.startService(LocalStack.Service.S3);
    long s3Back = System.nanoTime();
    producer.sendFor(AFTER_OUTAGE);
    int sent = producer.sent;
    long expectedBad = producer.bad;
    long expectedGood = sent - expectedBad;

    JobTesting.waitFor(
        Duration.ofSeconds(180),
        () ->
            rows(catalog, "orders") >= expectedGood
                && rows(catalog, "orders_dead_letters") >= expectedBad);
    long caughtUp = System.nanoTime();
    // More checkpoints: a duplicate would show up now if recovery replayed committed data.
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 3);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    String checkpoints = rest(cluster, "/jobs/" + client.getJobID() + "/checkpoints");
    String exceptions = rest(cluster, "/jobs/" + client.getJobID() + "/exceptions");
    long restartedAt = JobTesting.lastRestart(cluster, client);
    client.cancel().get(60, TimeUnit.SECONDS);

    System.out.printf(
        "S3OutageTest: %d records sent (%d broken), %d committed before the outage; S3 down %d ms"
            + " (stopping it took %d ms, starting it again %d ms), all committed %d ms after S3"
            + " was back; job restarted: %s"
            + "%n  checkpoint counts: %s%n  exceptions: %s%n",
        sent,
        expectedBad,
        committedBefore,
        (s3Back - outageStart) / 1_000_000,
        (s3Stopped - outageStart) / 1_000_000,
        (s3Back - restartAt) / 1_000_000,
        (caughtUp - s3Back) / 1_000_000,
        restartedAt > 0,
        checkpoints.replaceAll(".*?(\"counts\":\\{[^}]*\\}).*", "$1"),
        summarizeExceptions(exceptions));

    List<Record> rows = Tables.read(catalog, "orders");
    Set<Long> ids = rows.stream().map(r -> (Long) r.getField("id")).collect(Collectors.toSet());
    assertThat(rows).hasSize((int) expectedGood);
    Set<Long> expectedIds = new TreeSet<>();
    for (long i = 0; i < sent; i++) {
      if (i % 100 != 99) {
        expectedIds.add(i);
      }
    }
    assertThat(new TreeSet<>(ids)).isEqualTo(expectedIds);
    assertThat(rows)
        .allSatisfy(r -> assertThat(r.getField("payload")).isEqualTo("p" + r.getField("id")));
    List<Record> dead = Tables.read(catalog, "orders_dead_letters");
    assertThat(dead).hasSize((int) expectedBad);
    assertThat(
            dead.stream()
                .map(r -> r.getField("source_partition") + "@" + r.getField("source_position"))
                .distinct())
        .hasSize((int) expectedBad);
    assertThat(dead).allSatisfy(r -> assertThat(r.getField("reason")).isEqualTo("truncated-json"));
  }

  /**
   * Records {@code 0, 1, 2, ...}, every 100th broken, {@link #BATCH} every {@link #BATCH_EVERY}.
   */
  final class Producer {
    final String topic;
    final Instant base;
    int sent;
    long bad;

    Producer(String topic, Instant base) {
      this.topic = topic;
      this.base = base;
    }

    void sendFor(Duration duration) throws InterruptedException {
      long end = System.nanoTime() + duration.toNanos();
      while (System.nanoTime() < end) {
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (int i = sent; i < sent + BATCH; i++) {
          String value = JobTesting.order(i, i % 100 == 99, base);
          bad += i % 100 == 99 ? 1 : 0;
          batch.add(new ProducerRecord<>(topic, i % 2, null, value.getBytes(UTF_8)));
        }
        kafka.sendAll(topic, batch);
        sent += BATCH;
        Thread.sleep(BATCH_EVERY.toMillis());
      }
    }
  }

  private static long rows(IcebergCatalog catalog, String table) {
    return Tables.exists(catalog, table) ? TableSummary.of(catalog, table).rows : 0;
  }

  private static String rest(MiniCluster cluster, String path) throws Exception {
    URI base = cluster.getRestAddress().get(10, TimeUnit.SECONDS);
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  /** The root causes in the job's exception history, one line each (at most 10). */
  private static String summarizeExceptions(String json) {
    List<String> lines = new ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"exceptionName\":\"([^\"]+)\"").matcher(json);
    while (m.find() && lines.size() < 10) {
      lines.add(m.group(1));
    }
    return lines.isEmpty() ? "none" : String.join(", ", lines);
  }
}
