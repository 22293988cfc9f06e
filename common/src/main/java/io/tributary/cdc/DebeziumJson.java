package io.tributary.cdc;

import io.tributary.cdc.ChangeEvent.Op;
import io.tributary.format.StrictJson;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * Debezium's JSON change events, with or without the Kafka Connect {@code schema}/{@code payload}
 * envelope. With a schema, Debezium's own encodings are decoded exactly: {@code
 * org.apache.kafka.connect.data.Decimal} (base64 unscaled bytes, scale in the schema), {@code
 * io.debezium.time.*} dates, times and timestamps in days, millis, micros or nanos, and ISO-8601
 * {@code ZonedTimestamp}s. Without one, values stay as JSON gives them (numbers, strings) for the
 * sink to cast to the configured types.
 *
 * <p>Flink's {@code debezium-json} format is not used: it yields rows without the source position
 * and table identity that ordering and routing need.
 */
public final class DebeziumJson {
  private DebeziumJson() {}

  /** {@link #decode(byte[], CdcOptions.Position)} ordered by the log position. */
  public static ChangeEvent decode(byte[] value) throws ChangeDecodeException {
    return decode(value, CdcOptions.Position.LOG);
  }

  /**
   * @return the change, or null for a tombstone (a null value after a delete)
   * @throws ChangeDecodeException with a dead-letter reason when the record cannot be applied
   */
  public static ChangeEvent decode(byte[] value, CdcOptions.Position ordering)
      throws ChangeDecodeException {
    if (value == null) {
      return null;
    }
    if (value.length == 0) {
      // Debezium's tombstones are null values; zero bytes are something else, and must show
      throw new ChangeDecodeException("empty", "a zero-byte value");
    }
    JsonNode root = tree(value);
    boolean enveloped = root.has("payload") && root.has("schema");
    JsonNode event = enveloped ? root.get("payload") : root;
    if (event.isNull()) {
      return null; // a tombstone with schemas enabled
    }
    Map<String, JsonNode> fieldSchemas = enveloped ? fieldSchemas(root.get("schema")) : Map.of();
    Op op = op(text(event, "op"));
    JsonNode source = event.path("source");
    String table = text(source, "table");
    if (table == null) {
      throw new ChangeDecodeException("missing-source", "the event has no source.table");
    }
    TableId id = new TableId(text(source, "db"), text(source, "schema"), table);
    Map<String, Object> before = row(event.get("before"), fieldSchemas, "before");
    Map<String, Object> after = row(event.get("after"), fieldSchemas, "after");
    if ((op == Op.INSERT || op == Op.SNAPSHOT || op == Op.UPDATE) && after == null) {
      throw new ChangeDecodeException(
          "missing-after", "a '" + text(event, "op") + "' event without an after image");
    }
    if (op == Op.DELETE && before == null) {
      throw new ChangeDecodeException("missing-before", "a delete without a before image");
    }
    long sourceTs = source.path("ts_ms").asLong(-1);
    return new ChangeEvent(
        op,
        id,
        before,
        after,
        List.of(),
        ordering == CdcOptions.Position.TS_MS
            ? new long[] {position(source, "ts_ms", "source.ts_ms")}
            : logPosition(source),
        sourceTs > 0 ? sourceTs : -1,
        types(fieldSchemas));
  }

