package io.tributary.format;

import io.tributary.metrics.Metrics;
import io.tributary.quality.DeadLetter;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits what the source decoded: rows go on, dead letters leave by the side output. Counts records
 * in, valid, dead-lettered, and those behind the watermark (late; kept here).
 */
final class DecodeFunction extends ProcessFunction<Either<RowData, DeadLetter>, RowData> {
  private static final long serialVersionUID = 1L;

  private final String job;
  private final OutputTag<DeadLetter> deadLetters;
  private transient Counter in;
  private transient Counter valid;
  private transient Counter dead;
  private transient Counter late;
  private transient LongCounter total;

  DecodeFunction(String job, OutputTag<DeadLetter> deadLetters) {
    this.job = job;
    this.deadLetters = deadLetters;
  }

  @Override
  public void open(Configuration parameters) {
    in = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_IN);
    valid = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_VALID);
    dead = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_DEAD_LETTERED);
    late = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_LATE);
    total = new LongCounter();
    getRuntimeContext().addAccumulator(Metrics.RECORDS_IN, total);
  }

  @Override
  public void processElement(Either<RowData, DeadLetter> e, Context ctx, Collector<RowData> out) {
    in.inc();
    total.add(1);
    if (e.isRight()) {
      dead.inc();
      ctx.output(deadLetters, e.right());
      return;
    }
    valid.inc();
    Long ts = ctx.timestamp();
    if (ts != null && ts < ctx.timerService().currentWatermark()) {
      late.inc();
    }
    out.collect(e.left());
  }
}
