package io.tributary.window;

import io.tributary.format.EventSchema;
import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.RowType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The aggregate job's per-event work: adding one event to a window's accumulator, for the
 * aggregates of the README's worked example and with an exact distinct count on top. (In this
 * package: the function's constructor is package-private.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class WindowAggregateBenchmarks {
  private WindowAggregateFunction simple;
  private WindowAggregateFunction withDistinct;
  private RowData simpleAcc;
  private RowData distinctAcc;
  private RowData[] events;
  private int next;

  @Setup
  public void setUp() {
    RowType schema =
        EventSchema.parse(
            "user_id STRING NOT NULL, amount DECIMAL(12, 2), qty INT, ts TIMESTAMP_LTZ(3) NOT NULL");
    simple =
        new WindowAggregateFunction(
            AggregateSpec.parse(
                "count(*) AS n, sum(amount) AS total, avg(amount) AS mean, max(qty) AS most",
                schema),
            schema);
    withDistinct =
        new WindowAggregateFunction(
            AggregateSpec.parse("count(*) AS n, count_distinct(user_id) AS users", schema), schema);
    simpleAcc = simple.createAccumulator();
    distinctAcc = withDistinct.createAccumulator();
    events = new RowData[1024];
    for (int i = 0; i < events.length; i++) {
      events[i] =
          GenericRowData.of(
              StringData.fromString("u-" + (i % 300)),
              DecimalData.fromBigDecimal(BigDecimal.valueOf(i * 37L % 10_000, 2), 12, 2),
              i % 5,
              TimestampData.fromEpochMillis(1_700_000_000_000L + i));
    }
  }

  private RowData nextEvent() {
    next = (next + 1) & (events.length - 1);
    return events[next];
  }

  /** count, sum, avg and max of DECIMAL and INT fields. */
  @Benchmark
  public RowData addSimpleAggregates() {
    simpleAcc = simple.add(nextEvent(), simpleAcc);
    return simpleAcc;
  }

  /** count and an exact distinct count over 300 users. */
  @Benchmark
  public RowData addExactDistinct() {
    distinctAcc = withDistinct.add(nextEvent(), distinctAcc);
    return distinctAcc;
  }
}
