package io.tributary.bench;

import io.tributary.config.Configs;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.jobs.JobTesting;
import io.tributary.jobs.MetricValues;
import io.tributary.metrics.Metrics;
import io.tributary.testing.Components;
import io.tributary.testing.KafkaServer;
import io.tributary.testing.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance on against off, in one run, for two workloads side by side on one MiniCluster:
 *
 * <ul>
 *   <li>two {@code aggregate} jobs, each writing its own upsert table from the same generated
 *       stream (hot keys: a few event types per 10 s window, early firings every 2 s and late
 *       firings for events up to 10 min late, so every firing upserts the same rows again);
 *   <li>two {@code cdc} jobs mirroring the same Kafka topic of Debezium JSON changes to a few
 *       hundred hot keys ({@code bench.cdc-keys}, default 200) at {@code bench.cdc-rate} changes/s
 *       (default 1,000): mostly updates, some deletes and re-inserts. With {@code
 *       bench.cdc-hot-keys} and {@code bench.cdc-hot-share} (e.g. 200 and 0.9, with {@code
 *       bench.cdc-keys} 100000) only that share goes to the hot keys and the table grows large.
 *       Each is started, stopped with a savepoint once its mirror exists and resumed from it,
 *       because a mirror is maintained from the first start that finds it (docs/maintenance.md).
 * </ul>
 *
 * After {@code -Dbench.minutes} the producer stops; each mirror must then equal the producer's
 * final state exactly. All jobs are cancelled and each table measured: files, sizes, delete share,
 * snapshots, metadata size, the time of a full read with deletes applied against the same table
 * freshly rewritten, and the records each job read (throughput). {@code -Dbench.maintenance.jobs}
 * (default {@code aggregate,cdc}) picks the workloads.
 *
 * <p>Not part of the test suite (the name does not end in Test); run it with:
 *
 * <pre>
 * mvn -q -o -pl bench -am test -Dtest=MaintenanceBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dbench.minutes=20
 * </pre>
 *
 * For each maintained table it also measures the snapshot its last in-job rewrite left: what a
 * reader gets right after maintenance, as against the end state, which is up to {@code
 * bench.rewrite.commit-count} writer commits past a rewrite.
 *
 * <p>The triggers are scaled to the run's length (rewrite every 12 commits, expiry every minute
 * keeping 20 snapshots), so a shortened run shows what the defaults do over hours.
 */
class MaintenanceBenchmark {
  static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(8, REPORTER);

  @TempDir Path dir;

  /** Per maintained table, its figures at the snapshot its last in-job rewrite left. */
  private final List<String> afterRewriteRows = new ArrayList<>();

  /**
   * The rewrites' target file size: the default, or one small enough for a table of a few MB to
   * show whether a rewrite reaches it (e.g. 256 kb).
   */
  static final String TARGET_FILE_SIZE =
      System.getProperty("bench.rewrite.target-file-size", "128 mb");

  /** The "on" jobs' triggers, scaled to the run (see the class comment). */
  static final List<String> MAINTENANCE_ON =
      List.of(
          "--maintenance.rewrite.commit-count",
          System.getProperty("bench.rewrite.commit-count", "12"),
          "--maintenance.rewrite.target-file-size",
          TARGET_FILE_SIZE,
          "--maintenance.rewrite.interval",
          "5 min",
          "--maintenance.expire-snapshots.interval",
          "1 min",
          "--maintenance.expire-snapshots.max-age",
          "1 min",
          "--maintenance.expire-snapshots.retain-last",
          "20",
          "--maintenance.rate-limit",
          "10 s",
          "--maintenance.lock-check-delay",
          "5 s",
          // false: the job's shared maintainer, not Iceberg's TableMaintenance, maintains the
          // mirror
          "--maintenance.per-table-pipelines",
          System.getProperty("bench.per-table-pipelines", "true"));

  static final List<String> MAINTENANCE_OFF = List.of("--maintenance.enabled", "false");

