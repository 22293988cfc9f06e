package io.tributary.iceberg;

import io.tributary.metrics.Metrics;
import io.tributary.quality.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;

/** The dead-letter table: one row per unusable record, beside the job's target table. */
public final class DeadLetterTable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(DeadLetterTable.class);

  /** Column layout; partitioned by day of processing time. */
  public static final RowType ROW_TYPE =
      (RowType)
          LogicalTypeParser.parse(
              "ROW<job STRING NOT NULL, reason STRING NOT NULL, error_class STRING,"
                  + " error_message STRING, source_type STRING, source_stream STRING,"
                  + " source_partition STRING, source_position STRING,"
                  + " source_timestamp TIMESTAMP_LTZ(3), record_key BYTES, payload BYTES,"
                  + " payload_text STRING, event_time TIMESTAMP_LTZ(3), watermark TIMESTAMP_LTZ(3),"
                  + " processing_time TIMESTAMP_LTZ(3) NOT NULL>",
              DeadLetterTable.class.getClassLoader());

  /** Payload text is a readable preview; the full bytes are in {@code payload}. */
  static final int PREVIEW_CHARS = 4096;

  private DeadLetterTable() {}

  /** Adds the dead-letter sink; the table is created now if missing. */
  public static DataStreamSink<Void> write(
      DataStream<DeadLetter> deadLetters, IcebergCatalog catalog, String table) {
    DataStream<RowData> rows =
        deadLetters
            .map(new Rows())
            .returns(InternalTypeInfo.of(ROW_TYPE))
            .name("dead letters to rows")
            .uid("dead-letter-rows");
    // Dead letters are few: one writer keeps them to one file per checkpoint.
    return IcebergSinkBuilder.forRows(rows, ROW_TYPE)
        .catalog(catalog)
        .table(table)
        .partitionedBy("days(processing_time)")
        .writeParallelism(1)
        .uidPrefix("dead-letters")
        .append();
  }

  /** Dead letters as rows, metered per job and reason on the way. */
  private static final class Rows extends RichMapFunction<DeadLetter, RowData> {
    private static final long serialVersionUID = 1L;
    private transient Map<String, Meter> meters;

    @Override
    public void open(Configuration parameters) {
      meters = new HashMap<>();
    }

    @Override
    public RowData map(DeadLetter d) {
      meters.computeIfAbsent(d.job + '\n' + d.reason, k -> meter(d)).markEvent();
      // One line per dead letter, for log queries. Its coordinates and reason only: the payload
      // and the error message (which quotes the offending value) stay in the table.
      LOG.info(
          "dead letter job={} reason={} source={} stream={} partition={} position={}",
          d.job,
          d.reason,
          d.sourceType,
          d.stream,
          d.partition,
          d.position);
      return toRow(d);
    }

    private Meter meter(DeadLetter d) {
      return Metrics.group(getRuntimeContext(), d.job)
          .addGroup(Metrics.REASON_KEY, d.reason)
          .meter(Metrics.DEAD_LETTERS_PER_SECOND, new MeterView(60));
    }
  }

  public static RowData toRow(DeadLetter d) {
    GenericRowData r = new GenericRowData(ROW_TYPE.getFieldCount());
    r.setField(0, StringData.fromString(d.job));
    r.setField(1, StringData.fromString(d.reason));
    r.setField(2, str(d.errorClass));
    r.setField(3, str(d.errorMessage));
    r.setField(4, str(d.sourceType));
    r.setField(5, str(d.stream));
    r.setField(6, str(d.partition));
    r.setField(7, str(d.position));
    r.setField(8, time(d.sourceTimestamp));
    r.setField(9, d.key);
    r.setField(10, d.payload);
    r.setField(11, d.payload == null ? null : StringData.fromString(preview(d.payload)));
    r.setField(12, time(d.eventTime));
    r.setField(13, time(d.watermark));
    r.setField(14, TimestampData.fromEpochMillis(d.processingTime));
    return r;
  }

  private static String preview(byte[] payload) {
    // Invalid UTF-8 shows as U+FFFD here; the exact bytes stay in the payload column.
    String s =
        new String(payload, 0, Math.min(payload.length, PREVIEW_CHARS * 4), StandardCharsets.UTF_8);
    return s.length() > PREVIEW_CHARS ? s.substring(0, PREVIEW_CHARS) : s;
  }

  private static StringData str(String s) {
    return s == null ? null : StringData.fromString(s);
  }

  private static TimestampData time(long millis) {
    return millis < 0 ? null : TimestampData.fromEpochMillis(millis);
  }
}
