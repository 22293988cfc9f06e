package io.tributary.format;

import io.tributary.quality.Checked;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RecordSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.types.Either;
import org.apache.flink.util.OutputTag;

/** The decode-and-validate stage every JSON job starts with. */
public final class JsonEvents {
  private JsonEvents() {}

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

  /** Reads the source, decoding in its readers, with per-partition watermarks. */
  public static Checked<RowData> read(
      RecordSource source, StreamExecutionEnvironment env, EventSchema schema, String job) {
    return read(source, env, schema, job, false);
  }

  /** Like {@link #read}, with each row's source coordinates appended as string columns. */
  public static Checked<RowData> readWithSource(
      RecordSource source, StreamExecutionEnvironment env, EventSchema schema, String job) {
    return read(source, env, schema, job, true);
  }

  private static Checked<RowData> read(
      RecordSource source,
      StreamExecutionEnvironment env,
      EventSchema schema,
      String job,
      boolean withSource) {
    RowType type = withSource ? withSourceColumns(schema.rowType()) : schema.rowType();
    EventDecoder decoder = new EventDecoder(schema.decoder(job), withSource);
    TypeInformation<Either<RowData, DeadLetter>> decodedType =
        new EitherTypeInfo<>(FreshRows.of(type), TypeInformation.of(DeadLetter.class));
    OutputTag<DeadLetter> tag =
        new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    SingleOutputStreamOperator<RowData> rows =
        source
            .addTo(env, decoder, watermarks(schema, decoder, source.bounded()), decodedType)
            .process(new DecodeFunction(job, tag), FreshRows.of(type))
            .name("valid / dead letters")
            .uid("decode");
    return new Checked<>(rows, rows.getSideOutput(tag));
  }

  static WatermarkStrategy<Either<RowData, DeadLetter>> watermarks(
      EventSchema schema, EventDecoder decoder, boolean bounded) {
    WatermarkStrategy<Either<RowData, DeadLetter>> w =
        WatermarkStrategy.<Either<RowData, DeadLetter>>forBoundedOutOfOrderness(
                schema.maxOutOfOrderness())
            .withTimestampAssigner((e, previous) -> decoder.timestamp(e));
    Duration idle = schema.idleness();
    // A bounded run has all its data: a reader that is merely slow must hold the watermark back,
    // or its events would be judged late by how fast the others were read (not reproducible).
    return idle.isZero() || bounded ? w : w.withIdleness(idle);
  }
}
