package io.tributary.cdc;

import io.tributary.cdc.ChangeEvent.Op;
import io.tributary.format.AvroFrames;
import io.tributary.format.AvroRows;
import io.tributary.format.StrictJson;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.table.types.logical.DecimalType;

/**
 * Debezium change events written by Kafka Connect's Avro converter: the envelope ({@code before},
 * {@code after}, {@code source}, {@code op}, {@code ts_ms}) as an Avro record in a registry's wire
 * format. It yields the same {@link ChangeEvent} as {@link DebeziumJson}, so routing, the ordering
 * guard and table evolution are the same code; columns are typed by the writer schema, Debezium's
 * semantic types ({@code connect.name}) first, then Avro's own types as {@link AvroRows} maps them.
 */
public final class DebeziumAvro {
  private DebeziumAvro() {}

  /**
   * @return the change, or null for a tombstone (a null value)
   */
  public static ChangeEvent decode(AvroFrames frames, byte[] value, CdcOptions.Position ordering)
      throws ChangeDecodeException {
    if (value == null) {
      return null;
    }
    if (value.length == 0) {
      throw new ChangeDecodeException("empty", "a zero-byte value");
    }
    GenericRecord envelope = read(frames, value);
    Schema schema = envelope.getSchema();
    for (String f : new String[] {"op", "source", "before", "after"}) {
      if (schema.getField(f) == null) {
        throw new ChangeDecodeException(
            f.equals("source") ? "missing-source" : "malformed-avro",
            "the record has no '"
                + f
                + "' field: not a Debezium envelope ("
                + schema.getFullName()
                + ")");
      }
    }
    Object opValue = envelope.get("op");
    Op op = DebeziumJson.op(opValue == null ? null : opValue.toString());
    JsonNode source = json(envelope.get("source"));
    String table = text(source, "table");
    if (table == null) {
      throw new ChangeDecodeException("missing-source", "the event has no source.table");
    }
    TableId id = new TableId(text(source, "db"), text(source, "schema"), table);
    Map<String, Object> before = row(envelope.get("before"));
    Map<String, Object> after = row(envelope.get("after"));
    if ((op == Op.INSERT || op == Op.SNAPSHOT || op == Op.UPDATE) && after == null) {
      throw new ChangeDecodeException(
          "missing-after", "a '" + opValue + "' event without an after image");
    }
    if (op == Op.DELETE && before == null) {
      throw new ChangeDecodeException("missing-before", "a delete without a before image");
    }
    long sourceTs = source.path("ts_ms").asLong(-1);
    Map<String, org.apache.flink.table.types.logical.LogicalType> types = new HashMap<>();
    types(schema.getField("before").schema(), types);
    types(schema.getField("after").schema(), types);
    return new ChangeEvent(
        op,
        id,
        before,
        after,
        List.of(),
        ordering == CdcOptions.Position.TS_MS
            ? new long[] {DebeziumJson.position(source, "ts_ms", "source.ts_ms")}
            : DebeziumJson.logPosition(source),
        sourceTs > 0 ? sourceTs : -1,
        types);
  }

  /**
   * The primary-key columns a Debezium Avro message key names; empty when the key is absent or
   * neither a registry-framed record nor a JSON object (keys are optional: cdc.primary-keys may
   * name them). Debezium Server writes Avro values with a JSON key (its Kinesis sink sends the
   * key's text as partition key), so a JSON object key counts as Debezium JSON's would.
   */
  public static List<String> keyColumns(AvroFrames frames, byte[] key)
      throws ChangeDecodeException {
    if (key == null || key.length == 0) {
      return List.of();
    }
    if (key[0] == '{') {
      return DebeziumJson.keyColumns(key);
    }
    GenericRecord k;
    try {
      k = frames.read(key);
    } catch (StrictJson.Fault f) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (Schema.Field f : k.getSchema().getFields()) {
      if (k.get(f.pos()) == null) {
        throw new ChangeDecodeException(
            "missing-key", "the message key's column '" + f.name() + "' is null");
      }
      names.add(f.name());
    }
    return names;
  }

  private static GenericRecord read(AvroFrames frames, byte[] value) throws ChangeDecodeException {
    try {
      return frames.read(value);
    } catch (StrictJson.Fault f) {
      throw new ChangeDecodeException(f.reason.toString(), f.getMessage(), f.getCause());
    }
  }

