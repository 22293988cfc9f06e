package io.tributary.format;

import io.tributary.quality.Reason;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BinaryType;
import org.apache.flink.table.types.logical.CharType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.table.types.logical.utils.LogicalTypeUtils;

/**
 * JSON bytes to Flink's internal row against a declared {@link RowType}, strictly: a value lands
 * only if it means exactly one value of its column's type. Everything else is a {@link BadValue}
 * naming the field, the value and the type. Flink's own JSON converter is lenient (it rounds
 * decimals, truncates fractions of integers, reads {@code "yes"} as false, stringifies numbers,
 * resolves February 30th to the 28th): it cannot be made strict from outside, so this reader
 * replaces it on the same streaming tokenizer (Jackson, as shaded in Flink).
 *
 * <p>What the opt-in {@link FormatOptions.Lenient} conversions change is documented where they are
 * defined. FLOAT and DOUBLE columns hold the nearest binary value of the decimal text, as any
 * reader of JSON numbers does; declare DECIMAL for exact decimals.
 */
final class StrictJsonReader {
  /** Longer numbers than this are refused before parsing: no declared type holds one. */
  private static final int MAX_NUMBER_CHARS = 1000;

  private static final int MAX_VALUE_IN_MESSAGE = 80;

  private final JsonFactory factory;
  private final ObjectReader root;
  private final Set<FormatOptions.Lenient> lenient;
  private final FormatOptions.TimestampStyle style;

  /** Set per record: only a record with a backslash can hold an escaped lone surrogate. */
  private boolean escapes;

  StrictJsonReader(
      RowType type, FormatOptions.TimestampStyle style, Set<FormatOptions.Lenient> lenient) {
    this.factory = StrictJson.FACTORY;
    this.lenient = lenient;
    this.style = style;
    this.root = new ObjectReader(type, "");
  }

  /**
   * A type this reader cannot decode, described for a start-up message, or null when every field is
   * supported.
   */
  static String unsupported(LogicalType type, String path) {
    switch (type.getTypeRoot()) {
      case ROW:
        RowType row = (RowType) type;
        for (RowType.RowField f : row.getFields()) {
          String u =
              unsupported(f.getType(), path.isEmpty() ? f.getName() : path + "." + f.getName());
          if (u != null) {
            return u;
          }
        }
        return null;
      case ARRAY:
        return unsupported(((ArrayType) type).getElementType(), path + "[]");
      case MAP:
        MapType map = (MapType) type;
        LogicalTypeRoot key = map.getKeyType().getTypeRoot();
        if (key != LogicalTypeRoot.VARCHAR && key != LogicalTypeRoot.CHAR) {
          return "field '"
              + path
              + "' has type "
              + type
              + ": JSON object keys are strings, so a"
              + " MAP's key type must be STRING";
        }
        return unsupported(map.getValueType(), path + "{}");
      case TIMESTAMP_WITHOUT_TIME_ZONE:
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        if (precisionOf(type) > 6) {
          return "field '"
              + path
              + "' has type "
              + type
              + ": Iceberg keeps timestamps to the"
              + " microsecond, so nanoseconds would be cut off; declare a precision of 6 or less";
        }
        return null;
      case CHAR:
      case VARCHAR:
      case BOOLEAN:
      case BINARY:
      case VARBINARY:
      case DECIMAL:
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
      case FLOAT:
      case DOUBLE:
      case DATE:
      case TIME_WITHOUT_TIME_ZONE:
        return null;
      default:
        return "field '"
            + path
            + "' has type "
            + type
            + ", which JSON events cannot carry."
            + " Supported: STRING/VARCHAR/CHAR, BOOLEAN, BYTES/VARBINARY/BINARY (base64),"
            + " TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, DATE, TIME,"
            + " TIMESTAMP, TIMESTAMP_LTZ, ARRAY, MAP<STRING, ...>, ROW";
    }
  }