  @Test
  void maintenanceOnAgainstOff() throws Exception {
    double minutes = Double.parseDouble(System.getProperty("bench.minutes", "4"));
    String interval = System.getProperty("bench.checkpoint", "10 s");
    List<String> jobs =
        Arrays.asList(System.getProperty("bench.maintenance.jobs", "aggregate,cdc").split(","));
    List<String> rows = new ArrayList<>();
    List<String> ratios = new ArrayList<>();
    HotKeys hot = null;
    KafkaServer kafka = null;
    JobClient aggOn = null;
    JobClient aggOff = null;
    JobClient cdcOn = null;
    JobClient cdcOff = null;
    try {
      if (jobs.contains("aggregate")) {
        aggOn = start("on", interval, MAINTENANCE_ON);
        aggOff = start("off", interval, MAINTENANCE_OFF);
      }
      if (jobs.contains("cdc")) {
        kafka = KafkaServer.start();
        kafka.createTopic(HotKeys.TOPIC, 2);
        hot =
            new HotKeys(
                kafka,
                Integer.parseInt(System.getProperty("bench.cdc-keys", "200")),
                Integer.parseInt(
                    System.getProperty(
                        "bench.cdc-hot-keys", System.getProperty("bench.cdc-keys", "200"))),
                Double.parseDouble(System.getProperty("bench.cdc-hot-share", "1")),
                Integer.parseInt(System.getProperty("bench.cdc-rate", "1000")));
        hot.start();
        cdcOn = startCdc(kafka, "on", interval, MAINTENANCE_ON);
        cdcOff = startCdc(kafka, "off", interval, MAINTENANCE_OFF);
      }
      long started = System.nanoTime();
      Thread.sleep((long) (minutes * 60_000));
      double seconds = (System.nanoTime() - started) / 1e9;
      IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
      if (aggOn != null) {
        long readOn = read(aggOn, "aggregate");
        long readOff = read(aggOff, "aggregate");
        stop(aggOn);
        stop(aggOff);
        rows.add(measure(catalog, "aggregate", "metrics_on", readOn, seconds, "-"));
        rows.add(measure(catalog, "aggregate", "metrics_off", readOff, seconds, "-"));
        ratios.add(String.format(Locale.ROOT, "aggregate %.2f", readOn / (double) readOff));
      }
      if (cdcOn != null) {
        long readOn = read(cdcOn, "cdc");
        long readOff = read(cdcOff, "cdc");
        Map<Integer, String> expected = hot.stop();
        String exactOn = exact(catalog, "accounts_on", expected);
        String exactOff = exact(catalog, "accounts_off", expected);
        stop(cdcOn);
        stop(cdcOff);
        rows.add(measure(catalog, "cdc", "accounts_on", readOn, seconds, exactOn));
        rows.add(measure(catalog, "cdc", "accounts_off", readOff, seconds, exactOff));
        ratios.add(String.format(Locale.ROOT, "cdc %.2f", readOn / (double) readOff));
      }
      String table =
          String.format(
              Locale.ROOT,
              "%.1f min, checkpoint %s, %d jobs on one MiniCluster (8 slots)%s%n"
                  + "| job | maintenance | data files | avg data file | delete files | delete bytes"
                  + " / data bytes | snapshots | metadata bytes | read ms | read ms rewritten |"
                  + " read ratio | records read | records/s | equals the source |%n"
                  + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|%n%s%n"
                  + "throughput with maintenance / without: %s%n%n"
                  + "As the last in-job rewrite left each maintained table (its newest replace"
                  + " snapshot), against the end state freshly rewritten:%n"
                  + "| job | table | snapshot | writer commits after it | data files | avg data file"
                  + " | delete files | delete bytes / data bytes | rows | read ms |"
                  + " read ms rewritten (end) | read ratio | manifests: data + delete, rewritten |"
                  + " planning ms, rewritten |%n"
                  + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|%n%s%n",
              seconds / 60,
              interval,
              rows.size(),
              hot == null ? "" : "; cdc: " + hot.describe(),
              String.join(System.lineSeparator(), rows),
              String.join(", ", ratios),
              String.join(System.lineSeparator(), afterRewriteRows));
      System.out.println(table);
      Files.writeString(Path.of("target", "maintenance-benchmark.md"), table);
    } finally {
      for (JobClient c : Arrays.asList(aggOn, aggOff, cdcOn, cdcOff)) {
        if (c != null) {
          try {
            stop(c);
          } catch (Exception e) {
            // already stopped above
          }
        }
      }
      if (hot != null) {
        hot.stop();
      }
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  private static long read(JobClient client, String job) {
    return new MetricValues(REPORTER, client.getJobID(), job)
        .count(".Job." + job + "." + Metrics.RECORDS_IN);
  }

  /**
   * Starts a {@code cdc} job, stops it with a savepoint once its mirror exists, and resumes it from
   * that savepoint: the resumed job's graph maintains the mirror.
   */
  private JobClient startCdc(KafkaServer kafka, String name, String interval, List<String> more)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name",
                "cdc",
                "--job.parallelism",
                "1",
                "--job.checkpoint.interval",
                interval,
                "--job.checkpoint.dir",
                dir.resolve("checkpoints-cdc-" + name).toUri().toString(),
                "--source.type",
                "kafka",
                "--kafka.bootstrap.servers",
                kafka.bootstrapServers(),
                "--kafka.topics",
                HotKeys.TOPIC,
                "--kafka.start",
                "earliest",
                "--kafka.group.id",
                "cdc-" + name,
                "--cdc.format",
                "debezium-json",
                "--cdc.tables",
                "accounts=lake.accounts_" + name,
                "--iceberg.warehouse",
                dir.resolve("warehouse").toString(),
                "--iceberg.database",
                "lake",
                "--iceberg.dead-letter-table",
                "cdc_dead_letters_" + name));
    args.addAll(more);
    JobClient first = JobTesting.startAsync("bench-cdc-" + name, args.toArray(new String[0]));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    JobTesting.waitFor(
        Duration.ofMinutes(2),
        () ->
            Tables.exists(catalog, "accounts_" + name)
                && catalog.with(
                        c ->
                            c.loadTable(TableIdentifier.of("lake", "accounts_" + name))
                                .currentSnapshot())
                    != null);
    String pageSize = System.getProperty("bench.parquet.page-size");
    if (pageSize != null) {
      // Parquet's size estimate counts the open page and the dictionary uncompressed (1 MB and
      // 2 MB by default): nothing next to a 128 MB target, but a 256 KB file would roll at a
      // fraction of its size. Scaled down with the target, before the resumed jobs load it.
      catalog.with(
          c -> {
            c.loadTable(TableIdentifier.of("lake", "accounts_" + name))
                .updateProperties()
                .set(TableProperties.PARQUET_PAGE_SIZE_BYTES, pageSize)
                .set(TableProperties.PARQUET_DICT_SIZE_BYTES, pageSize)
                .commit();
            return null;
          });
    }
    String savepoint =
        first
            .stopWithSavepoint(
                false,
                dir.resolve("savepoints-cdc-" + name).toUri().toString(),
                SavepointFormatType.CANONICAL)
            .get();
    args.addAll(List.of("--job.flink.execution.savepoint.path", savepoint));
    return JobTesting.startAsync("bench-cdc-" + name, args.toArray(new String[0]));
  }

  /**
   * "yes" once the mirror equals the producer's final state (every key, every name), within 3
   * minutes of the producer's stop; otherwise what differs.
   */
  private static String exact(IcebergCatalog catalog, String table, Map<Integer, String> expected) {
    AtomicReference<Map<Integer, String>> have = new AtomicReference<>();
    try {
      JobTesting.waitFor(
          Duration.ofMinutes(3),
          () -> {
            Map<Integer, String> m = new TreeMap<>();
            for (Record r : Tables.read(catalog, table)) {
              m.put(((Number) r.getField("id")).intValue(), (String) r.getField("name"));
            }
            have.set(m);
            return m.equals(expected);
          });
      return "yes";
    } catch (AssertionError | Exception e) {
      return String.format(
          Locale.ROOT,
          "**no**: %d rows against %d expected",
          have.get() == null ? -1 : have.get().size(),
          expected.size());
    }
  }

  /**
   * Debezium JSON changes (no schema envelope) of table {@code accounts}, sent at a fixed rate by
   * its own thread: a share {@code hotShare} of the changes goes to the first {@code hotKeys} keys,
   * the rest to any of the {@code keys} (so the table grows well past one commit's churn). A change
   * to a live key is an update (97%) or a delete (3%); one to an absent key inserts it. It keeps
   * the final state: every live key's name, which carries the row's version.
   */
  static final class HotKeys implements Runnable {
    static final String TOPIC = "accounts";

    private final KafkaServer kafka;
    private final int keys;
    private final int hotKeys;
    private final double hotShare;
    private final int rate;
    private final Map<Integer, Integer> version = new TreeMap<>();
    private final Map<String, Integer> ops = new TreeMap<>();
    private final SplittableRandom r = new SplittableRandom(13);
    private final Thread thread = new Thread(this, "hot-keys-producer");
    private volatile boolean running = true;
    private long lsn = 50_000_000L;
    private long sent;

    HotKeys(KafkaServer kafka, int keys, int hotKeys, double hotShare, int rate) {
      this.kafka = kafka;
      this.keys = keys;
      this.hotKeys = Math.min(hotKeys, keys);
      this.hotShare = hotShare;
      this.rate = rate;
    }

    void start() {
      thread.start();
    }

    @Override
    public void run() {
      long began = System.nanoTime();
      while (running) {
        long due = (System.nanoTime() - began) * rate / 1_000_000_000L;
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        while (sent < due) {
          batch.add(next());
          sent++;
        }
        if (!batch.isEmpty()) {
          kafka.sendAll(TOPIC, batch);
        }
        try {
          Thread.sleep(10); // pacing a producer, not waiting on a condition
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private ProducerRecord<byte[], byte[]> next() {
      // hotShare 1 draws one number per change, as runs before the cold keys did
      int id =
          1 + (hotShare >= 1 || r.nextDouble() < hotShare ? r.nextInt(hotKeys) : r.nextInt(keys));
      Integer v = version.get(id);
      double d = r.nextDouble();
      String op = v == null ? "c" : d < 0.03 ? "d" : "u";
      String before = v == null ? "null" : row(id, v);
      String after = "null";
      if (op.equals("d")) {
        version.remove(id);
      } else {
        int next = v == null ? 0 : v + 1;
        version.put(id, next);
        after = row(id, next);
      }
      ops.merge(op, 1, Integer::sum);
      lsn += 40 + r.nextInt(400);
      String value =
          "{\"before\":"
              + before
              + ",\"after\":"
              + after
              + ",\"source\":{\"db\":\"bank\",\"schema\":\"public\",\"table\":\"accounts\","
              + "\"lsn\":"
              + lsn
              + "},\"op\":\""
              + op
              + "\"}";
      byte[] key = ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8);
      return new ProducerRecord<>(TOPIC, id % 2, key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String row(int id, int version) {
      return "{\"id\":"
          + id
          + ",\"name\":\""
          + name(id, version)
          + "\",\"balance\":"
          + (version * 7 % 100_000)
          + ".25}";
    }

    private static String name(int id, int version) {
      return "account " + id + " v" + version;
    }

    /** Stops the producer; the final state, key to name. */
    Map<Integer, String> stop() throws InterruptedException {
      running = false;
      thread.join(); // the producer thread's last writes to version are visible after this
      Map<Integer, String> state = new TreeMap<>();
      version.forEach((id, v) -> state.put(id, name(id, v)));
      return state;
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "%,d changes at %,d/s, %.0f%% of them to %d hot keys, the rest to any of %,d keys, by op"
              + " %s, %,d live rows at the end",
          sent,
          rate,
          100 * Math.min(1, hotShare),
          hotKeys,
          keys,
          ops,
          version.size());
    }
  }

  private JobClient start(String name, String interval, List<String> more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name",
                "aggregate",
                "--job.parallelism",
                "1",
                "--job.checkpoint.interval",
                interval,
                "--job.checkpoint.dir",
                dir.resolve("checkpoints-" + name).toUri().toString(),
                "--source.type",
                "datagen",
                "--datagen.rate",
                System.getProperty("bench.rate", "2000"),
                "--datagen.seed",
                "7",
                "--datagen.late-ratio",
                "0.2",
                "--format.schema",
                "event_id STRING NOT NULL, event_type STRING NOT NULL, user_id STRING NOT NULL,"
                    + " amount DECIMAL(12, 2), ts TIMESTAMP_LTZ(3) NOT NULL",
                "--format.event-time.field",
                "ts",
                "--aggregate.window.type",
                "tumbling",
                "--aggregate.window.size",
                "10 s",
                "--aggregate.allowed-lateness",
                "15 min",
                "--aggregate.early-fire.interval",
                "2 s",
                "--aggregate.group-by",
                "event_type",
                "--aggregate.aggregates",
                "count(*) AS events, sum(amount) AS revenue",
                "--iceberg.warehouse",
                dir.resolve("warehouse").toString(),
                "--iceberg.database",
                "lake",
                "--iceberg.table",
                "metrics_" + name));
    args.addAll(more);
    return JobTesting.startAsync("bench-" + name, args.toArray(new String[0]));
  }

  private static void stop(JobClient client) throws Exception {
    client.cancel().get();
    JobTesting.waitFor(
        Duration.ofSeconds(120),
        () -> {
          try {
            return client.getJobStatus().get().isGloballyTerminalState();
          } catch (Exception e) {
            return true;
          }
        });
  }

  private String measure(
      IcebergCatalog catalog, String job, String name, long read, double seconds, String exact)
      throws Exception {
    Table t = catalog.with(c -> c.loadTable(TableIdentifier.of("lake", name)));
    Live f = Live.at(t, t.currentSnapshot());
    long snapshots = OneShotMaintenance.Figures.of(t).snapshots;
    long metadataBytes = folderBytes(Path.of(java.net.URI.create(t.location() + "/metadata")));
    long readMillis = readMillis(t, t.currentSnapshot());
    // The table as its last in-job rewrite left it, read before the rewrite below replaces it.
    Snapshot afterRewrite = lastReplace(t);
    Live fr = afterRewrite == null ? null : Live.at(t, afterRewrite);
    long[] afterRewriteRead =
        afterRewrite == null ? new long[2] : readMillisAndRows(t, afterRewrite);
    long afterRewriteMillis = afterRewriteRead[0];
    // the same table freshly rewritten: the maintain job's rewrite only
    Components.oneShot(
            Configs.of(
                "job.name", "maintain",
                "iceberg.warehouse", dir.resolve("warehouse").toString(),
                "iceberg.database", "lake",
                "maintenance.maintain.tables", name,
                "maintenance.rewrite.target-file-size", TARGET_FILE_SIZE,
                "maintenance.expire-snapshots.enabled", "false",
                "maintenance.delete-orphans.enabled", "false"))
        .maintain(TableIdentifier.of("lake", name));
    t.refresh();
    long rewrittenMillis = readMillis(t, t.currentSnapshot());
    if (fr != null) {
      afterRewriteRows.add(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %d | %d | %d bytes | %d | %.1f%% | %d | %d | %d | %.2f | %s, %s |"
                  + " %d, %d |",
              job,
              name,
              afterRewrite.snapshotId(),
              commitsSince(t, afterRewrite),
              fr.dataFiles,
              fr.dataFiles == 0 ? 0 : fr.dataBytes / fr.dataFiles,
              fr.deleteFiles,
              fr.deleteShare(),
              afterRewriteRead[1],
              afterRewriteMillis,
              rewrittenMillis,
              afterRewriteMillis / (double) Math.max(1, rewrittenMillis),
              manifests(t, afterRewrite),
              manifests(t, t.currentSnapshot()),
              planningMillis(t, afterRewrite),
              planningMillis(t, t.currentSnapshot())));
    }
    return String.format(
        Locale.ROOT,
        "| %s | %s | %d | %d bytes | %d | %.1f%% | %d | %d | %d | %d | %.2f | %d | %.0f | %s |",
        job,
        name.endsWith("on") ? "on" : "off",
        f.dataFiles,
        f.dataFiles == 0 ? 0 : f.dataBytes / f.dataFiles,
        f.deleteFiles,
        f.deleteShare(),
        snapshots,
        metadataBytes,
        readMillis,
        rewrittenMillis,
        readMillis / (double) Math.max(1, rewrittenMillis),
        read,
        read / seconds,
        exact);
  }

  /**
   * The newest {@code replace} snapshot the job committed: its last rewrite, or the drop of the
   * dangling deletes that follows one (docs/maintenance.md), so the table as maintenance left it.
   */
  private static Snapshot lastReplace(Table t) {
    for (Snapshot s : SnapshotUtil.currentAncestors(t)) {
      if (DataOperations.REPLACE.equals(s.operation())) {
        return s;
      }
    }
    return null;
  }

  /** The writer's commits after {@code s} up to the measured end (not the rewrite made since). */
  private static long commitsSince(Table t, Snapshot s) {
    long n = 0;
    for (Snapshot c : t.snapshots()) {
      if (c.sequenceNumber() > s.sequenceNumber()
          && !DataOperations.REPLACE.equals(c.operation())) {
        n++;
      }
    }
    return n;
  }

  /** A snapshot's live files, as its manifests list them. */
  private static final class Live {
    long dataFiles;
    long dataBytes;
    long deleteFiles;
    long deleteBytes;

    static Live at(Table t, Snapshot s) throws IOException {
      Live f = new Live();
      for (ManifestFile m : s.allManifests(t.io())) {
        if (m.content() == org.apache.iceberg.ManifestContent.DATA) {
          try (ManifestReader<DataFile> r = ManifestFiles.read(m, t.io(), t.specs())) {
            for (DataFile d : r) {
              f.dataFiles++;
              f.dataBytes += d.fileSizeInBytes();
            }
          }
        } else {
          try (ManifestReader<DeleteFile> r =
              ManifestFiles.readDeleteManifest(m, t.io(), t.specs())) {
            for (DeleteFile d : r) {
              f.deleteFiles++;
              f.deleteBytes += d.fileSizeInBytes();
            }
          }
        }
      }
      return f;
    }

    double deleteShare() {
      return dataBytes == 0 ? 0 : 100.0 * deleteBytes / dataBytes;
    }
  }

  /** The best of three full reads of snapshot {@code s} with deletes applied, and its rows. */
  private static long[] readMillisAndRows(Table t, Snapshot s) throws IOException {
    return bestOfThree(() -> IcebergGenerics.read(t).useSnapshot(s.snapshotId()).build());
  }

  /** The manifests a scan of {@code s} opens: data + delete. */
  private static String manifests(Table t, Snapshot s) {
    return s.dataManifests(t.io()).size() + " + " + s.deleteManifests(t.io()).size();
  }

  /** The best of three plannings of a scan of {@code s}: the read without the files' rows. */
  private static long planningMillis(Table t, Snapshot s) throws IOException {
    return bestOfThree(() -> t.newScan().useSnapshot(s.snapshotId()).planFiles())[0];
  }

  /** The best of three walks through what {@code open} opens, in ms, and the items it held. */
  private static long[] bestOfThree(Supplier<CloseableIterable<?>> open) throws IOException {
    long best = Long.MAX_VALUE;
    long items = 0;
    for (int k = 0; k < 3; k++) {
      long start = System.nanoTime();
      items = 0;
      try (CloseableIterable<?> all = open.get()) {
        for (Object ignored : all) {
          items++;
        }
      }
      best = Math.min(best, (System.nanoTime() - start) / 1_000_000);
    }
    return new long[] {best, items};
  }

  private static long readMillis(Table t, Snapshot s) throws IOException {
    return readMillisAndRows(t, s)[0];
  }

  private static long folderBytes(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
