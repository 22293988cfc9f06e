package io.tributary.format;

import io.tributary.runtime.Metrics;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;

/** Counts events behind the watermark and passes every event on: raw ingest keeps them all. */
final class LateEventCounter extends ProcessFunction<RowData, RowData> {
  private static final long serialVersionUID = 1L;

  private final String job;
  private transient Counter late;

  LateEventCounter(String job) {
    this.job = job;
  }

  @Override
  public void open(Configuration parameters) {
    late = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_LATE);
  }

  @Override
  public void processElement(RowData row, Context ctx, Collector<RowData> out) {
    Long ts = ctx.timestamp();
    if (ts != null && ts < ctx.timerService().currentWatermark()) {
      late.inc();
    }
    out.collect(row);
  }
}
