package io.tributary.window;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.Collector;

/** One output row per firing: window bounds, the group key, the aggregate values. */
final class WindowResult extends ProcessWindowFunction<RowData, RowData, RowData, TimeWindow> {
  private static final long serialVersionUID = 1L;

  private final RowData.FieldGetter[] keyGetters;
  private final int aggregates;

  WindowResult(RowType keyType, int aggregates) {
    keyGetters = new RowData.FieldGetter[keyType.getFieldCount()];
    for (int i = 0; i < keyGetters.length; i++) {
      keyGetters[i] = RowData.createFieldGetter(keyType.getTypeAt(i), i);
    }
    this.aggregates = aggregates;
  }

  @Override
  public void process(RowData key, Context ctx, Iterable<RowData> results, Collector<RowData> out) {
    RowData values = results.iterator().next();
    TimeWindow w = ctx.window();
    GenericRowData row = new GenericRowData(2 + keyGetters.length + aggregates);
    row.setField(0, TimestampData.fromEpochMillis(w.getStart()));
    row.setField(1, TimestampData.fromEpochMillis(w.getEnd()));
    for (int i = 0; i < keyGetters.length; i++) {
      row.setField(2 + i, keyGetters[i].getFieldOrNull(key));
    }
    for (int i = 0; i < aggregates; i++) {
      row.setField(2 + keyGetters.length + i, ((GenericRowData) values).getField(i));
    }
    out.collect(row);
  }
}
