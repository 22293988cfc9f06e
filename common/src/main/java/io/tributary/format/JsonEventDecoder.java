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
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonParserRowDataDeserializationSchema;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.io.JsonEOFException;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.util.TimeUtils;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * JSON bytes to {@link RowData} against the declared schema, with Flink's own streaming JSON
 * parser, then validation. A record that fails any step becomes a dead letter with a reason; the
 * decoder itself never throws on bad input.
 */
public final class JsonEventDecoder implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int MAX_MESSAGE = 500;
  private static final JsonFactory JSON = new JsonFactory();

  private final EventSchema schema;
  private final String job;
  private transient JsonParserRowDataDeserializationSchema parser;
  private transient CharsetDecoder utf8;

  public JsonEventDecoder(EventSchema schema, String job) {
    this.schema = schema;
    this.job = job;
  }

  public void open() throws Exception {
    parser =
        new JsonParserRowDataDeserializationSchema(
            schema.rowType(),
            InternalTypeInfo.of(schema.rowType()),
            false,
            false,
            schema.timestampStyle() == FormatOptions.TimestampStyle.SQL
                ? TimestampFormat.SQL
                : TimestampFormat.ISO_8601);
    parser.open(
        new DeserializationSchema.InitializationContext() {
          @Override
          public org.apache.flink.metrics.MetricGroup getMetricGroup() {
            return UnregisteredMetricsGroup.createOperatorMetricGroup();
          }

          @Override
          public UserCodeClassLoader getUserCodeClassLoader() {
            return null;
          }
        });
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
    if (!isAscii(v)) {
      try {
        utf8.reset().decode(ByteBuffer.wrap(v));
      } catch (CharacterCodingException e) {
        rejected.accept(dead(raw, Reason.INVALID_UTF8, e, "record is not valid UTF-8: " + e, now));
        return null;
      }
    }
    RowData row;
    try {
      row = parser.deserialize(v);
    } catch (Exception e) {
      rejected.accept(classify(raw, e, now));
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
                  "event time %s is outside [now - %s, now + %s] = [%s, %s]",
                  Instant.ofEpochMilli(ts),
                  TimeUtils.formatWithHighestUnit(schema.maxPast()),
                  TimeUtils.formatWithHighestUnit(schema.maxFuture()),
                  Instant.ofEpochMilli(past),
                  Instant.ofEpochMilli(future)),
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

  /**
   * Names what is wrong with a record Flink's parser rejected. Flink's converter reports a bad
   * value as "Fail to deserialize at field: x" and drops the tokenizer's cause, so on this (rare)
   * path the bytes are tokenized again to tell broken JSON from a value of the wrong type.
   */
  private DeadLetter classify(RawRecord raw, Exception e, long now) {
    try (JsonParser p = JSON.createParser(raw.value)) {
      JsonToken first = p.nextToken();
      while (p.nextToken() != null) {
        // Walk every token: a syntax error or an early end throws.
      }
      if (first != JsonToken.START_OBJECT) {
        return dead(raw, Reason.MALFORMED_JSON, e, "not a JSON object but " + first, now);
      }
    } catch (IOException syntax) {
      String m = firstLine(syntax.getMessage());
      boolean early = syntax instanceof JsonEOFException || m.contains("end-of-input");
      return early
          ? dead(raw, Reason.TRUNCATED_JSON, syntax, "JSON ends early: " + m, now)
          : dead(raw, Reason.MALFORMED_JSON, syntax, "not valid JSON: " + m, now);
    }
    Set<String> messages = new LinkedHashSet<>();
    Throwable root = e;
    // Flink wraps the cause in "Failed to deserialize JSON '<whole record>'": skip that layer.
    for (Throwable t = e.getCause() == null ? e : e.getCause(); t != null; t = t.getCause()) {
      root = t;
      if (t.getMessage() != null) {
        messages.add(firstLine(t.getMessage()));
      }
    }
    return dead(
        raw,
        Reason.WRONG_TYPE,
        root,
        "a value does not match its declared type: " + String.join(": ", messages),
        now);
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

  private static boolean isAscii(byte[] v) {
    for (byte b : v) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }
}
