package io.tributary.bench;

import io.tributary.bench.BenchRuns.Probe;
import io.tributary.bench.BenchRuns.Timed;
import io.tributary.bench.BenchWorkloads.Outcome;
import io.tributary.bench.BenchWorkloads.Setup;
import io.tributary.bench.BenchWorkloads.Workload;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.KafkaServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-command benchmark of issue 7: for each job ({@code ingest}, {@code aggregate}, {@code
 * cdc}), preload a Kafka topic (broker started through the local stack's launcher) with a fixed,
 * seeded data set, then run, alternating, {@code rounds} times: (a) the read-and-parse ceiling (the
 * job's Kafka source and decoder into a discarding sink), (b) the job, bounded, into a fresh
 * Iceberg table, (c) its Flink SQL twin, bounded, into another fresh table; all with the same
 * parallelism and checkpoint interval, one after another in this JVM on a MiniCluster each. The
 * workloads are in {@link BenchWorkloads}.
 *
 * <p>Reports for each run: events/s (events over the wall time of the whole bounded run, start-up
 * and final commit included), CPU seconds per million events (this JVM's process CPU time; the
 * broker, a separate process, apart), the Iceberg commits (added data files and bytes per snapshot,
 * from the snapshot summaries), checkpoint durations (median, max; from the checkpoint
 * coordinator's "Completed checkpoint" log, the same end-to-end duration as the REST API's history)
 * and the counts that show it processed every event. Per job: median and min..max of events/s, CPU
 * and the ratios job/SQL and job/ceiling (each round's job over the same round's SQL and ceiling),
 * and the targets, met or missed. Writes {@code latest.json} and {@code latest.md} to
 * {@code -Dbench.out} (default {@code jobs/target/bench}). Fails if a run did not process every
 * event; never on timing.
 *
 * <p>Not part of the test suite (the name does not end in Test; {@link BenchmarkHarnessTest} runs a
 * tiny one); run it from the repository root with:
 *
 * <pre>
 * mvn -o -q -pl jobs -am test -Dtest=BenchmarkHarness -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dbench.events=5000000 -Dbench.cdc-events=2000000
 * </pre>
 *
 * Properties: {@code bench.jobs} (default {@code ingest,aggregate,cdc}), {@code bench.events}
 * (ingest and aggregate, default 5000000), {@code bench.cdc-events} (default 2000000), {@code
 * bench.rounds} (3), {@code bench.parallelism} (2), {@code bench.checkpoint-interval} ({@code 10
 * s}), {@code bench.partition-spec} (ingest's tables, default unpartitioned), {@code bench.out}.
 *
 * <p>{@code -Dbench.mode=steady} runs, instead, each job and its twin unbounded against a producer
 * at a fixed rate ({@link BenchSteady}); {@code both} runs the bounded rounds, then steady state.
 */
class BenchmarkHarness {
  static final String[] KINDS = {"ceiling", "job", "sql"};

  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void run() throws Exception {
    Settings s = Settings.fromSystemProperties();
    String from = System.getProperty("bench.from", "").trim();
    Map<String, Object> report;
    if (from.isEmpty()) {
      report = run(s, dir);
    } else {
      // Re-renders an earlier report's summary, targets and Markdown from its runs; runs nothing.
      report = new ObjectMapper().readValue(Path.of(from).toFile(), Map.class);
      int p =
          ((Number) ((Map<String, Object>) report.get("settings")).get("parallelism")).intValue();
      for (Map<String, Object> job :
          (List<Map<String, Object>>) report.getOrDefault("jobs", List.of())) {
        List<Map<String, Object>> runs = (List<Map<String, Object>>) job.get("runs");
        job.put("summary", summary(runs));
        job.put("targets", targets((String) job.get("job"), runs, p));
      }
      Map<String, Object> steady = (Map<String, Object>) report.get("steady");
      if (steady != null) {
        for (Map<String, Object> job : (List<Map<String, Object>>) steady.get("jobs")) {
          List<Map<String, Object>> runs = (List<Map<String, Object>>) job.get("runs");
          job.put("summary", BenchSteady.summary((String) job.get("job"), runs));
        }
      }
      write(report, s.out);
    }
    System.out.println(Files.readString(s.out.resolve("latest.md")));
    assertComplete(report);
  }

  /** The harness's settings. */
  static final class Settings {
    List<String> jobs = List.of("ingest", "aggregate", "cdc");
    int events = 5_000_000;
    int cdcEvents = 2_000_000;
    int rounds = 3;
    int parallelism = 2;
    String checkpointInterval = "10 s";
    String partitionSpec = "";
    Path out = Path.of("target", "bench");

    /** {@code bounded}, {@code steady} or {@code both}. */
    String mode = "bounded";

    /** The jobs of the steady-state mode; {@code bench.steady.jobs}, default {@code bench.jobs}. */
    List<String> steadyJobs = jobs;

    /** What steady state runs each round: {@code job}, {@code sql} or both, in that order. */
    List<String> steadyKinds = List.of(BenchSteady.KINDS);

    /** Events/s of the steady-state producer; 0: each job's default ({@link BenchSteady}). */
    int steadyRate;

    int steadyWarmupSeconds = 30;
    int steadyWindowSeconds = 120;

    /** The steady-state backlog, in seconds of the producer's rate. */
    int steadyBacklogSeconds = 20;

    static Settings fromSystemProperties() {
      Settings s = new Settings();
      s.jobs = Arrays.asList(System.getProperty("bench.jobs", String.join(",", s.jobs)).split(","));
      s.events = Integer.getInteger("bench.events", s.events);
      s.cdcEvents = Integer.getInteger("bench.cdc-events", s.cdcEvents);
      s.rounds = Integer.getInteger("bench.rounds", s.rounds);
      s.parallelism = Integer.getInteger("bench.parallelism", s.parallelism);
      s.checkpointInterval = System.getProperty("bench.checkpoint-interval", s.checkpointInterval);
      s.partitionSpec = System.getProperty("bench.partition-spec", s.partitionSpec).trim();
      s.out = Path.of(System.getProperty("bench.out", s.out.toString()));
      s.mode = System.getProperty("bench.mode", s.mode).trim();
      if (!List.of("bounded", "steady", "both").contains(s.mode)) {
        throw new IllegalArgumentException(
            "bench.mode: '" + s.mode + "' is none of bounded, steady, both");
      }
      s.steadyJobs =
          Arrays.asList(
              System.getProperty("bench.steady.jobs", String.join(",", s.jobs)).split(","));
      s.steadyKinds =
          Arrays.asList(
              System.getProperty("bench.steady.kinds", String.join(",", s.steadyKinds)).split(","));
      s.steadyRate = Integer.getInteger("bench.steady.rate", s.steadyRate);
      s.steadyWarmupSeconds = Integer.getInteger("bench.steady.warmup", s.steadyWarmupSeconds);
      s.steadyWindowSeconds = Integer.getInteger("bench.steady.window", s.steadyWindowSeconds);
      s.steadyBacklogSeconds =
          Integer.getInteger("bench.steady.backlog-seconds", s.steadyBacklogSeconds);
      return s;
    }

    Map<String, Object> describe() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("jobs", jobs);
      m.put("events", events);
      m.put("cdcEvents", cdcEvents);
      m.put("rounds", rounds);
      m.put("parallelism", parallelism);
      m.put("checkpointInterval", checkpointInterval);
      m.put("ingestPartitionSpec", partitionSpec.isEmpty() ? "unpartitioned" : partitionSpec);
      m.put("kafkaPartitions", BenchWorkloads.PARTITIONS);
      m.put("order", "per round: ceiling, job, SQL");
      m.put("mode", mode);
      return m;
    }
  }

  /** Runs everything and writes {@code latest.json} and {@code latest.md}; returns the report. */
  static Map<String, Object> run(Settings s, Path dir) throws Exception {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("started", Instant.now().toString());
    report.put("settings", s.describe());
    report.put("machine", machine());
    List<Map<String, Object>> jobs = new ArrayList<>();
    boolean bounded = !s.mode.equals("steady");
    if (bounded) {
      report.put("jobs", jobs);
    }
    List<Workload> workloads = bounded ? BenchWorkloads.all(s.jobs, s.partitionSpec) : List.of();
    Probe probe = Probe.install();
    try (KafkaServer kafka = KafkaServer.start()) {
      Setup setup = new Setup(kafka, dir, s.parallelism, s.checkpointInterval);
      for (Workload w : workloads) {
        int count = w.name.equals("cdc") ? s.cdcEvents : s.events;
        long t0 = System.nanoTime();
        w.preload(kafka, count);
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("job", w.name);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("events", w.events);
        data.put("bytes", w.bytes);
        data.put("bytesPerEvent", w.bytes / Math.max(1, w.events));
        data.put("description", w.data);
        data.put("preloadSeconds", round((System.nanoTime() - t0) / 1e9, 1));
        job.put("data", data);
        List<Map<String, Object>> runs = new ArrayList<>();
        job.put("runs", runs);
        for (int r = 0; r < s.rounds; r++) {
          for (String kind : KINDS) {
            String name = w.name + "_" + kind + "_" + r;
            Callable<Outcome> variant =
                kind.equals("ceiling")
                    ? () -> w.ceiling(setup, name)
                    : kind.equals("job") ? () -> w.job(setup, name) : () -> w.sql(setup, name);
            Map<String, Object> run =
                describe(setup, w, r, kind, BenchRuns.measure(probe, variant));
            List<Map<String, Object>> lost = new ArrayList<>();
            while (kind.equals("sql")
                && lost.size() < TWIN_RETRIES
                && lostToEndOfInputCommit(run)) {
              lost.add(run);
              String again = name + "_again" + lost.size();
              run =
                  describe(setup, w, r, kind, BenchRuns.measure(probe, () -> w.sql(setup, again)));
            }
            if (!lost.isEmpty()) {
              run.put("attemptsLostToEndOfInputCommit", lost);
            }
            runs.add(run);
            System.out.printf(Locale.ROOT, "bench %s: %s%n", name, run);
          }
        }
        job.put("summary", summary(runs));
        job.put("targets", targets(w.name, runs, s.parallelism));
        jobs.add(job);
      }
      if (!s.mode.equals("bounded")) {
        report.put("steady", BenchSteady.run(s, setup, probe));
      }
    } finally {
      probe.uninstall();
    }
    report.put("finished", Instant.now().toString());
    write(report, s.out);
    return report;
  }

  /**
   * Times a bounded SQL twin run again after {@link #lostToEndOfInputCommit}, at most this often. A
   * plain Flink SQL INSERT has no way around that Iceberg bug: a checkpoint completing between two
   * writers' ends of input (readers that end a few milliseconds apart are enough) drops the first
   * writer's last files. Turning off Flink's checkpoints after tasks finish narrows the window but
   * does not close it: with partitions of 50 and 60,000 events, 2 of 3 such runs lost the 50 (read
   * from Flink's task code, not verified: a checkpoint triggered just before a reader's end still
   * runs after its writer has sent its last files). Each lost attempt stays in the report.
   */
  static final int TWIN_RETRIES = 2;

  /**
   * Whether a twin run (as {@link #describe}d) fell short without a task failure, and its table's
   * last commit is the end-of-input one (tagged checkpoint {@code Long.MAX_VALUE}): the signature
   * of Iceberg 1.10's end-of-input commit dropping a writer's files (docs/exactly-once.md).
   */
  @SuppressWarnings("unchecked")
  static boolean lostToEndOfInputCommit(Map<String, Object> run) {
    Map<String, Object> iceberg = (Map<String, Object>) run.get("iceberg");
    if (Boolean.TRUE.equals(run.get("complete"))
        || ((Number) run.get("taskFailures")).intValue() > 0
        || iceberg == null) {
      return false;
    }
    List<Map<String, Object>> snapshots = (List<Map<String, Object>>) iceberg.get("snapshots");
    return !snapshots.isEmpty()
        && Long.toString(Long.MAX_VALUE)
            .equals(snapshots.get(snapshots.size() - 1).get("checkpointId"));
  }

  static void write(Map<String, Object> report, Path out) throws Exception {
    Files.createDirectories(out);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("latest.json").toFile(), report);
    Files.writeString(out.resolve("latest.md"), BenchMarkdown.of(report));
  }

  /** Fails unless every run of every job processed every event. */
  @SuppressWarnings("unchecked")
  static void assertComplete(Map<String, Object> report) {
    assertComplete(report, "ceiling", "job", "sql");
  }

  /**
   * Fails unless every run of the given kinds processed every event, bounded and steady state
   * (whichever the report has).
   */
  @SuppressWarnings("unchecked")
  static void assertComplete(Map<String, Object> report, String... kinds) {
    List<String> checked = List.of(kinds);
    List<String> incomplete = new ArrayList<>();
    List<Map<String, Object>> jobs = new ArrayList<>();
    if (report.containsKey("jobs")) {
      jobs.addAll((List<Map<String, Object>>) report.get("jobs"));
    }
    if (report.containsKey("steady")) {
      jobs.addAll(
          (List<Map<String, Object>>) ((Map<String, Object>) report.get("steady")).get("jobs"));
    }
    for (Map<String, Object> job : jobs) {
      String mode = job.containsKey("rate") ? " steady" : "";
      for (Map<String, Object> run : (List<Map<String, Object>>) job.get("runs")) {
        if (checked.contains(String.valueOf(run.get("kind")))
            && !Boolean.TRUE.equals(run.get("complete"))) {
          incomplete.add(
              job.get("job") + mode + " " + run.get("kind") + " round " + run.get("round"));
        }
      }
    }
    if (!incomplete.isEmpty()) {
      throw new AssertionError("runs that did not process every event: " + incomplete);
    }
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put(
        "memoryBytes",
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalPhysicalMemorySize());
    m.put("jvmMaxHeapBytes", Runtime.getRuntime().maxMemory());
    m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put(
        "loadAverageAtStart", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    return m;
  }

  static Map<String, Object> describe(
      Setup setup, Workload w, int round, String kind, Timed<Outcome> t) {
    long events = w.events;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("round", round);
    m.put("kind", kind);
    m.put("events", events);
    m.put("seconds", round(t.seconds, 2));
    m.put("eventsPerSecond", round(t.rate(events), 0));
    m.put("drainedSeconds", Double.isNaN(t.drainedSeconds) ? null : round(t.drainedSeconds, 2));
    m.put("cpuSeconds", round(t.cpuSeconds, 2));
    m.put("cpuSecondsPerMillion", round(t.cpuPerMillion(events), 2));
    m.put("brokerCpuSecondsPerMillion", round(t.brokerCpuPerMillion(events), 2));
    m.put("taskFailures", t.failures);
    if (t.failures > 0) {
      m.put("firstFailure", t.failureText);
    }
    m.put("readersWaitedForCheckpoints", t.waitedForCheckpoints);
    m.put("processed", t.value.counts);
    m.put("complete", t.value.complete);
    Map<String, Object> checkpoints = new LinkedHashMap<>();
    checkpoints.put("count", t.checkpointMillis.size());
    checkpoints.put("medianMs", nullIfNaN(BenchRuns.median(t.checkpointMillis)));
    checkpoints.put("maxMs", nullIfNaN(BenchRuns.max(t.checkpointMillis)));
    m.put("checkpoints", checkpoints);
    m.put("iceberg", t.value.table == null ? null : commits(setup, t.value, setup.parallelism));
    return m;
  }

  /** The table's snapshots: added data files and bytes per commit, from their summaries. */
  static Map<String, Object> commits(Setup setup, Outcome o, int writers) {
    IcebergCatalog catalog = setup.catalog(o.database);
    Table t = catalog.with(c -> c.loadTable(catalog.identifier(o.table)));
    List<Map<String, Object>> commits = new ArrayList<>();
    List<Long> files = new ArrayList<>();
    List<Long> bytes = new ArrayList<>();
    boolean withinTarget = true;
    for (Snapshot snap : t.snapshots()) {
      Map<String, String> sum = snap.summary();
      Map<String, Object> c = new LinkedHashMap<>();
      long added = number(sum, SnapshotSummary.ADDED_FILES_PROP);
      long size = number(sum, SnapshotSummary.ADDED_FILE_SIZE_PROP);
      long partitions = number(sum, SnapshotSummary.CHANGED_PARTITION_COUNT_PROP);
      c.put("snapshotId", snap.snapshotId());
      c.put("operation", snap.operation());
      c.put("addedDataFiles", added);
      c.put("addedDeleteFiles", number(sum, SnapshotSummary.ADDED_DELETE_FILES_PROP));
      c.put("addedFilesSize", size);
      c.put("addedRecords", number(sum, SnapshotSummary.ADDED_RECORDS_PROP));
      c.put("changedPartitions", partitions);
      c.put("checkpointId", sum.get("flink.max-committed-checkpoint-id"));
      commits.add(c);
      files.add(added);
      bytes.add(size);
      // at most one data file per writer subtask per partition per checkpoint (commit)
      withinTarget &= added <= (long) writers * Math.max(1, partitions);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("table", o.database + "." + o.table);
    m.put("commits", commits.size());
    m.put("dataFilesPerCommitMedian", nullIfNaN(BenchRuns.median(files)));
    m.put("dataFilesPerCommitMax", nullIfNaN(BenchRuns.max(files)));
    m.put("bytesPerCommitMedian", nullIfNaN(BenchRuns.median(bytes)));
    m.put("bytesPerCommitMax", nullIfNaN(BenchRuns.max(bytes)));
    m.put("totalDataFiles", files.stream().mapToLong(Long::longValue).sum());
    m.put("totalBytes", bytes.stream().mapToLong(Long::longValue).sum());
    m.put("atMostOneFilePerWriterPerPartitionPerCommit", withinTarget);
    m.put("snapshots", commits);
    return m;
  }

  /**
   * Per kind: events/s and CPU s/M; per round: job/SQL and job/ceiling; median and min..max. A run
   * that did not process every event is left out, and so is every ratio of its round.
   */
  static Map<String, Object> summary(List<Map<String, Object>> runs) {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> rates = new LinkedHashMap<>();
    Map<String, Object> cpu = new LinkedHashMap<>();
    List<Map<String, Object>> complete = new ArrayList<>();
    List<Object> incompleteRounds = new ArrayList<>();
    for (Map<String, Object> r : runs) {
      if (Boolean.TRUE.equals(r.get("complete"))) {
        complete.add(r);
      } else if (!incompleteRounds.contains(r.get("round"))) {
        incompleteRounds.add(r.get("round"));
      }
    }
    for (String kind : KINDS) {
      rates.put(kind, spread(values(complete, kind, "eventsPerSecond"), 0));
      cpu.put(kind, spread(values(complete, kind, "cpuSecondsPerMillion"), 2));
    }
    m.put("eventsPerSecond", rates);
    m.put("cpuSecondsPerMillion", cpu);
    List<Map<String, Object>> whole = new ArrayList<>();
    for (Map<String, Object> r : runs) {
      if (!incompleteRounds.contains(r.get("round"))) {
        whole.add(r);
      }
    }
    m.put("roundsLeftOutOfRatios", incompleteRounds);
    List<Double> job = values(whole, "job", "eventsPerSecond");
    List<Double> sql = values(whole, "sql", "eventsPerSecond");
    List<Double> ceiling = values(whole, "ceiling", "eventsPerSecond");
    List<Double> toSql = new ArrayList<>();
    List<Double> toCeiling = new ArrayList<>();
    for (int i = 0; i < job.size(); i++) {
      toSql.add(job.get(i) / sql.get(i));
      toCeiling.add(job.get(i) / ceiling.get(i));
    }
    m.put("jobToSql", spread(toSql, 2));
    m.put("jobToCeiling", spread(toCeiling, 2));
    m.put("sqlToCeiling", spread(ratios(sql, ceiling), 2));
    m.put("allComplete", runs.stream().allMatch(r -> Boolean.TRUE.equals(r.get("complete"))));
    return m;
  }

  /** Per round, a over b; none where one of them was not run (steady state of one kind). */
  static List<Double> ratios(List<Double> a, List<Double> b) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      out.add(a.get(i) / b.get(i));
    }
    return out;
  }

  /** The targets for this job, each with the measured value and met or missed. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> targets(String job, List<Map<String, Object>> runs, int p) {
    List<Map<String, Object>> out = new ArrayList<>();
    Map<String, Object> summary = summary(runs);
    double toSql = (Double) ((Map<String, Object>) summary.get("jobToSql")).get("median");
    double toCeiling = (Double) ((Map<String, Object>) summary.get("jobToCeiling")).get("median");
    out.add(target("job/SQL >= 1.0 (median)", toSql, toSql >= 1.0));
    if (job.equals("ingest")) {
      out.add(target("job/ceiling >= 0.6 (median)", toCeiling, toCeiling >= 0.6));
    }
    long worst = 0;
    boolean within = true;
    for (Map<String, Object> r : runs) {
      Map<String, Object> ice = (Map<String, Object>) r.get("iceberg");
      if (r.get("kind").equals("job") && ice != null) {
        within &= (Boolean) ice.get("atMostOneFilePerWriterPerPartitionPerCommit");
        Object max = ice.get("dataFilesPerCommitMax");
        worst = Math.max(worst, max == null ? 0 : ((Number) max).longValue());
      }
    }
    out.add(
        target(
            "job: at most 1 data file per writer subtask ("
                + p
                + ") per partition per commit (checkpoint)",
            (double) worst,
            within));
    return out;
  }

  static Map<String, Object> target(String name, double value, boolean met) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", name);
    m.put("value", round(value, 2));
    m.put("met", met);
    return m;
  }

  static List<Double> values(List<Map<String, Object>> runs, String kind, String metric) {
    List<Double> out = new ArrayList<>();
    for (Map<String, Object> r : runs) {
      if (r.get("kind").equals(kind)) {
        out.add(((Number) r.get(metric)).doubleValue());
      }
    }
    return out;
  }

  static Map<String, Object> spread(List<Double> values, int decimals) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median", round(BenchRuns.median(values), decimals));
    m.put("min", round(BenchRuns.min(values), decimals));
    m.put("max", round(BenchRuns.max(values), decimals));
    List<Double> rounded = new ArrayList<>();
    values.forEach(v -> rounded.add(round(v, decimals)));
    m.put("values", rounded);
    return m;
  }

  static double round(double v, int decimals) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }

  private static Double nullIfNaN(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private static long number(Map<String, String> summary, String key) {
    String v = summary.get(key);
    return v == null ? 0 : Long.parseLong(v);
  }
}
