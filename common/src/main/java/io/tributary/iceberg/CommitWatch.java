package io.tributary.iceberg;

import io.tributary.metrics.Metrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Passes records through, just before an Iceberg sink, and publishes per table how fresh the
 * committed data is ({@link Metrics#FRESHNESS_MILLIS}); lends its metric group to the commit gauges
 * of {@link CommitMetrics}.
 *
 * <p>Freshness is now minus the newest record timestamp (the event time the job assigned, or the
 * source's own timestamp: Kafka's record time, Kinesis' arrival time) in a completed checkpoint.
 * The sink commits what a checkpoint covers when that checkpoint completes: the newest timestamp
 * this operator saw before checkpoint N's barrier is remembered in {@code snapshotState(N)} and
 * published on {@code notifyCheckpointComplete(N)}, the notification on which Iceberg commits. Each
 * subtask publishes its own: the table's freshness is the minimum over subtasks. A subtask that has
 * not committed a record with a timestamp yet has no gauge.
 *
 * <p>Stateless: what is pending is published again with the next completed checkpoint after a
 * restart, from the records read again; its uid only keeps savepoints matching.
 */
public final class CommitWatch<T> extends AbstractStreamOperator<T>
    implements OneInputStreamOperator<T, T> {
  private static final long serialVersionUID = 1L;

  private final String job;
  private final String scope;
  private final KeySelector<T, String> tableOf;
  private final List<String> tables;

  private transient Map<String, Long> newest;
  private transient TreeMap<Long, Map<String, Long>> pending;
  private transient Map<String, AtomicLong> committed;
  private transient MetricGroup group;

  /**
   * @param scope the catalog's {@link CommitMetrics} scope, or null for freshness only
   * @param tableOf a record's table, as its metrics name it (IcebergCatalog#metricsTable)
   * @param tables the tables known before the job runs
   */
  private CommitWatch(
      String job, String scope, KeySelector<T, String> tableOf, Collection<String> tables) {
    this.job = job;
    this.scope = scope;
    this.tableOf = tableOf;
    this.tables = new ArrayList<>(tables);
    this.chainingStrategy = ChainingStrategy.ALWAYS;
  }

  /** Inserts the watch before a sink; {@code uid} must be new and stable. */
  public static <T> DataStream<T> before(
      DataStream<T> stream,
      String uid,
      String job,
      String scope,
      KeySelector<T, String> tableOf,
      Collection<String> tables) {
    return stream
        .transform(
            "commit metrics", stream.getType(), new CommitWatch<>(job, scope, tableOf, tables))
        .uid(uid)
        .setParallelism(stream.getParallelism());
  }

  /** A selector naming one table for every record. */
  public static <T> KeySelector<T, String> always(String table) {
    return r -> table;
  }

  @Override
  public void open() throws Exception {
    super.open();
    newest = new HashMap<>();
    pending = new TreeMap<>();
    committed = new HashMap<>();
    group = Metrics.group(getRuntimeContext(), job);
    if (scope != null) {
      CommitMetrics.register(scope, this, group, tables);
    }
  }

  @Override
  public void processElement(StreamRecord<T> record) throws Exception {
    if (record.hasTimestamp()) {
      newest.merge(tableOf.getKey(record.getValue()), record.getTimestamp(), Math::max);
    }
    output.collect(record);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    pending.put(context.getCheckpointId(), new HashMap<>(newest));
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    Iterator<Map.Entry<Long, Map<String, Long>>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Map<String, Long>> e = it.next();
      if (e.getKey() > checkpointId) {
        break;
      }
      e.getValue().forEach(this::publish);
      it.remove();
    }
  }

  private void publish(String table, long timestamp) {
    AtomicLong at = committed.get(table);
    if (at == null) {
      AtomicLong fresh = new AtomicLong(timestamp);
      committed.put(table, fresh);
      Metrics.table(group, table)
          .gauge(Metrics.FRESHNESS_MILLIS, () -> System.currentTimeMillis() - fresh.get());
    } else {
      at.accumulateAndGet(timestamp, Math::max);
    }
  }

  @Override
  public void close() throws Exception {
    if (scope != null) {
      CommitMetrics.unregister(scope, this);
    }
    super.close();
  }
}
