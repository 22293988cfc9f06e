package io.tributary.cdc;

import io.tributary.format.FormatOptions;
import io.tributary.metrics.Metrics;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary keys of DMS tables that {@code cdc.primary-keys} does not name, taken from DMS's
 * {@code create-table} control records ({@code control.table-def.primary-key}).
 *
 * <p>Keyed by source table. A table's control record and its data records travel on different
 * shards (DMS partitions control records by task, data by primary key), read by different subtasks
 * in no fixed order: so a data record that arrives before its table's key waits here, in state and
 * in arrival order, until the control record comes, and then goes on keyed. A table whose key never
 * comes has its waiting records dead-lettered as {@code missing-key} after {@code wait}, or at the
 * end of a bounded input. The key learned is kept in state, so a restart after the control record
 * still knows it.
 */
public final class DmsKeys
    extends KeyedProcessFunction<String, Tuple2<String, RawRecord>, RowChange> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(DmsKeys.class);

  private final String job;
  private final ChangeRows rows;
  private final OutputTag<DeadLetter> deadLetters;
  private final Duration wait;
  private transient ValueState<String[]> key;
  private transient ListState<RawRecord> waiting;
  private transient ValueState<Long> deadline;
  private transient Counter dead;

  public DmsKeys(
      String job,
      CdcTables tables,
      Set<FormatOptions.Lenient> lenient,
      OutputTag<DeadLetter> deadLetters,
      Duration wait) {
    this.job = job;
    this.rows = new ChangeRows(tables, lenient);
    this.deadLetters = deadLetters;
    this.wait = wait;
  }

  /** What the decoder hands on: the source table, and the record (data or create-table). */
  public static TypeInformation<Tuple2<String, RawRecord>> type() {
    return org.apache.flink.api.common.typeinfo.Types.TUPLE(
        org.apache.flink.api.common.typeinfo.Types.STRING, TypeInformation.of(RawRecord.class));
  }

  @Override
  public void open(Configuration parameters) {
    key =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    "dms-primary-key", BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO));
    waiting =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>(
                    "dms-waiting-for-key", TypeInformation.of(RawRecord.class)));
    deadline = getRuntimeContext().getState(new ValueStateDescriptor<>("dms-key-wait", Long.class));
    dead = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_DEAD_LETTERED);
  }

  @Override
  public void processElement(Tuple2<String, RawRecord> in, Context ctx, Collector<RowChange> out)
      throws Exception {
    RawRecord raw = in.f1;
    DmsJson.Record r;
    try {
      r = DmsJson.decode(raw.value);
    } catch (ChangeDecodeException e) {
      deadLetter(ctx, raw, e); // the decoder read it already; only a changed record fails here
      return;
    }
    if (r.control != null) {
      String[] columns = r.control.primaryKey.toArray(new String[0]);
      String[] known = key.value();
      if (known != null && !Arrays.equals(known, columns)) {
        LOG.warn(
            "DMS {} for {} at {} names the primary key {}; it was {}: changes from here on use the"
                + " new key",
            r.control.operation,
            in.f0,
            raw,
            Arrays.toString(columns),
            Arrays.toString(known));
      }
      key.update(columns);
      List<RawRecord> held = new ArrayList<>();
      waiting.get().forEach(held::add);
      waiting.clear();
      Long timer = deadline.value();
      if (timer != null) {
        ctx.timerService().deleteProcessingTimeTimer(timer);
        deadline.clear();
      }
      if (!held.isEmpty()) {
        LOG.info(
            "{}: primary key {} from {}; {} change(s) that waited for it go on",
            in.f0,
            Arrays.toString(columns),
            raw,
            held.size());
      }
      for (RawRecord h : held) {
        emit(h, columns, ctx, out);
      }
      return;
    }
    String[] columns = key.value();
    if (columns != null) {
      emit(raw, columns, ctx, out);
      return;
    }
    if (deadline.value() == null) {
      long at = ctx.timerService().currentProcessingTime() + wait.toMillis();
      ctx.timerService().registerProcessingTimeTimer(at);
      // fires at the end of a bounded input, when the control record can no longer come
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
      deadline.update(at);
      LOG.warn(
          "{}: no primary key yet (neither cdc.primary-keys nor a DMS create-table control record);"
              + " its changes wait up to {} for the control record",
          in.f0,
          wait);
    }
    waiting.add(raw);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<RowChange> out)
      throws Exception {
    if (key.value() != null) {
      return;
    }
    for (RawRecord raw : waiting.get()) {
      deadLetter(
          ctx,
          raw,
          new ChangeDecodeException(
              "missing-key",
              "no primary key for table "
                  + ctx.getCurrentKey()
                  + ": no DMS create-table control record named it within "
                  + wait
                  + "; set cdc.primary-keys (e.g. "
                  + ctx.getCurrentKey()
                  + "=id)"));
    }
    waiting.clear();
    deadline.clear();
  }

  private void emit(RawRecord raw, String[] columns, Context ctx, Collector<RowChange> out) {
    try {
      ChangeEvent e = DmsJson.decode(raw.value).change;
      for (RowChange c : rows.convert(e, () -> List.of(columns), raw.toString())) {
        out.collect(c);
      }
    } catch (ChangeDecodeException e) {
      deadLetter(ctx, raw, e);
    }
  }

  private void deadLetter(Context ctx, RawRecord raw, ChangeDecodeException e) {
    dead.inc();
    ctx.output(deadLetters, e.deadLetter(job, raw));
  }
}
