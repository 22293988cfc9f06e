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

  private Metrics() {}

  public static MetricGroup group(RuntimeContext ctx, String job) {
    return ctx.getMetricGroup().addGroup("kinesisanalytics").addGroup("Job", job);
  }

  public static Counter counter(RuntimeContext ctx, String job, String name) {
    return group(ctx, job).counter(name);
  }
}
