package io.tributary.format;

import io.tributary.quality.DeadLetter;
import io.tributary.runtime.Metrics;
import io.tributary.source.RawRecord;
import java.util.function.Consumer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Decodes raw records into rows; unusable ones leave by the dead-letter side output. */
final class DecodeFunction extends ProcessFunction<RawRecord, RowData> {
  private static final long serialVersionUID = 1L;

  private final JsonEventDecoder decoder;
  private final String job;
  private final OutputTag<DeadLetter> deadLetters;
  private transient Counter in;
  private transient Counter valid;
  private transient Counter dead;

  private final boolean withSource;

  DecodeFunction(
      JsonEventDecoder decoder, String job, OutputTag<DeadLetter> deadLetters, boolean withSource) {
    this.decoder = decoder;
    this.withSource = withSource;
    this.job = job;
    this.deadLetters = deadLetters;
  }

  @Override
  public void open(Configuration parameters) throws Exception {
    decoder.open();
    in = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_IN);
    valid = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_VALID);
    dead = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_DEAD_LETTERED);
  }

  private static GenericRowData source(RawRecord raw) {
    return GenericRowData.of(
        StringData.fromString(raw.sourceType),
        StringData.fromString(raw.stream),
        StringData.fromString(raw.partition),
        StringData.fromString(raw.position));
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<RowData> out) {
    in.inc();
    Consumer<DeadLetter> reject =
        d -> {
          dead.inc();
          ctx.output(deadLetters, d);
        };
    RowData row = decoder.decode(raw, System.currentTimeMillis(), reject);
    if (row != null) {
      valid.inc();
      out.collect(withSource ? new JoinedRowData(row, source(raw)) : row);
    }
  }
}
