package io.tributary.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of {@code java -jar tributary-local.jar} six times while a producer keeps writing
 * numbered events to Kafka, each time started again with the same command: every start after the
 * first resumes from the newest retained checkpoint, and the table ends with every number exactly
 * once. Kills land right after a checkpoint completed, right after the source committed its Kafka
 * offsets, right after an Iceberg commit, and at a random moment (see {@link Kill}).
 */
@Timeout(480)
class LocalCrashIT {
  static final int PARTITIONS = 3;
  static final int BATCH = 50;
  static final int MAX_EVENTS = 200_000;
  static final String GROUP = "tributary-ingest";

  enum Kill {
    /** A checkpoint's {@code _metadata} appeared: before any commit of that checkpoint. */
    AFTER_CHECKPOINT,
    /**
     * The group's committed Kafka offsets grew: the source commits them when the checkpoint
     * completes, usually before Iceberg's committer is done. A start from those offsets without the
     * checkpoint loses the rows in between.
     */
    AFTER_OFFSET_COMMIT,
    /** The table got a new snapshot: the checkpoint's rows are committed. */
    AFTER_COMMIT,
    RANDOM
  }

  static final List<Kill> KILLS =
      List.of(
          Kill.AFTER_CHECKPOINT,
          Kill.AFTER_OFFSET_COMMIT,
          Kill.RANDOM,
          Kill.AFTER_COMMIT,
          Kill.AFTER_OFFSET_COMMIT,
          Kill.AFTER_CHECKPOINT);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  private Path config;
  private IcebergCatalog catalog;

  @Test
  void killNineAndStartAgainLosesAndDuplicatesNothing() throws Exception {
    long began = System.nanoTime();
    Path jar = Path.of("target", "tributary-local.jar").toAbsolutePath();
    assertThat(jar).exists();
    String topic = "numbers";
    kafka.createTopic(topic, PARTITIONS);
    writeConfig(topic);
    catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");

    AtomicBoolean producing = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();
    Thread producer = new Thread(() -> produce(topic, producing, sent), "numbers-producer");
    producer.start();

    Random random = new Random(12);
    List<String> firstLines = new ArrayList<>();
    Map<Kill, Integer> kills = new HashMap<>();
    try {
      for (int run = 0; run <= KILLS.size(); run++) {
        Process p = start(jar, run, firstLines);
        if (run == KILLS.size()) {
          // the last run: stop writing, let the job drain everything, then crash it too
          producing.set(false);
          producer.join(30_000);
          int total = sent.get();
          // every event committed to the table (not the source's committed offsets: on a topic
          // gone idle they show up to 10 s late); a duplicate would land in the two more
          // checkpoints, and the exact count below would catch it
          waitFor(p, run, Duration.ofSeconds(150), 100, () -> rows() >= total);
          for (int k = 0; k < 2; k++) {
            Set<String> seen = completedCheckpoints();
            waitFor(p, run, Duration.ofSeconds(30), 10, () -> newCheckpoint(seen));
          }
          kill(p);
          break;
        }
        Kill kill = KILLS.get(run);
        Set<String> checkpoints = completedCheckpoints();
        long snapshot = currentSnapshot();
        long rows = rows();
        long offsets = kafka.committedOffsets(GROUP);
        switch (kill) {
          case AFTER_CHECKPOINT:
            waitFor(p, run, Duration.ofSeconds(90), 10, () -> newCheckpoint(checkpoints));
            break;
          case AFTER_OFFSET_COMMIT:
            waitFor(
                p, run, Duration.ofSeconds(90), 5, () -> kafka.committedOffsets(GROUP) > offsets);
            break;
          case AFTER_COMMIT:
            waitFor(p, run, Duration.ofSeconds(90), 10, () -> currentSnapshot() != snapshot);
            break;
          default:
            // once this run has written something, at a moment no checkpoint is aligned with
            waitFor(p, run, Duration.ofSeconds(90), 10, () -> rows() > rows);
            assertThat(p.waitFor(random.nextInt(1500), TimeUnit.MILLISECONDS)).isFalse();
        }
        kill(p);
        kills.merge(kill, 1, Integer::sum);
      }
    } finally {
      producing.set(false);
      producer.join(30_000);
    }

    int total = sent.get();
    List<Record> table = Tables.read(catalog, "numbers");
    Map<Long, Integer> counts = new HashMap<>();
    for (Record r : table) {
      counts.merge((Long) r.getField("id"), 1, Integer::sum);
    }
    long lost = 0;
    for (long i = 0; i < total; i++) {
      lost += counts.containsKey(i) ? 0 : 1;
    }
    long duplicated = counts.values().stream().mapToLong(c -> c - 1).sum();
    long unexpected = counts.keySet().stream().filter(id -> id < 0 || id >= total).count();
    System.out.printf(
        "local runner crash test: %d kill -9 (%s), %d events sent, %d rows, %d distinct, %d lost,"
            + " %d duplicated, in %d s%n",
        KILLS.size(),
        kills,
        total,
        table.size(),
        counts.size(),
        lost,
        duplicated,
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began));
    assertThat(lost).as("lost").isZero();
    assertThat(duplicated).as("duplicated").isZero();
    assertThat(unexpected).isZero();
    assertThat(table).hasSize(total);
    assertThat(kills.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(KILLS.size());
    assertThat(total).isGreaterThan(5_000);

    assertThat(firstLines.get(0)).startsWith("starting fresh: no checkpoint of this configuration");
    for (String line : firstLines.subList(1, firstLines.size())) {
      assertThat(line)
          .matches("resuming from file:/.*/checkpoints/ingest-[0-9a-f]{8}/[0-9a-f]{32}/chk-\\d+");
    }
    // job.checkpoint.keep = 2: seven runs left at most the two newest folders with a checkpoint,
    // the one resumed from, and the last run's own
    try (Stream<Path> folders = Files.list(configurationFolder())) {
      assertThat(folders.count()).isBetween(1L, 4L);
    }
  }

