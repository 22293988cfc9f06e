package io.tributary.cdc.sink;

import io.tributary.cdc.RowChange;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;

/**
 * How rows of one change type map onto a table's schema: each change field copied into the table's
 * column order, widened where the table's type is wider, absent columns null; or why the change
 * cannot be written to the table ({@link #mismatch()}).
 */
final class RowProjection {
  private final String mismatch;
  private final RowData.FieldGetter[] getters;
  private final int[] decimalPrecision;
  private final boolean[] toLong;
  private final boolean[] toDouble;

  private RowProjection(String mismatch) {
    this.mismatch = mismatch;
    this.getters = null;
    this.decimalPrecision = null;
    this.toLong = null;
    this.toDouble = null;
  }

  private RowProjection(RowType from, Schema schema, RowType to) {
    this.mismatch = null;
    int n = to.getFieldCount();
    getters = new RowData.FieldGetter[n];
    decimalPrecision = new int[n];
    toLong = new boolean[n];
    toDouble = new boolean[n];
    for (int i = 0; i < n; i++) {
      int j = from.getFieldIndex(to.getFieldNames().get(i));
      if (j < 0) {
        continue; // absent from the change: null
      }
      getters[i] = RowData.createFieldGetter(from.getTypeAt(j), j);
      Type target = schema.columns().get(i).type();
      Type source = FlinkSchemaUtil.convert(from.getTypeAt(j));
      if (!source.equals(target)) {
        toLong[i] = target.typeId() == Type.TypeID.LONG;
        toDouble[i] = target.typeId() == Type.TypeID.DOUBLE;
        if (target.typeId() == Type.TypeID.DECIMAL) {
          decimalPrecision[i] = ((Types.DecimalType) target).precision();
        }
      }
    }
  }

  /**
   * Plans rows of {@code change}'s type onto table {@code id}, whose schema is {@code schema} and
   * {@code rowType} its Flink row type.
   */
  static RowProjection plan(TableIdentifier id, Schema schema, RowType rowType, RowChange change) {
    Set<String> keys = new HashSet<>(Arrays.asList(change.keyColumns));
    if (!schema.identifierFieldNames().equals(keys)) {
      return new RowProjection(
          "table "
              + id
              + " has identifier fields "
              + schema.identifierFieldNames()
              + " but the change's primary key is "
              + keys);
    }
    String columns = columnMismatch(id, schema, change.type);
    return columns != null
        ? new RowProjection(columns)
        : new RowProjection(change.type, schema, rowType);
  }

  /**
   * Whether every column of {@code type} is in {@code schema} with its type or a wider one: if not,
   * the table must evolve first, or the change cannot be written to it.
   */
  static boolean takes(Schema schema, RowType type) {
    return columnMismatch(null, schema, type) == null;
  }

  private static String columnMismatch(TableIdentifier id, Schema schema, RowType type) {
    for (RowType.RowField f : type.getFields()) {
      Types.NestedField existing = schema.findField(f.getName());
      if (existing == null) {
        return "column '" + f.getName() + "' is not in table " + id;
      }
      Type wanted = FlinkSchemaUtil.convert(f.getType());
      boolean fits =
          existing.type().equals(wanted)
              || (wanted.isPrimitiveType()
                  && existing.type().isPrimitiveType()
                  && TypeUtil.isPromotionAllowed(wanted, existing.type().asPrimitiveType()));
      if (!fits) {
        return "column '"
            + f.getName()
            + "' is "
            + wanted
            + " in the change but "
            + existing.type()
            + " in table "
            + id
            + ", which cannot take it";
      }
    }
    return null;
  }

  /** Why rows of this type cannot be written to the table, or null if they can. */
  String mismatch() {
    return mismatch;
  }

  /** {@code c}'s row in the table's column order, with {@code c}'s kind. */
  RowData apply(RowChange c) {
    GenericRowData out = new GenericRowData(c.kind, getters.length);
    for (int i = 0; i < getters.length; i++) {
      if (getters[i] == null) {
        continue;
      }
      Object v = getters[i].getFieldOrNull(c.row);
      if (v != null) {
        if (toLong[i]) {
          v = ((Number) v).longValue();
        } else if (toDouble[i]) {
          v = ((Number) v).doubleValue();
        } else if (decimalPrecision[i] > 0) {
          DecimalData d = (DecimalData) v;
          v = DecimalData.fromBigDecimal(d.toBigDecimal(), decimalPrecision[i], d.scale());
        }
      }
      out.setField(i, v);
    }
    return out;
  }
}
