package io.tributary.format;

import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import io.tributary.source.RawRecord;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Consumer;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.io.JsonEOFException;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.TimeUtils;

/**
 * JSON bytes to {@link RowData} against the declared schema, strictly ({@link StrictJsonReader} on
 * Flink's shaded Jackson tokenizer), then validation. A record that fails any step becomes a dead
 * letter with a reason; the decoder itself never throws on bad input.
 */
public final class JsonEventDecoder implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int MAX_MESSAGE = 500;

  private final EventSchema schema;
  private final String job;
  private transient StrictJsonReader reader;
  private transient CharsetDecoder utf8;

  public JsonEventDecoder(EventSchema schema, String job) {
    this.schema = schema;
    this.job = job;
  }

  public void open() {
    reader = new StrictJsonReader(schema.rowType(), schema.timestampStyle(), schema.lenient());
    utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
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
    // One pass over the bytes: UTF-8 needs checking only past ASCII; a NUL byte is never JSON
    // outside a string and never inside one unescaped (and is how UTF-16 and UTF-32 look).
    boolean ascii = true;
    boolean backslash = false;
    for (int i = 0; i < v.length; i++) {
      byte b = v[i];
      if (b < 0) {
        ascii = false;
      } else if (b == 0) {
        boolean wide = zeros(v) * 3 >= v.length; // text in UTF-16 or -32 is a third zeros or more
        rejected.accept(
            wide
                ? dead(raw, Reason.INVALID_UTF8, null, "record is UTF-16 or UTF-32, not UTF-8", now)
                : dead(
                    raw,
                    Reason.MALFORMED_JSON,
                    null,
                    "a NUL byte at offset " + i + " (JSON allows it only escaped, inside a string)",
                    now));
        return null;
      } else if (b == '\\') {
        backslash = true;
      }
    }
    if (!ascii) {
      try {
        utf8.reset().decode(ByteBuffer.wrap(v));
      } catch (CharacterCodingException e) {
        rejected.accept(dead(raw, Reason.INVALID_UTF8, e, "record is not valid UTF-8: " + e, now));
        return null;
      }
    }
    RowData row;
    try {
      row = reader.read(v, backslash);
    } catch (StrictJsonReader.BadValue bad) {
      rejected.accept(dead(raw, bad.reason, null, bad.getMessage(), now));
      return null;
    } catch (IOException syntax) {
      rejected.accept(syntaxError(raw, syntax, now));
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

  /** Names a syntax error of the tokenizer: an early end, a duplicate key, or broken JSON. */
  private DeadLetter syntaxError(RawRecord raw, IOException e, long now) {
    String m =
        firstLine(
            e instanceof JsonProcessingException
                ? ((JsonProcessingException) e).getOriginalMessage()
                : String.valueOf(e.getMessage()));
    if (e instanceof JsonEOFException || m.contains("end-of-input")) {
      return dead(raw, Reason.TRUNCATED_JSON, e, "JSON ends early: " + m, now);
    }
    if (m.startsWith("Duplicate field")) {
      return dead(raw, Reason.DUPLICATE_FIELD, e, m + " (a key may appear once per object)", now);
    }
    return dead(raw, Reason.MALFORMED_JSON, e, "not valid JSON: " + m, now);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    int src = line.indexOf(" at [Source:");
    return src > 0 ? line.substring(0, src) : line;
  }

  private DeadLetter dead(RawRecord raw, Reason reason, Throwable t, String message, long now) {
    String m = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message;
    return DeadLetter.of(job, raw, reason, t == null ? null : t.getClass().getName(), m, now);
  }

  private static int zeros(byte[] v) {
    int n = 0;
    for (byte b : v) {
      if (b == 0) {
        n++;
      }
    }
    return n;
  }
}