  private void writeConfig(String topic) throws IOException {
    config = dir.resolve("crash.json");
    Files.writeString(
        config,
        String.join(
            "\n",
            "[",
            "{\"PropertyGroupId\":\"job\",\"PropertyMap\":{\"name\":\"ingest\",\"parallelism\":\"2\",",
            "  \"checkpoint.interval\":\"1 s\",\"checkpoint.keep\":\"2\",",
            "  \"restart.initial-delay\":\"200 ms\",",
            "  \"checkpoint.dir\":\"" + dir.resolve("checkpoints").toUri() + "\"}},",
            "{\"PropertyGroupId\":\"source\",\"PropertyMap\":{\"type\":\"kafka\"}},",
            "{\"PropertyGroupId\":\"kafka\",\"PropertyMap\":{\"bootstrap.servers\":\""
                + kafka.bootstrapServers()
                + "\",",
            "  \"topics\":\"" + topic + "\",\"start\":\"earliest\"}},",
            "{\"PropertyGroupId\":\"format\",\"PropertyMap\":{",
            "  \"schema\":\"id BIGINT NOT NULL, ts TIMESTAMP_LTZ(3) NOT NULL\",",
            "  \"event-time.field\":\"ts\"}},",
            "{\"PropertyGroupId\":\"iceberg\",\"PropertyMap\":{\"warehouse\":\""
                + dir.resolve("warehouse")
                + "\",",
            "  \"database\":\"lake\",\"table\":\"numbers\",\"partition-spec\":\"bucket(4, id)\"}}",
            "]"));
  }

  /** Numbered events, in batches, until told to stop (or the cap). */
  private static void produce(String topic, AtomicBoolean producing, AtomicInteger sent) {
    while (producing.get() && sent.get() < MAX_EVENTS) {
      int from = sent.get();
      List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      for (int i = from; i < from + BATCH; i++) {
        String value = "{\"id\":" + i + ",\"ts\":\"" + now + "\"}";
        batch.add(new ProducerRecord<>(topic, i % PARTITIONS, null, value.getBytes(UTF_8)));
      }
      kafka.sendAll(topic, batch);
      sent.addAndGet(BATCH);
      try {
        Thread.sleep(20); // a steady rate, not a wait for anything
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Starts the jar as a user would and returns once it printed its first line. */
  private Process start(Path jar, int run, List<String> firstLines) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    command.add("-Xmx768m");
    command.add("-jar");
    command.add(jar.toString());
    command.add("--config");
    command.add(config.toString());
    Path out = dir.resolve("run-" + run + ".out");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("run-" + run + ".err").toFile())
            .start();
    waitFor(p, run, Duration.ofSeconds(60), 10, () -> Files.exists(out) && lines(out).size() > 0);
    firstLines.add(lines(out).get(0));
    return p;
  }

  private static void kill(Process p) throws InterruptedException {
    p.destroyForcibly(); // SIGKILL: no shutdown hook, no cancel, no final checkpoint
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for {@code condition} while the process lives; its output explains a death. */
  private void waitFor(
      Process p, int run, Duration timeout, long pollMillis, BooleanSupplier condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new AssertionError(
            (p.isAlive() ? "condition not met within " + timeout : "the runner died")
                + " in run "
                + run
                + ":\n"
                + String.join("\n", lines(dir.resolve("run-" + run + ".out")))
                + "\n"
                + String.join("\n", lines(dir.resolve("run-" + run + ".err"))));
      }
      Thread.sleep(pollMillis);
    }
  }

  private Path configurationFolder() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("checkpoints"))) {
      return s.filter(f -> f.getFileName().toString().startsWith("ingest-"))
          .findFirst()
          .orElseThrow();
    }
  }

  /** Every {@code chk-N/_metadata} under the checkpoint folder: completed checkpoints. */
  private Set<String> completedCheckpoints() {
    Path root = dir.resolve("checkpoints");
    if (!Files.isDirectory(root)) {
      return Set.of();
    }
    try (Stream<Path> s = Files.find(root, 4, (f, a) -> f.endsWith("_metadata"))) {
      return s.map(Path::toString).collect(Collectors.toCollection(HashSet::new));
    } catch (IOException | UncheckedIOException e) {
      return Set.of(); // a folder deleted while walking: look again
    }
  }

  private boolean newCheckpoint(Set<String> before) {
    return completedCheckpoints().stream().anyMatch(c -> !before.contains(c));
  }

  private long currentSnapshot() {
    if (!Tables.exists(catalog, "numbers")) {
      return -1;
    }
    Snapshot s = catalog.with(c -> c.loadTable(catalog.identifier("numbers")).currentSnapshot());
    return s == null ? -1 : s.snapshotId();
  }

  private long rows() {
    if (!Tables.exists(catalog, "numbers")) {
      return 0;
    }
    return io.tributary.iceberg.TableSummary.of(catalog, "numbers").rows;
  }
}
