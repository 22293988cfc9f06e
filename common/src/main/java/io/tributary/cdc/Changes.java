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
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
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
    ChangeDecodeFunction decode =
        new ChangeDecodeFunction(job, format, ordering, tables, lenient, tag, frames);
    OutputTag<Tuple2<String, RawRecord>> keyless = new OutputTag<>("dms-keyless", DmsKeys.type());
    if (format == CdcOptions.Format.DMS_JSON) {
      decode.withDmsKeysFromControlRecords(keyless);
    }
    SingleOutputStreamOperator<RowChange> rows =
        source
            .addTo(
                env,
                raw -> raw,
                WatermarkStrategy.noWatermarks(),
                TypeInformation.of(RawRecord.class))
            .process(decode, RowChangeType.INSTANCE)
            .name("decode " + format)
            .uid("decode");
    if (format != CdcOptions.Format.DMS_JSON) {
      return new Checked<>(rows, rows.getSideOutput(tag));
    }
    // Only tables without cdc.primary-keys take this way (one more shuffle, by source table); a
    // table's changes all take the same way, so a key's changes stay in order.
    SingleOutputStreamOperator<RowChange> keyed =
        rows.getSideOutput(keyless)
            .keyBy(t -> t.f0, Types.STRING)
            .process(new DmsKeys(job, tables, lenient, tag, DMS_KEY_WAIT), RowChangeType.INSTANCE)
            .name("DMS keys from control records")
            .uid("dms-keys");
    return new Checked<>(
        rows.union(keyed), rows.getSideOutput(tag).union(keyed.getSideOutput(tag)));
  }

  /**
   * How long a DMS table's changes wait for the create-table control record that names its key.
   * Generous: the control record may sit on a shard read later than the data's, e.g. while a
   * restarted job catches up on a backlog.
   */
  static final Duration DMS_KEY_WAIT = Duration.ofMinutes(5);

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