  /** The source block as JSON, so positions are read by the same rules as Debezium JSON's. */
  private static JsonNode json(Object source) throws ChangeDecodeException {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    if (!(source instanceof GenericRecord)) {
      return node;
    }
    GenericRecord r = (GenericRecord) source;
    for (Schema.Field f : r.getSchema().getFields()) {
      Object v = r.get(f.pos());
      if (v == null) {
        node.putNull(f.name());
      } else if (v instanceof Long || v instanceof Integer) {
        node.put(f.name(), ((Number) v).longValue());
      } else if (v instanceof Boolean) {
        node.put(f.name(), (Boolean) v);
      } else if (v instanceof CharSequence
          || v instanceof org.apache.avro.generic.GenericEnumSymbol) {
        node.put(f.name(), string(v, "source." + f.name()));
      }
      // other source fields (none that ordering or routing read) are left out
    }
    return node;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Map<String, Object> row(Object image) throws ChangeDecodeException {
    if (image == null) {
      return null;
    }
    if (!(image instanceof GenericRecord)) {
      throw new ChangeDecodeException("malformed-avro", "a row image is not a record");
    }
    GenericRecord r = (GenericRecord) image;
    Map<String, Object> row = ChangeEvent.image(r.getSchema().getFields().size());
    for (Schema.Field f : r.getSchema().getFields()) {
      row.put(f.name(), value(r.get(f.pos()), f.schema(), f.name()));
    }
    return row;
  }

  private static void types(
      Schema image, Map<String, org.apache.flink.table.types.logical.LogicalType> out) {
    Schema record = AvroRows.nonNull(image);
    if (record == null || record.getType() != Schema.Type.RECORD) {
      return;
    }
    for (Schema.Field f : record.getFields()) {
      Schema s = AvroRows.nonNull(f.schema());
      if (s == null) {
        continue;
      }
      org.apache.flink.table.types.logical.LogicalType t =
          DebeziumJson.semanticType(connectName(s), scale(s), precision(s));
      if (t == null) {
        try {
          t = AvroRows.type(f.schema(), f.name());
        } catch (IllegalArgumentException unmapped) {
          continue; // its values are refused as wrong-type, naming the column
        }
      }
      out.put(f.name(), t);
    }
  }

  private static String connectName(Schema s) {
    String n = s.getProp("connect.name");
    return n == null ? "" : n;
  }

  private static int scale(Schema s) {
    LogicalType l = s.getLogicalType();
    if (l instanceof LogicalTypes.Decimal) {
      return ((LogicalTypes.Decimal) l).getScale();
    }
    return intProp(s, "scale", 0);
  }

  private static int precision(Schema s) {
    int p = intProp(s, "connect.decimal.precision", -1);
    if (p > 0) {
      return p;
    }
    LogicalType l = s.getLogicalType();
    return l instanceof LogicalTypes.Decimal
        ? ((LogicalTypes.Decimal) l).getPrecision()
        : DecimalType.MAX_PRECISION;
  }

  /** A Connect parameter, kept by the Avro converter under {@code connect.parameters}. */
  private static int intProp(Schema s, String name, int otherwise) {
    Object params = s.getObjectProp("connect.parameters");
    Object v = params instanceof Map ? ((Map<?, ?>) params).get(name) : null;
    if (v == null) {
      return otherwise;
    }
    try {
      return Integer.parseInt(v.toString());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  static Object value(Object v, Schema fieldSchema, String column) throws ChangeDecodeException {
    if (v == null) {
      return null;
    }
    Schema s = AvroRows.nonNull(fieldSchema);
    if (s == null) {
      throw new ChangeDecodeException(
          "wrong-type",
          "column '" + column + "': a union of more than null and one type has no column type");
    }
    String name = connectName(s);
    LogicalType logical = s.getLogicalType();
    try {
      if (v instanceof Integer || v instanceof Long) {
        long n = ((Number) v).longValue();
        Object semantic = DebeziumJson.semanticValue(name, n);
        if (semantic != null) {
          return semantic;
        }
        if (logical instanceof LogicalTypes.Date) {
          return LocalDate.ofEpochDay(n);
        }
        if (logical instanceof LogicalTypes.TimeMillis) {
          return LocalTime.ofNanoOfDay(Math.multiplyExact(n, 1_000_000L));
        }
        if (logical instanceof LogicalTypes.TimeMicros) {
          return LocalTime.ofNanoOfDay(Math.multiplyExact(n, 1_000L));
        }
        if (logical instanceof LogicalTypes.TimestampMillis) {
          return Instant.ofEpochMilli(n);
        }
        if (logical instanceof LogicalTypes.TimestampMicros) {
          return Instant.EPOCH.plusNanos(Math.multiplyExact(n, 1_000L));
        }
        if (logical instanceof LogicalTypes.LocalTimestampMillis) {
          return LocalDateTime.ofEpochSecond(
              Math.floorDiv(n, 1000L), (int) Math.floorMod(n, 1000L) * 1_000_000, ZoneOffset.UTC);
        }
        if (logical instanceof LogicalTypes.LocalTimestampMicros) {
          return LocalDateTime.ofEpochSecond(
              Math.floorDiv(n, 1_000_000L),
              (int) Math.floorMod(n, 1_000_000L) * 1_000,
              ZoneOffset.UTC);
        }
        if (logical != null) {
          throw new IllegalArgumentException("unsupported logical type " + logical.getName());
        }
        return v;
      }
      if (v instanceof java.nio.ByteBuffer || v instanceof GenericFixed) {
        byte[] b =
            v instanceof GenericFixed
                ? ((GenericFixed) v).bytes().clone()
                : bytes((java.nio.ByteBuffer) v);
        if (logical instanceof LogicalTypes.Decimal
            || name.equals("org.apache.kafka.connect.data.Decimal")) {
          return new BigDecimal(new BigInteger(b), scale(s));
        }
        return b;
      }
      if (v instanceof CharSequence || v instanceof org.apache.avro.generic.GenericEnumSymbol) {
        String text = string(v, column);
        if (name.equals("io.debezium.time.ZonedTimestamp")) {
          return OffsetDateTime.parse(text).toInstant();
        }
        return text;
      }
      if (v instanceof Boolean || v instanceof Float || v instanceof Double) {
        return v;
      }
    } catch (RuntimeException e) {
      throw new ChangeDecodeException(
          "wrong-type",
          "column '" + column + "': " + v + " is not a valid " + (name.isEmpty() ? s : name),
          e);
    }
    throw new ChangeDecodeException(
        "wrong-type",
        "column '"
            + column
            + "': an Avro "
            + s.getType().getName()
            + ", which no cdc column type holds");
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
    java.nio.ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static String string(Object v, String column) throws ChangeDecodeException {
    try {
      return AvroRows.string(v, column);
    } catch (StrictJson.Fault f) {
      throw new ChangeDecodeException(f.reason.toString(), f.getMessage(), f.getCause());
    }
  }
}
