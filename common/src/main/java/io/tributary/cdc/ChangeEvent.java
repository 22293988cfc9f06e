package io.tributary.cdc;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * One row change, whatever wrote it (Debezium, AWS DMS): what happened, to which table and key, the
 * row before and after, and where in the source log it happened. Values are plain Java (Long,
 * Integer, Double, BigDecimal, String, Boolean, LocalDate, LocalTime, LocalDateTime, Instant,
 * byte[]), already converted from the producer's encodings.
 */
public final class ChangeEvent {
  /** What happened to the row. */
  public enum Op {
    /** A row read by an initial snapshot or full load. */
    SNAPSHOT,
    INSERT,
    UPDATE,
    DELETE
  }

  private final Op op;
  private final TableId table;
  private final Map<String, Object> before;
  private final Map<String, Object> after;
  private final List<String> key;
  private final long[] position;
  private final long sourceTimestamp;
  private final Map<String, LogicalType> types;

  public ChangeEvent(
      Op op,
      TableId table,
      Map<String, Object> before,
      Map<String, Object> after,
      List<String> key,
      long[] position,
      long sourceTimestamp) {
    this(op, table, before, after, key, position, sourceTimestamp, Map.of());
  }

  public ChangeEvent(
      Op op,
      TableId table,
      Map<String, Object> before,
      Map<String, Object> after,
      List<String> key,
      long[] position,
      long sourceTimestamp,
      Map<String, LogicalType> types) {
    this.op = op;
    this.table = table;
    this.before = before == null ? null : Collections.unmodifiableMap(before);
    this.after = after == null ? null : Collections.unmodifiableMap(after);
    this.key = key == null ? List.of() : List.copyOf(key);
    this.position = position.clone();
    this.sourceTimestamp = sourceTimestamp;
    this.types = Collections.unmodifiableMap(types);
  }

  /**
   * Column types the producer declared (Debezium's schema), as Flink types; empty when the record
   * carries none and types must come from configuration or the values themselves.
   */
  public Map<String, LogicalType> types() {
    return types;
  }

  public Op op() {
    return op;
  }

  public TableId table() {
    return table;
  }

  /** The row before the change; null for inserts and snapshot reads, or if not captured. */
  public Map<String, Object> before() {
    return before;
  }

  /** The row after the change; null for deletes. */
  public Map<String, Object> after() {
    return after;
  }

  /** Primary key columns when the producer says them (DMS table definitions); else empty. */
  public List<String> key() {
    return key;
  }

  /**
   * Where the change sits in the source's log, compared element by element: a later change has a
   * greater position (PostgreSQL LSN; MySQL binlog file number, offset and row).
   */
  public long[] position() {
    return position.clone();
  }

  /** When the source database committed it, epoch millis; -1 if unknown. */
  public long sourceTimestamp() {
    return sourceTimestamp;
  }

  /** Negative, zero or positive as {@code a} is before, at or after {@code b} in the log. */
  /**
   * An empty row image, in column order, sized for {@code columns} so that filling it never
   * rehashes (a decoder fills two per change).
   */
  static Map<String, Object> image(int columns) {
    return new java.util.LinkedHashMap<>(columns + columns / 3 + 1);
  }

  public static int comparePositions(long[] a, long[] b) {
    return Arrays.compare(a, b);
  }

  @Override
  public String toString() {
    return op
        + " "
        + table
        + " @"
        + Arrays.toString(position)
        + " before="
        + before
        + " after="
        + after;
  }
}
