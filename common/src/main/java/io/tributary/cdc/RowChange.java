package io.tributary.cdc;

import java.util.Arrays;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;

/**
 * One change to one row of one target table, ready for the upsert sink: the row in Flink's internal
 * format, its columns and their types, the key it is routed and ordered by, and where in the source
 * log it happened. A primary-key change arrives as two of these (delete old key, insert new key).
 *
 * <p>Rows of different tables and schema versions share one stream, so the type travels with each
 * change; {@link RowChangeSerializer} writes it compactly.
 */
public final class RowChange {
  /** Target Iceberg table, {@code namespace.table}. */
  public final String table;

  /** The target table and primary key values as one string: what the stream is keyed by. */
  public final String key;

  /** {@link RowKind#INSERT}, {@link RowKind#UPDATE_AFTER} or {@link RowKind#DELETE}. */
  public final RowKind kind;

  /** The source log position: later changes compare greater. */
  public final long[] position;

  public final String[] keyColumns;

  /** The columns this change carries; key columns NOT NULL, all others nullable. */
  public final RowType type;

  /** The row after the change, or for deletes the row (at least its key) before it. */
  public final RowData row;

  /** Where the record came from, {@code kafka:topic/partition@offset}, for dead letters. */
  public final String origin;

  public RowChange(
      String table,
      String key,
      RowKind kind,
      long[] position,
      String[] keyColumns,
      RowType type,
      RowData row,
      String origin) {
    this.table = table;
    this.key = key;
    this.kind = kind;
    this.position = position;
    this.keyColumns = keyColumns;
    this.type = type;
    this.row = row;
    this.origin = origin;
  }

  @Override
  public String toString() {
    return kind.shortString()
        + " "
        + table
        + " key="
        + key
        + " @"
        + Arrays.toString(position)
        + " "
        + row;
  }
}
