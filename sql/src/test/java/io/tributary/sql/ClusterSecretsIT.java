package io.tributary.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.stack.FlinkCluster;
import io.tributary.testing.PlantedSecrets;
import io.tributary.testing.Tables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/flink run} of the cluster jar with secrets planted in its configuration file ({@link
 * PlantedSecrets}): none of them is in the command's output, Flink's client log (where the job's
 * main logs the configuration), the JobManager's or TaskManager's log, or the REST API's answers
 * about the cluster, the job and the TaskManager (their logs included).
 */
@Timeout(600)
class ClusterSecretsIT {
  private static final int EVENTS = 200;

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
  void plantedSecretsAppearInNoLogNoOutputAndNoRestAnswer() throws Exception {
    ClickEvents events = new ClickEvents(EVENTS, 3);
    cluster.kafka.createTopic("planted", 2);
    cluster.kafka.sendAll("planted", events.records("planted", 2).subList(0, EVENTS));
    Map<String, Map<String, String>> groups =
        cluster.ingestGroups(
            dir.resolve("checkpoints").toUri().toString(), "planted", "planted", "secrets");
    groups.get("kafka").putAll(PlantedSecrets.kafka());
    groups.get("iceberg").putAll(PlantedSecrets.iceberg());
    String job =
        cluster.runJava(LocalCluster.config(dir.resolve("planted.json"), groups), true, null);

    Awaitility.await("the table")
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                Tables.exists(cluster.catalog("secrets"), "events")
                    && Tables.read(cluster.catalog("secrets"), "events").size() >= EVENTS);

    int rest = cluster.settings().port("FLINK_REST_PORT");
    String tm = FlinkCluster.taskManagerIds(rest).iterator().next();
    List<String> answers = new ArrayList<>();
    for (String path :
        List.of(
            "/config",
            "/jobmanager/config",
            "/jobmanager/environment",
            "/jobmanager/log",
            "/jobs/" + job,
            "/jobs/" + job + "/config",
            "/jobs/" + job + "/jobmanager/config",
            "/jobs/" + job + "/jobmanager/environment",
            "/jobs/" + job + "/plan",
            "/jobs/" + job + "/exceptions",
            "/jobs/" + job + "/checkpoints/config",
            "/taskmanagers/" + tm,
            "/taskmanagers/" + tm + "/log")) {
      String body = FlinkCluster.get(rest, path);
      assertThat(body).as("GET %s", path).isNotNull();
      answers.add("GET " + path + "\n" + body);
    }

    // Every log and command output of the stack: the servers' logs, Flink's client log, and the
    // output of each bin/flink command (Kafka's data segments are .log files too; scanned alike).
    List<Path> files;
    try (Stream<Path> walk = Files.walk(cluster.settings().dir())) {
      files =
          walk.filter(Files::isRegularFile)
              .filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out"))
              .collect(Collectors.toList());
    }
    List<String> hits = new ArrayList<>();
    String dump = null;
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.ISO_8859_1);
      hits.addAll(PlantedSecrets.find(f.toString(), text));
      if (text.contains("Tributary configuration")) {
        dump = text;
      }
    }
    answers.forEach(a -> hits.addAll(PlantedSecrets.find(a.substring(0, a.indexOf('\n')), a)));
    assertThat(hits).as("planted secrets found").isEmpty();

    // What was scanned is the real thing: the client log holds the masked configuration dump, and
    // the TaskManager's log, read through REST, holds the job's tasks.
    assertThat(files.stream().map(f -> f.getFileName().toString()))
        .contains("flink-client.log", "flink-jobmanager.log", "flink-taskmanager.log");
    assertThat(dump)
        .isNotNull()
        .contains("iceberg.catalog.properties.header.Authorization = ****")
        .contains("kafka.properties.sasl.jaas.config = ****");
    assertThat(String.join("\n", answers)).contains("tributary-ingest");
  }
}
