package io.tributary.format;

import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import io.tributary.source.RawRecord;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.util.function.Consumer;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.TimeUtils;

/**
 * Event bytes to {@link RowData} against the schema, strictly, then validation: required fields,
 * event-time bounds. The bytes are JSON ({@link StrictJsonReader} on Flink's shaded Jackson
 * tokenizer) unless another {@link BodyReader} is given (registry-framed Avro). A record that fails
 * any step becomes a dead letter with a reason; the decoder itself never throws on bad input.
 */
public final class JsonEventDecoder implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int MAX_MESSAGE = 500;

  /** Turns a record's non-empty bytes into a row of the schema's type. */
  public interface BodyReader extends Serializable {
    void open();

    /**
     * @throws StrictJson.Fault with the dead-letter reason when the bytes do not decode
     */
    RowData read(byte[] value);
  }

  private final EventSchema schema;
  private final String job;
  private final BodyReader body;

  public JsonEventDecoder(EventSchema schema, String job) {
    this(schema, job, new Json(schema));
  }

  public JsonEventDecoder(EventSchema schema, String job, BodyReader body) {
    this.schema = schema;
    this.job = job;
    this.body = body;
  }

  public void open() {
    body.open();
  }

  private static final class Json implements BodyReader {
    private static final long serialVersionUID = 1L;
    private final EventSchema schema;
    private transient StrictJsonReader reader;
    private transient StrictJson bytes;

    Json(EventSchema schema) {
      this.schema = schema;
    }

    @Override
    public void open() {
      reader = new StrictJsonReader(schema.rowType(), schema.timestampStyle(), schema.lenient());
      bytes = new StrictJson();
    }

    @Override
    public RowData read(byte[] v) {
      bytes.checkBytes(v);
      try {
        return reader.read(v, bytes.hadBackslash());
      } catch (IOException syntax) {
        StrictJson.Fault f = StrictJson.syntaxError(syntax);
        throw new StrictJson.Fault(f.reason, f.getMessage(), syntax);
      }
    }
  }

  /**
   * Decodes one record.
   *
   * @param now the wall clock, epoch millis, for the event-time bounds
   * @param rejected receives the dead letter when the record is unusable
   * @return the row, or null if the record went to {@code rejected}
   */
  public RowData decode(RawRecord raw, long now, Consumer<DeadLetter> rejected) {
    byte[] v = raw.value;
    if (v == null) {
      rejected.accept(
          dead(raw, Reason.TOMBSTONE, null, "record has a null value (a Kafka tombstone)", now));
      return null;
    }
    if (v.length == 0) {
      rejected.accept(dead(raw, Reason.EMPTY, null, "record is empty (0 bytes)", now));
      return null;
    }
    if (v.length > schema.maxRecordBytes()) {
      rejected.accept(
          dead(
              raw,
              Reason.TOO_LARGE,
              null,
              "record is "
                  + v.length
                  + " bytes, more than format.max-record-size ("
                  + schema.maxRecordBytes()
                  + " bytes)",
              now));
      return null;
    }
    RowData row;
    try {
      row = body.read(v);
    } catch (StrictJson.Fault bad) {
      rejected.accept(dead(raw, bad.reason, bad.getCause(), bad.getMessage(), now));
      return null;
    }
    for (int i : schema.requiredIndexes()) {
      if (row.isNullAt(i)) {
        boolean isTime = i == schema.eventTimeIndex();
        String field = schema.rowType().getFieldNames().get(i);
        rejected.accept(
            dead(
                raw,
                isTime ? Reason.MISSING_EVENT_TIME : Reason.MISSING_FIELD,
                null,
                "required field '" + field + "' is missing or null",
                now));
        return null;
      }
    }
    if (row.isNullAt(schema.eventTimeIndex())) {
      rejected.accept(
          dead(
              raw,
              Reason.MISSING_EVENT_TIME,
              null,
              "event-time field '" + schema.eventTimeField() + "' is missing or null",
              now));
      return null;
    }
    long ts = eventTime(row);
    long future = now + schema.maxFuture().toMillis();
    long past = now - schema.maxPast().toMillis();
    if (ts > future || ts < past) {
      DeadLetter d =
          dead(
              raw,
              Reason.EVENT_TIME_OUT_OF_BOUNDS,
              null,
              String.format(
                  "event time %s is outside [now - %s, now + %s] = [%s, %s]; to accept it,"
                      + " raise format.event-time.%s",
                  Instant.ofEpochMilli(ts),
                  TimeUtils.formatWithHighestUnit(schema.maxPast()),
                  TimeUtils.formatWithHighestUnit(schema.maxFuture()),
                  Instant.ofEpochMilli(past),
                  Instant.ofEpochMilli(future),
                  ts > future ? "max-future" : "max-past"),
              now);
      d.eventTime = ts;
      rejected.accept(d);
      return null;
    }
    return row;
  }

  /** Event time of a decoded row, epoch millis. */
  public long eventTime(RowData row) {
    int i = schema.eventTimeIndex();
    switch (schema.eventTimeType()) {
      case BIGINT:
        return row.getLong(i);
      case TIMESTAMP_WITHOUT_TIME_ZONE:
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
      default:
        return row.getTimestamp(i, 3).getMillisecond();
    }
  }

  private DeadLetter dead(RawRecord raw, Reason reason, Throwable t, String message, long now) {
    String m = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message;
    return DeadLetter.of(job, raw, reason, t == null ? null : t.getClass().getName(), m, now);
  }
}
