package io.tributary.format;

import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
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

  /**
   * Names of the columns {@link #decodeWithSource} appends to each row: where the event came from,
   * so a later stage can still dead-letter it with its coordinates.
   */
  public static final List<String> SOURCE_COLUMNS =
      List.of("__source_type", "__source_stream", "__source_partition", "__source_position");

  /** The schema's row type plus the {@link #SOURCE_COLUMNS}. */
  public static RowType withSourceColumns(RowType schema) {
    List<RowType.RowField> fields = new ArrayList<>(schema.getFields());
    for (String c : SOURCE_COLUMNS) {
      fields.add(new RowType.RowField(c, new VarCharType(true, VarCharType.MAX_LENGTH)));
    }
    return new RowType(fields);
  }

  public static Decoded decode(DataStream<RawRecord> raw, EventSchema schema, String job) {
    return decode(raw, schema, job, false);
  }

  /** Like {@link #decode}, with each row's source coordinates appended as string columns. */
  public static Decoded decodeWithSource(
      DataStream<RawRecord> raw, EventSchema schema, String job) {
    return decode(raw, schema, job, true);
  }

  private static Decoded decode(
      DataStream<RawRecord> raw, EventSchema schema, String job, boolean withSource) {
    OutputTag<DeadLetter> tag =
        new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    JsonEventDecoder decoder = new JsonEventDecoder(schema, job);
    RowType type = withSource ? withSourceColumns(schema.rowType()) : schema.rowType();
    SingleOutputStreamOperator<RowData> parsed =
        raw.process(new DecodeFunction(decoder, job, tag, withSource), InternalTypeInfo.of(type))
            .name("decode + validate")
            .uid("decode");
    DataStream<RowData> rows =
        parsed
            .assignTimestampsAndWatermarks(watermarks(schema, decoder))
            .name("watermarks")
            .uid("watermarks")
            .process(new LateEventCounter(job), InternalTypeInfo.of(type))
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
