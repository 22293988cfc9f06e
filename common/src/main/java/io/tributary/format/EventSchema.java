package io.tributary.format;

import io.tributary.config.GroupConfig;
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
  private final SchemaRegistry registry;
  private final String avroSchema;

  private EventSchema(
      SchemaRegistry registry,
      String avroSchema,
      RowType rowType,
      int eventTimeIndex,
      Duration maxOutOfOrderness,
      Duration idleness,
      Duration maxFuture,
      Duration maxPast,
      FormatOptions.TimestampStyle timestampStyle,
      long maxRecordBytes,
      EnumSet<FormatOptions.Lenient> lenient) {
    this.registry = registry;
    this.avroSchema = avroSchema;
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

  public static EventSchema fromConfig(GroupConfig c) {
    return fromConfig(c, null);
  }

  /** With {@code given} as the Avro formats' registry instead of the configured one (tests). */
  static EventSchema fromConfig(GroupConfig c, SchemaRegistry given) {
    FormatOptions.Type type = c.get(FormatOptions.TYPE);
    SchemaRegistry registry = null;
    org.apache.avro.Schema avro = null;
    RowType rowType;
    if (type == FormatOptions.Type.JSON) {
      rowType = declared(c);
    } else {
      if (c.isSet(FormatOptions.SCHEMA)) {
        throw c.invalid(
            FormatOptions.SCHEMA,
            "is set, but with format.type = "
                + type
                + " the table's schema is the registry's. Remove format.schema.");
      }
      registry = given != null ? given : SchemaRegistry.fromConfig(c, type);
      var subjectOption =
          type == FormatOptions.Type.AVRO_GLUE
              ? FormatOptions.GLUE_SCHEMA
              : FormatOptions.REGISTRY_SUBJECT;
      String subject =
          c.getOptional(subjectOption)
              .orElseThrow(
                  () ->
                      c.invalid(
                          subjectOption,
                          "is not set. Name the "
                              + (type == FormatOptions.Type.AVRO_GLUE
                                  ? "Glue schema"
                                  : "registry subject, e.g. orders-value,")
                              + " whose latest schema is the table's."));
      registry.open();
      try {
        avro = registry.latest(subject);
        rowType = AvroRows.rowType(avro);
      } catch (SchemaRegistry.Unavailable e) {
        throw c.invalid(
            type == FormatOptions.Type.AVRO_GLUE
                ? FormatOptions.GLUE_ENDPOINT
                : FormatOptions.REGISTRY_URL,
            "cannot be used: "
                + e.getMessage()
                + (e instanceof SchemaRegistry.Unauthorized
                    ? ""
                    : ". Check that the registry is up and reachable."));
      } catch (IllegalArgumentException e) {
        throw c.invalid(subjectOption, "cannot be the table's schema: " + e.getMessage() + ".");
      }
    }
    String field = c.get(FormatOptions.EVENT_TIME_FIELD);
    int idx = rowType.getFieldNames().indexOf(field);
    if (idx < 0) {
      throw c.invalid(
          FormatOptions.EVENT_TIME_FIELD,
          "is not a field of "
              + (avro == null ? "format.schema" : "the registry's schema")
              + ". Fields: "
              + rowType.getFieldNames()
              + ".");
    }
    LogicalTypeRoot root = rowType.getTypeAt(idx).getTypeRoot();
    if (root != LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE
        && root != LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE
        && root != LogicalTypeRoot.BIGINT) {
      throw c.invalid(
          FormatOptions.EVENT_TIME_FIELD,
          "has type "
              + rowType.getTypeAt(idx)
              + ". The event-time field must be TIMESTAMP(p), TIMESTAMP_LTZ(p) or BIGINT (epoch"
              + " millis).");
    }
    return new EventSchema(
        registry,
        avro == null ? null : avro.toString(),
        rowType,
        idx,
        c.get(FormatOptions.MAX_OUT_OF_ORDERNESS),
        c.get(FormatOptions.IDLENESS),
        c.get(FormatOptions.MAX_FUTURE),
        c.get(FormatOptions.MAX_PAST),
        c.get(FormatOptions.TIMESTAMP_FORMAT),
        c.get(FormatOptions.MAX_RECORD_SIZE).getBytes(),
        c.get(FormatOptions.LENIENT).isEmpty()
            ? EnumSet.noneOf(FormatOptions.Lenient.class)
            : EnumSet.copyOf(c.get(FormatOptions.LENIENT)));
  }

  private static RowType declared(GroupConfig c) {
    RowType rowType;
    String declared = c.get(FormatOptions.SCHEMA);
    try {
      rowType = parse(declared);
    } catch (RuntimeException e) {
      throw c.invalid(
          FormatOptions.SCHEMA,
          "is not a Flink SQL field list ("
              + rootMessage(e)
              + "). Write it as `name TYPE, name TYPE NOT NULL, ...`.");
    }
    String unsupported = StrictJsonReader.unsupported(rowType, "");
    if (unsupported != null) {
      throw c.invalid(FormatOptions.SCHEMA, unsupported + ".");
    }
    return rowType;
  }

  /** True when the schema is a registry's (Avro), so it may gain optional fields over time. */
  public boolean fromRegistry() {
    return registry != null;
  }

  /** The decoder of these events: strict JSON, or registry-framed Avro. */
  public JsonEventDecoder decoder(String job) {
    if (registry == null) {
      return new JsonEventDecoder(this, job);
    }
    return new JsonEventDecoder(
        this,
        job,
        new AvroBody(registry, new org.apache.avro.Schema.Parser().parse(avroSchema), rowType));
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
