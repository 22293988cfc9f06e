package io.tributary.window;

import io.tributary.config.GroupConfig;
import io.tributary.format.EventSchema;
import io.tributary.window.WindowOptions.WindowType;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.TimeUtils;

/** The configured windowed aggregation, validated against the event schema. */
public final class WindowSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  final WindowType type;
  final Duration size;
  final Duration slide;
  final Duration gap;
  final Duration allowedLateness;
  final Duration earlyFire;
  final int[] keyFields;
  final List<String> keyNames;
  final List<AggregateSpec> aggregates;
  final RowType eventType;

  private WindowSpec(
      WindowType type,
      Duration size,
      Duration slide,
      Duration gap,
      Duration allowedLateness,
      Duration earlyFire,
      int[] keyFields,
      List<String> keyNames,
      List<AggregateSpec> aggregates,
      RowType eventType) {
    this.type = type;
    this.size = size;
    this.slide = slide;
    this.gap = gap;
    this.allowedLateness = allowedLateness;
    this.earlyFire = earlyFire;
    this.keyFields = keyFields;
    this.keyNames = keyNames;
    this.aggregates = aggregates;
    this.eventType = eventType;
  }

  public static WindowSpec fromConfig(GroupConfig c, EventSchema schema) {
    WindowType type = c.get(WindowOptions.TYPE);
    Duration size = null;
    Duration slide = null;
    Duration gap = null;
    switch (type) {
      case TUMBLING:
        size = c.get(WindowOptions.SIZE);
        break;
      case HOPPING:
        size = c.get(WindowOptions.SIZE);
        slide = c.get(WindowOptions.SLIDE);
        if (slide.compareTo(size) > 0) {
          throw c.invalid(
              WindowOptions.SLIDE,
              "is greater than window.size ("
                  + TimeUtils.formatWithHighestUnit(size)
                  + "): hopping windows would leave gaps. Make it at most the size.");
        }
        break;
      case SESSION:
      default:
        gap = c.get(WindowOptions.GAP);
        break;
    }
    RowType events = schema.rowType();
    List<String> keys = new ArrayList<>();
    keys.addAll(io.tributary.config.ConfigLists.split(c.get(WindowOptions.GROUP_BY)));
    int[] idx = new int[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      idx[i] = events.getFieldNames().indexOf(keys.get(i));
      if (idx[i] < 0) {
        throw c.invalid(
            WindowOptions.GROUP_BY,
            "names '"
                + keys.get(i)
                + "', which is not a field of format.schema "
                + events.getFieldNames()
                + ".");
      }
      if (events.getTypeAt(idx[i]).isNullable()) {
        throw c.invalid(
            WindowOptions.GROUP_BY,
            "names '"
                + keys.get(i)
                + "', which may be null: key fields become the table's identifier fields. Declare"
                + " it NOT NULL in format.schema (events without it are then dead-lettered).");
      }
    }
    List<AggregateSpec> aggs;
    try {
      aggs = AggregateSpec.parse(c.get(WindowOptions.AGGREGATES), events);
    } catch (IllegalArgumentException e) {
      throw c.invalid(WindowOptions.AGGREGATES, e.getMessage() + ".");
    }
    for (AggregateSpec a : aggs) {
      if (a.column.equals("window_start")
          || a.column.equals("window_end")
          || keys.contains(a.column)) {
        throw c.invalid(
            WindowOptions.AGGREGATES, "names column '" + a.column + "' twice. Rename it.");
      }
    }
    Duration lateness = c.get(WindowOptions.ALLOWED_LATENESS);
    Duration early = c.getOptional(WindowOptions.EARLY_FIRE).orElse(null);
    return new WindowSpec(type, size, slide, gap, lateness, early, idx, keys, aggs, events);
  }

  WindowAssigner<Object, TimeWindow> assigner() {
    switch (type) {
      case TUMBLING:
        return TumblingEventTimeWindows.of(size);
      case HOPPING:
        return SlidingEventTimeWindows.of(size, slide);
      case SESSION:
      default:
        return EventTimeSessionWindows.withGap(gap);
    }
  }

  /** window_start, window_end, the keys, then one column per aggregate. */
  public RowType outputType() {
    List<RowType.RowField> fields = new ArrayList<>();
    fields.add(new RowType.RowField("window_start", new LocalZonedTimestampType(false, 3)));
    fields.add(new RowType.RowField("window_end", new LocalZonedTimestampType(false, 3)));
    for (int i = 0; i < keyFields.length; i++) {
      fields.add(new RowType.RowField(keyNames.get(i), eventType.getTypeAt(keyFields[i])));
    }
    for (AggregateSpec a : aggregates) {
      fields.add(new RowType.RowField(a.column, a.resultType));
    }
    return new RowType(fields);
  }

  /** The output table's identifier fields. */
  public List<String> identifierFields() {
    List<String> ids = new ArrayList<>(List.of("window_start", "window_end"));
    ids.addAll(keyNames);
    return ids;
  }

  RowType keyType() {
    LogicalType[] types = new LogicalType[keyFields.length];
    for (int i = 0; i < keyFields.length; i++) {
      types[i] = eventType.getTypeAt(keyFields[i]);
    }
    return RowType.of(types, keyNames.toArray(new String[0]));
  }

  /** For messages: {@code tumbling 1 min}. */
  @Override
  public String toString() {
    switch (type) {
      case TUMBLING:
        return "tumbling " + size;
      case HOPPING:
        return "hopping " + size + " every " + slide;
      default:
        return "session gap " + gap;
    }
  }
}
