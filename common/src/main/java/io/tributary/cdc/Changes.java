package io.tributary.cdc;

import io.tributary.format.AvroFrames;
import io.tributary.format.FormatOptions;
import io.tributary.quality.Checked;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import io.tributary.source.RecordSource;
import java.time.Duration;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/** The change-stream stages before the sink: decode, then order per key. */
public final class Changes {
  private Changes() {}

  /**
   * Reads and decodes change records. Decoding runs chained to the source; change streams need no
   * event-time watermarks (order comes from source positions, not time).
   */
  public static Checked<RowChange> read(
      RecordSource source,
      StreamExecutionEnvironment env,
      CdcOptions.Format format,
      CdcOptions.Position ordering,
      CdcTables tables,
      String job) {
    return read(source, env, format, ordering, tables, Set.of(), job);
  }

  /**
   * Like {@link #read(RecordSource, StreamExecutionEnvironment, CdcOptions.Format,
   * CdcOptions.Position, CdcTables, String)}, with the opted-in {@code format.lenient} conversions.
   */
  public static Checked<RowChange> read(
      RecordSource source,
      StreamExecutionEnvironment env,
      CdcOptions.Format format,
      CdcOptions.Position ordering,
      CdcTables tables,
      Set<FormatOptions.Lenient> lenient,
      String job) {
    return read(source, env, format, ordering, tables, lenient, null, job);
  }

  /** The same, for the Avro formats with their schema registry ({@code frames}). */
  public static Checked<RowChange> read(
      RecordSource source,
      StreamExecutionEnvironment env,
      CdcOptions.Format format,
      CdcOptions.Position ordering,
      CdcTables tables,
      Set<FormatOptions.Lenient> lenient,
      AvroFrames frames,
      String job) {
    OutputTag<DeadLetter> tag =
        new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    SingleOutputStreamOperator<RowChange> rows =
        source
            .addTo(
                env,
                raw -> raw,
                WatermarkStrategy.noWatermarks(),
                TypeInformation.of(RawRecord.class))
            .process(
                new ChangeDecodeFunction(job, format, ordering, tables, lenient, tag, frames),
                RowChangeType.INSTANCE)
            .name("decode " + format)
            .uid("decode");
    return new Checked<>(rows, rows.getSideOutput(tag));
  }

  /**
   * Keyed by table and primary key, without changes older than the last one applied; those leave by
   * the dead-letter output with {@link CdcOptions.StaleChanges#DEAD_LETTER}.
   */
  public static Checked<RowChange> inOrder(
      DataStream<RowChange> changes,
      String job,
      Duration stateTtl,
      CdcOptions.StaleChanges staleChanges) {
    OutputTag<DeadLetter> tag = new OutputTag<>("stale", TypeInformation.of(DeadLetter.class));
    SingleOutputStreamOperator<RowChange> rows =
        changes
            .keyBy(c -> c.key, TypeInformation.of(String.class))
            .process(new OrderingGuard(job, stateTtl, staleChanges, tag), RowChangeType.INSTANCE)
            .name("ordering guard")
            .uid("ordering-guard");
    return new Checked<>(rows, rows.getSideOutput(tag));
  }
}
