package io.tributary.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny run of {@link BenchmarkHarness} (2,000 events per job, one round, then a few seconds of
 * steady state for {@code ingest}) to keep it working: the report written as JSON and Markdown has
 * every job, every run kind and every metric, and every run processed every event. Never asserts
 * any timing.
 */
class BenchmarkHarnessTest {
  @TempDir Path dir;

  @Test
  void tinyRunReportsEveryJobRunAndMetric() throws Exception {
    BenchmarkHarness.Settings s = new BenchmarkHarness.Settings();
    s.events = 2_000;
    s.cdcEvents = 2_000;
    s.rounds = 1;
    s.checkpointInterval = "1 s";
    s.out = dir.resolve("out");
    // and a few seconds of steady state of one job, after the bounded runs on the same broker;
    // without its twin, as each unbounded run costs about 20 s here: start-up, and up to 10 s for
    // the Kafka source to commit its last offsets once the topic is idle
    s.mode = "both";
    s.steadyJobs = List.of("ingest");
    s.steadyKinds = List.of("job");
    s.steadyRate = 1_000;
    s.steadyBacklogSeconds = 2;
    s.steadyWarmupSeconds = 1;
    s.steadyWindowSeconds = 2;
    Map<String, Object> report = BenchmarkHarness.run(s, dir.resolve("work"));
    // Tributary's own runs must be exact. A bounded SQL twin can lose rows to Iceberg's
    // end-of-input commit bug (README, "Bounded runs and the end-of-input commit"; seen once in
    // this tiny run, in CI): the report flags such a run and leaves it out of the rates, so the
    // twins' completeness is reported here, not asserted.
    BenchmarkHarness.assertComplete(report, "ceiling", "job");

    JsonNode json = new ObjectMapper().readTree(s.out.resolve("latest.json").toFile());
    String md = Files.readString(s.out.resolve("latest.md"));
    for (String key : List.of("started", "finished", "settings", "machine", "jobs")) {
      assertTrue(json.has(key), key);
    }
    List<String> jobs = new ArrayList<>();
    for (JsonNode job : json.get("jobs")) {
      String name = job.get("job").asText();
      jobs.add(name);
      assertTrue(md.contains("`" + name + "`"), name + " in the Markdown");
      assertEquals(2_000, job.get("data").get("events").asLong(), name);
      assertTrue(job.get("data").get("bytesPerEvent").asLong() >= 150, name);
      List<String> kinds = new ArrayList<>();
      for (JsonNode run : job.get("runs")) {
        String kind = run.get("kind").asText();
        kinds.add(kind);
        String what = name + " " + kind;
        for (String metric :
            List.of(
                "eventsPerSecond",
                "seconds",
                "cpuSecondsPerMillion",
                "brokerCpuSecondsPerMillion",
                "taskFailures")) {
          assertTrue(run.get(metric).isNumber(), what + " " + metric);
        }
        assertTrue(run.get("complete").asBoolean(), what + " processed every event: " + run);
        assertTrue(run.get("processed").size() > 0, what);
        JsonNode cp = run.get("checkpoints");
        assertTrue(cp.has("count") && cp.has("medianMs") && cp.has("maxMs"), what);
        JsonNode ice = run.get("iceberg");
        if (kind.equals("ceiling")) {
          assertTrue(ice.isNull(), what);
        } else {
          assertTrue(ice.get("commits").asLong() >= 1, what + " commits");
          for (String metric :
              List.of(
                  "dataFilesPerCommitMedian",
                  "dataFilesPerCommitMax",
                  "bytesPerCommitMedian",
                  "bytesPerCommitMax")) {
            assertTrue(ice.get(metric).isNumber(), what + " " + metric);
          }
          for (JsonNode snap : ice.get("snapshots")) {
            assertTrue(snap.has("addedDataFiles") && snap.has("addedFilesSize"), what);
          }
        }
      }
      assertEquals(List.of("ceiling", "job", "sql"), kinds, name);
      JsonNode sum = job.get("summary");
      for (String ratio : List.of("jobToSql", "jobToCeiling")) {
        for (String stat : List.of("median", "min", "max")) {
          assertTrue(sum.get(ratio).get(stat).isNumber(), name + " " + ratio + " " + stat);
        }
      }
      assertTrue(sum.get("allComplete").asBoolean(), name);
      assertTrue(job.get("targets").size() >= 2, name);
      for (JsonNode t : job.get("targets")) {
        assertNotNull(t.get("met"), name);
      }
    }
    assertEquals(List.of("ingest", "aggregate", "cdc"), jobs);

    JsonNode steady = json.get("steady");
    assertTrue(md.contains("## Steady state"), "steady state in the Markdown");
    assertEquals(1, steady.get("jobs").size());
    JsonNode job = steady.get("jobs").get(0);
    assertEquals("ingest", job.get("job").asText());
    List<String> kinds = new ArrayList<>();
    for (JsonNode run : job.get("runs")) {
      String what = "steady " + run.get("kind").asText();
      kinds.add(run.get("kind").asText());
      assertTrue(run.get("complete").asBoolean(), what + " processed every event: " + run);
      for (String metric :
          List.of(
              "eventsPerSecond",
              "producedPerSecond",
              "cpuSecondsPerMillion",
              "harnessCpuSeconds",
              "brokerCpuSecondsPerMillion",
              "sent")) {
        assertTrue(run.get(metric).isNumber(), what + " " + metric);
      }
      assertTrue(run.get("windowSeconds").asDouble() >= 2, what + " window");
      assertTrue(run.get("saturated").isBoolean(), what + " saturated");
      assertTrue(run.get("lag").has("atStart") && run.get("lag").has("min"), what + " lag");
      assertEquals(run.get("sent").asLong(), run.get("processed").get("table rows").asLong(), what);
    }
    assertEquals(List.of("job"), kinds);
    JsonNode sum = job.get("summary");
    assertTrue(sum.get("eventsPerSecond").get("job").get("median").isNumber(), "steady rate");
    assertTrue(sum.get("cpuSecondsPerMillion").get("job").get("median").isNumber(), "steady CPU");
    assertTrue(sum.has("jobToSql") && sum.has("cpuJobToSql"), "steady ratios");
    assertTrue(sum.get("allComplete").asBoolean(), "steady: every run exact");
    assertEquals(2, sum.get("targets").size());
  }
}
