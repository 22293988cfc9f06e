package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.cdc.sink.MirroredTables;
import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.runtime.RetainedCheckpoints;
import io.tributary.testing.Components;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job submitted as on a cluster ({@code flink run}, MSF) without restored state, on tables that a
 * previous Flink job committed to: the job's own start guard refuses it, for good, naming the
 * checkpoint to resume from and the override; the override runs it; a first start on new tables and
 * a restore from a checkpoint or savepoint are never refused.
 */
@Timeout(300)
class StartGuardTest {
  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  private String[] args(String topic, String table, boolean bounded, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--job.name", "ingest",
                "--job.parallelism", "2",
                "--job.checkpoint.interval", "300 ms",
                "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "--job.restart.initial-delay", "100 ms",
                "--source.type", "kafka",
                "--source.bounded", String.valueOf(bounded),
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.start", "earliest",
                "--format.schema",
                    "id BIGINT NOT NULL, payload STRING, ts TIMESTAMP_LTZ(3) NOT NULL",
                "--format.event-time.field", "ts",
                "--iceberg.warehouse", dir.resolve("warehouse").toString(),
                "--iceberg.database", "lake",
                "--iceberg.table", table));
    a.addAll(Arrays.asList(more));
    return a.toArray(new String[0]);
  }

  private void send(String topic, int from, int to) {
    Instant base = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.MILLIS);
    List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
    for (int i = from; i < to; i++) {
      batch.add(
          new ProducerRecord<>(
              topic, i % 2, null, JobTesting.order(i, false, base).getBytes(UTF_8)));
    }
    kafka.sendAll(topic, batch);
  }

  private IcebergCatalog catalog() {
    return Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
  }

  private static Set<Long> ids(List<Record> rows) {
    return rows.stream().map(r -> (Long) r.getField("id")).collect(Collectors.toSet());
  }

  private static Set<Long> range(long from, long to) {
    Set<Long> s = new TreeSet<>();
    for (long i = from; i < to; i++) {
      s.add(i);
    }
    return s;
  }

  /** Waits for the job's end; returns the failure, or null when it finished. */
  private static Throwable outcome(JobClient client) throws Exception {
    try {
      client.getJobExecutionResult().get(120, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private static String refusal(Throwable failure) {
    assertThat(failure).as("the job was refused").isNotNull();
    assertThat(ExceptionUtils.findThrowable(failure, SuppressRestartsException.class))
        .as("refused for good, not restarted: " + ExceptionUtils.stringifyException(failure))
        .isPresent();
    String text = ExceptionUtils.stringifyException(failure);
    assertThat(text)
        .contains("tributary ingest refuses to start without restored Flink state")
        .contains("holds commits of Flink job")
        .contains("set job.start = fresh-over-existing");
    return text;
  }

  @Test
  void aBoundedJobRunTwiceWithoutStateIsRefusedAndTheOverrideRunsIt() throws Exception {
    kafka.createTopic("twice", 2);
    send("twice", 0, 100);

    // first start ever, on tables that do not exist yet: not refused
    assertThat(outcome(JobTesting.startAsync("first", args("twice", "twice", true)))).isNull();
    assertThat(ids(Tables.read(catalog(), "twice"))).isEqualTo(range(0, 100));

    // the same job submitted again without state: refused before it writes anything
    JobClient again = JobTesting.startAsync("again", args("twice", "twice", true));
    String text = refusal(outcome(again));
    assertThat(text).contains("lake.twice holds commits of Flink job");
    // a finished bounded job keeps no checkpoint: the message says where it looked
    assertThat(text).contains("No retained checkpoint of this configuration is under");
    assertThat(Tables.read(catalog(), "twice")).hasSize(100);

    // the override: the job starts without state, from kafka.start = earliest, and writes all again
    String[] override = args("twice", "twice", true, "--job.start", "fresh-over-existing");
    assertThat(outcome(JobTesting.startAsync("override", override))).isNull();
    List<Record> rows = Tables.read(catalog(), "twice");
    assertThat(rows).hasSize(200);
    assertThat(ids(rows)).isEqualTo(range(0, 100));
  }

  @Test
  void restoresFromARetainedCheckpointOrASavepointAreNotRefused() throws Exception {
    String topic = "resumed";
    kafka.createTopic(topic, 2);
    IcebergCatalog catalog = catalog();
    send(topic, 0, 300);
    JobClient first = JobTesting.startAsync("first", args(topic, topic, false));
    JobTesting.waitFor(Duration.ofSeconds(90), () -> JobTesting.rows(catalog, topic) == 300);
    first.cancel().get(60, TimeUnit.SECONDS);

    // the cancelled job's checkpoint is retained in the configuration's folder
    ConfigLoader.Loaded loaded = ConfigLoader.load(args(topic, topic, false));
    RetainedCheckpoints checkpoints =
        Components.checkpoints(TributaryConfig.validate(loaded.groups, TributaryOptions.ALL));
    RetainedCheckpoints.Checkpoint latest = checkpoints.latest().orElseThrow();
    assertThat(latest.path)
        .startsWith("file:" + dir.resolve("checkpoints").resolve("ingest-"))
        .contains("/" + first.getJobID() + "/chk-");

    // a start without it is refused and names it
    send(topic, 300, 400);
    String text = refusal(outcome(JobTesting.startAsync("fresh", args(topic, topic, false))));
    assertThat(text).contains("Resume from its latest retained checkpoint, " + latest.path);
    assertThat(Tables.read(catalog, topic)).hasSize(300);

    // a restore from the retained checkpoint runs and goes on exactly where the table ended
    String[] fromCheckpoint =
        args(topic, topic, false, "--job.flink.execution.savepoint.path", latest.path);
    JobClient second = JobTesting.startAsync("second", fromCheckpoint);
    JobTesting.waitFor(Duration.ofSeconds(90), () -> JobTesting.rows(catalog, topic) >= 400);
    assertThat(second.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    String savepoint =
        second
            .stopWithSavepoint(
                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get(60, TimeUnit.SECONDS);

    // stop-with-savepoint, data arriving meanwhile, a restore from the savepoint: exact
    send(topic, 400, 500);
    JobClient third =
        JobTesting.startAsync(
            "third", args(topic, topic, false, "--job.flink.execution.savepoint.path", savepoint));
    JobTesting.waitFor(Duration.ofSeconds(90), () -> JobTesting.rows(catalog, topic) >= 500);
    assertThat(third.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    third.cancel().get(60, TimeUnit.SECONDS);
    List<Record> rows = Tables.read(catalog, topic);
    assertThat(rows).hasSize(500);
    assertThat(ids(rows)).isEqualTo(range(0, 500));
  }

  /** Three inserts of app.public.items on a new topic; the cdc job's arguments for it. */
  private String[] cdcOn(String topic, String... more) {
    kafka.createTopic(topic, 1);
    List<ProducerRecord<byte[], byte[]>> changes = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      String after = "{\"id\":" + id + ",\"name\":\"n" + id + "\"}";
      changes.add(
          new ProducerRecord<>(
              topic, 0, null, CdcJobTest.debezium("c", "null", after, id * 10).getBytes(UTF_8)));
    }
    kafka.sendAll(topic, changes);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "cdc",
                "--job.checkpoint.interval", "300 ms",
                "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "--source.type", "kafka",
                "--source.bounded", "true",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.start", "earliest",
                "--cdc.format", "debezium-json",
                "--cdc.primary-keys", "items=id",
                "--iceberg.warehouse", dir.resolve("warehouse").toString(),
                "--iceberg.database", "lake"));
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  @Test
  void aCdcJobRunTwiceWithoutStateIsRefusedOnItsMirroredTable() throws Exception {
    String[] cdc = cdcOn("changes", "--cdc.tables", "items=mirror.items");
    assertThat(outcome(JobTesting.startAsync("cdc-first", cdc))).isNull();
    IcebergCatalog mirror = Tables.hadoop(dir.resolve("warehouse").toString(), "mirror");
    assertThat(Tables.read(mirror, "items")).hasSize(3);

    Throwable failure = outcome(JobTesting.startAsync("cdc-again", cdc));
    assertThat(ExceptionUtils.findThrowable(failure, SuppressRestartsException.class)).isPresent();
    assertThat(ExceptionUtils.stringifyException(failure))
        .contains("tributary cdc refuses to start without restored Flink state")
        .contains("mirror.items holds commits of Flink job");
  }

  @Test
  void aCdcJobIsRefusedOnAMirroredTableNamedNowhereInItsConfiguration() throws Exception {
    String[] cdc = cdcOn("unnamed"); // no cdc.tables: the table's name follows the input
    assertThat(outcome(JobTesting.startAsync("cdc-first", cdc))).isNull();
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    org.apache.iceberg.Table deadLetters =
        lake.with(c -> c.loadTable(lake.identifier("cdc_dead_letters")));
    // the case this covers: no Flink commit on the dead-letter table to find (no dead letter)
    assertThat(deadLetters.snapshots())
        .noneMatch(s -> s.summary() != null && s.summary().containsKey("flink.job-id"));
    List<String> listed =
        deadLetters.properties().keySet().stream()
            .filter(k -> k.startsWith(MirroredTables.PREFIX))
            .map(k -> k.substring(MirroredTables.PREFIX.length()))
            .collect(Collectors.toList());
    assertThat(listed).hasSize(1);
    String mirrored = listed.get(0);
    org.apache.iceberg.catalog.TableIdentifier id =
        org.apache.iceberg.catalog.TableIdentifier.parse(mirrored);
    IcebergCatalog ns =
        Tables.hadoop(dir.resolve("warehouse").toString(), id.namespace().toString());
    assertThat(Tables.read(ns, id.name())).as("the mirrored table " + mirrored).hasSize(3);

    Throwable failure = outcome(JobTesting.startAsync("cdc-again", cdc));
    assertThat(ExceptionUtils.findThrowable(failure, SuppressRestartsException.class)).isPresent();
    assertThat(ExceptionUtils.stringifyException(failure))
        .contains("tributary cdc refuses to start without restored Flink state")
        .contains(mirrored + " holds commits of Flink job");
  }

  @Test
  void mainRefusesBeforeSubmittingOnlyWhereItKnowsTheStartIsFresh() {
    String[] plain = args("t", "t", true);
    TributaryConfig config =
        TributaryConfig.validate(ConfigLoader.load(plain).groups, TributaryOptions.ALL);
    org.apache.flink.configuration.Configuration target =
        new org.apache.flink.configuration.Configuration();
    target.set(org.apache.flink.configuration.DeploymentOptions.TARGET, "local");
    StreamExecutionEnvironment local = new StreamExecutionEnvironment(target);
    assertThat(Main.freshSubmission(local, config)).isTrue();
    String[] restoring = args("t", "t", true, "--job.flink.execution.savepoint.path", "/x");
    TributaryConfig withSavepoint =
        TributaryConfig.validate(ConfigLoader.load(restoring).groups, TributaryOptions.ALL);
    assertThat(Main.freshSubmission(local, withSavepoint)).isFalse();
    org.apache.flink.configuration.Configuration embedded =
        new org.apache.flink.configuration.Configuration();
    embedded.set(org.apache.flink.configuration.DeploymentOptions.TARGET, "embedded");
    // application mode: main runs again on a JobManager failover, which restores a checkpoint
    assertThat(Main.freshSubmission(new StreamExecutionEnvironment(embedded), config)).isFalse();
  }
}
