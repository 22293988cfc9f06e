package io.tributary.local;

import io.tributary.config.ConfigException;
import io.tributary.config.ConfigLoader;
import io.tributary.config.Secrets;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.iceberg.MaintenanceOptions;
import io.tributary.iceberg.OneShotMaintenance;
import io.tributary.iceberg.TableSummary;
import io.tributary.iceberg.TargetTable;
import io.tributary.jobs.Main;
import io.tributary.jobs.TributaryJob;
import io.tributary.jobs.TributaryOptions;
import io.tributary.metrics.Metrics;
import io.tributary.runtime.FlinkEnvironment;
import io.tributary.runtime.JobOptions;
import io.tributary.runtime.RetainedCheckpoints;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar tributary-local.jar [run|show] --config FILE [--group.key value ...]}: runs a
 * job in an embedded Flink, resuming from the newest retained checkpoint of the same configuration
 * (unless {@code --fresh}), then prints what landed; {@code show} prints a table's rows.
 */
public final class Launcher {
  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
  static final String FRESH = "--fresh";
  private static final String SAVEPOINT = StateRecoveryOptions.SAVEPOINT_PATH.key();

  private Launcher() {}

  static final String SYNOPSIS =
      "usage: java -jar tributary-local.jar [run|show] --config FILE [--fresh]"
          + " [--<group>.<key> VALUE ...]\n"
          + "       java -jar tributary-local.jar feed [--bootstrap HOST:PORT] [--topic T]"
          + " [--rate N] [--count N]\n"
          + "  run   runs the job in an embedded Flink, then prints what landed (the default);"
          + " resumes from the newest retained checkpoint of the same configuration, or with"
          + " --fresh starts without state; job.name = maintain maintains the tables once and"
          + " prints what it did\n"
          + "  show  prints the rows and health (files, deletes, snapshots, last maintenance) of"
          + " the job's tables\n"
          + "  feed  writes sample events to a Kafka topic";

  public static void main(String[] args) throws Exception {
    if (ConfigLoader.wantsHelp(args) || (args.length > 0 && args[0].equals("help"))) {
      System.out.print(ConfigLoader.usage(SYNOPSIS, TributaryOptions.ALL, args));
      return;
    }
    boolean named = args.length > 0 && !args[0].startsWith("--");
    String command = named ? args[0] : "run";
    String[] rest = named ? Arrays.copyOfRange(args, 1, args.length) : args;
    try {
      switch (command) {
        case "run":
          run(rest, System.out);
          break;
        case "show":
          show(rest, System.out);
          break;
        case "feed":
          Feed.run(rest);
          break;
        default:
          System.err.println(
              "tributary: unknown command '"
                  + command
                  + "'."
                  + io.tributary.config.ConfigLoader.didYouMean(
                      command, java.util.List.of("run", "show", "feed"))
                  + "\n"
                  + SYNOPSIS);
          System.exit(2);
      }
    } catch (ConfigException e) {
      System.err.println("tributary: " + e.getMessage());
      System.exit(2);
    }
  }

  static void run(String[] given, PrintStream out) throws Exception {
    run(given, out, System.console() != null);
  }

