package io.tributary.iceberg;

import io.tributary.metrics.Metrics;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.metrics.CommitMetricsResult;
import org.apache.iceberg.metrics.CommitReport;
import org.apache.iceberg.metrics.CounterResult;
import org.apache.iceberg.metrics.MetricsReport;
import org.apache.iceberg.metrics.MetricsReporter;
import org.apache.iceberg.metrics.TimerResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Iceberg commit metrics per table, from the commit reports Iceberg itself produces.
 *
 * <p>Why reports and not snapshot summaries: every commit of every table through the job's catalog
 * (Iceberg's {@code FlinkSink}, the dynamic sink of cdc, the dead-letter sink) goes through {@code
 * SnapshotProducer}, which hands a {@link CommitReport} to the catalog's {@code
 * metrics-reporter-impl} once the commit succeeded. It carries what a summary has (files, records,
 * bytes) and what no summary has: the commit's duration. Nothing is read back from the catalog.
 *
 * <p>How they reach Flink: the catalog builds {@link Reporter} by reflection, in whichever task
 * commits, without any Flink context. So the reporter records into a JVM-wide scope named by a
 * catalog property that is unique per job graph ({@link #configure}), and an operator of the same
 * job in the same JVM ({@link CommitWatch}) lends its metric group: the first one registered owns
 * the gauges. Flink's default slot sharing puts a subtask of every operator into the committer's
 * slot, so such an operator is always there.
 */
public final class CommitMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(CommitMetrics.class);

  /** Catalog property: the scope the reporter records into. */
  public static final String SCOPE_PROPERTY = "tributary.metrics.scope";

  /** Catalog property: the catalog's name, which Iceberg puts in front of reported table names. */
  public static final String CATALOG_PROPERTY = "tributary.metrics.catalog";

  /** Catalog property: the job's database; its tables are named without it ({@link #table}). */
  public static final String DATABASE_PROPERTY = "tributary.metrics.database";

  private static final Map<String, Scope> SCOPES = new ConcurrentHashMap<>();

  private CommitMetrics() {}

  /**
   * Adds the reporter to a catalog's properties unless the user configured another one (whose
   * reports then replace these metrics). Returns the scope, or null when not added.
   */
  public static String configure(
      Map<String, String> catalogProperties, String catalogName, String database) {
    if (catalogProperties.containsKey(CatalogProperties.METRICS_REPORTER_IMPL)) {
      return null;
    }
    String scope = UUID.randomUUID().toString();
    catalogProperties.put(CatalogProperties.METRICS_REPORTER_IMPL, Reporter.class.getName());
    catalogProperties.put(SCOPE_PROPERTY, scope);
    catalogProperties.put(CATALOG_PROPERTY, catalogName);
    catalogProperties.put(DATABASE_PROPERTY, database);
    return scope;
  }

  /** What the last commits of one table did; read by gauges, written by the committer's thread. */
  public static final class TableCommits {
    final SimpleCounter commits = new SimpleCounter();
    final SimpleCounter committedRecords = new SimpleCounter();
    volatile long lastCommitAt = -1;
    volatile long durationMillis;
    volatile long dataFiles;
    volatile long deleteFiles;
    volatile long bytes;
    volatile long records;
    // the table's health: its current snapshot's totals, from the last commit report
    volatile long totalDataFiles = -1;
    volatile long totalDeleteFiles = -1;
    volatile long totalEqualityDeletes = -1;
    volatile long totalBytes = -1;
    // snapshots retained: read at each maintenance lock change, plus one per commit since
    volatile long snapshots = -1;
    volatile long lastMaintenanceMillis = -1;
    volatile long lastMaintenanceOutcome = -1;

    public long commits() {
      return commits.getCount();
    }

    public long committedRecords() {
      return committedRecords.getCount();
    }

    public long snapshots() {
      return snapshots;
    }
  }

  private static final class Scope {
    final long createdAt = System.currentTimeMillis();
    final Map<String, TableCommits> tables = new ConcurrentHashMap<>();
    Object owner;
    MetricGroup group;
  }

  /**
   * Makes {@code owner}'s job group carry the commit gauges of {@code scope}, unless another
   * operator in this JVM does already. {@code tables} get their gauges now, before any commit, so
   * that time since the last commit grows from the start when nothing commits.
   */
  public static synchronized void register(
      String scope, Object owner, MetricGroup jobGroup, Iterable<String> tables) {
    Scope s = SCOPES.computeIfAbsent(scope, k -> new Scope());
    for (String t : tables) {
      s.tables.computeIfAbsent(t, k -> new TableCommits());
    }
    if (s.owner != null) {
      return;
    }
    s.owner = owner;
    s.group = jobGroup;
    s.tables.forEach((t, c) -> gauges(s, t, c));
  }

  /** Releases ownership; the next operator to register takes the gauges over. */
  public static synchronized void unregister(String scope, Object owner) {
    Scope s = SCOPES.get(scope);
    if (s != null && s.owner == owner) {
      s.owner = null;
      s.group = null;
    }
  }

  /** This JVM's record of a table's commits in a scope, or null. For tests and the local runner. */
  public static TableCommits of(String scope, String table) {
    Scope s = SCOPES.get(scope);
    return s == null ? null : s.tables.get(table);
  }

  private static TableCommits table(String scope, String table) {
    Scope s = SCOPES.computeIfAbsent(scope, k -> new Scope());
    TableCommits c = s.tables.get(table);
    if (c == null) {
      c = new TableCommits();
      s.tables.put(table, c);
      if (s.group != null) {
        gauges(s, table, c);
      }
    }
    return c;
  }

  /** The table's snapshots as its metadata lists them now (read by the maintenance lock). */
  public static synchronized void snapshots(String scope, String table, long snapshots) {
    table(scope, table).snapshots = snapshots;
  }

  /**
   * A maintenance run of the table ended: how long it held the lock, whether it completed, and the
   * snapshots the table keeps after it.
   */
  public static synchronized void maintenanceRun(
      String scope, String table, long millis, boolean completed, long snapshots) {
    TableCommits c = table(scope, table);
    c.lastMaintenanceMillis = millis;
    c.lastMaintenanceOutcome = completed ? 1 : 0;
    c.snapshots = snapshots;
  }

  static synchronized void record(String scope, String table, CommitReport report, long now) {
    TableCommits c = table(scope, table);
    CommitMetricsResult m = report.commitMetrics();
    TimerResult duration = m.totalDuration();
    c.durationMillis = duration == null ? 0 : duration.totalDuration().toMillis();
    c.dataFiles = count(m.addedDataFiles());
    c.deleteFiles = count(m.addedDeleteFiles());
    c.bytes = count(m.addedFilesSizeInBytes());
    c.records = count(m.addedRecords());
    c.totalDataFiles = total(m.totalDataFiles(), c.totalDataFiles);
    c.totalDeleteFiles = total(m.totalDeleteFiles(), c.totalDeleteFiles);
    c.totalEqualityDeletes = total(m.totalEqualityDeletes(), c.totalEqualityDeletes);
    c.totalBytes = total(m.totalFilesSizeInBytes(), c.totalBytes);
    if (c.snapshots >= 0) {
      c.snapshots++;
    }
    c.lastCommitAt = now;
    c.committedRecords.inc(c.records);
    c.commits.inc();
    LOG.info(
        "Committed snapshot {} of {} ({}): {} data files, {} delete files, {} records, {} bytes"
            + " in {} ms",
        report.snapshotId(),
        table,
        report.operation(),
        c.dataFiles,
        c.deleteFiles,
        c.records,
        c.bytes,
        c.durationMillis);
  }

  private static void gauges(Scope s, String table, TableCommits c) {
    MetricGroup g = Metrics.table(s.group, table);
    g.counter(Metrics.COMMITS, c.commits);
    g.counter(Metrics.COMMITTED_RECORDS, c.committedRecords);
    g.gauge(
        Metrics.MILLIS_SINCE_LAST_COMMIT,
        () -> System.currentTimeMillis() - (c.lastCommitAt < 0 ? s.createdAt : c.lastCommitAt));
    g.gauge(Metrics.COMMIT_DURATION_MILLIS, () -> c.durationMillis);
    g.gauge(Metrics.COMMIT_DATA_FILES, () -> c.dataFiles);
    g.gauge(Metrics.COMMIT_DELETE_FILES, () -> c.deleteFiles);
    g.gauge(Metrics.COMMIT_BYTES, () -> c.bytes);
    g.gauge(Metrics.COMMIT_RECORDS, () -> c.records);
    g.gauge(Metrics.TABLE_DATA_FILES, () -> c.totalDataFiles);
    g.gauge(Metrics.TABLE_DELETE_FILES, () -> c.totalDeleteFiles);
    g.gauge(Metrics.TABLE_EQUALITY_DELETES, () -> c.totalEqualityDeletes);
    g.gauge(
        Metrics.TABLE_AVERAGE_FILE_BYTES,
        () -> c.totalDataFiles <= 0 || c.totalBytes < 0 ? -1 : c.totalBytes / c.totalDataFiles);
    g.gauge(Metrics.TABLE_SNAPSHOTS, () -> c.snapshots);
    g.gauge(Metrics.MAINTENANCE_LAST_RUN_MILLIS, () -> c.lastMaintenanceMillis);
    g.gauge(Metrics.MAINTENANCE_LAST_RUN_OUTCOME, () -> c.lastMaintenanceOutcome);
  }

  /** A total the report carries, or the last one known when the summary had none. */
  private static long total(CounterResult r, long known) {
    return r == null ? known : r.value();
  }

  private static long count(CounterResult r) {
    return r == null ? 0 : r.value();
  }

  /**
   * A table's {@code Table} value: its name as the configuration gives it, i.e. without the
   * catalog's name and without the job's database ({@code iceberg.database}): {@code events} for
   * {@code tributary.demo.events} with database {@code demo}; a table of another namespace (a cdc
   * mirror) keeps it: {@code app.public_items}.
   */
  public static String table(String reported, String catalog, String database) {
    return strip(strip(reported, catalog), database);
  }

  private static String strip(String name, String prefix) {
    if (prefix != null
        && name.length() > prefix.length() + 1
        && name.startsWith(prefix)
        && (name.charAt(prefix.length()) == '.' || name.charAt(prefix.length()) == '/')) {
      return name.substring(prefix.length() + 1);
    }
    return name;
  }

  /**
   * The catalog's {@code metrics-reporter-impl}: built by Iceberg, with the catalog's properties.
   */
  public static final class Reporter implements MetricsReporter {
    private String scope;
    private String catalog;
    private String database;

    @Override
    public void initialize(Map<String, String> properties) {
      scope = properties.get(SCOPE_PROPERTY);
      catalog = properties.get(CATALOG_PROPERTY);
      database = properties.get(DATABASE_PROPERTY);
    }

    @Override
    public void report(MetricsReport report) {
      if (scope != null && report instanceof CommitReport) {
        CommitReport r = (CommitReport) report;
        record(scope, table(r.tableName(), catalog, database), r, System.currentTimeMillis());
      }
    }
  }
}
