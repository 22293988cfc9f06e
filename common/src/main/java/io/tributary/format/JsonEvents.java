package io.tributary.format;

import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.util.OutputTag;

/** The decode-and-validate stage every JSON job starts with. */
public final class JsonEvents {
  private JsonEvents() {}

  /** Valid rows with event-time watermarks, and the dead letters split off on the way. */
  public static final class Decoded {
    private final DataStream<RowData> rows;
    private final DataStream<DeadLetter> deadLetters;

    Decoded(DataStream<RowData> rows, DataStream<DeadLetter> deadLetters) {
      this.rows = rows;
      this.deadLetters = deadLetters;
    }

    public DataStream<RowData> rows() {
      return rows;
    }

    public DataStream<DeadLetter> deadLetters() {
      return deadLetters;
    }
  }

  public static Decoded decode(DataStream<RawRecord> raw, EventSchema schema, String job) {
    OutputTag<DeadLetter> tag =
        new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    JsonEventDecoder decoder = new JsonEventDecoder(schema, job);
    SingleOutputStreamOperator<RowData> parsed =
        raw.process(new DecodeFunction(decoder, job, tag), InternalTypeInfo.of(schema.rowType()))
            .name("decode + validate")
            .uid("decode");
    DataStream<RowData> rows =
        parsed
            .assignTimestampsAndWatermarks(watermarks(schema, decoder))
            .name("watermarks")
            .uid("watermarks")
            .process(new LateEventCounter(job), InternalTypeInfo.of(schema.rowType()))
            .name("count late")
            .uid("count-late");
    return new Decoded(rows, parsed.getSideOutput(tag));
  }

  static WatermarkStrategy<RowData> watermarks(EventSchema schema, JsonEventDecoder decoder) {
    WatermarkStrategy<RowData> w =
        WatermarkStrategy.<RowData>forBoundedOutOfOrderness(schema.maxOutOfOrderness())
            .withTimestampAssigner((row, previous) -> decoder.eventTime(row));
    Duration idle = schema.idleness();
    return idle.isZero() ? w : w.withIdleness(idle);
  }
}
