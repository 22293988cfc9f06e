package io.tributary.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.stack.LocalStack;
import io.tributary.stack.Prometheus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack's real Prometheus server scrapes the suite's metrics from the Flink cluster's
 * reporters: an {@code ingest} job reads known input (valid events and the malformed records), and
 * Prometheus' HTTP API answers with exactly those counts. The queries are the ones the Grafana
 * dashboard ({@code stack/conf/grafana/tributary.json}) and docs/operations.md use.
 */
@Timeout(300)
class PrometheusMetricsIT {
  private static final int EVENTS = 300;
  private static final String JOB = "ingest";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(dir.resolve("stack"), LocalStack.Service.PROMETHEUS);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * PromQL for one of the job's metrics, summed over subtasks and operators. The reporter's name
   * carries the scope (operator or task, then {@code kinesisanalytics_Job}, and {@code Table} or
   * {@code Reason} for per-table and per-reason metrics); a regular expression on the name keeps
   * the query independent of which operator registers it.
   */
  static String jobMetric(String aggregation, String name) {
    return aggregation + "({__name__=~\"flink_.+_" + name + "\", Job=\"" + JOB + "\"})";
  }

  @Test
  void prometheusHasTheJobsCountsAndCheckpoints() throws Exception {
    ClickEvents events = new ClickEvents(EVENTS, 16);
    cluster.kafka.createTopic("metered", 2);
    cluster.kafka.sendAll("metered", events.records("metered", 2));
    Map<String, Map<String, String>> groups =
        cluster.ingestGroups(
            dir.resolve("checkpoints").toUri().toString(), "metered", "metered", "metered");
    String job =
        cluster.runJava(LocalCluster.config(dir.resolve("metered.json"), groups), true, null);

    int port = cluster.settings().port("PROMETHEUS_PORT");
    Map<String, String> queries = new LinkedHashMap<>();
    queries.put("records in", jobMetric("sum", "tributaryRecordsIn"));
    queries.put("valid", jobMetric("sum", "tributaryRecordsValid"));
    queries.put("dead letters", jobMetric("sum", "tributaryRecordsDeadLettered"));
    queries.put(
        "completed checkpoints",
        "max(flink_jobmanager_job_numberOfCompletedCheckpoints{job_id=\"" + job + "\"})");
    queries.put("lag", jobMetric("max", "tributarySourceRecordsLagMax"));
    queries.put("freshness", jobMetric("max", "tributaryFreshnessMillis"));
    queries.put("commits", jobMetric("sum", "tributaryCommits"));

    Map<String, Double> values = new LinkedHashMap<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
    while (true) {
      queries.forEach((what, q) -> value(port, q).ifPresent(v -> values.put(what, v)));
      if (values.getOrDefault("records in", 0.0) == EVENTS + ClickEvents.MALFORMED.size()
          && values.getOrDefault("dead letters", 0.0) == ClickEvents.MALFORMED.size()
          && values.getOrDefault("completed checkpoints", 0.0) > 0
          && values.getOrDefault("lag", -1.0) == 0
          && values.getOrDefault("commits", 0.0) > 0
          && values.containsKey("freshness")) {
        break;
      }
      assertThat(System.nanoTime())
          .as("waited 150 s for Prometheus to scrape the job's figures; last: %s", values)
          .isLessThan(deadline);
      Thread.sleep(1000);
    }
    assertThat(values.get("records in")).isEqualTo((double) EVENTS + ClickEvents.MALFORMED.size());
    assertThat(values.get("valid")).isEqualTo((double) EVENTS);
    assertThat(values.get("dead letters")).isEqualTo((double) ClickEvents.MALFORMED.size());
    assertThat(values.get("completed checkpoints")).isPositive();
    assertThat(values.get("lag")).as("records behind, once the backlog is read").isZero();
    assertThat(values.get("commits")).isPositive();
    assertThat(values.get("freshness")).isNotNegative().isLessThan(Double.MAX_VALUE);
    System.out.printf("prometheus: %s%n", values);

    // The name the reporter gives a counter of the group kinesisanalytics -> Job=ingest, registered
    // by an operator: what docs/operations.md lists.
    JsonNode series =
        JSON.readTree(
                Prometheus.query(port, "{__name__=~\"flink_.+_tributaryRecordsIn\"}").orElseThrow())
            .at("/data/result");
    assertThat(series).hasSize(2);
    series.forEach(
        s -> {
          assertThat(s.at("/metric/__name__").asText())
              .isEqualTo(
                  "flink_taskmanager_job_task_operator_kinesisanalytics_Job_tributaryRecordsIn");
          assertThat(s.at("/metric/Job").asText()).isEqualTo(JOB);
          assertThat(s.at("/metric/job_id").asText()).isEqualTo(job);
        });

    // Both scrape jobs of the shared configuration reach their JVM.
    JsonNode targets =
        JSON.readTree(Prometheus.get(port, "/api/v1/targets").orElseThrow())
            .at("/data/activeTargets");
    Map<String, String> health = new LinkedHashMap<>();
    targets.forEach(t -> health.put(t.at("/labels/job").asText(), t.get("health").asText()));
    assertThat(health)
        .containsOnly(Map.entry("flink-jobmanager", "up"), Map.entry("flink-taskmanager", "up"));
  }

  /** The one value of an instant query, if it has one sample. */
  static Optional<Double> value(int port, String promql) {
    return Prometheus.query(port, promql)
        .map(
            body -> {
              try {
                return JSON.readTree(body).at("/data/result");
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })
        .filter(result -> result.size() == 1)
        .map(result -> Double.parseDouble(result.get(0).at("/value/1").asText()));
  }
}
