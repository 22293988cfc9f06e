package io.tributary.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.stack.FlinkCluster;
import io.tributary.stack.LocalStack;
import io.tributary.stack.StackSettings;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.iceberg.Table;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job on the local cluster is stopped with a savepoint ({@code bin/flink stop}) while input keeps
 * arriving, then resumed from it ({@code bin/flink run -s}): the table holds every event exactly
 * once. Checkpoints and the savepoint go to S3 (the stack's S3Mock) through Flink's S3 file system
 * plugin, as on a self-managed cluster (issue 5).
 */
@Timeout(900)
class SavepointResumeIT {
  private static final int EVENTS = 1500;
  private static final String CHECKPOINTS = "s3://" + StackSettings.BUCKET + "/flink/checkpoints";
  private static final String SAVEPOINTS = "s3://" + StackSettings.BUCKET + "/flink/savepoints";

  @TempDir static Path dir;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(dir.resolve("stack"), LocalStack.Service.S3);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void stoppedWithASavepointWhileInputArrivesThenResumed() throws Exception {
    ClickEvents events = new ClickEvents(EVENTS, 7);
    cluster.kafka.createTopic("clicks", 2);
    Map<String, Map<String, String>> groups =
        cluster.ingestGroups(CHECKPOINTS, "clicks", "resume", "resume");
    Path config = LocalCluster.config(dir.resolve("resume.json"), groups);

    String first = cluster.runJava(config, true, null);
    // Input keeps arriving from here on: 1,500 events, 50 a second until the job has resumed, then
    // the rest at once. On a slow machine the job may
    // start late, so the producer waits at two gates: at 1,000 events until the job has stopped
    // (the stop still sees input arriving unless the machine is very slow), and at 1,100 (100 sent
    // while nothing reads) until the job runs again.
    CountDownLatch stopped = new CountDownLatch(1);
    CountDownLatch resumed = new CountDownLatch(1);
    AtomicReference<Throwable> producerFailure = new AtomicReference<>();
    AtomicInteger produced = new AtomicInteger();
    Thread producer =
        new Thread(
            () -> {
              try {
                var records = events.records("clicks", 2).subList(0, EVENTS);
                for (int i = 0; i < records.size(); i += 10) {
                  if (i >= 1000) {
                    stopped.await();
                  }
                  if (i >= 1100) {
                    resumed.await();
                  }
                  cluster.kafka.sendAll(
                      "clicks", records.subList(i, Math.min(i + 10, records.size())));
                  produced.set(Math.min(i + 10, records.size()));
                  if (i < 1100) {
                    Thread.sleep(200); // paced only until the stop and the resume are past
                  }
                }
              } catch (Throwable t) {
                producerFailure.set(t);
              }
            },
            "producer");
    producer.setDaemon(true); // never outlives a failed test, waiting at a gate
    producer.start();
    awaitRows(100, Duration.ofMinutes(3));
    String checkpoint = latestCheckpointPath(first);
    assertThat(checkpoint).startsWith(CHECKPOINTS + "/");
    String savepoint = cluster.stopWithSavepoint(first, SAVEPOINTS);
    assertThat(savepoint).startsWith(SAVEPOINTS + "/savepoint-");
    int producedAtStop = produced.get(); // at most 1,000: the first gate
    stopped.countDown();
    assertThat(count()).isLessThanOrEqualTo(producedAtStop);

    // The input goes on while nothing reads it (100 more events, up to the second gate); then the
    // job resumes where the savepoint was.
    await(() -> produced.get() >= producedAtStop + 100, Duration.ofMinutes(1));
    String second = cluster.runJava(config, true, savepoint);
    resumed.countDown();
    assertThat(second).isNotEqualTo(first);
    producer.join(Duration.ofMinutes(2).toMillis());
    assertThat(producerFailure.get()).isNull();
    assertThat(producer.isAlive()).isFalse();
    awaitRows(EVENTS, Duration.ofMinutes(3));
    // Two more completed checkpoints after the last row, so the first one's commit has landed
    // (the committer commits it before it takes part in the second). A duplicate would show up
    // as a row beyond EVENTS. (Not a new snapshot: with no new rows, Iceberg commits an empty
    // one only every tenth checkpoint.)
    int completed = completedCheckpoints(second);
    await(() -> completedCheckpoints(second) >= completed + 2, Duration.ofMinutes(1));
    cancel(second);

    assertThat(cluster.rows("resume", "events", ClickEvents.COLUMNS))
        .hasSize(EVENTS)
        .isEqualTo(events.lines);
  }

  /** Where the job's latest completed checkpoint was written, from the REST API. */
  private static String latestCheckpointPath(String jobId) {
    java.util.regex.Pattern path =
        java.util.regex.Pattern.compile(
            "\"latest\".*?\"completed\".*?\"external_path\":\"([^\"]+)\"");
    String[] found = new String[1];
    await(
        () -> {
          java.util.regex.Matcher m = path.matcher(get("/jobs/" + jobId + "/checkpoints"));
          if (m.find()) {
            found[0] = m.group(1);
            return true;
          }
          return false;
        },
        Duration.ofMinutes(1));
    return found[0];
  }

  /** How many checkpoints of the job completed, from the REST API; -1 when it cannot tell. */
  private static int completedCheckpoints(String jobId) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"counts\":\\{[^}]*\"completed\":(\\d+)")
            .matcher(get("/jobs/" + jobId + "/checkpoints"));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /**
   * Cancels the job through the REST API (as {@code bin/flink cancel} does, without its JVM). The
   * stack's REST helper only reads, so the one PATCH is sent here.
   */
  private static void cancel(String jobId) throws Exception {
    java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(
                        cluster.settings().flinkRestUrl() + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.noBody())
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding());
    await(() -> get("/jobs/" + jobId).contains("\"state\":\"CANCELED\""), Duration.ofMinutes(1));
  }

  /** The Flink REST API's answer to GET {@code path}, "" when it does not answer 200. */
  private static String get(String path) {
    String body = FlinkCluster.get(cluster.settings().port("FLINK_REST_PORT"), path);
    return body == null ? "" : body;
  }

  private static int count() {
    if (!Tables.exists(cluster.catalog("resume"), "events")) {
      return 0;
    }
    Table t =
        cluster
            .catalog("resume")
            .with(c -> c.loadTable(cluster.catalog("resume").identifier("events")));
    return Tables.read(t).size();
  }

  private static void await(java.util.function.BooleanSupplier condition, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .until(condition::getAsBoolean);
  }

  private static void awaitRows(int atLeast, Duration timeout) {
    Awaitility.await(atLeast + " rows")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(500))
        .until(SavepointResumeIT::count, n -> n >= atLeast);
  }
}
