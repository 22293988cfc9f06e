package io.tributary.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.stack.Artifacts;
import io.tributary.stack.FlinkCluster;
import io.tributary.stack.ServerProcess;
import io.tributary.testing.Tables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.data.Record;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's fault story on the local stack, as an operator types it: a job runs on the cluster,
 * the TaskManager is killed by its PID ({@code kill -9 $(cat pids/flink-taskmanager.pid)}), {@code
 * bin/stack restart taskmanager} brings a new one, and the job runs again from its last checkpoint:
 * a new TaskManager, a checkpoint completed after it, every event exactly once.
 */
@Timeout(600)
class TaskManagerRestartIT {
  private static final int EVENTS = 600;
  private static final Duration WAIT = Duration.ofSeconds(180);

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
  void aKilledTaskManagerIsReplacedByOneCommandAndTheJobRecoversExactly() throws Exception {
    ClickEvents events = new ClickEvents(EVENTS, 11);
    cluster.kafka.createTopic("clicks", 2);
    List<org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>> all =
        events.records("clicks", 2).subList(0, EVENTS);
    cluster.kafka.sendAll("clicks", all.subList(0, EVENTS / 2));

    Map<String, Map<String, String>> groups =
        cluster.ingestGroups(
            dir.resolve("checkpoints").toUri().toString(), "clicks", "tm", "restart");
    String job = cluster.runJava(LocalCluster.config(dir.resolve("tm.json"), groups), true, null);
    int rest = cluster.settings().port("FLINK_REST_PORT");
    await(() -> rows().size() == EVENTS / 2, "the first half in the table");

    // The operator's kill: by the PID in the stack's PID file.
    Path pidFile = cluster.settings().dir().resolve("pids/flink-taskmanager.pid");
    long oldPid = Long.parseLong(Files.readString(pidFile).trim());
    Set<String> oldTaskManagers = FlinkCluster.taskManagerIds(rest);
    assertThat(oldTaskManagers).hasSize(1);
    ProcessHandle victim = ProcessHandle.of(oldPid).orElseThrow();
    victim.destroyForcibly();
    victim.onExit().get(30, TimeUnit.SECONDS);
    long checkpointsBefore = completedCheckpoints(rest, job);

    long started = System.nanoTime();
    String out = bin("stack", "restart", "taskmanager");
    double restartSeconds = (System.nanoTime() - started) / 1e9;
    ServerProcess tm = cluster.stack.reattach("flink-taskmanager");
    assertThat(out)
        .contains("flink-taskmanager was not running")
        .contains("up    flink-taskmanager");
    assertThat(tm.pid()).isNotEqualTo(oldPid);
    assertThat(tm.isAlive()).isTrue();
    assertThat(FlinkCluster.taskManagerIds(rest))
        .as("a new TaskManager")
        .isNotEmpty()
        .anyMatch(id -> !oldTaskManagers.contains(id));

    // Input that arrives only after the restart, so only the recovered job can land it.
    cluster.kafka.sendAll("clicks", all.subList(EVENTS / 2, EVENTS));
    await(() -> rows().size() >= EVENTS, "every event in the table");
    await(
        () -> completedCheckpoints(rest, job) > checkpointsBefore && running(rest, job),
        "a checkpoint completed after the restart, the job RUNNING");

    List<String> ids = rows();
    assertThat(ids).hasSize(EVENTS);
    assertThat(new HashSet<>(ids)).hasSize(EVENTS);
    assertThat(cluster.rows("restart", "events", ClickEvents.COLUMNS)).isEqualTo(events.lines);
    assertThat(restartSeconds).as("bin/stack restart taskmanager, seconds").isLessThan(120);
    System.out.printf(
        "bin/stack restart taskmanager took %.1f s; %d checkpoints before, %d after%n",
        restartSeconds, checkpointsBefore, completedCheckpoints(rest, job));
  }

  private List<String> rows() {
    if (!Tables.exists(cluster.catalog("restart"), "events")) {
      return List.of();
    }
    List<String> ids = new ArrayList<>();
    for (Record r : Tables.read(cluster.catalog("restart"), "events")) {
      ids.add((String) r.getField("event_id"));
    }
    return ids;
  }

  /** {@code bin/<script> <args>} against this test's stack; its output, failing if it fails. */
  private static String bin(String script, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Artifacts.repoRoot().resolve("bin").resolve(script).toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, script, ".out");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
    builder.environment().putAll(cluster.settings().environment());
    Process p = builder.start();
    boolean done = p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(done && p.exitValue() == 0).as("bin/%s %s:%n%s", script, args, output).isTrue();
    return output;
  }

  private static boolean running(int rest, String job) {
    String body = get(rest, "/jobs/" + job);
    return body != null && body.contains("\"state\":\"RUNNING\"");
  }

  private static long completedCheckpoints(int rest, String job) {
    String body = get(rest, "/jobs/" + job + "/checkpoints");
    if (body == null) {
      return 0;
    }
    Matcher m = Pattern.compile("\"completed\":(\\d+)").matcher(body);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static String get(int rest, String path) {
    return FlinkCluster.get(rest, path);
  }

  private static void await(Supplier<Boolean> condition, String what) {
    Awaitility.await(what).atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(condition::get);
  }
}
