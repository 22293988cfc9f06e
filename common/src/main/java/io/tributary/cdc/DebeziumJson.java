package io.tributary.cdc;

import io.tributary.cdc.ChangeEvent.Op;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
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
  private static final ObjectMapper JSON = new ObjectMapper();

  private DebeziumJson() {}

  /**
   * @return the change, or null for a tombstone (a null or empty value after a delete)
   * @throws ChangeDecodeException with a dead-letter reason when the record cannot be applied
   */
  public static ChangeEvent decode(byte[] value) throws ChangeDecodeException {
    if (value == null || value.length == 0) {
      return null;
    }
    JsonNode root;
    try {
      root = JSON.readTree(value);
    } catch (IOException e) {
      throw new ChangeDecodeException(
          "malformed-json", "not JSON: " + e.getMessage().split("\n")[0], e);
    }
    if (root == null || !root.isObject()) {
      throw new ChangeDecodeException("malformed-json", "not a JSON object");
    }
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
    Map<String, Object> before = row(event.get("before"), fieldSchemas);
    Map<String, Object> after = row(event.get("after"), fieldSchemas);
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
        position(source, event),
        sourceTs > 0 ? sourceTs : -1,
        types(fieldSchemas));
  }

  /**
   * The primary-key columns named by a Debezium message key ({@code {"id": 1}}, or the same under
   * {@code payload} with schemas on); empty when there is no usable key.
   */
  public static List<String> keyColumns(byte[] key) {
    if (key == null || key.length == 0) {
      return List.of();
    }
    try {
      JsonNode root = JSON.readTree(key);
      if (root == null || !root.isObject()) {
        return List.of();
      }
      JsonNode fields = root.has("schema") && root.has("payload") ? root.get("payload") : root;
      List<String> names = new ArrayList<>();
      fields.fieldNames().forEachRemaining(names::add);
      return names;
    } catch (IOException e) {
      return List.of();
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
   * Iceberg has no 8- or 16-bit integers, so those widen to INT; times keep Flink's millisecond
   * TIME precision; timestamps keep microseconds (nanoseconds are cut to micros by Iceberg).
   */
  static LogicalType logicalType(JsonNode schema) {
    switch (schema.path("name").asText("")) {
      case "org.apache.kafka.connect.data.Decimal":
        JsonNode p = schema.path("parameters");
        int scale = p.path("scale").asInt(0);
        int precision = p.path("connect.decimal.precision").asInt(DecimalType.MAX_PRECISION);
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
        break;
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

  private static Op op(String op) throws ChangeDecodeException {
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
   * The log position: PostgreSQL's LSN; MySQL's binlog file number, offset and row; else the
   * event's timestamps. Snapshot reads come before every streamed change of the same log point.
   */
  private static long[] position(JsonNode source, JsonNode event) {
    if (source.hasNonNull("lsn")) {
      return new long[] {source.get("lsn").asLong()};
    }
    if (source.hasNonNull("file") && source.hasNonNull("pos")) {
      String file = source.get("file").asText();
      String digits = file.replaceAll("^.*?(\\d+)$", "$1");
      long fileNo = digits.matches("\\d+") ? Long.parseLong(digits) : 0;
      return new long[] {fileNo, source.get("pos").asLong(), source.path("row").asLong(0)};
    }
    return new long[] {source.path("ts_ms").asLong(0), event.path("ts_ms").asLong(0)};
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

  private static Map<String, Object> row(JsonNode image, Map<String, JsonNode> schemas)
      throws ChangeDecodeException {
    if (image == null || image.isNull()) {
      return null;
    }
    Map<String, Object> row = new LinkedHashMap<>();
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
    if (schema == null) {
      return plain(v);
    }
    String name = schema.path("name").asText("");
    try {
      switch (name) {
        case "org.apache.kafka.connect.data.Decimal":
          int scale = schema.path("parameters").path("scale").asInt();
          return new BigDecimal(new BigInteger(Base64.getDecoder().decode(v.asText())), scale);
        case "io.debezium.time.Date":
        case "org.apache.kafka.connect.data.Date":
          return LocalDate.ofEpochDay(v.asLong());
        case "io.debezium.time.Time":
        case "org.apache.kafka.connect.data.Time":
          return LocalTime.ofNanoOfDay(v.asLong() * 1_000_000L);
        case "io.debezium.time.MicroTime":
          return LocalTime.ofNanoOfDay(v.asLong() * 1_000L);
        case "io.debezium.time.NanoTime":
          return LocalTime.ofNanoOfDay(v.asLong());
        case "io.debezium.time.Timestamp":
        case "org.apache.kafka.connect.data.Timestamp":
          return LocalDateTime.ofEpochSecond(
              Math.floorDiv(v.asLong(), 1000L),
              (int) Math.floorMod(v.asLong(), 1000L) * 1_000_000,
              ZoneOffset.UTC);
        case "io.debezium.time.MicroTimestamp":
          return LocalDateTime.ofEpochSecond(
              Math.floorDiv(v.asLong(), 1_000_000L),
              (int) Math.floorMod(v.asLong(), 1_000_000L) * 1_000,
              ZoneOffset.UTC);
        case "io.debezium.time.NanoTimestamp":
          return LocalDateTime.ofEpochSecond(
              Math.floorDiv(v.asLong(), 1_000_000_000L),
              (int) Math.floorMod(v.asLong(), 1_000_000_000L),
              ZoneOffset.UTC);
        case "io.debezium.time.ZonedTimestamp":
          return OffsetDateTime.parse(v.asText()).toInstant();
        default:
          break;
      }
      switch (schema.path("type").asText("")) {
        case "int8":
        case "int16":
        case "int32":
          if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException("not a 32-bit integer");
          }
          return v.asInt();
        case "int64":
          if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("not a 64-bit integer");
          }
          return v.asLong();
        case "float":
        case "float32":
          return (float) v.asDouble();
        case "float64":
        case "double":
          return v.asDouble();
        case "boolean":
          return v.asBoolean();
        case "bytes":
          return Base64.getDecoder().decode(v.asText());
        default:
          return plain(v);
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

  private static Object plain(JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? (Object) v.asLong() : v.bigIntegerValue();
    }
    if (v.isFloatingPointNumber()) {
      return v.decimalValue();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    return v.isTextual() ? v.asText() : v.toString();
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
