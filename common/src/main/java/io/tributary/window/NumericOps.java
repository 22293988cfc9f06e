package io.tributary.window;

import java.io.Serializable;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.DecimalDataUtils;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.utils.LogicalTypeMerging;

/**
 * Arithmetic on Flink's internal numeric values with Flink SQL's semantics (the same result types,
 * integer overflow, and decimal rounding through {@link DecimalDataUtils}), so the job's aggregates
 * equal the SQL twin's.
 */
final class NumericOps implements Serializable {
  private static final long serialVersionUID = 1L;

  private NumericOps() {}

  /** a + b in {@code type} (a sum type); either may be null. */
  static Object add(Object a, Object b, LogicalType type) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    switch (type.getTypeRoot()) {
      case TINYINT:
        return (byte) ((Byte) a + (Byte) b);
      case SMALLINT:
        return (short) ((Short) a + (Short) b);
      case INTEGER:
        return (Integer) a + (Integer) b;
      case BIGINT:
        return (Long) a + (Long) b;
      case FLOAT:
        return (Float) a + (Float) b;
      case DOUBLE:
        return (Double) a + (Double) b;
      case DECIMAL:
        DecimalType d = (DecimalType) type;
        return DecimalDataUtils.add(
            (DecimalData) a, (DecimalData) b, d.getPrecision(), d.getScale());
      default:
        throw new IllegalArgumentException("not numeric: " + type);
    }
  }

  /** The value in the sum type (a DECIMAL(p, s) input sums as DECIMAL(38, s)). */
  static Object toSumType(Object v, LogicalType sumType) {
    if (sumType instanceof DecimalType) {
      DecimalType d = (DecimalType) sumType;
      return DecimalDataUtils.castToDecimal((DecimalData) v, d.getPrecision(), d.getScale());
    }
    return v;
  }

  /** Widens an input value to the avg's sum type (BIGINT for integers, DOUBLE for floats). */
  static Object widen(Object v, LogicalType input, LogicalType sumType) {
    switch (input.getTypeRoot()) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return ((Number) v).longValue();
      case FLOAT:
      case DOUBLE:
        return ((Number) v).doubleValue();
      case DECIMAL:
        DecimalType s = (DecimalType) sumType;
        return DecimalDataUtils.castToDecimal((DecimalData) v, s.getPrecision(), s.getScale());
      default:
        throw new IllegalArgumentException("not numeric: " + input);
    }
  }

  /** The zero of the avg's sum type. */
  static Object zero(LogicalType sumType) {
    switch (sumType.getTypeRoot()) {
      case BIGINT:
        return 0L;
      case DOUBLE:
        return 0d;
      case DECIMAL:
        DecimalType d = (DecimalType) sumType;
        return DecimalData.zero(d.getPrecision(), d.getScale());
      default:
        throw new IllegalArgumentException("not a sum type: " + sumType);
    }
  }

  /** sum / count cast to the avg's result type, as Flink SQL's AVG computes it. */
  static Object average(Object sum, long count, LogicalType sumType, LogicalType resultType) {
    if (count == 0) {
      return null;
    }
    switch (resultType.getTypeRoot()) {
      case TINYINT:
        return (byte) ((Long) sum / count);
      case SMALLINT:
        return (short) ((Long) sum / count);
      case INTEGER:
        return (int) ((Long) sum / count);
      case BIGINT:
        return (Long) sum / count;
      case FLOAT:
        return (float) ((Double) sum / count);
      case DOUBLE:
        return (Double) sum / count;
      case DECIMAL:
        DecimalType s = (DecimalType) sumType;
        DecimalType r = (DecimalType) resultType;
        DecimalType div =
            LogicalTypeMerging.findDivisionDecimalType(s.getPrecision(), s.getScale(), 19, 0);
        DecimalData quotient =
            DecimalDataUtils.divide(
                (DecimalData) sum,
                DecimalData.fromBigDecimal(java.math.BigDecimal.valueOf(count), 19, 0),
                div.getPrecision(),
                div.getScale());
        return DecimalDataUtils.castToDecimal(quotient, r.getPrecision(), r.getScale());
      default:
        throw new IllegalArgumentException("not numeric: " + resultType);
    }
  }

  /** The smaller of two values of one type; null counts as absent. */
  static Object least(Object a, Object b) {
    return a == null || (b != null && compare(b, a) < 0) ? b : a;
  }

  /** The greater of two values of one type; null counts as absent. */
  static Object greatest(Object a, Object b) {
    return a == null || (b != null && compare(b, a) > 0) ? b : a;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compare(Object a, Object b) {
    return ((Comparable) a).compareTo(b);
  }
}
