package io.tributary.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.stack.FlinkCluster;
import io.tributary.stack.StackSettings;
import io.tributary.testing.Tables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code TRIBUTARY_LOG_FORMAT=json}: the stack's JobManager and TaskManager write one JSON object
 * per line (log4j2's JsonTemplateLayout, Elastic Common Schema) through a job's whole life: start,
 * Iceberg commits, a TaskManager lost and the job's restart. No line carries a record's payload.
 */
@Timeout(300)
class JsonLogsIT {
  private static final int EVENTS = 200;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        new LocalCluster(
            StackSettings.forTest(dir.resolve("stack")).withLogFormat(FlinkCluster.LogFormat.JSON));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyLineIsJsonAndCommitsAndRestartsAreFindable() throws Exception {
    ClickEvents events = new ClickEvents(EVENTS, 5);
    cluster.kafka.createTopic("logged", 2);
    cluster.kafka.sendAll("logged", events.records("logged", 2));
    Map<String, Map<String, String>> groups =
        cluster.ingestGroups(
            dir.resolve("checkpoints").toUri().toString(), "logged", "logged", "logged");
    String job =
        cluster.runJava(LocalCluster.config(dir.resolve("logged.json"), groups), true, null);
    await(
        () ->
            Tables.exists(cluster.catalog("logged"), "events")
                && Tables.read(cluster.catalog("logged"), "events").size() == EVENTS,
        "every event in the table");

    // A lost TaskManager: the job restarts once a new one registers.
    cluster.stack.killTaskManager();
    cluster.stack.startTaskManager();
    Path jm = cluster.settings().dir().resolve("logs/flink-jobmanager.log");
    Path tm = cluster.settings().dir().resolve("logs/flink-taskmanager.log");
    await(
        () ->
            !find(jm, m -> m.contains(job) && m.contains("from state RESTARTING to RUNNING"))
                .isEmpty(),
        "the job RUNNING again after its restart");

    List<JsonNode> lines = new ArrayList<>(parse(jm));
    lines.addAll(parse(tm));
    for (JsonNode line : lines) {
      assertThat(line.has("@timestamp") && line.has("log.level") && line.has("log.logger"))
          .as("ECS fields in %s", line)
          .isTrue();
      String text = line.toString();
      // Payloads: the events' JSON and the malformed records.
      assertThat(text).doesNotContain("\\\"event_id\\\"").doesNotContain("this is not json");
      for (String bad : ClickEvents.MALFORMED) {
        assertThat(text).doesNotContain(bad);
      }
    }
    // A restart is one line of Flink's, a commit one line of Iceberg's, each with the job's id
    // (Flink's MDC, flattened to the top level): filterable in CloudWatch Logs Insights with
    // `filter `flink-job-id` = "..." and `log.logger` like /IcebergFilesCommitter/`.
    List<JsonNode> restarts =
        find(jm, m -> m.contains(job) && m.contains("switched from state RUNNING to RESTARTING"));
    assertThat(restarts).hasSize(1);
    assertThat(restarts.get(0).path("log.logger").asText())
        .isEqualTo("org.apache.flink.runtime.executiongraph.ExecutionGraph");
    assertThat(restarts.get(0).path("flink-job-id").asText()).isEqualTo(job);
    List<JsonNode> commits =
        find(tm, m -> m.startsWith("Committed append to table: tributary.logged.events,"));
    assertThat(commits).isNotEmpty();
    for (JsonNode commit : commits) {
      assertThat(commit.path("log.logger").asText())
          .isEqualTo("org.apache.iceberg.flink.sink.IcebergFilesCommitter");
      assertThat(commit.path("flink-job-id").asText()).isEqualTo(job);
      assertThat(commit.path("message").asText()).containsPattern("checkpointId \\d+ in \\d+ ms");
    }
    // A dead letter is one line with its reason and coordinates (a replay after the restart may
    // log one again): every malformed record is there, by its coordinates.
    List<JsonNode> dead = find(tm, m -> m.startsWith("dead letter job=ingest reason="));
    java.util.Set<String> coordinates = new java.util.TreeSet<>();
    for (JsonNode d : dead) {
      assertThat(d.path("flink-job-id").asText()).isEqualTo(job);
      String m = d.path("message").asText();
      assertThat(m).containsPattern("source=kafka stream=logged partition=\\d+ position=\\d+$");
      coordinates.add(m.substring(m.indexOf(" partition=")));
    }
    assertThat(coordinates).hasSize(ClickEvents.MALFORMED.size());
  }

  private static List<JsonNode> parse(Path log) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      out.add(JSON.readTree(line));
    }
    assertThat(out).as("lines of %s", log).hasSizeGreaterThan(20);
    return out;
  }

  /** Lines of {@code log} whose message matches. */
  private static List<JsonNode> find(Path log, Predicate<String> message) {
    List<JsonNode> out = new ArrayList<>();
    try {
      for (JsonNode line : parse(log)) {
        if (message.test(line.path("message").asText())) {
          out.add(line);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static void await(java.util.function.BooleanSupplier condition, String what) {
    Awaitility.await(what)
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofMillis(500))
        .until(condition::getAsBoolean);
  }
}
