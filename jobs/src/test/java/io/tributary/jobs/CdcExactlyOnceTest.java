package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.metrics.Metrics;
import io.tributary.testing.ChangeStreams;
import io.tributary.testing.ChangeStreams.ChangeStream;
import io.tributary.testing.ChangeStreams.Message;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsCounts;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generated change stream (three tables; inserts, updates, deletes, re-inserts, key changes in
 * both Debezium styles, nulls, unicode, decimals, timestamps) through a real Kafka broker into
 * {@code cdc}, compared with an in-memory oracle: exactly, after a replay, and after TaskManager
 * kills.
 */
@Timeout(600)
class CdcExactlyOnceTest {
  static final int PARTITIONS = 4;

  /** Live metrics only: a killed attempt's counters leave with it. */
  static final InMemoryReporter REPORTER = InMemoryReporter.create();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2, REPORTER);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  String[] args(String topic) {
    List<String> args = new ArrayList<>(JobTesting.underKills("cdc", dir));
    // a checkpoint a second, not underKills' two: more records between a kill and the last commit
    args.set(args.indexOf("--job.checkpoint.interval") + 1, "1 s");
    args.addAll(List.of("--job.state.backend", "rocksdb", "--cdc.format", "debezium-json"));
    args.addAll(JobTesting.fromKafka(kafka.bootstrapServers(), topic, dir));
    return args.toArray(new String[0]);
  }

  static void send(String topic, List<Message> messages) {
    send(kafka, topic, messages);
  }

  static void send(KafkaExtension kafka, String topic, List<Message> messages) {
    List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
    for (Message m : messages) {
      // Debezium keys by primary key: a key's changes stay in one partition, in order
      batch.add(new ProducerRecord<>(topic, m.partition(PARTITIONS), m.key, m.value));
      if (batch.size() == 5_000) {
        kafka.sendAll(topic, batch);
        batch.clear();
      }
    }
    kafka.sendAll(topic, batch);
  }

  /** Waits until the job committed offsets past {@code count} records: all of them are applied. */
  static void awaitApplied(String topic, long count) throws InterruptedException {
    JobTesting.waitFor(Duration.ofSeconds(240), () -> kafka.committedOffsets(topic) >= count);
  }

  /**
   * Waits until the job has decoded {@code count} records since it started (no kill in between),
   * that is, its source emitted them all. Faster than the committed offsets, which on a topic gone
   * idle show up to 10 s late (the connector runs the commit after a poll of up to 10 s returns).
   */
  static void awaitDecoded(JobClient client, long count) throws InterruptedException {
    MetricValues metrics = new MetricValues(REPORTER, client.getJobID(), "cdc");
    JobTesting.waitFor(Duration.ofSeconds(240), () -> metrics.count(Metrics.RECORDS_IN) >= count);
  }

  /**
   * Waits until every record the job has decoded is committed to its tables. With one checkpoint at
   * a time, the second to complete from now was triggered after now, so it covers every record
   * decoded by now; the committer commits it when notified, before it can take part in the third.
   */
  static void awaitCommitted(MiniCluster cluster, JobClient client, long count)
      throws InterruptedException {
    awaitDecoded(client, count);
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 3);
  }

  /** Each mirror's last checkpoint that a writer committed, -1 while it has none. */
  static Map<String, Long> lastCheckpoints(IcebergCatalog catalog, ChangeStream stream) {
    Map<String, Long> out = new HashMap<>();
    for (String t : stream.tables()) {
      String name = "public_" + t;
      long last = -1;
      if (Tables.exists(catalog, name)) {
        Table table = catalog.with(c -> c.loadTable(catalog.identifier(name)));
        for (Snapshot s : SnapshotUtil.currentAncestors(table)) {
          String id = s.summary().get("flink.max-committed-checkpoint-id");
          if (id != null) {
            last = Long.parseLong(id);
            break;
          }
        }
      }
      out.put(name, last);
    }
    return out;
  }

  /**
   * Waits until a writer committed a checkpoint to some mirror past {@code before} (read before the
   * changes were sent, or their commit could come first and be missed). Not on the Kafka offsets
   * the source commits: on a topic gone idle they become visible up to 10 s late (its fetcher runs
   * the commit only after a poll of up to 10 s returns).
   */
  static void awaitACommitPast(
      IcebergCatalog catalog, ChangeStream stream, Map<String, Long> before)
      throws InterruptedException {
    JobTesting.waitFor(
        Duration.ofSeconds(120),
        () -> {
          Map<String, Long> now = lastCheckpoints(catalog, stream);
          return before.keySet().stream().anyMatch(t -> now.get(t) > before.get(t));
        });
  }

  /** Each table's rows, keyed by primary key, as the oracle holds them. */
  static Map<String, Map<List<Object>, Map<String, Object>>> tables(
      IcebergCatalog catalog, ChangeStream stream) {
    Map<String, Map<List<Object>, Map<String, Object>>> out = new HashMap<>();
    for (String table : stream.tables()) {
      Map<List<Object>, Map<String, Object>> rows = new HashMap<>();
      String name = "public_" + table; // <db>.<schema>_<table>: shop.public_<table>
      if (Tables.exists(catalog, name)) {
        for (Record r : Tables.read(catalog, name)) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 0; i < r.size(); i++) {
            String column = r.struct().fields().get(i).name();
            if (!column.startsWith("_")) {
              row.put(column, r.get(i));
            }
          }
          List<Object> key = new ArrayList<>();
          for (String k : stream.keyColumns(table)) {
            key.add(row.get(k));
          }
          assertThat(rows.put(key, row)).as("duplicate key %s in %s", key, table).isNull();
        }
      }
      out.put(table, rows);
    }
    return out;
  }

  /**
   * Waits until the tables equal the oracle, then asserts it. The source commits its Kafka offsets
   * and the Iceberg committer its files on the same completed checkpoint, in different tasks:
   * offsets reaching the end do not mean the last commit has landed yet (seen on a loaded machine,
   * where a cancel right after lost the race). A table that never gets there fails with the diff.
   */
  static void awaitOracle(IcebergCatalog catalog, ChangeStream stream) throws InterruptedException {
    try {
      JobTesting.waitFor(
          Duration.ofSeconds(120),
          () -> {
            try {
              assertEqualsOracle(catalog, stream);
              return true;
            } catch (AssertionError notYet) {
              return false;
            }
          });
    } catch (AssertionError timedOut) {
      // fall through to the assertion below, which names what differs
    }
    assertEqualsOracle(catalog, stream);
  }

  static void assertEqualsOracle(IcebergCatalog catalog, ChangeStream stream) {
    Map<String, Map<List<Object>, Map<String, Object>>> actual = tables(catalog, stream);
    for (String table : stream.tables()) {
      Map<List<Object>, Map<String, Object>> want = stream.finalState().get(table);
      Map<List<Object>, Map<String, Object>> have = actual.get(table);
      assertThat(have.keySet()).as("keys of %s", table).isEqualTo(want.keySet());
      for (Map.Entry<List<Object>, Map<String, Object>> e : want.entrySet()) {
        assertThat(have.get(e.getKey())).as("%s row %s", table, e.getKey()).isEqualTo(e.getValue());
      }
    }
  }

  static long addedRecords(IcebergCatalog catalog, String table, long afterSnapshot) {
    Table t = catalog.with(c -> c.loadTable(catalog.identifier(table)));
    long added = 0;
    for (Snapshot s : t.snapshots()) {
      if (s.sequenceNumber() > afterSnapshot) {
        added += Long.parseLong(s.summary().getOrDefault("added-records", "0"));
      }
    }
    return added;
  }

  static long lastSequence(IcebergCatalog catalog, String table) {
    Table t = catalog.with(c -> c.loadTable(catalog.identifier(table)));
    return t.currentSnapshot() == null ? 0 : t.currentSnapshot().sequenceNumber();
  }

  @Test
  void randomizedStreamEqualsOracleAndAReplayChangesNothing(@InjectMiniCluster MiniCluster cluster)
      throws Exception {
    ChangeStream stream = ChangeStreams.generate(42, 100_000);
    List<Message> messages = stream.messages();
    assertThat(stream.events()).isGreaterThanOrEqualTo(100_000);
    kafka.createTopic("shop", PARTITIONS);
    JobClient client = JobTesting.startAsync("cdc-oracle", args("shop"));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "shop");

    send("shop", messages);
    awaitCommitted(cluster, client, messages.size());
    awaitOracle(catalog, stream);

    // The whole stream again, then older changes in random order: nothing may move backwards.
    Map<String, Long> before = new HashMap<>();
    for (String table : stream.tables()) {
      before.put(table, lastSequence(catalog, "public_" + table));
    }
    List<Message> replay = new ArrayList<>(messages);
    List<Message> stale = new ArrayList<>(messages.subList(0, messages.size() / 2));
    Collections.shuffle(stale, new Random(7));
    replay.addAll(stale.subList(0, 5_000));
    send("shop", replay);
    awaitCommitted(cluster, client, messages.size() + replay.size());
    awaitOracle(catalog, stream);

    // Only a key's very last change (same position) may pass the guard again: at most one
    // rewritten row per key ever seen, against 100k+ replayed changes.
    Set<String> keys = new HashSet<>();
    for (Message m : messages) {
      keys.add(m.table + new String(m.key, java.nio.charset.StandardCharsets.UTF_8));
    }
    long rewritten = 0;
    for (String table : stream.tables()) {
      rewritten += addedRecords(catalog, "public_" + table, before.get(table));
    }
    assertThat(rewritten).isLessThanOrEqualTo(keys.size()).isLessThan(messages.size() / 5);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);
  }

  @Test
  void exactlyTheOracleAfterFiveTaskManagerKills(@InjectMiniCluster MiniCluster cluster)
      throws Exception {
    ChangeStream stream = ChangeStreams.generate(9, 40_000);
    List<Message> messages = stream.messages();
    kafka.createTopic("shop-failures", PARTITIONS);
    JobClient client = JobTesting.startAsync("cdc-failures", args("shop-failures"));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "shop");

    int kills = 0;
    int chunk = messages.size() / 6;
    for (int from = 0; from < messages.size(); from += chunk) {
      Map<String, Long> before = lastCheckpoints(catalog, stream);
      send("shop-failures", messages.subList(from, Math.min(messages.size(), from + chunk)));
      if (kills < 5) {
        // Kill only after a commit: recovery then restores real Kafka, guard and Iceberg state.
        awaitACommitPast(catalog, stream, before);
        JobTesting.killTaskManager(cluster, client, kills++);
      }
    }
    assertThat(kills).isEqualTo(5);
    awaitApplied("shop-failures", messages.size());
    // more checkpoints: a duplicate from a bad recovery would land now
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 2);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);
    assertEqualsOracle(catalog, stream);
  }

  @Test
  void exactlyTheOracleWhenCheckpointsAreAbortedInFlight(@InjectMiniCluster MiniCluster cluster)
      throws Exception {
    // Checkpoints that time out while their barriers travel: some writers have flushed for one,
    // the pre-commit step never sees it complete. Iceberg 1.10.2's own aggregator then folds that
    // flush into the next commit and keeps upserted keys twice (PerCheckpointDynamicSink).
    ChangeStream stream = ChangeStreams.generate(11, 30_000);
    List<Message> messages = stream.messages();
    kafka.createTopic("shop-aborts", PARTITIONS);
    List<String> args = new ArrayList<>(List.of(args("shop-aborts")));
    args.addAll(
        List.of(
            "--job.checkpoint.interval", "200 ms",
            "--job.checkpoint.timeout", "150 ms",
            "--job.flink.execution.checkpointing.tolerable-failed-checkpoints", "1000000"));
    JobClient client = JobTesting.startAsync("cdc-aborts", args.toArray(new String[0]));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "shop");

    int chunk = messages.size() / 10;
    for (int from = 0; from < messages.size(); from += chunk) {
      send("shop-aborts", messages.subList(from, Math.min(messages.size(), from + chunk)));
    }
    // Most checkpoints fail here: wait for the tables, not for completed checkpoints.
    awaitDecoded(client, messages.size());
    awaitOracle(catalog, stream);
    CheckpointStatsCounts counts = JobTesting.checkpoints(cluster, client.getJobID()).getCounts();
    client.cancel().get(60, TimeUnit.SECONDS);
    System.out.printf(
        "aborted-in-flight: %d checkpoints completed, %d failed%n",
        counts.getNumberOfCompletedCheckpoints(), counts.getNumberOfFailedCheckpoints());
    assertThat(counts.getNumberOfFailedCheckpoints()).as("checkpoints aborted").isGreaterThan(5);
    assertEqualsOracle(catalog, stream);
  }
}
