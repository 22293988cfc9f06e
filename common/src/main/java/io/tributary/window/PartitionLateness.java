package io.tributary.window;

import io.tributary.format.JsonEvents;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Lateness for bounded runs, judged per source partition so that a replay of the same input gives
 * the same table every time.
 *
 * <p>Flink's window operator judges lateness against the job's watermark, the minimum over every
 * reader, which depends on how fast each partition happened to be read: the same backfill dropped
 * 0, 2 or 3 of 26 late events from run to run. Here each event is judged against the watermark of
 * its own partition before it, the same bounded-out-of-orderness rule the readers use, which only
 * the partition's own order decides. The job's watermark is never ahead of a partition's (without
 * idleness, which bounded runs switch off), so a window open by this rule is still open in the
 * window operator: what is dropped here is exactly what is dropped, every run.
 *
 * <p>Each row goes on with that partition watermark appended as a BIGINT column, so that hopping
 * windows leave out exactly the windows that were closed for it ({@link OpenWindows}). Events all
 * of whose windows are closed go to {@code late} with the watermark appended too.
 */
final class PartitionLateness extends ProcessFunction<RowData, RowData>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;

  /** Event-time assigners ask only for the wall clock, if at all. */
  private static final WindowAssigner.WindowAssignerContext CLOCK =
      new WindowAssigner.WindowAssignerContext() {
        @Override
        public long getCurrentProcessingTime() {
          return System.currentTimeMillis();
        }
      };

  private final WindowAssigner<Object, TimeWindow> assigner;
  private final long outOfOrderness;
  private final long allowedLateness;
  private final int sourceStream;
  private final OutputTag<RowData> late;
  private transient Map<String, Long> maxTimestamps;
  private transient ListState<Tuple2<String, Long>> state;

  /**
   * @param eventFields how many fields the event has before its {@link JsonEvents#SOURCE_COLUMNS}
   */
  PartitionLateness(
      WindowAssigner<Object, TimeWindow> assigner,
      long outOfOrderness,
      long allowedLateness,
      int eventFields,
      OutputTag<RowData> late) {
    this.assigner = assigner;
    this.outOfOrderness = outOfOrderness;
    this.allowedLateness = allowedLateness;
    this.sourceStream = eventFields + 1;
    this.late = late;
  }

  @Override
  public void processElement(RowData event, Context ctx, Collector<RowData> out) {
    String partition =
        event.getString(sourceStream).toString() + '/' + event.getString(sourceStream + 1);
    long ts = ctx.timestamp();
    Long max = maxTimestamps.get(partition);
    // the watermark the partition's reader had emitted before this event, at the latest
    long watermark = max == null ? Long.MIN_VALUE : max - outOfOrderness - 1;
    if (max == null || ts > max) {
      maxTimestamps.put(partition, ts);
    }
    RowData row = new JoinedRowData(event, GenericRowData.of(watermark));
    if (anyOpen(assigner.assignWindows(event, ts, CLOCK), watermark, allowedLateness)) {
      out.collect(row);
    } else {
      ctx.output(late, row);
    }
  }

  /** Flink's window operator's own rule: a window is late once max + lateness <= watermark. */
  static boolean isOpen(TimeWindow w, long watermark, long allowedLateness) {
    return w.maxTimestamp() + allowedLateness > watermark;
  }

  private static boolean anyOpen(
      Collection<TimeWindow> windows, long watermark, long allowedLateness) {
    for (TimeWindow w : windows) {
      if (isOpen(w, watermark, allowedLateness)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    List<Tuple2<String, Long>> all = new ArrayList<>();
    maxTimestamps.forEach((k, v) -> all.add(Tuple2.of(k, v)));
    state.update(all);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    // Not union state: Flink cannot checkpoint union state once some readers have finished, which
    // bounded runs do. After a restore a partition's entry may land on another subtask than its
    // reader; that reader then starts that partition afresh (laxer, never stricter).
    state =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "partition-max-timestamps",
                    TypeInformation.of(new TypeHint<Tuple2<String, Long>>() {})));
    maxTimestamps = new HashMap<>();
    for (Tuple2<String, Long> t : state.get()) {
      maxTimestamps.merge(t.f0, t.f1, Math::max);
    }
  }
}
