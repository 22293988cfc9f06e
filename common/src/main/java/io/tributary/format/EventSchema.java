package io.tributary.format;

import io.tributary.config.TributaryConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;

/**
 * The declared event schema plus its event-time rules, parsed and checked once at start-up with
 * Flink's own SQL type parser.
 */
public final class EventSchema implements Serializable {
  private static final long serialVersionUID = 1L;

  private final RowType rowType;
  private final int eventTimeIndex;
  private final LogicalTypeRoot eventTimeType;
  private final int[] requiredIndexes;
  private final Duration maxOutOfOrderness;
  private final Duration idleness;
  private final Duration maxFuture;
  private final Duration maxPast;
  private final FormatOptions.TimestampStyle timestampStyle;
  private final long maxRecordBytes;
  private final EnumSet<FormatOptions.Lenient> lenient;

  private EventSchema(
      RowType rowType,
      int eventTimeIndex,
      Duration maxOutOfOrderness,
      Duration idleness,
      Duration maxFuture,
      Duration maxPast,
      FormatOptions.TimestampStyle timestampStyle,
      long maxRecordBytes,
      EnumSet<FormatOptions.Lenient> lenient) {
    this.rowType = rowType;
    this.eventTimeIndex = eventTimeIndex;
    this.eventTimeType = rowType.getTypeAt(eventTimeIndex).getTypeRoot();
    List<Integer> required = new ArrayList<>();
    for (int i = 0; i < rowType.getFieldCount(); i++) {
      if (!rowType.getTypeAt(i).isNullable()) {
        required.add(i);
      }
    }
    this.requiredIndexes = required.stream().mapToInt(Integer::intValue).toArray();
    this.maxOutOfOrderness = maxOutOfOrderness;
    this.idleness = idleness;
    this.maxFuture = maxFuture;
    this.maxPast = maxPast;
    this.timestampStyle = timestampStyle;
    this.maxRecordBytes = maxRecordBytes;
    this.lenient = lenient;
  }

  public static EventSchema fromConfig(TributaryConfig c) {
    var g = FormatOptions.GROUP;
    RowType rowType;
    String declared = c.get(g, FormatOptions.SCHEMA);
    try {
      rowType = parse(declared);
    } catch (RuntimeException e) {
      throw c.invalid(
          g,
          FormatOptions.SCHEMA,
          "is not a Flink SQL field list ("
              + rootMessage(e)
              + "). Write it as `name TYPE, name TYPE NOT NULL, ...`.");
    }
    String unsupported = StrictJsonReader.unsupported(rowType, "");
    if (unsupported != null) {
      throw c.invalid(g, FormatOptions.SCHEMA, unsupported + ".");
    }
    String field = c.get(g, FormatOptions.EVENT_TIME_FIELD);
    int idx = rowType.getFieldNames().indexOf(field);
    if (idx < 0) {
      throw c.invalid(
          g,
          FormatOptions.EVENT_TIME_FIELD,
          "is not a field of format.schema. Fields: " + rowType.getFieldNames() + ".");
    }
    LogicalTypeRoot root = rowType.getTypeAt(idx).getTypeRoot();
    if (root != LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE
        && root != LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE
        && root != LogicalTypeRoot.BIGINT) {
      throw c.invalid(
          g,
          FormatOptions.EVENT_TIME_FIELD,
          "has type "
              + rowType.getTypeAt(idx)
              + ". The event-time field must be TIMESTAMP(p), TIMESTAMP_LTZ(p) or BIGINT (epoch"
              + " millis).");
    }
    return new EventSchema(
        rowType,
        idx,
        c.get(g, FormatOptions.MAX_OUT_OF_ORDERNESS),
        c.get(g, FormatOptions.IDLENESS),
        c.get(g, FormatOptions.MAX_FUTURE),
        c.get(g, FormatOptions.MAX_PAST),
        c.get(g, FormatOptions.TIMESTAMP_FORMAT),
        c.get(g, FormatOptions.MAX_RECORD_SIZE).getBytes(),
        c.get(g, FormatOptions.LENIENT).isEmpty()
            ? EnumSet.noneOf(FormatOptions.Lenient.class)
            : EnumSet.copyOf(c.get(g, FormatOptions.LENIENT)));
  }

  /** Parses {@code name TYPE, ...} with Flink's type parser. */
  public static RowType parse(String fields) {
    LogicalType t =
        LogicalTypeParser.parse(
            "ROW<" + fields + ">", Thread.currentThread().getContextClassLoader());
    if (!(t instanceof RowType) || ((RowType) t).getFieldCount() == 0) {
      throw new IllegalArgumentException("no fields");
    }
    return (RowType) t;
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  public RowType rowType() {
    return rowType;
  }

  public int eventTimeIndex() {
    return eventTimeIndex;
  }

  public String eventTimeField() {
    return rowType.getFieldNames().get(eventTimeIndex);
  }

  LogicalTypeRoot eventTimeType() {
    return eventTimeType;
  }

  int[] requiredIndexes() {
    return requiredIndexes;
  }

  public Duration maxOutOfOrderness() {
    return maxOutOfOrderness;
  }

  public Duration idleness() {
    return idleness;
  }

  Duration maxFuture() {
    return maxFuture;
  }

  Duration maxPast() {
    return maxPast;
  }

  FormatOptions.TimestampStyle timestampStyle() {
    return timestampStyle;
  }

  long maxRecordBytes() {
    return maxRecordBytes;
  }

  Set<FormatOptions.Lenient> lenient() {
    return lenient;
  }
}
