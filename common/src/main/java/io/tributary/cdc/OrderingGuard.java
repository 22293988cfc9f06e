package io.tributary.cdc;

import io.tributary.metrics.Metrics;
import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import java.time.Duration;
import java.util.Arrays;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Per (table, primary key), remembers the source position of the last change let through and drops
 * older ones (counted as stale). A restart, a replayed backfill, a duplicate from an at-least-once
 * producer, or a key whose changes crossed Kafka partitions therefore never moves a row backwards.
 *
 * <p>Changes at the same position pass: replaying the very change that set a row's state rewrites
 * the same state, and some logs (MySQL's binlog position, DMS timestamps) give several changes of
 * one transaction one position. Deleted keys keep their position, so a stale insert cannot
 * resurrect them. The state expires after {@code cdc.ordering.state-ttl} without changes.
 *
 * <p>With {@code cdc.stale-changes = dead-letter}, each dropped change also leaves by the
 * dead-letter side output (reason stale), naming the key's applied position and its own.
 */
public final class OrderingGuard extends KeyedProcessFunction<String, RowChange, RowChange> {
  private static final long serialVersionUID = 1L;

  private final String job;
  private final Duration ttl;
  private final CdcOptions.StaleChanges staleChanges;
  private final OutputTag<DeadLetter> deadLetters;
  private transient ValueState<long[]> last;
  private transient Counter stale;
  private transient LongCounter staleTotal;
  private transient Counter applied;
  // per table: {stale, applied}, under Table=<table>
  private transient java.util.Map<String, Counter[]> byTable;

  /** Drops stale changes, counting them. */
  public OrderingGuard(String job, Duration ttl) {
    this(job, ttl, CdcOptions.StaleChanges.DROP, null);
  }

  /**
   * @param deadLetters where stale changes go with {@link CdcOptions.StaleChanges#DEAD_LETTER}
   */
  public OrderingGuard(
      String job,
      Duration ttl,
      CdcOptions.StaleChanges staleChanges,
      OutputTag<DeadLetter> deadLetters) {
    if (staleChanges == CdcOptions.StaleChanges.DEAD_LETTER && deadLetters == null) {
      throw new IllegalArgumentException("dead-lettering stale changes needs an output tag");
    }
    this.job = job;
    this.ttl = ttl;
    this.staleChanges = staleChanges;
    this.deadLetters = deadLetters;
  }

  @Override
  public void open(Configuration parameters) {
    ValueStateDescriptor<long[]> d =
        new ValueStateDescriptor<>(
            "last-applied-position", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
    if (!ttl.isZero()) {
      d.enableTimeToLive(
          StateTtlConfig.newBuilder(ttl)
              .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
              .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
              // Heap state sweeps for expired keys on every access: Flink's default of 5 entries
              // per access was 8% of the job's CPU (JFR, docs/benchmarks.md). One entry per
              // access still visits every key once per as many changes as there are keys;
              // expired positions are never returned either way.
              .cleanupIncrementally(1, false)
              .build());
    }
    last = getRuntimeContext().getState(d);
    stale = Metrics.counter(getRuntimeContext(), job, Metrics.CHANGES_STALE);
    applied = Metrics.counter(getRuntimeContext(), job, Metrics.CHANGES_APPLIED);
    byTable = new java.util.HashMap<>();
    staleTotal = new LongCounter();
    getRuntimeContext().addAccumulator(Metrics.CHANGES_STALE, staleTotal);
  }

  @Override
  public void processElement(RowChange change, Context ctx, Collector<RowChange> out)
      throws Exception {
    long[] previous = last.value();
    if (previous != null && ChangeEvent.comparePositions(change.position, previous) < 0) {
      stale.inc();
      counters(change.table)[0].inc();
      staleTotal.add(1);
      if (staleChanges == CdcOptions.StaleChanges.DEAD_LETTER) {
        ctx.output(
            deadLetters,
            change.deadLetter(
                job,
                Reason.STALE,
                change.table
                    + " key "
                    + change.describeKey()
                    + " is at position "
                    + Arrays.toString(previous)
                    + "; this change is older, at "
                    + Arrays.toString(change.position)));
      }
      return;
    }
    last.update(change.position);
    applied.inc();
    counters(change.table)[1].inc();
    out.collect(change);
  }

  private Counter[] counters(String table) {
    return byTable.computeIfAbsent(
        table,
        t -> {
          org.apache.flink.metrics.MetricGroup g =
              Metrics.table(Metrics.group(getRuntimeContext(), job), t);
          return new Counter[] {
            g.counter(Metrics.CHANGES_STALE), g.counter(Metrics.CHANGES_APPLIED)
          };
        });
  }
}
