package io.tributary.window;

import io.tributary.format.FreshRows;
import io.tributary.format.JsonEvents;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RecordRefetch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.datastream.WindowedStream;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.OutputTag;

/**
 * Keyed event-time windows with Flink's window operator: incremental aggregation, allowed lateness
 * (late firings update the row), state cleaned up when a window can no longer change, and events
 * later than that split off as dead letters.
 */
public final class EventWindows {
  private EventWindows() {}

  /** Window rows (one per key, window and firing) and the too-late events. */
  public static final class Aggregated {
    private final DataStream<RowData> rows;
    private final DataStream<DeadLetter> tooLate;

    Aggregated(DataStream<RowData> rows, DataStream<DeadLetter> tooLate) {
      this.rows = rows;
      this.tooLate = tooLate;
    }

    public DataStream<RowData> rows() {
      return rows;
    }

    public DataStream<DeadLetter> tooLate() {
      return tooLate;
    }
  }

  /** Windows for an unbounded run: lateness judged by the job's watermark. */
  public static Aggregated aggregate(DataStream<RowData> events, WindowSpec spec, String job) {
    return aggregate(events, spec, job, null, null);
  }

  /**
   * @param events rows of the event schema with {@link JsonEvents#SOURCE_COLUMNS} appended
   * @param boundedOutOfOrderness for a bounded run, the readers' out-of-orderness: lateness is then
   *     judged per source partition ({@link PartitionLateness}), so replays give the same table;
   *     null for an unbounded run
   * @param refetch how to read a record again by its coordinates, or null if the source cannot:
   *     with one, only the columns the windows read go through the shuffle ({@link WindowColumns})
   *     and a too-late event's dead letter holds the record re-read from the source; without, every
   *     column goes, for that dead letter's payload
   */
  public static Aggregated aggregate(
      DataStream<RowData> events,
      WindowSpec spec,
      String job,
      Duration boundedOutOfOrderness,
      RecordRefetch refetch) {
    int fields = spec.eventType.getFieldCount();
    RowType eventType = JsonEvents.withSourceColumns(spec.eventType);
    long lateness = spec.allowedLateness.toMillis();
    WindowAssigner<Object, TimeWindow> assigner = spec.assigner();
    DataStream<RowData> input = events;
    DataStream<DeadLetter> lateInPartition = null;
    if (boundedOutOfOrderness != null) {
      List<RowType.RowField> withWatermark = new ArrayList<>(eventType.getFields());
      withWatermark.add(new RowType.RowField("__partition_watermark", new BigIntType(false)));
      eventType = new RowType(withWatermark);
      OutputTag<RowData> tag = new OutputTag<>("late-in-partition", FreshRows.of(eventType));
      SingleOutputStreamOperator<RowData> judged =
          events
              .process(
                  new PartitionLateness(
                      assigner, boundedOutOfOrderness.toMillis(), lateness, fields, tag),
                  FreshRows.of(eventType))
              .name("lateness per partition")
              .uid("partition-lateness");
      input = judged;
      lateInPartition =
          judged
              .getSideOutput(tag)
              .process(
                  new TooLate(
                      job,
                      spec.eventType,
                      spec.allowedLateness,
                      fields + SOURCE_COLUMN_COUNT,
                      null,
                      null))
              .returns(TypeInformation.of(DeadLetter.class))
              .name("too late in its partition")
              .uid("too-late-in-partition");
      if (spec.type == WindowOptions.WindowType.HOPPING) {
        assigner = new OpenWindows(assigner, lateness, fields + SOURCE_COLUMN_COUNT);
      }
    }
    int[] carried = null; // every event column
    if (refetch != null) {
      WindowColumns columns = WindowColumns.of(spec, eventType, fields);
      carried = columns.eventColumns(fields);
      input =
          input
              .map(columns)
              .returns(FreshRows.of(eventType))
              .name("columns the windows read")
              .uid("window-columns");
    }
    OutputTag<RowData> lateTag = new OutputTag<>("too-late", FreshRows.of(eventType));
    WindowAggregateFunction aggregate =
        new WindowAggregateFunction(spec.aggregates, spec.eventType);
    WindowedStream<RowData, RowData, TimeWindow> windows =
        input
            .keyBy(
                new KeyFields(spec.keyFields, spec.eventType, spec.keyType()),
                InternalTypeInfo.of(spec.keyType()))
            .window(assigner)
            .allowedLateness(spec.allowedLateness)
            .sideOutputLateData(lateTag);
    if (spec.earlyFire != null) {
      windows = windows.trigger(new EarlyFiringTrigger(spec.earlyFire.toMillis()));
    }
    SingleOutputStreamOperator<RowData> rows =
        windows
            .aggregate(
                aggregate,
                new WindowResult(spec.keyType(), spec.aggregates.size()),
                InternalTypeInfo.of(aggregate.accumulatorType()),
                resultType(spec),
                InternalTypeInfo.of(spec.outputType()))
            .name("window: " + spec)
            .uid("window");
    DataStream<DeadLetter> late =
        rows.getSideOutput(lateTag)
            .process(new TooLate(job, spec.eventType, spec.allowedLateness, -1, refetch, carried))
            .returns(TypeInformation.of(DeadLetter.class))
            .name("too late")
            .uid("too-late");
    return new Aggregated(rows, lateInPartition == null ? late : late.union(lateInPartition));
  }

  private static final int SOURCE_COLUMN_COUNT = JsonEvents.SOURCE_COLUMNS.size();

  private static TypeInformation<RowData> resultType(WindowSpec spec) {
    org.apache.flink.table.types.logical.LogicalType[] types =
        new org.apache.flink.table.types.logical.LogicalType[spec.aggregates.size()];
    for (int i = 0; i < types.length; i++) {
      types[i] = spec.aggregates.get(i).resultType;
    }
    return InternalTypeInfo.of(RowType.of(types));
  }

  static String describe(Duration d) {
    return org.apache.flink.util.TimeUtils.formatWithHighestUnit(d);
  }
}