  /**
   * Runs the job, with a progress line unless {@code job.progress = false}: in place on a terminal,
   * a line every 10 s into a pipe; its final figures are this run's, as the summary's.
   */
  static void run(String[] given, PrintStream out, boolean terminal) throws Exception {
    String[] options = Arrays.stream(given).filter(a -> !a.equals(FRESH)).toArray(String[]::new);
    if (Main.isMaintain(options)) {
      // bounded and stateless: nothing to resume from, no progress line, its own summary
      Main.maintain(options, out);
      return;
    }
    List<String> args = new ArrayList<>(Arrays.asList(resume(given, out)));
    TributaryConfig config =
        TributaryConfig.validate(
            ConfigLoader.load(args.toArray(new String[0])).groups, TributaryOptions.ALL);
    IcebergCatalog catalog = IcebergCatalog.fromConfig(config.group(IcebergOptions.GROUP));
    TargetTable target = target(config);
    Progress.Printer printer = null;
    if (config.get(JobOptions.GROUP, JobOptions.PROGRESS)) {
      Progress progress =
          new Progress(catalog.metricsTable(catalog.identifier(target.deadLetters()).toString()));
      args.addAll(progress.arguments());
      printer = progress.start(out, terminal, terminal ? 2_000 : 10_000);
    }
    Main.Run run;
    try {
      run = Main.run(args.toArray(new String[0]));
    } finally {
      if (printer != null) {
        printer.stop();
      }
    }
    List<String> shown = new ArrayList<>(Arrays.asList(given));
    shown.remove(FRESH);
    double seconds = run.millis / 1000.0;
    String jobId = run.result.getJobID().toString();
    String table = run.job.table().name(); // null for cdc: one table per source table
    String deadLetters = run.job.table().deadLetters();
    TableSummary rows = table == null ? null : TableSummary.of(run.job.catalog(), table);
    TableSummary dead = TableSummary.of(run.job.catalog(), deadLetters);
    Long in = run.result.getAccumulatorResult(Metrics.RECORDS_IN);
    long total = in == null ? 0 : in;
    out.printf("%nTributary %s finished in %.1f s%n", run.job.name(), seconds);
    out.printf("  source        %s%n", run.job.source().describe());
    out.printf("  events read   %d%n", total);
    if (rows != null) {
      out.printf(
          "  rows written  %d  -> %s%n",
          TableSummary.addedBy(run.job.catalog(), table, jobId), rows.identifier);
    } else {
      Long stale = run.result.getAccumulatorResult(Metrics.CHANGES_STALE);
      out.printf("  stale changes %d  (older than a key's last applied change)%n", stale);
    }
    out.printf(
        "  dead letters  %d  -> %s%n",
        TableSummary.addedBy(run.job.catalog(), deadLetters, jobId), dead.identifier);
    out.printf(
        "  table totals  %s%d dead letters (every run so far)%n",
        rows == null ? "" : rows.rows + " rows, ", dead.rows);
    out.printf("  throughput    %.0f events/s%n", total / Math.max(seconds, 0.001));
    if (rows != null) {
      out.printf("  location      %s%n", rows.location);
      out.printf("  snapshot id   %d (%d data files)%n", rows.snapshotId, rows.dataFiles);
    }
    out.printf(
        "Look at it:    java -jar local/target/tributary-local.jar show %s%n",
        Secrets.maskCommandLine(shown.toArray(new String[0])));
  }

  /** The job's target: for cdc only the dead-letter table (one table per source table). */
  private static TargetTable target(TributaryConfig config) {
    return config.get(JobOptions.GROUP, JobOptions.NAME) == JobOptions.JobName.CDC
        ? TargetTable.deadLettersOnly(config.group(IcebergOptions.GROUP), "cdc_dead_letters")
        : TargetTable.fromConfig(config.group(IcebergOptions.GROUP));
  }

  /**
   * Every start of the local runner is a new Flink job: without the state of the last one it would
   * read from the Kafka group's committed offsets and duplicate or lose rows. So it resumes from
   * the newest retained checkpoint of the same configuration, says so on its first line of output,
   * and deletes job folders beyond {@code job.checkpoint.keep}. {@code --fresh} starts without
   * state (and the job then refuses if its tables hold a Flink job's commits, unless {@code
   * job.start = fresh-over-existing}). Returns the arguments to run the job with.
   */
  static String[] resume(String[] given, PrintStream out) {
    List<String> args = new ArrayList<>();
    boolean fresh = false;
    for (String a : given) {
      if (a.equals(FRESH)) {
        fresh = true;
      } else {
        args.add(a);
      }
    }
    ConfigLoader.Loaded loaded = ConfigLoader.load(args.toArray(new String[0]));
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    String explicit = FlinkEnvironment.restorePath(config.group(JobOptions.GROUP)).orElse(null);
    if (explicit != null) {
      if (fresh) {
        throw new ConfigException(
            FRESH
                + " and job.flink."
                + SAVEPOINT
                + " contradict each other: drop one (--fresh starts without state).");
      }
      out.println("resuming from " + explicit + " (given with job.flink." + SAVEPOINT + ")");
      return args.toArray(new String[0]);
    }
    int keep = config.get(JobOptions.GROUP, JobOptions.CHECKPOINT_KEEP);
    RetainedCheckpoints checkpoints = TributaryJob.checkpoints(config);
    RetainedCheckpoints.Checkpoint latest = null;
    String problem = null;
    try {
      latest = fresh ? null : checkpoints.latest().orElse(null);
    } catch (IOException | RuntimeException e) {
      problem = e.toString();
    }
    if (latest != null) {
      out.println("resuming from " + latest.path);
      args.add("--job.flink." + SAVEPOINT + "=" + latest.path);
    } else if (fresh) {
      out.println("starting fresh (" + FRESH + "): not resuming from " + checkpoints.dir());
    } else if (problem != null) {
      out.println(
          "starting fresh: cannot look for checkpoints under "
              + checkpoints.dir()
              + ": "
              + problem);
    } else {
      out.println("starting fresh: no checkpoint of this configuration under " + checkpoints.dir());
    }
    if (problem == null) {
      try {
        for (String folder : checkpoints.clean(keep, latest)) {
          LOG.info("Deleted the old checkpoints of {}", folder);
        }
      } catch (IOException e) {
        // old checkpoints take room, but a job can run beside them
        LOG.warn("Could not delete old checkpoints under {}: {}", checkpoints.dir(), e.toString());
      }
    }
    return args.toArray(new String[0]);
  }

