package io.tributary.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job on the local cluster is stopped with a savepoint ({@code bin/flink stop}) while input keeps
 * arriving, then resumed from it ({@code bin/flink run -s}): the table holds every event exactly
 * once.
 */
@Timeout(900)
class SavepointResumeIT {
  private static final int EVENTS = 1500;

  @TempDir static Path dir;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(dir.resolve("stack"));
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
    Map<String, Map<String, String>> groups = new LinkedHashMap<>();
    groups.put("job", Map.of("name", "ingest", "parallelism", "2", "checkpoint.interval", "1 s"));
    groups.put("source", Map.of("type", "kafka"));
    groups.put("kafka", ClickEvents.kafka(cluster.settings().kafkaBootstrap(), "clicks", "resume"));
    groups.put("format", ClickEvents.format());
    groups.put(
        "iceberg",
        Map.of(
            "catalog.type", "hadoop",
            "warehouse", cluster.settings().localWarehouse(),
            "database", "resume",
            "table", "events"));
    Path config = LocalCluster.config(dir.resolve("resume.json"), groups);

    String first = cluster.runJava(config, true, null);
    // Input keeps arriving from here on: 1,500 events over about 30 s.
    AtomicReference<Throwable> producerFailure = new AtomicReference<>();
    AtomicInteger produced = new AtomicInteger();
    Thread producer =
        new Thread(
            () -> {
              try {
                var records = events.records("clicks", 2).subList(0, EVENTS);
                for (int i = 0; i < records.size(); i += 10) {
                  cluster.kafka.sendAll(
                      "clicks", records.subList(i, Math.min(i + 10, records.size())));
                  produced.set(Math.min(i + 10, records.size()));
                  Thread.sleep(200);
                }
              } catch (Throwable t) {
                producerFailure.set(t);
              }
            },
            "producer");
    producer.start();
    awaitRows(100, Duration.ofMinutes(3));
    String savepoint = cluster.stopWithSavepoint(first);
    int atStop = count();
    assertThat(atStop).isLessThan(EVENTS);

    // The input goes on while nothing reads it (100 more events); then the job resumes where the
    // savepoint was.
    int producedAtStop = produced.get();
    await(() -> produced.get() >= Math.min(EVENTS, producedAtStop + 100), Duration.ofMinutes(1));
    String second = cluster.runJava(config, true, savepoint);
    assertThat(second).isNotEqualTo(first);
    producer.join(Duration.ofMinutes(2).toMillis());
    assertThat(producerFailure.get()).isNull();
    assertThat(producer.isAlive()).isFalse();
    awaitRows(EVENTS, Duration.ofMinutes(3));
    // One more commit after the last row: a duplicate would show up as a row beyond EVENTS.
    long last = snapshot();
    await(() -> snapshot() != last, Duration.ofMinutes(1));
    cluster.flink(Duration.ofMinutes(1), "cancel", second);

    assertThat(cluster.rows("resume", "events", ClickEvents.COLUMNS))
        .hasSize(EVENTS)
        .isEqualTo(events.lines);
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

  /** The table's current snapshot id: a new one is a new commit. */
  private static long snapshot() {
    return cluster
        .catalog("resume")
        .with(
            c -> {
              Table t = c.loadTable(cluster.catalog("resume").identifier("events"));
              return t.currentSnapshot() == null ? -1L : t.currentSnapshot().snapshotId();
            });
  }

  private static void await(java.util.function.BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.sleep(200);
    }
  }

  private static void awaitRows(int atLeast, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int n = 0;
    while (System.nanoTime() < deadline) {
      n = count();
      if (n >= atLeast) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("only " + n + " of " + atLeast + " rows after " + timeout);
  }
}
