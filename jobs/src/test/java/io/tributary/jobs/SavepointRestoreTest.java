package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.ChangeStreams;
import io.tributary.testing.ChangeStreams.ChangeStream;
import io.tributary.testing.ChangeStreams.Message;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.io.DataInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.streaming.api.graph.StreamConfig;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each job is stopped with a savepoint after its first Iceberg commit, more input arrives while it
 * is stopped, and the job restarts from the savepoint: the final tables must be exact.
 *
 * <p>Before the restart, the savepoint's metadata is checked against the job graph the restart
 * runs. Flink refuses to restore state for an operator id the new graph lacks, but only if that
 * state is non-empty: an empty one is dropped with nothing more than "Skipping empty savepoint
 * state" in the log (how {@code cdc} survived Iceberg 1.10.1's random pre-commit uid). So every
 * operator of the savepoint, empty or not, must be found in the new graph, and the Iceberg
 * committer's state must be among the restored ones.
 */
@Timeout(300)
class SavepointRestoreTest {
  static final Duration WAIT = Duration.ofSeconds(120);
  static final int PARTITIONS = 3;

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  /** Jobs this test started: a failed test must not leave one running on a deleted folder. */
  private final List<JobClient> jobs = new ArrayList<>();

  @AfterEach
  void cancelLeftovers(@InjectMiniCluster MiniCluster cluster) throws Exception {
    for (JobClient job : jobs) {
      if (!cluster
          .getJobStatus(job.getJobID())
          .get(30, TimeUnit.SECONDS)
          .isGloballyTerminalState()) {
        job.cancel().get(60, TimeUnit.SECONDS);
      }
    }
  }

  private String[] args(String job, String topic, String... more) {
    List<String> out = new ArrayList<>(JobTesting.underKills(job, dir));
    out.addAll(JobTesting.fromKafka(kafka.bootstrapServers(), topic, dir));
    out.addAll(Arrays.asList(more));
    return out.toArray(new String[0]);
  }

  @Test
  void ingestIsExactAcrossASavepoint(@InjectMiniCluster MiniCluster cluster) throws Exception {
    int before = 3_000;
    int total = 6_000;
    String topic = "orders";
    kafka.createTopic(topic, PARTITIONS);
    String[] args =
        args(
            "ingest",
            topic,
            "--job.state.backend",
            "rocksdb",
            "--format.schema",
            "id BIGINT NOT NULL, payload STRING, ts TIMESTAMP_LTZ(3) NOT NULL",
            "--format.event-time.field",
            "ts",
            "--iceberg.database",
            "lake",
            "--iceberg.table",
            "orders",
            "--iceberg.partition-spec",
            "bucket(3, id)");
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    // whole milliseconds: the column is TIMESTAMP_LTZ(3), and strict decoding refuses more digits
    Instant base = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    kafka.sendAll(topic, JobTesting.orders(topic, 0, before, base));

    JobClient client =
        stopAndRestore(
            cluster,
            args,
            () -> JobTesting.rows(catalog, "orders") > 0,
            () -> kafka.sendAll(topic, JobTesting.orders(topic, before, total, base)),
            "Source: kafka: [" + topic + "]",
            "orders-IcebergFilesCommitter",
            "dead-letters-IcebergFilesCommitter");

    long dead = JobTesting.brokenOrders(total);
    JobTesting.waitFor(
        WAIT,
        () ->
            JobTesting.rows(catalog, "orders") >= total - dead
                && JobTesting.rows(catalog, "orders_dead_letters") >= dead);
    cancelAfterAnotherCheckpoint(cluster, client);
    JobTesting.assertOrdersExactlyOnce(catalog, "orders", total);
    System.out.printf("ingest: %d orders, %d rows, %d dead letters%n", total, total - dead, dead);
  }