  private static OneShotMaintenance oneShot(TributaryConfig config) {
    return io.tributary.runtime.Maintainers.oneShot(
        config.group(MaintenanceOptions.GROUP),
        config.group(IcebergOptions.GROUP),
        config.group(JobOptions.GROUP));
  }

  static void show(String[] args, PrintStream out) throws Exception {
    ConfigLoader.Loaded loaded = ConfigLoader.load(args);
    TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
    IcebergCatalog catalog = IcebergCatalog.fromConfig(config.group(IcebergOptions.GROUP));
    boolean cdc = config.get(JobOptions.GROUP, JobOptions.NAME) == JobOptions.JobName.CDC;
    if (config.get(JobOptions.GROUP, JobOptions.NAME) == JobOptions.JobName.MAINTAIN) {
      for (TableIdentifier id : oneShot(config).tables()) {
        catalog.with(
            c -> {
              if (c.tableExists(id)) {
                print(c.loadTable(id), out, 5, null);
              }
              return null;
            });
      }
      return;
    }
    TargetTable target = target(config);
    catalog.with(
        c -> {
          if (cdc && c instanceof SupportsNamespaces) {
            // one table per source table: show every table in the catalog but the dead letters
            for (Namespace n : ((SupportsNamespaces) c).listNamespaces()) {
              for (TableIdentifier id : c.listTables(n)) {
                if (!id.equals(catalog.identifier(target.deadLetters()))) {
                  print(c.loadTable(id), out, 5, null);
                }
              }
            }
          } else if (!cdc) {
            print(c.loadTable(catalog.identifier(target.name())), out, 10, null);
          }
          print(c.loadTable(catalog.identifier(target.deadLetters())), out, 5, "reason");
          return null;
        });
  }

  private static void print(Table t, PrintStream out, int limit, String countBy) {
    TableSummary s = TableSummary.of(t);
    out.printf(
        "%n%s: %d rows in %d files, snapshot %d%n  %s%n",
        s.identifier, s.rows, s.dataFiles, s.snapshotId, s.location);
    out.println("  partition spec: " + t.spec());
    out.println("  health: " + OneShotMaintenance.Figures.of(t).describe());
    Map<Object, Long> counts = new TreeMap<>();
    int shown = 0;
    try (CloseableIterable<Record> records = IcebergGenerics.read(t).build()) {
      for (Record r : records) {
        if (shown++ < limit) {
          out.println("  " + brief(r));
        }
        if (countBy != null) {
          counts.merge(String.valueOf(r.getField(countBy)), 1L, Long::sum);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (countBy != null && !counts.isEmpty()) {
      out.println("  by " + countBy + ": " + counts);
    }
  }

  private static String brief(Record r) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < r.size(); i++) {
      if (r.struct().fields().get(i).name().startsWith("_")) {
        continue; // metadata columns the reader adds to apply deletes
      }
      Object v = r.get(i);
      String text =
          v instanceof java.nio.ByteBuffer
              ? ((java.nio.ByteBuffer) v).remaining() + " bytes"
              : String.valueOf(v);
      if (text.length() > 60) {
        text = text.substring(0, 57) + "...";
      }
      sb.append(i == 0 ? "" : ", ")
          .append(r.struct().fields().get(i).name())
          .append('=')
          .append(text);
    }
    return sb.append('}').toString();
  }
}
