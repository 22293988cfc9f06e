package io.tributary.runtime;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Tributary's counters. They live under the group {@code kinesisanalytics}, the one group Amazon
 * Managed Service for Apache Flink exports to CloudWatch; elsewhere it is just a name.
 */
public final class Metrics {
  /** Also an accumulator of the same name: the job's result carries the total. */
  public static final String RECORDS_IN = "tributaryRecordsIn";

  public static final String RECORDS_VALID = "tributaryRecordsValid";
  public static final String RECORDS_DEAD_LETTERED = "tributaryRecordsDeadLettered";
  public static final String RECORDS_LATE = "tributaryRecordsLate";

  /** Later than the allowed lateness: dead-lettered by the aggregate job. */
  public static final String RECORDS_TOO_LATE = "tributaryRecordsTooLate";

  /** Changes older than the last applied one for their key; also an accumulator. */
  public static final String CHANGES_STALE = "tributaryChangesStale";

  /** Changes handed to the upsert sink (a key change counts twice). */
  public static final String CHANGES_APPLIED = "tributaryChangesApplied";

  /** Debezium tombstones and DMS control records: read, never applied as rows. */
  public static final String RECORDS_SKIPPED = "tributaryRecordsSkipped";

  // Names below are a contract with deploy/ (alarms, dashboard) and the metrics reference; the
  // code that emits them may still be in progress, see docs/operations.md.

  /** Sub-group key: per-table metrics live under {@code Job=<job>, Table=<table>}. */
  public static final String TABLE_KEY = "Table";

  /** Sub-group key: per-reason dead-letter metrics live under {@code Job=<job>, Reason=<r>}. */
  public static final String REASON_KEY = "Reason";

  /** Kafka: records behind the log end, maximum over this subtask's partitions (gauge). */
  public static final String SOURCE_RECORDS_LAG_MAX = "tributarySourceRecordsLagMax";

  /** Kinesis: millisBehindLatest, maximum over this subtask's shards (gauge). */
  public static final String SOURCE_MILLIS_BEHIND_LATEST_MAX =
      "tributarySourceMillisBehindLatestMax";

  /** Per table: now minus the newest event time (or source time) committed (gauge, ms). */
  public static final String FRESHNESS_MILLIS = "tributaryFreshnessMillis";

  /** Per table: time since the last successful Iceberg commit (gauge, ms). */
  public static final String MILLIS_SINCE_LAST_COMMIT = "tributaryMillisSinceLastCommit";

  /** Per table: successful Iceberg commits (counter). */
  public static final String COMMITS = "tributaryCommits";

  /** Per table, last commit (gauges). */
  public static final String COMMIT_DURATION_MILLIS = "tributaryCommitDurationMillis";

  public static final String COMMIT_DATA_FILES = "tributaryCommitDataFiles";
  public static final String COMMIT_DELETE_FILES = "tributaryCommitDeleteFiles";
  public static final String COMMIT_BYTES = "tributaryCommitBytes";
  public static final String COMMIT_RECORDS = "tributaryCommitRecords";

  /** Per reason: dead letters per second (meter). */
  public static final String DEAD_LETTERS_PER_SECOND = "tributaryDeadLettersPerSecond";

  /** cdc: tables created and tables whose schema evolved while the job ran (counters). */
  public static final String TABLES_CREATED = "tributaryTablesCreated";

  public static final String TABLES_EVOLVED = "tributaryTablesEvolved";

  private Metrics() {}

  public static MetricGroup group(RuntimeContext ctx, String job) {
    return ctx.getMetricGroup().addGroup("kinesisanalytics").addGroup("Job", job);
  }

  public static Counter counter(RuntimeContext ctx, String job, String name) {
    return group(ctx, job).counter(name);
  }
}
