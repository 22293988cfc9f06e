package io.tributary.bench;

import static org.awaitility.Awaitility.await;

import io.tributary.bench.BenchRuns.Probe;
import io.tributary.bench.BenchWorkloads.Outcome;
import io.tributary.bench.BenchWorkloads.Setup;
import io.tributary.bench.BenchWorkloads.Workload;
import io.tributary.metrics.Metrics;
import io.tributary.testing.KafkaServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The harness's steady-state mode (issue 14: what an MSF user pays for): for each job and its SQL
 * twin, alternating over rounds, a backlog preloaded into a fresh topic, the variant started
 * unbounded, and a producer thread in this JVM appending the same seeded data set at a fixed rate.
 * After a warm-up, a window of at least {@code bench.steady.window} that starts and ends on
 * checkpoint completions (the moments the consumer group's committed offsets change: both the job
 * and the twin commit them on checkpoints) gives the sustained events/s (offsets committed in the
 * window over its length) and the CPU per event: this JVM's CPU over the window minus the CPU of
 * the harness's own threads (the producer, its Kafka network thread, the offset sampler and its
 * admin client). Then the producer stops, the variant consumes the rest, and its table must hold
 * exactly what was sent before it is cancelled; a run that does not is incomplete and left out of
 * the ratios.
 */
final class BenchSteady {
  private BenchSteady() {}

  static final String[] KINDS = {"job", "sql"};

  static final String PRODUCER = "bench-steady-producer";
  static final String ADMIN = "bench-steady-admin";

  /**
   * Above what each job drained in the bounded harness on 2 cores (docs/benchmarks.md); a producer
   * in this JVM may fall short of it, which the backlog covers and the report shows.
   */
  static final Map<String, Integer> DEFAULT_RATES =
      Map.of("ingest", 300_000, "aggregate", 150_000, "cdc", 60_000);

  static final Duration POLL = Duration.ofMillis(100);

  /** Rate for a job: {@code bench.steady.rate} if set, else the job's default. */
  static int rate(BenchmarkHarness.Settings s, String job) {
    return s.steadyRate > 0 ? s.steadyRate : DEFAULT_RATES.get(job);
  }

  static Map<String, Object> describe(BenchmarkHarness.Settings s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("warmupSeconds", s.steadyWarmupSeconds);
    m.put("windowSeconds", s.steadyWindowSeconds);
    m.put("backlogSeconds", s.steadyBacklogSeconds);
    Map<String, Object> rates = new LinkedHashMap<>();
    s.steadyJobs.forEach(j -> rates.put(j.trim(), rate(s, j.trim())));
    m.put("rates", rates);
    m.put("kinds", s.steadyKinds);
    m.put("order", "per round: " + String.join(", ", s.steadyKinds));
    return m;
  }

