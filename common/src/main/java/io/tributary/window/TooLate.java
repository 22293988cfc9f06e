package io.tributary.window;

import io.tributary.metrics.Metrics;
import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import io.tributary.source.RawRecord;
import io.tributary.source.RecordRefetch;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonFormatOptions;
import org.apache.flink.formats.json.JsonRowDataSerializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.ProjectedRowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.Collector;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * Turns events the window operator rejected as too late into dead letters. It runs chained right
 * after the window operator, so the watermark it sees is the one that judged the event.
 *
 * <p>When only some columns came through the shuffle ({@link WindowColumns}), the dead letter's
 * payload is the record read again from its source by its coordinates: a blocking read of up to the
 * refetch's time limit, paid only per too-late event. If the source no longer holds it, or cannot
 * be reached, the payload is the columns that came, and the message says why.
 */
final class TooLate extends ProcessFunction<RowData, DeadLetter> {
  private static final long serialVersionUID = 1L;

  private final String job;
  private final RowType eventType;
  private final Duration allowedLateness;
  private final int watermarkColumn;
  private final RecordRefetch refetch;
  private final int[] carried;
  private transient JsonRowDataSerializationSchema json;
  private transient Counter tooLate;
  private transient Counter dead;

  /**
   * @param watermarkColumn where the row carries the watermark that judged it ({@link
   *     PartitionLateness}), or -1 for the window operator's current watermark
   * @param refetch reads the record again for the payload; null when every column came
   * @param carried the event columns that came, with {@code refetch}; null for all of them
   */
  TooLate(
      String job,
      RowType eventType,
      Duration allowedLateness,
      int watermarkColumn,
      RecordRefetch refetch,
      int[] carried) {
    this.job = job;
    this.eventType = eventType;
    this.allowedLateness = allowedLateness;
    this.watermarkColumn = watermarkColumn;
    this.refetch = refetch;
    this.carried = carried != null ? carried : range(eventType.getFieldCount());
  }

  @Override
  public void open(Configuration parameters) throws Exception {
    json =
        new JsonRowDataSerializationSchema(
            project(eventType, carried),
            TimestampFormat.ISO_8601,
            JsonFormatOptions.MapNullKeyMode.LITERAL,
            "null",
            true,
            false);
    json.open(
        new SerializationSchema.InitializationContext() {
          @Override
          public org.apache.flink.metrics.MetricGroup getMetricGroup() {
            return UnregisteredMetricsGroup.createOperatorMetricGroup();
          }

          @Override
          public UserCodeClassLoader getUserCodeClassLoader() {
            return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
          }
        });
    tooLate = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_TOO_LATE);
    dead = Metrics.counter(getRuntimeContext(), job, Metrics.RECORDS_DEAD_LETTERED);
  }

  @Override
  public void close() {
    if (refetch != null) {
      refetch.close();
    }
  }

  @Override
  public void processElement(RowData event, Context ctx, Collector<DeadLetter> out)
      throws InterruptedException {
    int n = eventType.getFieldCount();
    RawRecord where =
        new RawRecord(
            str(event, n),
            str(event, n + 1),
            str(event, n + 2),
            str(event, n + 3),
            -1L,
            null,
            null);
    String payload = "the decoded event as JSON";
    RawRecord record = null;
    if (refetch != null) {
      String failure;
      try {
        record = refetch.read(where.stream, where.partition, where.position);
        failure = "the source no longer holds it";
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        failure = e.toString();
      }
      payload =
          record != null
              ? "the record as read again from its source"
              : "only the columns the windows read, as JSON; the record could not be read"
                  + " again: "
                  + failure;
    }
    if (record != null) {
      record.sourceType = where.sourceType;
      where = record;
    } else {
      where.value = json.serialize(ProjectedRowData.from(carried).replaceRow(event));
    }
    long ts = ctx.timestamp();
    long watermark =
        watermarkColumn < 0
            ? ctx.timerService().currentWatermark()
            : event.getLong(watermarkColumn);
    DeadLetter d =
        DeadLetter.of(
            job,
            where,
            Reason.LATE,
            null,
            String.format(
                "event time %s is behind the watermark %s%s by more than the allowed lateness %s;"
                    + " its window was already final (payload: %s)",
                Instant.ofEpochMilli(ts),
                Instant.ofEpochMilli(watermark),
                watermarkColumn < 0 ? "" : " of its partition (bounded run)",
                EventWindows.describe(allowedLateness),
                payload),
            System.currentTimeMillis());
    d.eventTime = ts;
    d.watermark = watermark;
    tooLate.inc();
    dead.inc();
    out.collect(d);
  }

  private static String str(RowData row, int i) {
    return row.isNullAt(i) ? null : row.getString(i).toString();
  }

  private static RowType project(RowType type, int[] columns) {
    java.util.List<RowType.RowField> fields = new java.util.ArrayList<>();
    for (int c : columns) {
      fields.add(type.getFields().get(c));
    }
    return new RowType(fields);
  }

  private static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }
}