  /**
   * Reads one record: one JSON object and nothing after it but whitespace.
   *
   * @param hasBackslash whether the bytes hold a backslash (the caller's byte scan knows)
   */
  GenericRowData read(byte[] bytes, boolean hasBackslash) throws IOException {
    escapes = hasBackslash;
    try (JsonParser p = factory.createParser(bytes)) {
      StrictJson.expectObject(p.nextToken());
      GenericRowData row;
      try {
        row = root.readObject(p);
      } catch (BadValue bad) {
        // A syntax error later in the record is the more basic fault: report it instead.
        while (p.nextToken() != null) {
          // tokenize to the end; a syntax error throws
        }
        throw bad;
      }
      StrictJson.expectEnd(p);
      return row;
    }
  }

  /** A value, or a record, that cannot land as sent. */
  static final class BadValue extends StrictJson.Fault {
    private static final long serialVersionUID = 1L;

    BadValue(Reason reason, String message) {
      super(reason, message);
    }
  }

  private interface Converter {
    /** Converts the value at the parser's current token {@code t}, never null (not VALUE_NULL). */
    Object read(JsonParser p, JsonToken t) throws IOException;
  }

  private final class ObjectReader {
    private final Map<String, Integer> index = new HashMap<>();
    private final Converter[] fields;
    private final String[] names;
    private final boolean[] required;

    ObjectReader(RowType type, String path) {
      List<RowType.RowField> fs = type.getFields();
      fields = new Converter[fs.size()];
      names = new String[fs.size()];
      required = new boolean[fs.size()];
      for (int i = 0; i < fs.size(); i++) {
        RowType.RowField f = fs.get(i);
        names[i] = path.isEmpty() ? f.getName() : path + "." + f.getName();
        index.put(f.getName(), i);
        fields[i] = converter(f.getType(), names[i]);
        required[i] = !f.getType().isNullable();
      }
    }

    /** The top level: NOT NULL fields are checked by the caller, which knows event time. */
    GenericRowData readObject(JsonParser p) throws IOException {
      GenericRowData row = new GenericRowData(fields.length);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        Integer i = index.get(p.getCurrentName());
        JsonToken t = p.nextToken();
        if (i == null) {
          p.skipChildren();
        } else if (t != JsonToken.VALUE_NULL) {
          row.setField(i, fields[i].read(p, t));
        }
      }
      return row;
    }

