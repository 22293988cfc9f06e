package io.tributary.cdc;

import io.tributary.format.FormatOptions;
import io.tributary.format.StrictJson;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Set;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * The value half of turning a change into a row: the Iceberg-storable type of a column (inferred
 * from a value of unknown type, normalised from a declared one) and the strict conversion of a
 * decoded value to Flink's internal value of that type. Nothing is rounded, truncated or coerced: a
 * value that does not fit exactly is refused with its reason, unless a {@code format.lenient}
 * conversion that the user opted into accepts it.
 */
final class ColumnValues {
  private ColumnValues() {}

  /** The type a value of unknown type lands as. */
  static LogicalType inferred(Object v) {
    if (v == null) {
      return null;
    } else if (v instanceof Integer) {
      return new IntType();
    } else if (v instanceof Long) {
      return new BigIntType();
    } else if (v instanceof BigInteger) {
      return new DecimalType(38, 0);
    } else if (v instanceof Float) {
      return new FloatType();
    } else if (v instanceof Double || v instanceof BigDecimal) {
      return new DoubleType(); // a JSON number without a schema: its scale varies per value
    } else if (v instanceof Boolean) {
      return new BooleanType();
    } else if (v instanceof LocalDate) {
      return new DateType();
    } else if (v instanceof LocalTime) {
      return new TimeType();
    } else if (v instanceof LocalDateTime) {
      return new TimestampType(6);
    } else if (v instanceof Instant) {
      return new LocalZonedTimestampType(6);
    } else if (v instanceof byte[]) {
      return new VarBinaryType(VarBinaryType.MAX_LENGTH);
    }
    return new VarCharType(VarCharType.MAX_LENGTH);
  }

