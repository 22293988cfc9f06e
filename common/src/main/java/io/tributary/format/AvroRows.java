package io.tributary.format;

import io.tributary.quality.Reason;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BinaryType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * Avro to Flink, strictly: each Avro type has exactly one Flink (and so Iceberg) type, a value is
 * converted only where the conversion is exact, and anything else is refused with its field named.
 *
 * <table>
 *   <caption>The mapping</caption>
 *   <tr><th>Avro</th><th>Flink / Iceberg</th></tr>
 *   <tr><td>boolean</td><td>BOOLEAN / boolean</td></tr>
 *   <tr><td>int</td><td>INT / int</td></tr>
 *   <tr><td>long</td><td>BIGINT / long</td></tr>
 *   <tr><td>float, double</td><td>FLOAT, DOUBLE / float, double</td></tr>
 *   <tr><td>string, enum, string+uuid</td><td>STRING / string</td></tr>
 *   <tr><td>bytes</td><td>BYTES / binary</td></tr>
 *   <tr><td>fixed(n)</td><td>BINARY(n) / fixed[n]</td></tr>
 *   <tr><td>bytes or fixed + decimal(p, s)</td><td>DECIMAL(p, s) / decimal(p, s)</td></tr>
 *   <tr><td>int + date</td><td>DATE / date</td></tr>
 *   <tr><td>int + time-millis</td><td>TIME / time</td></tr>
 *   <tr><td>long + timestamp-millis, -micros</td><td>TIMESTAMP_LTZ(3), (6) / timestamptz</td></tr>
 *   <tr><td>long + local-timestamp-millis, -micros</td><td>TIMESTAMP(3), (6) / timestamp</td></tr>
 *   <tr><td>union of null and one type</td><td>that type, nullable</td></tr>
 * </table>
 *
 * <p>Refused: other unions, records, arrays, maps, time-micros (Flink's TIME holds milliseconds),
 * timestamp-nanos, and decimals beyond precision 38.
 */
public final class AvroRows {
  private AvroRows() {}

  /**
   * The table's row type for a record schema.
   *
   * @throws IllegalArgumentException naming the first field whose type has no exact mapping
   */
  public static RowType rowType(Schema record) {
    if (record.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          "the schema is a " + record.getType() + ", not a record of fields");
    }
    List<RowType.RowField> fields = new ArrayList<>();
    for (Schema.Field f : record.getFields()) {
      fields.add(new RowType.RowField(f.name(), type(f.schema(), f.name())));
    }
    return new RowType(fields);
  }

  /** The Flink type of one field's schema (a null union makes it nullable). */
  public static org.apache.flink.table.types.logical.LogicalType type(Schema s, String field) {
    Schema value = nonNull(s);
    if (value == null) {
      throw refused(field, s, "a union of null and more than one type has no column type");
    }
    boolean nullable = value != s;
    LogicalType logical = value.getLogicalType();
    org.apache.flink.table.types.logical.LogicalType t;
    switch (value.getType()) {
      case BOOLEAN:
        t = new BooleanType();
        break;
      case INT:
        if (logical == null) {
          t = new IntType();
        } else if (logical instanceof LogicalTypes.Date) {
          t = new DateType();
        } else if (logical instanceof LogicalTypes.TimeMillis) {
          t = new TimeType(3);
        } else {
          throw refused(field, value, "Flink's TIME holds milliseconds; no other int type maps");
        }
        break;
      case LONG:
        if (logical == null) {
          t = new BigIntType();
        } else if (logical instanceof LogicalTypes.TimestampMillis) {
          t = new LocalZonedTimestampType(3);
        } else if (logical instanceof LogicalTypes.TimestampMicros) {
          t = new LocalZonedTimestampType(6);
        } else if (logical instanceof LogicalTypes.LocalTimestampMillis) {
          t = new TimestampType(3);
        } else if (logical instanceof LogicalTypes.LocalTimestampMicros) {
          t = new TimestampType(6);
        } else {
          throw refused(
              field,
              value,
              "Iceberg keeps timestamps to the microsecond and Flink's TIME to the millisecond");
        }
        break;
      case FLOAT:
        t = new FloatType();
        break;
      case DOUBLE:
        t = new DoubleType();
        break;
      case STRING:
      case ENUM:
        t = new VarCharType(VarCharType.MAX_LENGTH);
        break;
      case BYTES:
      case FIXED:
        if (logical instanceof LogicalTypes.Decimal) {
          LogicalTypes.Decimal d = (LogicalTypes.Decimal) logical;
          if (d.getPrecision() > DecimalType.MAX_PRECISION) {
            throw refused(field, value, "Iceberg's decimals hold at most 38 digits");
          }
          t = new DecimalType(d.getPrecision(), d.getScale());
        } else if (value.getType() == Schema.Type.FIXED) {
          t = new BinaryType(value.getFixedSize());
        } else {
          t = new VarBinaryType(VarBinaryType.MAX_LENGTH);
        }
        break;
      default:
        throw refused(
            field, value, "records, arrays, maps and unions are not columns of an Avro table");
    }
    return t.copy(nullable);
  }

  private static IllegalArgumentException refused(String field, Schema s, String why) {
    return new IllegalArgumentException(
        "field '" + field + "' has Avro type " + s + ", which has no exact column type: " + why);
  }

  /** The one non-null branch of a [null, X] union; the schema itself if not a union; else null. */
  public static Schema nonNull(Schema s) {
    if (s.getType() != Schema.Type.UNION) {
      return s;
    }
    List<Schema> branches = s.getTypes();
    if (branches.size() == 2) {
      if (branches.get(0).getType() == Schema.Type.NULL) {
        return branches.get(1);
      }
      if (branches.get(1).getType() == Schema.Type.NULL) {
        return branches.get(0);
      }
    }
    return null;
  }

  /**
   * Why records written with {@code writer} cannot be read as {@code reader} without a lossy or
   * undefined conversion; null when they can. Beyond Avro's own resolution rules, a field's logical
   * type must not change (a decimal's scale, a timestamp's unit), and only the exact promotions are
   * accepted: int to long or double, float to double. long to float or double, int to float, and
   * string to bytes (or back) are refused.
   */
  public static String incompatibility(Schema writer, Schema reader) {
    for (Schema.Field r : reader.getFields()) {
      Schema.Field w = writer.getField(r.name());
      if (w == null) {
        for (String alias : r.aliases()) {
          w = writer.getField(alias);
          if (w != null) {
            break;
          }
        }
      }
      if (w == null) {
        if (!r.hasDefaultValue()) {
          return "field '" + r.name() + "' is missing and the table's schema gives no default";
        }
        continue;
      }
      Schema ws = nonNull(w.schema());
      Schema rs = nonNull(r.schema());
      if (ws == null || rs == null) {
        return "field '" + r.name() + "' is a union of more than null and one type";
      }
      if (ws != w.schema() && rs == r.schema()) {
        return "field '" + r.name() + "' may be null in the writer's schema, not in the table's";
      }
      if (!java.util.Objects.equals(ws.getLogicalType(), rs.getLogicalType())) {
        return "field '"
            + r.name()
            + "' is "
            + describe(ws)
            + " in the writer's schema, "
            + describe(rs)
            + " in the table's";
      }
      if (!exactlyReadable(ws.getType(), rs.getType())) {
        return "field '"
            + r.name()
            + "' is "
            + describe(ws)
            + " in the writer's schema, "
            + describe(rs)
            + " in the table's: not an exact conversion";
      }
      if (ws.getType() == Schema.Type.FIXED && ws.getFixedSize() != rs.getFixedSize()) {
        return "field '" + r.name() + "' changes its fixed size";
      }
      if (ws.getType() == Schema.Type.ENUM
          && !rs.getEnumSymbols().containsAll(ws.getEnumSymbols())) {
        return "field '" + r.name() + "' has enum symbols the table's schema lacks";
      }
    }
    return null;
  }

  private static boolean exactlyReadable(Schema.Type w, Schema.Type r) {
    if (w == r) {
      return true;
    }
    switch (w) {
      case INT:
        return r == Schema.Type.LONG || r == Schema.Type.DOUBLE;
      case FLOAT:
        return r == Schema.Type.DOUBLE;
      default:
        return false;
    }
  }

  private static String describe(Schema s) {
    return s.getLogicalType() == null
        ? s.getType().getName()
        : s.getType().getName() + "+" + s.getLogicalType().getName();
  }

  /**
   * Reads one Avro binary body that must use every byte, with {@code reader} (resolving its writer
   * schema); a body that ends early, has bytes left over or breaks its schema is malformed-avro.
   */
  public static GenericRecord read(
      GenericDatumReader<GenericRecord> reader, byte[] bytes, int offset, String schema) {
    BinaryDecoder d =
        DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, null);
    GenericRecord r;
    try {
      r = reader.read(null, d);
      if (!d.isEnd()) {
        throw new StrictJson.Fault(
            Reason.MALFORMED_AVRO,
            "bytes are left over after the record: it does not match its " + schema);
      }
    } catch (EOFException e) {
      throw new StrictJson.Fault(
          Reason.MALFORMED_AVRO, "the body ends early: it does not match its " + schema, e);
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      // a bad union index, a negative length, an enum ordinal out of range
      throw new StrictJson.Fault(
          Reason.MALFORMED_AVRO,
          "the body does not match its " + schema + ": " + e.getMessage(),
          e);
    } catch (NegativeArraySizeException | OutOfMemoryError e) {
      throw new StrictJson.Fault(
          Reason.MALFORMED_AVRO, "the body does not match its " + schema + " (a bad length)", e);
    }
    return r;
  }

  /** A generic reader without logical-type conversions: values stay as Avro encodes them. */
  public static GenericDatumReader<GenericRecord> reader(Schema writer, Schema reader) {
    return new GenericDatumReader<>(writer, reader, new GenericData());
  }

  /**
   * The row of a record read with the table's schema as reader schema, in {@code type}'s field
   * order. Values convert exactly (checked: a decimal too wide for its column is wrong-type).
   */
  public static GenericRowData row(GenericRecord record, RowType type) {
    GenericRowData row = new GenericRowData(type.getFieldCount());
    Schema schema = record.getSchema();
    for (int i = 0; i < type.getFieldCount(); i++) {
      String name = type.getFieldNames().get(i);
      Object v = record.get(i);
      row.setField(
          i, v == null ? null : internal(v, type.getTypeAt(i), schema.getFields().get(i), name));
    }
    return row;
  }

  private static Object internal(
      Object v,
      org.apache.flink.table.types.logical.LogicalType type,
      Schema.Field field,
      String name) {
    switch (type.getTypeRoot()) {
      case VARCHAR:
        return StringData.fromString(string(v, name));
      case BOOLEAN:
      case INTEGER:
      case BIGINT:
      case FLOAT:
      case DOUBLE:
      case DATE:
      case TIME_WITHOUT_TIME_ZONE:
        return v; // Avro's int and long are Flink's internal DATE and TIME already
      default:
        break;
    }
    switch (type.getTypeRoot()) {
      case DECIMAL:
        DecimalType d = (DecimalType) type;
        BigDecimal value = new BigDecimal(new BigInteger(bytes(v)), d.getScale());
        DecimalData data = DecimalData.fromBigDecimal(value, d.getPrecision(), d.getScale());
        if (data == null) {
          throw new StrictJson.Fault(
              Reason.WRONG_TYPE,
              "field '" + name + "': " + value.toPlainString() + " does not fit " + type);
        }
        return data;
      case VARBINARY:
      case BINARY:
        return bytes(v);
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
      case TIMESTAMP_WITHOUT_TIME_ZONE:
        long t = (Long) v;
        int precision =
            type instanceof TimestampType
                ? ((TimestampType) type).getPrecision()
                : ((LocalZonedTimestampType) type).getPrecision();
        return precision == 3
            ? TimestampData.fromEpochMillis(t)
            : TimestampData.fromEpochMillis(
                Math.floorDiv(t, 1000L), (int) (Math.floorMod(t, 1000L) * 1000));
      default:
        throw new IllegalStateException("unmapped type " + type + " of field " + name);
    }
  }

  /** The bytes of a bytes or fixed value. */
  static byte[] bytes(Object v) {
    if (v instanceof GenericFixed) {
      return ((GenericFixed) v).bytes().clone();
    }
    ByteBuffer b = ((ByteBuffer) v).duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /**
   * A string or enum symbol as Java text. Avro does not check that a string's bytes are UTF-8; this
   * does, so no byte is silently replaced.
   */
  public static String string(Object v, String field) {
    if (!(v instanceof Utf8)) {
      return v.toString(); // an enum symbol, a name from the schema
    }
    Utf8 u = (Utf8) v;
    try {
      CharBuffer c =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(u.getBytes(), 0, u.getByteLength()));
      return c.toString();
    } catch (CharacterCodingException e) {
      throw new StrictJson.Fault(
          Reason.INVALID_UTF8, "field '" + field + "': the string is not valid UTF-8", e);
    }
  }
}