    /** A nested ROW: its NOT NULL fields are checked here. */
    GenericRowData readNested(JsonParser p) throws IOException {
      GenericRowData row = readObject(p);
      for (int i = 0; i < required.length; i++) {
        if (required[i] && row.isNullAt(i)) {
          throw new BadValue(
              Reason.MISSING_FIELD, "required field '" + names[i] + "' is missing or null");
        }
      }
      return row;
    }
  }

  private Converter converter(LogicalType type, String field) {
    switch (type.getTypeRoot()) {
      case CHAR:
        return string(field, type, ((CharType) type).getLength());
      case VARCHAR:
        return string(field, type, ((VarCharType) type).getLength());
      case BOOLEAN:
        return (p, t) -> {
          if (t == JsonToken.VALUE_TRUE) {
            return Boolean.TRUE;
          }
          if (t == JsonToken.VALUE_FALSE) {
            return Boolean.FALSE;
          }
          throw wrongType(p, t, field, type, "is not true or false");
        };
      case TINYINT:
        return integer(field, type, Byte.MIN_VALUE, Byte.MAX_VALUE);
      case SMALLINT:
        return integer(field, type, Short.MIN_VALUE, Short.MAX_VALUE);
      case INTEGER:
        return integer(field, type, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case BIGINT:
        return integer(field, type, Long.MIN_VALUE, Long.MAX_VALUE);
      case FLOAT:
      case DOUBLE:
        return floating(field, type, type.getTypeRoot() == LogicalTypeRoot.FLOAT);
      case DECIMAL:
        return decimal(field, (DecimalType) type);
      case DATE:
        return (p, t) -> {
          String s = text(p, t, field, type, "is not a date (yyyy-MM-dd)");
          return (int) date(s, 0, s.length(), p, t, field, type);
        };
      case TIME_WITHOUT_TIME_ZONE:
        return time(field, (TimeType) type);
      case TIMESTAMP_WITHOUT_TIME_ZONE:
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return timestamp(field, type);
      case BINARY:
        return binary(field, type, ((BinaryType) type).getLength());
      case VARBINARY:
        return binary(field, type, ((VarBinaryType) type).getLength());
      case ARRAY:
        return array(field, (ArrayType) type);
      case MAP:
        return map(field, (MapType) type);
      case ROW:
        ObjectReader nested = new ObjectReader((RowType) type, field);
        return (p, t) -> {
          if (t != JsonToken.START_OBJECT) {
            throw wrongType(p, t, field, type, "is not a JSON object");
          }
          return nested.readNested(p);
        };
      default:
        throw new IllegalArgumentException(unsupported(type, field));
    }
  }

  private Converter string(String field, LogicalType type, int maxLength) {
    return (p, t) -> {
      if (t != JsonToken.VALUE_STRING) {
        throw wrongType(p, t, field, type, "is not a JSON string");
      }
      String s = p.getText();
      if (escapes) {
        StrictJson.checkSurrogates(s, field);
      }
      if (s.length() > maxLength && s.codePointCount(0, s.length()) > maxLength) {
        throw bad(
            field,
            type,
            "a string of "
                + s.codePointCount(0, s.length())
                + " characters is longer than the column holds");
      }
      return StringData.fromString(s);
    };
  }

  private Converter integer(String field, LogicalType type, long min, long max) {
    return (p, t) -> {
      long v;
      if (t == JsonToken.VALUE_NUMBER_INT) {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw outOfRange(p, field, type);
        }
        v = p.getLongValue();
      } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        throw wrongType(
            p, t, field, type, "has a fraction or an exponent; the column holds integers");
      } else if (t == JsonToken.VALUE_STRING
          && lenient.contains(FormatOptions.Lenient.NUMBERS_FROM_STRINGS)) {
        String s = p.getText();
        if (!StrictJson.isNumber(s)
            || s.indexOf('.') >= 0
            || s.indexOf('e') >= 0
            || s.indexOf('E') >= 0) {
          throw wrongType(p, t, field, type, "is not an integer");
        }
        try {
          v = Long.parseLong(s);
        } catch (NumberFormatException e) {
          throw outOfRange(p, field, type);
        }
      } else {
        throw wrongType(p, t, field, type, "is not a JSON number");
      }
      if (v < min || v > max) {
        throw outOfRange(p, field, type);
      }
      switch (type.getTypeRoot()) {
        case TINYINT:
          return (byte) v;
        case SMALLINT:
          return (short) v;
        case INTEGER:
          return (int) v;
        default:
          return v;
      }
    };
  }

  private Converter floating(String field, LogicalType type, boolean isFloat) {
    return (p, t) -> {
      String s = numberText(p, t, field, type);
      double d;
      float f = 0;
      if (isFloat) {
        f = Float.parseFloat(s);
        d = f;
      } else {
        d = t == JsonToken.VALUE_STRING ? Double.parseDouble(s) : p.getDoubleValue();
      }
      if (Double.isInfinite(d)) {
        throw outOfRange(p, field, type);
      }
      if (d == 0 && !isZero(s)) {
        throw bad(
            field, type, shown(s) + " is too small for " + type + " and would be stored as 0");
      }
      return isFloat ? (Object) f : (Object) d;
    };
  }

  private Converter decimal(String field, DecimalType type) {
    int precision = type.getPrecision();
    int scale = type.getScale();
    boolean round = lenient.contains(FormatOptions.Lenient.ROUND_DECIMALS);
    return (p, t) -> {
      BigDecimal bd;
      if (t == JsonToken.VALUE_NUMBER_INT
          && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
        bd = BigDecimal.valueOf(p.getLongValue());
      } else {
        bd = new BigDecimal(numberText(p, t, field, type));
      }
      if (bd.signum() == 0) {
        bd = BigDecimal.ZERO;
      }
      if (bd.scale() > scale) {
        BigDecimal stripped = bd.stripTrailingZeros();
        if (stripped.scale() <= scale) {
          bd = stripped;
        } else if (!round) {
          throw bad(
              field,
              type,
              shown(p.getText())
                  + " has "
                  + stripped.scale()
                  + " decimal places; the column holds "
                  + scale
                  + " (format.lenient = round-decimals rounds half-up instead)");
        } else if (stripped.precision() - stripped.scale() < -scale - 1) {
          bd = BigDecimal.ZERO; // below half of the last place: rounds to zero
        } else {
          bd = stripped.setScale(scale, RoundingMode.HALF_UP);
        }
      }
      if (bd.signum() != 0 && bd.precision() - bd.scale() > precision - scale) {
        throw outOfRange(p, field, type);
      }
      return DecimalData.fromBigDecimal(bd.setScale(scale), precision, scale);
    };
  }

  private Converter time(String field, TimeType type) {
    int precision = Math.min(type.getPrecision(), 3); // Flink keeps TIME in milliseconds
    return (p, t) -> {
      String s = text(p, t, field, type, "is not a time (HH:mm:ss)");
      long nanos = timeOfDay(s, 0, s.length(), true, precision, p, t, field, type);
      return (int) (nanos / 1_000_000);
    };
  }

  private Converter timestamp(String field, LogicalType type) {
    boolean zoned = type.getTypeRoot() == LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE;
    int precision = precisionOf(type);
    char separator = style == FormatOptions.TimestampStyle.SQL ? ' ' : 'T';
    String layout =
        (style == FormatOptions.TimestampStyle.SQL ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-ddTHH:mm:ss")
            + "[.fff]"
            + (zoned ? "Z (or +HH:MM)" : " (no zone)");
    return (p, t) -> {
      String s = text(p, t, field, type, "is not a timestamp (" + layout + ")");
      int end = s.length();
      long offsetSeconds = 0;
      if (zoned) {
        if (end > 0 && s.charAt(end - 1) == 'Z') {
          end--;
        } else if (end > 6
            && (s.charAt(end - 6) == '+' || s.charAt(end - 6) == '-')
            && s.charAt(end - 3) == ':') {
          int hh = digits(s, end - 5, 2);
          int mm = digits(s, end - 2, 2);
          if (hh < 0 || mm < 0 || hh > 18 || mm > 59) {
            throw wrongType(p, t, field, type, "has no valid zone offset: " + layout);
          }
          offsetSeconds = (hh * 3600L + mm * 60L) * (s.charAt(end - 6) == '-' ? -1 : 1);
          end -= 6;
        } else {
          throw wrongType(p, t, field, type, "has no zone (Z or +HH:MM): " + layout);
        }
      }
      if (end < 16 || s.charAt(10) != separator) {
        throw wrongType(p, t, field, type, "is not a timestamp (" + layout + ")");
      }
      long day = date(s, 0, 10, p, t, field, type);
      long nanos = timeOfDay(s, 11, end, separator == ' ', precision, p, t, field, type);
      long seconds = day * 86_400L + nanos / 1_000_000_000L - offsetSeconds;
      long nanoOfSecond = nanos % 1_000_000_000L;
      return TimestampData.fromEpochMillis(
          seconds * 1000L + nanoOfSecond / 1_000_000L, (int) (nanoOfSecond % 1_000_000L));
    };
  }

  private Converter binary(String field, LogicalType type, int maxLength) {
    return (p, t) -> {
      String s = text(p, t, field, type, "is not a base64 string");
      byte[] b;
      try {
        b = Base64.getDecoder().decode(s);
      } catch (IllegalArgumentException e) {
        throw wrongType(p, t, field, type, "is not base64 (" + e.getMessage() + ")");
      }
      if (b.length > maxLength) {
        throw bad(field, type, b.length + " bytes is longer than the column holds");
      }
      return b;
    };
  }

  private Converter array(String field, ArrayType type) {
    Converter element = converter(type.getElementType(), field + "[]");
    boolean nullable = type.getElementType().isNullable();
    // Flink's internal arrays are typed (Integer[], StringData[]...): its toIntArray() relies on it
    Class<?> internal = LogicalTypeUtils.toInternalConversionClass(type.getElementType());
    return (p, t) -> {
      if (t != JsonToken.START_ARRAY) {
        throw wrongType(p, t, field, type, "is not a JSON array");
      }
      java.util.ArrayList<Object> values = new java.util.ArrayList<>();
      JsonToken e;
      while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
        if (e == JsonToken.VALUE_NULL) {
          if (!nullable) {
            throw bad(field, type, "an element is null");
          }
          values.add(null);
        } else {
          values.add(element.read(p, e));
        }
      }
      return new GenericArrayData(
          values.toArray((Object[]) java.lang.reflect.Array.newInstance(internal, values.size())));
    };
  }

  private Converter map(String field, MapType type) {
    Converter value = converter(type.getValueType(), field + "{}");
    boolean nullable = type.getValueType().isNullable();
    return (p, t) -> {
      if (t != JsonToken.START_OBJECT) {
        throw wrongType(p, t, field, type, "is not a JSON object");
      }
      Map<Object, Object> values = new HashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.getCurrentName();
        if (escapes) {
          StrictJson.checkSurrogates(key, field);
        }
        JsonToken v = p.nextToken();
        if (v == JsonToken.VALUE_NULL && !nullable) {
          throw bad(field, type, "the value of '" + key + "' is null");
        }
        values.put(StringData.fromString(key), v == JsonToken.VALUE_NULL ? null : value.read(p, v));
      }
      return new GenericMapData(values);
    };
  }

  // --- parts shared by the converters ---

  /** The text of a JSON number, or of a string holding one where that is switched on. */
  private String numberText(JsonParser p, JsonToken t, String field, LogicalType type)
      throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      if (p.getTextLength() > MAX_NUMBER_CHARS) {
        throw outOfRange(p, field, type);
      }
      return p.getText();
    }
    if (t == JsonToken.VALUE_STRING
        && lenient.contains(FormatOptions.Lenient.NUMBERS_FROM_STRINGS)) {
      String s = p.getText();
      if (s.length() <= MAX_NUMBER_CHARS && StrictJson.isNumber(s)) {
        return s;
      }
      throw wrongType(p, t, field, type, "is not a number");
    }
    throw wrongType(p, t, field, type, "is not a JSON number");
  }

  private static String text(JsonParser p, JsonToken t, String field, LogicalType type, String what)
      throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw wrongType(p, t, field, type, what);
    }
    return p.getText();
  }

  /** Epoch day of {@code yyyy-MM-dd} at {@code s[from, to)}, with the calendar checked. */
  private static long date(
      String s, int from, int to, JsonParser p, JsonToken t, String field, LogicalType type)
      throws IOException {
    int y = to - from == 10 ? digits(s, from, 4) : -1;
    int m = y >= 0 && s.charAt(from + 4) == '-' ? digits(s, from + 5, 2) : -1;
    int d = m >= 0 && s.charAt(from + 7) == '-' ? digits(s, from + 8, 2) : -1;
    if (d < 0) {
      throw wrongType(p, t, field, type, "is not a date (yyyy-MM-dd)");
    }
    try {
      return LocalDate.of(y, m, d).toEpochDay();
    } catch (DateTimeException e) {
      throw wrongType(p, t, field, type, "is not a date in the calendar (" + e.getMessage() + ")");
    }
  }

  /**
   * Nanoseconds of the day of {@code HH:mm[:ss[.f...]]} at {@code s[from, to)}: seconds required or
   * not, fraction digits past {@code precision} allowed only if they are zeros (or cut off where
   * {@link FormatOptions.Lenient#TRUNCATE_TIMESTAMPS} is on).
   */
  private long timeOfDay(
      String s,
      int from,
      int to,
      boolean secondsRequired,
      int precision,
      JsonParser p,
      JsonToken t,
      String field,
      LogicalType type)
      throws IOException {
    int n = to - from;
    int h = n >= 5 && s.charAt(from + 2) == ':' ? digits(s, from, 2) : -1;
    int mi = h >= 0 ? digits(s, from + 3, 2) : -1;
    int sec = 0;
    int i = from + 5;
    if (mi >= 0 && i < to && s.charAt(i) == ':') {
      sec = i + 3 <= to ? digits(s, i + 1, 2) : -1;
      i += 3;
    } else if (secondsRequired) {
      sec = -1;
    }
    long fraction = 0;
    int fractionDigits = 0;
    if (sec >= 0 && mi >= 0 && i < to && s.charAt(i) == '.') {
      i++;
      while (i < to && fractionDigits < 10) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          break;
        }
        fraction = fraction * 10 + (c - '0');
        fractionDigits++;
        i++;
      }
      if (fractionDigits == 0 || fractionDigits > 9) {
        sec = -1;
      }
    }
    if (h < 0 || mi < 0 || sec < 0 || i != to || h > 23 || mi > 59 || sec > 59) {
      throw wrongType(p, t, field, type, "has no valid time of day (HH:mm:ss[.fff])");
    }
    for (int k = fractionDigits; k < 9; k++) {
      fraction *= 10;
    }
    long unit = POWERS_OF_TEN[9 - precision];
    if (fraction % unit != 0) {
      if (!lenient.contains(FormatOptions.Lenient.TRUNCATE_TIMESTAMPS)) {
        throw bad(
            field,
            type,
            shown(s)
                + " has "
                + fractionDigits
                + " fraction digits; the column holds "
                + precision
                + " (format.lenient = truncate-timestamps cuts the rest off instead)");
      }
      fraction -= fraction % unit;
    }
    return ((h * 60L + mi) * 60L + sec) * 1_000_000_000L + fraction;
  }

  private static final long[] POWERS_OF_TEN = {
    1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L
  };

  /** The non-negative number of {@code count} ASCII digits at {@code from}, or -1. */
  private static int digits(String s, int from, int count) {
    if (from < 0 || from + count > s.length()) {
      return -1;
    }
    int v = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Whether the mantissa of a JSON number's text has no digit but zeros. */
  private static boolean isZero(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 'e' || c == 'E') {
        return true;
      }
      if (c >= '1' && c <= '9') {
        return false;
      }
    }
    return true;
  }

  private static int precisionOf(LogicalType type) {
    return type instanceof TimestampType
        ? ((TimestampType) type).getPrecision()
        : ((LocalZonedTimestampType) type).getPrecision();
  }

  private static BadValue wrongType(
      JsonParser p, JsonToken t, String field, LogicalType type, String what) throws IOException {
    String value =
        t == JsonToken.START_OBJECT
            ? "an object"
            : t == JsonToken.START_ARRAY
                ? "an array"
                : t == JsonToken.VALUE_STRING ? '"' + shown(p.getText()) + '"' : shown(p.getText());
    return bad(field, type, value + " " + what);
  }

  private static BadValue outOfRange(JsonParser p, String field, LogicalType type)
      throws IOException {
    return bad(field, type, shown(p.getText()) + " is out of range");
  }

  /** A value that does not fit its column, named with the field and the declared type. */
  private static BadValue bad(String field, LogicalType type, String what) {
    return new BadValue(Reason.WRONG_TYPE, "field '" + field + "' (" + type + "): " + what);
  }

  private static String shown(String s) {
    return s.length() <= MAX_VALUE_IN_MESSAGE ? s : s.substring(0, MAX_VALUE_IN_MESSAGE) + "...";
  }
}