  /** The Flink type whose values Iceberg stores without loss or reinterpretation. */
  static LogicalType normalised(LogicalType t) {
    switch (t.getTypeRoot()) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
        return new IntType();
      case CHAR:
      case VARCHAR:
        return new VarCharType(VarCharType.MAX_LENGTH);
      case BINARY:
      case VARBINARY:
        return new VarBinaryType(VarBinaryType.MAX_LENGTH);
      case TIME_WITHOUT_TIME_ZONE:
        return new TimeType();
      case TIMESTAMP_WITHOUT_TIME_ZONE:
        return new TimestampType(6);
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
      case TIMESTAMP_WITH_TIME_ZONE:
        return new LocalZonedTimestampType(6);
      case BIGINT:
      case BOOLEAN:
      case FLOAT:
      case DOUBLE:
      case DECIMAL:
      case DATE:
        return t;
      default:
        throw new IllegalArgumentException(
            "type " + t + " is not supported for CDC columns; use a scalar type");
    }
  }

  /**
   * {@code v} as Flink's internal value of {@code type}, or a wrong-type failure naming the column,
   * the value and the type. A value is converted only when it is the source format's own encoding
   * of a value of that type (see docs/strict-decoding.md, "cdc"), or an opted-in conversion.
   */
  static Object internal(
      Object v, LogicalType type, String column, TableId table, Set<FormatOptions.Lenient> lenient)
      throws ChangeDecodeException {
    if (v == null) {
      return null;
    }
    String why = null;
    try {
      Object out = convert(v, type, lenient);
      if (out != null) {
        return out;
      }
    } catch (Refused r) {
      why = r.getMessage();
    } catch (RuntimeException ignored) {
      // reported below, with the column
    }
    throw new ChangeDecodeException(
        "wrong-type",
        "column '"
            + column
            + "' of "
            + table
            + ": "
            + describe(v)
            + " is not a valid "
            + type
            + (why == null ? "" : " (" + why + ")"));
  }

  /** A value that is refused for a reason worth naming, e.g. the option that would accept it. */
  private static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String why) {
      super(why, null, false, false);
    }
  }

  private static String describe(Object v) {
    String s =
        v instanceof byte[]
            ? "base64 " + Base64.getEncoder().encodeToString((byte[]) v)
            : v instanceof String ? "\"" + v + "\"" : v.toString();
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  private static boolean numeric(LogicalType type) {
    switch (type.getTypeRoot()) {
      case INTEGER:
      case BIGINT:
      case FLOAT:
      case DOUBLE:
      case DECIMAL:
        return true;
      default:
        return false;
    }
  }

  /**
   * Text for a numeric column: a DECIMAL's text is the source's own encoding (Debezium's
   * decimal.handling.mode=string, DMS's NUMERIC); NaN and the infinities are how Kafka Connect
   * writes those doubles; any other text is a number only with numbers-from-strings, and then by
   * the rules of a JSON number token (no space, no +, no leading zero).
   */
  private static Object numberFromText(
      String s, LogicalType type, Set<FormatOptions.Lenient> lenient) {
    LogicalTypeRoot root = type.getTypeRoot();
    boolean floating = root == LogicalTypeRoot.FLOAT || root == LogicalTypeRoot.DOUBLE;
    if (floating && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) {
      return s;
    }
    if (root != LogicalTypeRoot.DECIMAL
        && !lenient.contains(FormatOptions.Lenient.NUMBERS_FROM_STRINGS)) {
      throw new Refused(
          "a JSON string, not a number; format.lenient = numbers-from-strings reads text"
              + " holding a JSON number");
    }
    if (s.length() > 1000 || !StrictJson.isNumber(s)) {
      throw new Refused("text that is not a JSON number");
    }
    if (StrictJson.isInteger(s)) {
      BigInteger i = new BigInteger(s);
      return i.bitLength() < 64 ? (Object) i.longValue() : i;
    }
    return new BigDecimal(s);
  }

  private static Object convert(Object v, LogicalType type, Set<FormatOptions.Lenient> lenient) {
    if (v instanceof String && numeric(type)) {
      v = numberFromText((String) v, type, lenient);
    }
    switch (type.getTypeRoot()) {
      case INTEGER:
        return Math.toIntExact(integral(v));
      case BIGINT:
        return integral(v);
      case FLOAT:
        return narrow(v);
      case DOUBLE:
        return floating(v);
      case DECIMAL:
        DecimalType d = (DecimalType) type;
        // exact or nothing: a value that would need rounding is a wrong type, not a silent change
        BigDecimal exact = decimal(v).stripTrailingZeros();
        if (exact.scale() > d.getScale()) {
          if (!lenient.contains(FormatOptions.Lenient.ROUND_DECIMALS)
              || exact.precision() - exact.scale() > d.getPrecision() - d.getScale()) {
            return null; // checked before setScale, which 1e999999999 would make enormous
          }
          exact = exact.setScale(d.getScale(), RoundingMode.HALF_UP);
        }
        if (exact.precision() - exact.scale() > d.getPrecision() - d.getScale()) {
          return null;
        }
        BigDecimal big = exact.setScale(d.getScale());
        return DecimalData.fromBigDecimal(big, d.getPrecision(), d.getScale());
      case BOOLEAN:
        if (v instanceof Boolean) {
          return v;
        }
        throw new Refused("only true and false are booleans");
      case VARCHAR:
        if (v instanceof String) {
          return StringData.fromString((String) v);
        }
        throw new Refused("not a JSON string");
      case VARBINARY:
        if (v instanceof byte[]) {
          return v;
        }
        if (v instanceof String) {
          return Base64.getDecoder().decode((String) v);
        }
        throw new Refused("bytes are a base64 string");
      case DATE:
        if (v instanceof LocalDate) {
          return (int) ((LocalDate) v).toEpochDay();
        }
        if (v instanceof Integer || v instanceof Long) {
          // Debezium's io.debezium.time.Date without its schema: days since the epoch
          return Math.toIntExact(((Number) v).longValue());
        }
        return (int) LocalDate.parse(text(v)).toEpochDay();
      case TIME_WITHOUT_TIME_ZONE:
        LocalTime t = v instanceof LocalTime ? (LocalTime) v : LocalTime.parse(text(v));
        // Flink's TIME holds milliseconds: finer digits would be cut
        if (t.getNano() % 1_000_000 != 0) {
          if (!lenient.contains(FormatOptions.Lenient.TRUNCATE_TIMESTAMPS)) {
            return null;
          }
          t = t.withNano(t.getNano() / 1_000_000 * 1_000_000);
        }
        return (int) (t.toNanoOfDay() / 1_000_000L);
      case TIMESTAMP_WITHOUT_TIME_ZONE:
        LocalDateTime ldt = localDateTime(v);
        if (ldt.getNano() % 1_000 != 0) {
          if (!lenient.contains(FormatOptions.Lenient.TRUNCATE_TIMESTAMPS)) {
            return null;
          }
          ldt = ldt.withNano(ldt.getNano() / 1_000 * 1_000);
        }
        return TimestampData.fromLocalDateTime(ldt);
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        // Iceberg keeps microseconds: nanoseconds would be cut
        Instant i = instant(v);
        if (i.getNano() % 1_000 != 0) {
          if (!lenient.contains(FormatOptions.Lenient.TRUNCATE_TIMESTAMPS)) {
            return null;
          }
          i = i.minusNanos(i.getNano() % 1_000);
        }
        return TimestampData.fromInstant(i);
      default:
        return null;
    }
  }

  /**
   * A number as a double, or null when it is out of double's range or would underflow to zero. Text
   * must be a decimal number (not {@code 1d} or {@code 0x1p3}), or NaN, Infinity, -Infinity as
   * Kafka Connect writes them. Like every decimal-to-binary read, 0.1 becomes the nearest double.
   */
  static Double floating(Object v) {
    if (v instanceof Double || v instanceof Float) {
      return ((Number) v).doubleValue();
    }
    if (!(v instanceof Number)) {
      switch (text(v)) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          throw new Refused("not a number");
      }
    }
    BigDecimal b = decimal(v);
    double d = b.doubleValue();
    if (Double.isInfinite(d) || (d == 0 && b.signum() != 0) || !exactIfIntegral(v, d)) {
      return null;
    }
    return d;
  }

  /** Like {@link #floating(Object)}, for a float: null also when the float range is exceeded. */
  static Float narrow(Object v) {
    Double wide = floating(v);
    if (wide == null) {
      return null;
    }
    float f = wide.floatValue();
    boolean overflow = Float.isInfinite(f) && !wide.isInfinite();
    boolean underflow = f == 0 && wide != 0;
    return overflow || underflow || !exactIfIntegral(v, f) ? null : f;
  }

  /** An integer source value must survive the trip to floating point (2^53 + 1 would not). */
  private static boolean exactIfIntegral(Object v, double d) {
    if (!(v instanceof Integer || v instanceof Long || v instanceof BigInteger)) {
      return true;
    }
    return new BigDecimal(d).compareTo(decimal(v)) == 0;
  }

  /** Text exactly as sent: surrounding space is part of the value, so it does not parse. */
  private static String text(Object v) {
    if (!(v instanceof String)) {
      throw new Refused("not a JSON string");
    }
    return (String) v;
  }

  /** A JSON integer token in range; 42.0 and 1e2 are float tokens, not integers. */
  private static long integral(Object v) {
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger) {
      throw new Refused("out of range");
    }
    throw new Refused("not a JSON integer");
  }

  private static BigDecimal decimal(Object v) {
    if (v instanceof BigDecimal) {
      return (BigDecimal) v;
    } else if (v instanceof Integer || v instanceof Long) {
      return BigDecimal.valueOf(((Number) v).longValue());
    } else if (v instanceof BigInteger) {
      return new BigDecimal((BigInteger) v);
    } else if (v instanceof Double || v instanceof Float) {
      return new BigDecimal(Double.toString(((Number) v).doubleValue()));
    }
    throw new Refused("not a number");
  }

  private static LocalDateTime localDateTime(Object v) {
    if (v instanceof LocalDateTime) {
      return (LocalDateTime) v;
    } else if (v instanceof Instant) {
      return LocalDateTime.ofInstant((Instant) v, ZoneOffset.UTC);
    } else if (v instanceof Number) {
      throw new Refused(
          "an epoch number: its unit (ms, µs or ns) is known only from Debezium's schema");
    }
    String s = text(v).replace(' ', 'T');
    if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:\\d\\d$")) {
      return LocalDateTime.ofInstant(OffsetDateTime.parse(s).toInstant(), ZoneOffset.UTC);
    }
    return LocalDateTime.parse(s);
  }

  private static Instant instant(Object v) {
    if (v instanceof Instant) {
      return (Instant) v;
    } else if (v instanceof LocalDateTime) {
      return ((LocalDateTime) v).toInstant(ZoneOffset.UTC);
    } else if (v instanceof Number) {
      throw new Refused(
          "an epoch number: its unit (ms, µs or ns) is known only from Debezium's schema");
    }
    String s = text(v).replace(' ', 'T');
    if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:\\d\\d$")) {
      return OffsetDateTime.parse(s).toInstant();
    }
    return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
  }
}
