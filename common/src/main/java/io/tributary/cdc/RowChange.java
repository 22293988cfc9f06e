package io.tributary.cdc;

import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import java.nio.charset.StandardCharsets;
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

  /**
   * A dead letter for this change, at the coordinates of the record it came from. The raw record is
   * not kept this far, so the payload is the decoded row ({@link #describeRow()}).
   */
  public DeadLetter deadLetter(String job, Reason reason, String message) {
    DeadLetter d = new DeadLetter();
    d.job = job;
    d.reason = reason.toString();
    d.errorMessage = message;
    // origin is sourceType:stream/partition@position, as RawRecord prints it
    int colon = origin.indexOf(':');
    int at = origin.lastIndexOf('@');
    int slash = origin.lastIndexOf('/', at);
    if (colon > 0 && slash > colon && at > slash) {
      d.sourceType = origin.substring(0, colon);
      d.stream = origin.substring(colon + 1, slash);
      d.partition = origin.substring(slash + 1, at);
      d.position = origin.substring(at + 1);
    } else {
      d.position = origin;
    }
    d.payload = describeRow().getBytes(StandardCharsets.UTF_8);
    d.processingTime = System.currentTimeMillis();
    return d;
  }

  /** The key columns and values as {@code (id=5, tenant=a)}. */
  public String describeKey() {
    StringBuilder sb = new StringBuilder("(");
    for (int k = 0; k < keyColumns.length; k++) {
      int i = type.getFieldIndex(keyColumns[k]);
      Object v = i < 0 ? null : RowData.createFieldGetter(type.getTypeAt(i), i).getFieldOrNull(row);
      sb.append(k == 0 ? "" : ", ").append(keyColumns[k]).append('=').append(v);
    }
    return sb.append(')').toString();
  }

  /** The row as {@code {column=value, ...}}. */
  public String describeRow() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < type.getFieldCount(); i++) {
      Object v = RowData.createFieldGetter(type.getTypeAt(i), i).getFieldOrNull(row);
      sb.append(i == 0 ? "" : ", ").append(type.getFieldNames().get(i)).append('=').append(v);
    }
    return sb.append('}').toString();
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
