package io.tributary.window;

import java.util.Arrays;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/**
 * Keeps, of each event on its way to the window operator, only the columns the windows read (the
 * keys and the aggregated fields) and the record's coordinates; the others become null. The shuffle
 * then serializes a few columns per event instead of all of them, as the SQL planner's projection
 * does, while the row keeps its shape, so every index the windows use stays as it is.
 *
 * <p>Only for a source that can read a record again ({@link io.tributary.source.RecordRefetch}): a
 * too-late event's dead letter takes the record from there ({@link TooLate}).
 */
final class WindowColumns implements MapFunction<RowData, RowData> {
  private static final long serialVersionUID = 1L;

  private final RowData.FieldGetter[] kept;
  private final int[] positions;
  private final int arity;

  /**
   * @param type the rows' type, event columns, source columns and any appended ones
   * @param keep the positions to keep
   */
  WindowColumns(RowType type, int[] keep) {
    this.arity = type.getFieldCount();
    this.positions = Arrays.stream(keep).distinct().sorted().toArray();
    this.kept = new RowData.FieldGetter[positions.length];
    for (int i = 0; i < positions.length; i++) {
      kept[i] = RowData.createFieldGetter(type.getTypeAt(positions[i]), positions[i]);
    }
  }

  /** The keys, the aggregated fields and every column from {@code firstSource} on. */
  static WindowColumns of(WindowSpec spec, RowType type, int firstSource) {
    int[] keep =
        java.util.stream.IntStream.concat(
                java.util.stream.IntStream.concat(
                    Arrays.stream(spec.keyFields),
                    spec.aggregates.stream().mapToInt(a -> a.field).filter(f -> f >= 0)),
                java.util.stream.IntStream.range(firstSource, type.getFieldCount()))
            .toArray();
    return new WindowColumns(type, keep);
  }

  /** The kept positions below {@code eventFields}: the event's own columns it carries. */
  int[] eventColumns(int eventFields) {
    return Arrays.stream(positions).filter(p -> p < eventFields).toArray();
  }

  @Override
  public RowData map(RowData event) {
    GenericRowData row = new GenericRowData(event.getRowKind(), arity);
    for (int i = 0; i < positions.length; i++) {
      row.setField(positions[i], kept[i].getFieldOrNull(event));
    }
    return row;
  }
}