  /**
   * The primary-key columns named by a Debezium message key ({@code {"id": 1}}, or the same under
   * {@code payload} with schemas on); empty when there is no usable key.
   *
   * @throws ChangeDecodeException missing-key when a key component is null: a primary key has no
   *     null column, so the key does not identify the row it came with
   */
  public static List<String> keyColumns(byte[] key) throws ChangeDecodeException {
    if (key == null || key.length == 0) {
      return List.of();
    }
    // Read as tokens, not as a tree: this is a second parse for every record
    Names top = new Names();
    Names payload = null;
    boolean schema = false;
    try (JsonParser p = StrictJson.tokenizer(key)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return List.of();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        top.add(name, value);
        schema |= name.equals("schema");
        if (name.equals("payload")) {
          payload = new Names();
          if (value == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              payload.add(p.currentName(), p.nextToken());
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        return List.of(); // not one JSON object
      }
    } catch (IOException | StrictJson.Fault e) {
      return List.of(); // not one JSON object: as if unkeyed
    }
    Names fields = schema && payload != null ? payload : top;
    if (fields.firstNull != null) {
      throw new ChangeDecodeException(
          "missing-key", "the message key's column '" + fields.firstNull + "' is null");
    }
    return fields.names;
  }

  /** An object's member names, in order, and the first whose value is null. */
  private static final class Names {
    final List<String> names = new ArrayList<>(2);
    String firstNull;

    void add(String name, JsonToken value) {
      names.add(name);
      if (value == JsonToken.VALUE_NULL && firstNull == null) {
        firstNull = name;
      }
    }
  }

  /**
   * One JSON object by the rules {@code ingest} applies ({@link StrictJson}): UTF-8, no NUL byte,
   * no duplicate key, nothing after the object.
   */
  static JsonNode tree(byte[] value) throws ChangeDecodeException {
    try {
      return StrictJson.readEnveloped(value);
    } catch (StrictJson.Fault f) {
      throw new ChangeDecodeException(f.reason.toString(), f.getMessage(), f.getCause());
    }
  }

  /** The Flink type each column lands as, from its Kafka Connect schema. */
  private static Map<String, LogicalType> types(Map<String, JsonNode> schemas) {
    Map<String, LogicalType> out = new HashMap<>();
    schemas.forEach(
        (column, schema) -> {
          LogicalType t = logicalType(schema);
          if (t != null) {
            out.put(column, t);
          }
        });
    return out;
  }

  /**
   * Iceberg has no 8- or 16-bit integers, so those widen to INT; times have Flink's millisecond
   * TIME precision and timestamps Iceberg's microseconds: a finer value is refused, not cut.
   */
  static LogicalType logicalType(JsonNode schema) {
    JsonNode p = schema.path("parameters");
    LogicalType semantic =
        semanticType(
            schema.path("name").asText(""),
            p.path("scale").asInt(0),
            p.path("connect.decimal.precision").asInt(DecimalType.MAX_PRECISION));
    if (semantic != null) {
      return semantic;
    }
    switch (schema.path("type").asText("")) {
      case "int8":
      case "int16":
      case "int32":
        return new IntType();
      case "int64":
        return new BigIntType();
      case "float":
      case "float32":
        return new FloatType();
      case "float64":
      case "double":
        return new DoubleType();
      case "boolean":
        return new BooleanType();
      case "bytes":
        return new VarBinaryType(VarBinaryType.MAX_LENGTH);
      case "string":
        return new VarCharType(VarCharType.MAX_LENGTH);
      default:
        return null; // structs, arrays, maps: left to configuration
    }
  }

  /**
   * The Flink type of a Kafka Connect or Debezium semantic type ({@code schema.name} in JSON,
   * {@code connect.name} in Avro), or null when {@code name} is none of them. Shared by the JSON
   * and Avro decoders so both land a column the same way.
   */
  static LogicalType semanticType(String name, int scale, int precision) {
    switch (name) {
      case "org.apache.kafka.connect.data.Decimal":
        return new DecimalType(Math.max(precision, Math.max(scale, 1)), scale);
      case "io.debezium.time.Date":
      case "org.apache.kafka.connect.data.Date":
        return new DateType();
      case "io.debezium.time.Time":
      case "io.debezium.time.MicroTime":
      case "io.debezium.time.NanoTime":
      case "org.apache.kafka.connect.data.Time":
        return new TimeType();
      case "io.debezium.time.Timestamp":
      case "io.debezium.time.MicroTimestamp":
      case "io.debezium.time.NanoTimestamp":
      case "org.apache.kafka.connect.data.Timestamp":
        return new TimestampType(6);
      case "io.debezium.time.ZonedTimestamp":
        return new LocalZonedTimestampType(6);
      default:
        return null;
    }
  }

  /**
   * An integral value of a semantic date, time or timestamp type as its Java value, or null when
   * {@code name} is not one of them.
   *
   * @throws ArithmeticException or DateTimeException when the value is out of range
   */
  static Object semanticValue(String name, long v) {
    switch (name) {
      case "io.debezium.time.Date":
      case "org.apache.kafka.connect.data.Date":
        return LocalDate.ofEpochDay(v);
      case "io.debezium.time.Time":
      case "org.apache.kafka.connect.data.Time":
        return LocalTime.ofNanoOfDay(Math.multiplyExact(v, 1_000_000L));
      case "io.debezium.time.MicroTime":
        return LocalTime.ofNanoOfDay(Math.multiplyExact(v, 1_000L));
      case "io.debezium.time.NanoTime":
        return LocalTime.ofNanoOfDay(v);
      case "io.debezium.time.Timestamp":
      case "org.apache.kafka.connect.data.Timestamp":
        return epoch(v, 1_000L);
      case "io.debezium.time.MicroTimestamp":
        return epoch(v, 1_000_000L);
      case "io.debezium.time.NanoTimestamp":
        return epoch(v, 1_000_000_000L);
      default:
        return null;
    }
  }

  static Op op(String op) throws ChangeDecodeException {
    if (op == null) {
      throw new ChangeDecodeException("unknown-op", "the event has no 'op'");
    }
    switch (op) {
      case "c":
        return Op.INSERT;
      case "u":
        return Op.UPDATE;
      case "d":
        return Op.DELETE;
      case "r":
        return Op.SNAPSHOT;
      default:
        throw new ChangeDecodeException(
            "unknown-op", "unknown op '" + op + "'; Debezium writes c, u, d or r");
    }
  }

  /**
   * The log position: PostgreSQL's LSN; MySQL's binlog file number, offset and row. Snapshot reads
   * come before every streamed change of the same log point. A change without one cannot be
   * ordered: guessing (a timestamp, 0) would let it freeze or vanish a row, so it is refused.
   */
  static long[] logPosition(JsonNode source) throws ChangeDecodeException {
    if (source.has("lsn")) {
      return new long[] {position(source, "lsn", "source.lsn")};
    }
    if (source.has("file") || source.has("pos")) {
      JsonNode file = source.get("file");
      if (file == null || !file.isTextual()) {
        throw badPosition("source.file", file, "is not a binlog file name");
      }
      String digits = file.asText().replaceAll("^.*?(\\d+)$", "$1");
      long fileNo;
      try {
        fileNo = Long.parseLong(digits);
      } catch (NumberFormatException e) {
        throw badPosition("source.file", file, "does not end in a binlog file number");
      }
      return new long[] {
        fileNo, position(source, "pos", "source.pos"), position(source, "row", "source.row")
      };
    }
    throw new ChangeDecodeException(
        "bad-position",
        "the change has no log position: neither source.lsn (PostgreSQL) nor source.file and"
            + " source.pos (MySQL). For a connector without one, set cdc.position = ts-ms.");
  }

  /**
   * {@code parent.field} as a position component: a JSON integer from 0 to Long.MAX_VALUE, nothing
   * else (not a float token, even 1e23; not a string, even of digits).
   */
  static long position(JsonNode parent, String field, String name) throws ChangeDecodeException {
    JsonNode v = parent.get(field);
    if (v == null || v.isMissingNode()) {
      throw new ChangeDecodeException("bad-position", name + " is missing");
    }
    if (v.isNull()) {
      throw new ChangeDecodeException("bad-position", name + " is null");
    }
    if (!v.isIntegralNumber()) {
      throw badPosition(name, v, "is not an integer");
    }
    if (!v.canConvertToLong()) {
      throw badPosition(name, v, "does not fit a 64-bit integer");
    }
    if (v.asLong() < 0) {
      throw badPosition(name, v, "is negative");
    }
    return v.asLong();
  }

  private static ChangeDecodeException badPosition(String name, JsonNode v, String why) {
    return new ChangeDecodeException(
        "bad-position",
        name + " " + (v == null ? "is missing" : "= " + abbreviated(v) + " " + why));
  }

  private static Map<String, JsonNode> fieldSchemas(JsonNode schema) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode f : schema.path("fields")) {
      if ("after".equals(f.path("field").asText()) || "before".equals(f.path("field").asText())) {
        for (JsonNode c : f.path("fields")) {
          out.put(c.path("field").asText(), c);
        }
      }
    }
    return out;
  }

  private static Map<String, Object> row(JsonNode image, Map<String, JsonNode> schemas, String side)
      throws ChangeDecodeException {
    if (image == null || image.isNull()) {
      return null;
    }
    if (!image.isObject()) {
      throw new ChangeDecodeException(
          "malformed-json", "'" + side + "' is " + abbreviated(image) + ", not a JSON object");
    }
    Map<String, Object> row = ChangeEvent.image(image.size());
    Iterator<Map.Entry<String, JsonNode>> fields = image.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      row.put(f.getKey(), value(f.getValue(), schemas.get(f.getKey()), f.getKey()));
    }
    return row;
  }

  static Object value(JsonNode v, JsonNode schema, String column) throws ChangeDecodeException {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isDouble() && !Double.isFinite(v.doubleValue())) {
      // Jackson reads a float token beyond double's range as a double, the text lost
      throw new ChangeDecodeException(
          "wrong-type",
          "column '"
              + column
              + "': a number beyond 1.8E308 in magnitude, which no column type holds");
    }
    if (schema == null) {
      return plain(v, column);
    }
    String name = schema.path("name").asText("");
    try {
      switch (name) {
        case "org.apache.kafka.connect.data.Decimal":
          int scale = schema.path("parameters").path("scale").asInt();
          return new BigDecimal(new BigInteger(Base64.getDecoder().decode(textual(v))), scale);
        case "io.debezium.time.Date":
        case "org.apache.kafka.connect.data.Date":
        case "io.debezium.time.Time":
        case "org.apache.kafka.connect.data.Time":
        case "io.debezium.time.MicroTime":
        case "io.debezium.time.NanoTime":
        case "io.debezium.time.Timestamp":
        case "org.apache.kafka.connect.data.Timestamp":
        case "io.debezium.time.MicroTimestamp":
        case "io.debezium.time.NanoTimestamp":
          return semanticValue(name, integral(v));
        case "io.debezium.time.ZonedTimestamp":
          return OffsetDateTime.parse(textual(v)).toInstant();
        default:
          break;
      }
      switch (schema.path("type").asText("")) {
        case "int8":
        case "int16":
        case "int32":
          // text is left to ChangeRows: refused unless format.lenient = numbers-from-strings
          return v.isTextual() ? string(v, column) : Math.toIntExact(integral(v));
        case "int64":
          return v.isTextual() ? string(v, column) : integral(v);
        case "float":
        case "float32":
          // text (NaN, the infinities, or a number with numbers-from-strings) is ChangeRows' call
          return v.isTextual() && !nonFinite(v)
              ? string(v, column)
              : Objects.requireNonNull(ColumnValues.narrow(number(v)), "out of range");
        case "float64":
        case "double":
          return v.isTextual() && !nonFinite(v)
              ? string(v, column)
              : Objects.requireNonNull(ColumnValues.floating(number(v)), "out of range");
        case "boolean":
          if (!v.isBoolean()) {
            throw new IllegalArgumentException("not a boolean");
          }
          return v.booleanValue();
        case "bytes":
          return Base64.getDecoder().decode(textual(v));
        default:
          return plain(v, column);
      }
    } catch (RuntimeException e) {
      throw new ChangeDecodeException(
          "wrong-type",
          "column '"
              + column
              + "': "
              + v
              + " is not a valid "
              + (name.isEmpty() ? schema.path("type").asText() : name),
          e);
    }
  }

  /** A JSON integer that fits a long; never a float token or text. */
  private static long integral(JsonNode v) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("not a 64-bit integer");
    }
    return v.longValue();
  }

  /** NaN and the infinities, which Kafka Connect's JSON writes as text. */
  private static boolean nonFinite(JsonNode v) {
    String s = v.textValue();
    return s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity");
  }

  /** A JSON number exactly, or text (Kafka Connect writes NaN and the infinities as text). */
  private static Object number(JsonNode v) {
    if (v.isNumber()) {
      return v.decimalValue();
    }
    return textual(v);
  }

  private static String textual(JsonNode v) {
    if (!v.isTextual()) {
      throw new IllegalArgumentException("not a string");
    }
    return v.textValue();
  }

  private static LocalDateTime epoch(long value, long perSecond) {
    return LocalDateTime.ofEpochSecond(
        Math.floorDiv(value, perSecond),
        (int) (Math.floorMod(value, perSecond) * (1_000_000_000L / perSecond)),
        ZoneOffset.UTC);
  }

  /**
   * A value without a schema type, as JSON gives it: a JSON integer as a Long (BigInteger beyond),
   * any other number exactly as a BigDecimal, a boolean, a string. An array or object has no column
   * type to land in (its JSON text would be a string the producer never sent).
   */
  private static Object plain(JsonNode v, String column) throws ChangeDecodeException {
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? (Object) v.asLong() : v.bigIntegerValue();
    }
    if (v.isFloatingPointNumber()) {
      return v.decimalValue();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isTextual()) {
      return string(v, column);
    }
    throw new ChangeDecodeException(
        "wrong-type",
        "column '"
            + column
            + "': "
            + abbreviated(v)
            + " is a JSON "
            + (v.isArray() ? "array" : "object")
            + ", which no cdc column type holds");
  }

  /** A JSON string, free of lone surrogates (an escape such as \ud800 has no UTF-8 form). */
  private static String string(JsonNode v, String column) throws ChangeDecodeException {
    String s = v.textValue();
    try {
      StrictJson.checkSurrogates(s, column);
    } catch (StrictJson.Fault f) {
      throw new ChangeDecodeException(f.reason.toString(), f.getMessage());
    }
    return s;
  }

  /** A JSON value for a message, cut at 100 characters. */
  static String abbreviated(JsonNode v) {
    String s = v.toString();
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