  @Test
  void aggregateIsExactAcrossASavepoint(@InjectMiniCluster MiniCluster cluster) throws Exception {
    // Event i is at i * 10 ms: the window open at the stop, [28 s, 30 s), gets events from both
    // sides of it, so its count is right only if its state was restored.
    int before = 2_950;
    int total = 6_000;
    String topic = "payments";
    kafka.createTopic(topic, PARTITIONS);
    List<String> settings =
        new ArrayList<>(
            List.of(
                "--format.schema", Payments.SCHEMA,
                "--format.event-time.field", "ts",
                "--format.event-time.max-out-of-orderness", "1 s",
                "--iceberg.database", "m",
                "--iceberg.table", "payments"));
    settings.addAll(List.of(Payments.AGGREGATE));
    String[] args = args("aggregate", topic, settings.toArray(new String[0]));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "m");
    // In event-time order on every partition, so nothing is late, before or after the stop.
    Payments payments =
        new Payments(Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES));
    kafka.sendAll(topic, payments(topic, payments, 0, before, 0));
    // The last three events are a minute later: they close every earlier window.
    long closing = 60_000;

    JobClient client =
        stopAndRestore(
            cluster,
            args,
            () -> !Payments.actual(catalog, "payments").isEmpty(),
            () -> {
              kafka.sendAll(topic, payments(topic, payments, before, total, 0));
              kafka.sendAll(topic, payments(topic, payments, total, total + 3, closing));
            },
            "Source: kafka: [" + topic + "]",
            "window: tumbling PT2S",
            "payments-IcebergFilesCommitter",
            "dead-letters-IcebergFilesCommitter");

    long lastWindow = total * 10L + closing;
    List<String> expected = payments.expectedBefore(lastWindow - lastWindow % Payments.WINDOW);
    JobTesting.waitFor(WAIT, () -> Payments.actual(catalog, "payments").equals(expected));
    cancelAfterAnotherCheckpoint(cluster, client);
    assertThat(Payments.actual(catalog, "payments")).containsExactlyElementsOf(expected);
    assertThat(JobTesting.rows(catalog, "payments_dead_letters")).isZero();
    System.out.printf("aggregate: %d events, %d window rows%n", total + 3, expected.size());
  }

  /** Payments {@code from} to {@code to} (exclusive), event {@code i} at {@code i * 10 + shift}. */
  private static List<ProducerRecord<byte[], byte[]>> payments(
      String topic, Payments payments, int from, int to, long shift) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(
          new ProducerRecord<>(topic, i % PARTITIONS, null, payments.event(i, i * 10L + shift)));
    }
    return out;
  }

  @Test
  void cdcIsExactAcrossASavepoint(@InjectMiniCluster MiniCluster cluster) throws Exception {
    ChangeStream stream = ChangeStreams.generate(12, 6_000);
    List<Message> messages = stream.messages();
    int before = messages.size() / 2;
    String topic = "shop";
    kafka.createTopic(topic, CdcExactlyOnceTest.PARTITIONS);
    String[] args =
        args("cdc", topic, "--job.state.backend", "rocksdb", "--cdc.format", "debezium-json");
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "shop");
    CdcExactlyOnceTest.send(kafka, topic, messages.subList(0, before));

    JobClient client =
        stopAndRestore(
            cluster,
            args,
            () ->
                stream.tables().stream().anyMatch(t -> JobTesting.rows(catalog, "public_" + t) > 0),
            () -> CdcExactlyOnceTest.send(kafka, topic, messages.subList(before, messages.size())),
            "Source: kafka: [" + topic + "]",
            "create / evolve tables",
            "ordering guard",
            "Sink: Committer",
            "dead-letters-IcebergFilesCommitter");

    // Offsets reach the group when a checkpoint completes, and so do the Iceberg commits.
    JobTesting.waitFor(WAIT, () -> kafka.committedOffsets(topic) >= messages.size());
    cancelAfterAnotherCheckpoint(cluster, client);
    CdcExactlyOnceTest.assertEqualsOracle(catalog, stream);
    System.out.printf(
        "cdc: %d messages (%d change events), final rows %s%n",
        messages.size(),
        stream.events(),
        stream.tables().stream()
            .map(t -> t + "=" + JobTesting.rows(catalog, "public_" + t))
            .collect(Collectors.joining(", ")));
  }

  /**
   * Starts the job, waits for {@code committed}, stops the job with a savepoint, runs {@code
   * duringStop}, checks the savepoint against the restarted job's graph ({@code stateful}: the
   * operators that must have state in it) and restarts from it.
   *
   * @return the restarted job, checked to have restored that savepoint
   */
  private JobClient stopAndRestore(
      MiniCluster cluster,
      String[] args,
      BooleanSupplier committed,
      Runnable duringStop,
      String... stateful)
      throws Exception {
    long started = System.nanoTime();
    JobClient first = JobTesting.startAsync(args[1] + "-before-savepoint", args);
    jobs.add(first);
    JobTesting.waitFor(WAIT, committed);
    long firstCommit = System.nanoTime();
    String savepoint =
        first
            .stopWithSavepoint(
                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get(120, TimeUnit.SECONDS);
    assertThat(cluster.getJobStatus(first.getJobID()).get(30, TimeUnit.SECONDS))
        .isEqualTo(JobStatus.FINISHED);
    long stopped = System.nanoTime();
    duringStop.run();

    List<String> restoreArgs = new ArrayList<>(Arrays.asList(args));
    restoreArgs.addAll(List.of("--job.flink.execution.savepoint.path", savepoint));
    String[] restore = restoreArgs.toArray(new String[0]);
    // maintenance is on by default: its trigger manager's state (last runs, changes seen since)
    // must be in the savepoint and restored too
    List<String> withMaintenance = new ArrayList<>(List.of(stateful));
    withMaintenance.add("Trigger manager");
    checkSavepoint(savepoint, restore, withMaintenance.toArray(new String[0]));

    JobClient restored = JobTesting.startAsync(args[1] + "-restored", restore);
    jobs.add(restored);
    JobTesting.waitFor(WAIT, () -> restoredFrom(cluster, restored.getJobID()) != null);
    assertThat(restoredFrom(cluster, restored.getJobID()).getExternalPath())
        .as("the restarted job's restored checkpoint")
        .isEqualTo(savepoint);
    System.out.printf(
        "%s: first commit after %d ms, savepoint after %d ms more, restored at %d ms: %s%n",
        args[1],
        ms(firstCommit - started),
        ms(stopped - firstCommit),
        ms(System.nanoTime() - started),
        savepoint);
    return restored;
  }

  /**
   * Fails unless the savepoint holds exactly the operators of the graph {@code restore} builds, and
   * state for each of {@code stateful} (operator names).
   */
  private static void checkSavepoint(String savepoint, String[] restore, String... stateful)
      throws Exception {
    ClassLoader loader = SavepointRestoreTest.class.getClassLoader();
    CompletedCheckpointStorageLocation location =
        AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(savepoint);
    CheckpointMetadata metadata;
    try (DataInputStream in = new DataInputStream(location.getMetadataHandle().openInputStream())) {
      metadata = Checkpoints.loadCheckpointMetadata(in, loader, savepoint);
    }
    Set<OperatorID> graph = new HashSet<>();
    Map<OperatorID, String> names = new HashMap<>();
    for (JobVertex v : JobTesting.jobGraph(restore).getVertices()) {
      for (OperatorIDPair id : v.getOperatorIDs()) {
        // Flink would also match a user-set hash; the jobs set none, so this must stay empty
        assertThat(id.getUserDefinedOperatorID()).isEmpty();
        graph.add(id.getGeneratedOperatorID());
      }
      // each operator's own name, not its chain's
      for (StreamConfig op :
          new StreamConfig(v.getConfiguration())
              .getTransitiveChainedTaskConfigsWithSelf(loader)
              .values()) {
        names.put(op.getOperatorID(), op.getOperatorName());
      }
    }
    Set<OperatorID> saved = new HashSet<>();
    Map<String, Long> withState = new TreeMap<>();
    for (OperatorState s : metadata.getOperatorStates()) {
      saved.add(s.getOperatorID());
      // Flink's own test for "empty" before it skips an operator the new graph lacks
      boolean empty =
          s.getCoordinatorState() == null
              && s.getStates().stream().noneMatch(OperatorSubtaskState::hasState);
      if (!empty) {
        withState.merge(
            names.getOrDefault(s.getOperatorID(), s.getOperatorID().toString()),
            s.getStateSize(),
            Long::sum);
      }
    }
    System.out.printf(
        "savepoint %s: %d operators, with state: %s%n", savepoint, saved.size(), withState);
    // Extra ones with state would fail the restore; extra empty ones would be skipped silently
    // ("Skipping empty savepoint state"); missing ones would start empty.
    assertThat(graph).as("every operator of the savepoint in the restarted job").containsAll(saved);
    // New in the restarted job: only the maintenance of cdc mirrors created since the first start
    // (they are maintained from the next start); these start without state, as they should.
    Set<OperatorID> added = new HashSet<>(graph);
    added.removeAll(saved);
    List<String> unmaintained = new ArrayList<>(Arrays.asList(restore));
    unmaintained.addAll(List.of("--maintenance.enabled", "false"));
    Set<OperatorID> maintenance = new HashSet<>(graph);
    for (JobVertex v : JobTesting.jobGraph(unmaintained.toArray(new String[0])).getVertices()) {
      for (OperatorIDPair id : v.getOperatorIDs()) {
        maintenance.remove(id.getGeneratedOperatorID());
      }
    }
    System.out.printf("operators new in the restarted job: %d%n", added.size());
    assertThat(maintenance)
        .as("operators new in the restarted job: maintenance")
        .containsAll(added);
    assertThat(withState).as("operators with state in the savepoint").containsKeys(stateful);
  }

  private static RestoredCheckpointStats restoredFrom(MiniCluster cluster, JobID job) {
    return JobTesting.checkpoints(cluster, job).getLatestRestoredCheckpoint();
  }

  /**
   * Lets one more checkpoint complete, so that a duplicate from a bad restore (or a commit still
   * pending) would land, then cancels the job.
   */
  private static void cancelAfterAnotherCheckpoint(MiniCluster cluster, JobClient client)
      throws Exception {
    long done =
        JobTesting.checkpoints(cluster, client.getJobID())
            .getCounts()
            .getNumberOfCompletedCheckpoints();
    JobTesting.waitFor(
        WAIT,
        () ->
            JobTesting.checkpoints(cluster, client.getJobID())
                    .getCounts()
                    .getNumberOfCompletedCheckpoints()
                > done);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    client.cancel().get(60, TimeUnit.SECONDS);
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
