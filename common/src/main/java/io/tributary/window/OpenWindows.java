package io.tributary.window;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.table.data.RowData;

/**
 * A bounded run's hopping windows: of an event's windows, only those still open by its partition's
 * watermark ({@link PartitionLateness}, appended to the row), so that which windows an event counts
 * in does not depend on how fast other partitions were read. {@link PartitionLateness} passes only
 * events with at least one open window, so no event is left without a window here.
 */
final class OpenWindows extends WindowAssigner<Object, TimeWindow> {
  private static final long serialVersionUID = 1L;

  private final WindowAssigner<Object, TimeWindow> inner;
  private final long allowedLateness;
  private final int watermarkColumn;

  OpenWindows(WindowAssigner<Object, TimeWindow> inner, long allowedLateness, int watermarkColumn) {
    this.inner = inner;
    this.allowedLateness = allowedLateness;
    this.watermarkColumn = watermarkColumn;
  }

  @Override
  public Collection<TimeWindow> assignWindows(
      Object element, long timestamp, WindowAssignerContext context) {
    long watermark = ((RowData) element).getLong(watermarkColumn);
    List<TimeWindow> open = new ArrayList<>();
    for (TimeWindow w : inner.assignWindows(element, timestamp, context)) {
      if (PartitionLateness.isOpen(w, watermark, allowedLateness)) {
        open.add(w);
      }
    }
    return open;
  }

  @Override
  public Trigger<Object, TimeWindow> getDefaultTrigger() {
    return inner.getDefaultTrigger();
  }

  @Override
  @SuppressWarnings("deprecation") // still abstract in Flink 1.20
  public Trigger<Object, TimeWindow> getDefaultTrigger(
      org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env) {
    return inner.getDefaultTrigger(env);
  }

  @Override
  public TypeSerializer<TimeWindow> getWindowSerializer(ExecutionConfig executionConfig) {
    return inner.getWindowSerializer(executionConfig);
  }

  @Override
  public boolean isEventTime() {
    return true;
  }

  @Override
  public String toString() {
    return inner.toString();
  }
}