  /** Runs every job's steady-state rounds; the report's {@code steady} part. */
  static Map<String, Object> run(BenchmarkHarness.Settings s, Setup setup, Probe probe)
      throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("settings", describe(s));
    List<Map<String, Object>> jobs = new ArrayList<>();
    out.put("jobs", jobs);
    try (Admin admin = admin(setup.kafka)) {
      for (Workload w : BenchWorkloads.all(s.steadyJobs, s.partitionSpec)) {
        int rate = rate(s, w.name);
        int backlog = (int) Math.min(Integer.MAX_VALUE, (long) rate * s.steadyBacklogSeconds);
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("job", w.name);
        job.put("rate", rate);
        job.put("backlog", backlog);
        List<Map<String, Object>> runs = new ArrayList<>();
        job.put("runs", runs);
        for (int r = 0; r < s.rounds; r++) {
          for (String kind : s.steadyKinds) {
            Map<String, Object> run = one(s, setup, probe, admin, w, kind, r, rate, backlog);
            runs.add(run);
            System.out.printf(Locale.ROOT, "bench steady %s %s %d: %s%n", w.name, kind, r, run);
          }
        }
        job.put("data", w.data);
        job.put("summary", summary(w.name, runs));
        jobs.add(job);
      }
    }
    return out;
  }

  /** One variant's run: preload, start, produce, measure a window, drain, check, cancel. */
  static Map<String, Object> one(
      BenchmarkHarness.Settings s,
      Setup setup,
      Probe probe,
      Admin admin,
      Workload w,
      String kind,
      int round,
      int rate,
      int backlog)
      throws Exception {
    String name = w.name + "_steady_" + kind + "_" + round;
    double interval = checkpointSeconds(s.checkpointInterval);
    w.topic = name;
    // what the topic will hold, with room for the window's ends on checkpoints and the drain
    w.planned =
        backlog
            + (long) rate * (s.steadyWarmupSeconds + s.steadyWindowSeconds + 60)
            + (long) (rate * 4 * interval);
    long t0 = System.nanoTime();
    w.preload(setup.kafka, backlog);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("round", round);
    m.put("kind", kind);
    m.put("backlog", backlog);
    m.put("preloadSeconds", round((System.nanoTime() - t0) / 1e9, 1));
    System.gc();
    probe.reset();
    Offsets offsets = new Offsets(admin, name, name);
    long started = System.nanoTime();
    JobClient client =
        kind.equals("job")
            ? w.start(setup, name)
            : w.insert(setup, name)
                .getJobClient()
                .orElseThrow(() -> new IllegalStateException("the twin's INSERT has no job"));
    Producer producer = new Producer(setup.kafka, w, rate);
    boolean complete = false;
    try {
      producer.start();
      // at most once a second: each status request is work for the variant's own JVM threads
      long[] checked = {System.nanoTime()};
      Runnable healthy =
          () -> {
            if (System.nanoTime() - checked[0] >= 1_000_000_000L) {
              checked[0] = System.nanoTime();
              healthy(client, producer);
            }
          };

      // warm-up, then the window from one checkpoint completion to the first after its length
      await("warm-up of " + name)
          .atMost(Duration.ofSeconds(s.steadyWarmupSeconds + 60))
          .pollInSameThread()
          .pollInterval(POLL)
          .until(
              () -> {
                healthy.run();
                return System.nanoTime() - started >= s.steadyWarmupSeconds * 1_000_000_000L;
              });
      Duration nextCheckpoint = Duration.ofSeconds((long) (10 * interval) + 60);
      Mark start = offsets.nextCommit(nextCheckpoint, healthy, null);
      Lags lags = new Lags();
      lags.add(start.lag());
      List<Long> checkpointsBefore = probe.checkpoints();
      Mark end;
      do {
        end = offsets.nextCommit(nextCheckpoint, healthy, lags);
      } while (end.nanos - start.nanos < s.steadyWindowSeconds * 1_000_000_000L);
      List<Long> checkpoints = probe.checkpoints();
      checkpoints =
          checkpoints.subList(
              Math.min(checkpointsBefore.size(), checkpoints.size()), checkpoints.size());

      double seconds = (end.nanos - start.nanos) / 1e9;
      long events = end.committed - start.committed;
      double cpu = (end.processCpu - start.processCpu) / 1e9;
      double harness = harnessCpuDelta(start.harnessCpu, end.harnessCpu) / 1e9;
      m.put("warmupSeconds", round((start.nanos - started) / 1e9, 1));
      m.put("windowSeconds", round(seconds, 2));
      m.put("events", events);
      m.put("eventsPerSecond", round(events / seconds, 0));
      m.put("producedPerSecond", round((end.end - start.end) / seconds, 0));
      m.put("cpuSeconds", round(cpu - harness, 2));
      m.put("cpuSecondsPerMillion", round((cpu - harness) / (events / 1e6), 2));
      m.put("harnessCpuSeconds", round(harness, 2));
      m.put(
          "brokerCpuSecondsPerMillion",
          round((end.brokerCpu - start.brokerCpu) / 1e9 / (events / 1e6), 2));
      Map<String, Object> lag = new LinkedHashMap<>();
      lag.put("atStart", start.lag());
      lag.put("atEnd", end.lag());
      lag.put("min", lags.min);
      m.put("lag", lag);
      // As fast as it could for the whole window: it fell further behind the producer, or at
      // every checkpoint in the window more than an interval's worth of records was left unread.
      // A variant that caught up leaves about what the producer appended during the checkpoint.
      m.put("lagGrew", end.lag() > start.lag());
      m.put("saturated", end.lag() > start.lag() || lags.min > rate * interval);
      Map<String, Object> cp = new LinkedHashMap<>();
      cp.put("count", checkpoints.size());
      cp.put("medianMs", nullIfNaN(BenchRuns.median(checkpoints)));
      cp.put("maxMs", nullIfNaN(BenchRuns.max(checkpoints)));
      m.put("checkpoints", cp);

      // the rest: stop producing, end the data set, let the variant consume it all, check
      producer.finish();
      List<ProducerRecord<byte[], byte[]>> closers = w.closers();
      if (!closers.isEmpty()) {
        setup.kafka.sendAll(w.topic(), closers);
      }
      long sent = backlog + producer.sent.get();
      long total = sent + closers.size();
      m.put("sent", sent);
      long stopped = System.nanoTime();
      double perSecond = Math.max(1000, events / seconds);
      Duration drain =
          Duration.ofSeconds((long) (3 * offsets.end() / perSecond) + (long) (10 * interval) + 60);
      Outcome[] last = {null};
      try {
        await("drain of " + name)
            .atMost(drain)
            .pollInSameThread()
            .pollInterval(POLL)
            .until(
                () -> {
                  healthy.run();
                  return offsets.committed() == total && offsets.end() == total;
                });
        await("exact table of " + name)
            .atMost(Duration.ofSeconds((long) (6 * interval) + 60))
            .pollInSameThread()
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  healthy(client, null);
                  last[0] = w.exact(setup, name, kind, sent);
                  return last[0].complete;
                });
      } catch (ConditionTimeoutException e) {
        m.put("notExact", e.getMessage());
      }
      m.put("drainSeconds", round((System.nanoTime() - stopped) / 1e9, 1));
      Outcome o = last[0] == null ? w.exact(setup, name, kind, sent) : last[0];
      complete = o.complete;
      if (kind.equals("job")) {
        Object read = client.getAccumulators().get(60, TimeUnit.SECONDS).get(Metrics.RECORDS_IN);
        o.count("records read", read);
        complete &= o.counts.get("records read") == total;
      }
      m.put("processed", o.counts);
    } catch (Exception e) {
      m.put("error", e.toString());
    } finally {
      producer.finish();
      cancel(client);
      try {
        // the next run has a topic of its own; this one's records only take disk
        admin.deleteTopics(List.of(name)).all().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.out.println("bench steady: delete topic " + name + ": " + e);
      }
    }
    m.put("taskFailures", probe.failures.get());
    if (probe.failures.get() > 0) {
      m.put("firstFailure", probe.describeFailures());
    }
    m.put("complete", complete && probe.failures.get() == 0 && !m.containsKey("error"));
    return m;
  }

  /** Throws if the variant ended or the producer failed. */
  static void healthy(JobClient client, Producer producer) {
    try {
      if (client.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
        throw new IllegalStateException(
            "the variant ended: " + client.getJobStatus().get(30, TimeUnit.SECONDS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the variant's status: " + e, e);
    }
    if (producer != null && producer.failure != null) {
      throw new IllegalStateException("the producer failed: " + producer.failure, producer.failure);
    }
  }

  static void cancel(JobClient client) {
    try {
      if (!client.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
        client.cancel().get(60, TimeUnit.SECONDS);
      }
      // the local executor shuts its MiniCluster down once the job has ended
      client.getJobExecutionResult().handle((r, e) -> null).get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.out.println("bench steady: cancel: " + e);
    }
  }

  // ---------------------------------------------------------------- sampling

  /** The moment the committed offsets changed, with the CPU clocks read then. */
  static final class Mark {
    long nanos;
    long committed;
    long end;
    long processCpu;
    long brokerCpu;
    Map<Long, Long> harnessCpu;

    long lag() {
      return end - committed;
    }
  }

  static final class Lags {
    long min = Long.MAX_VALUE;

    void add(long lag) {
      min = Math.min(min, lag);
    }
  }

  /** The consumer group's committed offsets and the topic's end offsets, summed. */
  static final class Offsets {
    final Admin admin;
    final String group;
    final String topic;
    long lastCommitted = -1;

    Offsets(Admin admin, String group, String topic) {
      this.admin = admin;
      this.group = group;
      this.topic = topic;
    }

    long committed() throws Exception {
      Map<TopicPartition, OffsetAndMetadata> m =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      return m.values().stream()
          .filter(Objects::nonNull)
          .mapToLong(OffsetAndMetadata::offset)
          .sum();
    }

    long end() throws Exception {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < BenchWorkloads.PARTITIONS; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
          .mapToLong(i -> i.offset())
          .sum();
    }

    /**
     * Waits for the next change of the committed offsets (a completed checkpoint) and marks it,
     * with its lag in {@code lags}.
     */
    Mark nextCommit(Duration atMost, Runnable healthy, Lags lags) throws Exception {
      long before = lastCommitted >= 0 ? lastCommitted : committed();
      long[] now = {before};
      await("a checkpoint of " + group)
          .atMost(atMost)
          .pollInSameThread()
          .pollInterval(POLL)
          .until(
              () -> {
                healthy.run();
                now[0] = committed();
                return now[0] != before;
              });
      Mark m = new Mark();
      m.nanos = System.nanoTime();
      m.processCpu = BenchRuns.processCpuNanos();
      m.harnessCpu = harnessThreadCpu();
      m.brokerCpu = BenchRuns.brokerCpuNanos();
      m.committed = now[0];
      m.end = end();
      lastCommitted = now[0];
      if (lags != null) {
        lags.add(m.lag());
      }
      return m;
    }
  }

  /**
   * CPU time of the harness's own threads in this JVM: the producer, Kafka's producer network
   * thread (no job here writes to Kafka), the sampler (this thread) and its admin client.
   */
  static Map<Long, Long> harnessThreadCpu() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<Long, Long> out = new HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String n = t.getName();
      if (t == Thread.currentThread()
          || n.equals(PRODUCER)
          || n.startsWith("kafka-producer-network-thread")
          || n.startsWith("kafka-admin-client-thread | " + ADMIN)) {
        long cpu = mx.getThreadCpuTime(t.getId());
        if (cpu >= 0) {
          out.put(t.getId(), cpu);
        }
      }
    }
    return out;
  }

  static long harnessCpuDelta(Map<Long, Long> start, Map<Long, Long> end) {
    long sum = 0;
    for (Map.Entry<Long, Long> e : end.entrySet()) {
      sum += e.getValue() - start.getOrDefault(e.getKey(), 0L);
    }
    return sum;
  }

  static Admin admin(KafkaServer kafka) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, ADMIN);
    return Admin.create(p);
  }

  // ---------------------------------------------------------------- producing

  /** Appends the workload's next records at a fixed rate, in batches, until finished. */
  static final class Producer {
    final KafkaServer kafka;
    final Workload w;
    final double rate;
    final AtomicLong sent = new AtomicLong();
    final Thread thread;
    volatile boolean stop;
    volatile Throwable failure;

    Producer(KafkaServer kafka, Workload w, double rate) {
      this.kafka = kafka;
      this.w = w;
      this.rate = rate;
      this.thread = new Thread(this::produce, PRODUCER);
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    private void produce() {
      try {
        long t0 = System.nanoTime();
        int most = (int) Math.max(1000, rate / 20);
        // about 100 batches a second at most: each one is flushed, and a flush per record would
        // cost the broker and this JVM more than the records do
        long least = (long) Math.max(1, rate / 100);
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        while (!stop) {
          long due = (long) (rate * (System.nanoTime() - t0) / 1e9) - sent.get();
          if (due < least) {
            LockSupport.parkNanos(1_000_000);
            continue;
          }
          int n = (int) Math.min(due, most);
          for (int i = 0; i < n; i++) {
            batch.add(w.next());
          }
          kafka.sendAll(w.topic(), batch);
          batch.clear();
          sent.addAndGet(n);
        }
      } catch (Throwable t) {
        failure = t;
      }
    }

    /** Stops producing and waits for the last batch. */
    void finish() throws InterruptedException {
      stop = true;
      thread.join(TimeUnit.MINUTES.toMillis(3));
      if (thread.isAlive()) {
        throw new IllegalStateException("the producer did not stop");
      }
    }
  }

  // ---------------------------------------------------------------- summary

  /**
   * Per kind: events/s and CPU s/M; per round: job over SQL for both; median and min..max, and the
   * issue's steady-state targets. An incomplete run leaves its round out of the ratios.
   */
  static Map<String, Object> summary(String job, List<Map<String, Object>> runs) {
    List<Map<String, Object>> complete = new ArrayList<>();
    List<Object> incompleteRounds = new ArrayList<>();
    for (Map<String, Object> r : runs) {
      if (Boolean.TRUE.equals(r.get("complete"))) {
        complete.add(r);
      } else if (!incompleteRounds.contains(r.get("round"))) {
        incompleteRounds.add(r.get("round"));
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> rates = new LinkedHashMap<>();
    Map<String, Object> cpu = new LinkedHashMap<>();
    Map<String, Object> saturated = new LinkedHashMap<>();
    for (String kind : KINDS) {
      rates.put(
          kind,
          BenchmarkHarness.spread(BenchmarkHarness.values(complete, kind, "eventsPerSecond"), 0));
      cpu.put(
          kind,
          BenchmarkHarness.spread(
              BenchmarkHarness.values(complete, kind, "cpuSecondsPerMillion"), 2));
      List<Map<String, Object>> ofKind =
          complete.stream().filter(r -> r.get("kind").equals(kind)).collect(Collectors.toList());
      saturated.put(
          kind,
          ofKind.isEmpty()
              ? null
              : ofKind.stream().allMatch(r -> Boolean.TRUE.equals(r.get("saturated"))));
    }
    m.put("eventsPerSecond", rates);
    m.put("cpuSecondsPerMillion", cpu);
    m.put("saturated", saturated);
    List<Map<String, Object>> whole =
        complete.stream()
            .filter(r -> !incompleteRounds.contains(r.get("round")))
            .collect(Collectors.toList());
    m.put("roundsLeftOutOfRatios", incompleteRounds);
    Map<String, Object> rateRatio =
        BenchmarkHarness.spread(
            BenchmarkHarness.ratios(
                BenchmarkHarness.values(whole, "job", "eventsPerSecond"),
                BenchmarkHarness.values(whole, "sql", "eventsPerSecond")),
            2);
    Map<String, Object> cpuRatio =
        BenchmarkHarness.spread(
            BenchmarkHarness.ratios(
                BenchmarkHarness.values(whole, "job", "cpuSecondsPerMillion"),
                BenchmarkHarness.values(whole, "sql", "cpuSecondsPerMillion")),
            2);
    m.put("jobToSql", rateRatio);
    m.put("cpuJobToSql", cpuRatio);
    m.put("allComplete", runs.stream().allMatch(r -> Boolean.TRUE.equals(r.get("complete"))));
    double rateTarget = job.equals("cdc") ? 1.0 : 1.1;
    double cpuTarget = job.equals("cdc") ? 1.0 : 0.9;
    double rate = ((Number) rateRatio.get("median")).doubleValue();
    double perEvent = ((Number) cpuRatio.get("median")).doubleValue();
    List<Map<String, Object>> targets = new ArrayList<>();
    targets.add(
        BenchmarkHarness.target(
            String.format(
                Locale.ROOT, "steady-state events/s job/SQL >= %.1f (median)", rateTarget),
            rate,
            rate >= rateTarget));
    targets.add(
        BenchmarkHarness.target(
            String.format(
                Locale.ROOT, "steady-state CPU per event job/SQL <= %.1f (median)", cpuTarget),
            perEvent,
            perEvent <= cpuTarget));
    m.put("targets", targets);
    return m;
  }

  /** Seconds of a Flink duration such as {@code 10 s}, {@code 500 ms} or {@code 1 min}. */
  static double checkpointSeconds(String interval) {
    return org.apache.flink.util.TimeUtils.parseDuration(interval).toMillis() / 1000.0;
  }

  static double round(double v, int decimals) {
    return BenchmarkHarness.round(v, decimals);
  }

  private static Double nullIfNaN(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
