package io.tributary.window;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeMerging;

/**
 * Incremental window aggregation: one small accumulator row per key and window, never a buffer of
 * events. The accumulator is a {@link RowData} so Flink serializes it without Kryo.
 */
final class WindowAggregateFunction implements AggregateFunction<RowData, RowData, RowData> {
  private static final long serialVersionUID = 1L;

  private final List<AggregateSpec> specs;
  private final RowType accumulatorType;
  private final int[] slot;
  private final RowData.FieldGetter[] inputGetters;
  private final RowData.FieldGetter[] accGetters;
  private final ArrayData.ElementGetter[] distinctKeyGetters;

  WindowAggregateFunction(List<AggregateSpec> specs, RowType eventType) {
    this.specs = specs;
    List<LogicalType> types = new ArrayList<>();
    slot = new int[specs.size()];
    inputGetters = new RowData.FieldGetter[specs.size()];
    distinctKeyGetters = new ArrayData.ElementGetter[specs.size()];
    for (int i = 0; i < specs.size(); i++) {
      AggregateSpec s = specs.get(i);
      slot[i] = types.size();
      if (s.field >= 0) {
        inputGetters[i] = RowData.createFieldGetter(eventType.getTypeAt(s.field), s.field);
      }
      switch (s.function) {
        case COUNT:
          types.add(new BigIntType(false));
          break;
        case SUM:
        case MIN:
        case MAX:
          types.add(s.resultType);
          break;
        case AVG:
          types.add(LogicalTypeMerging.findSumAggType(avgSumInput(s.inputType)).copy(false));
          types.add(new BigIntType(false));
          break;
        case COUNT_DISTINCT:
          LogicalType key = s.inputType.copy(false);
          types.add(new MapType(key, new IntType(false)));
          distinctKeyGetters[i] = ArrayData.createElementGetter(key);
          break;
        default:
          throw new IllegalStateException();
      }
    }
    accumulatorType = RowType.of(types.toArray(new LogicalType[0]));
    accGetters = new RowData.FieldGetter[types.size()];
    for (int i = 0; i < types.size(); i++) {
      accGetters[i] = RowData.createFieldGetter(types.get(i), i);
    }
  }

  /** AVG sums integers as BIGINT and floats as DOUBLE, like Flink SQL. */
  private static LogicalType avgSumInput(LogicalType input) {
    switch (input.getTypeRoot()) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return new BigIntType();
      case FLOAT:
      case DOUBLE:
        return new org.apache.flink.table.types.logical.DoubleType();
      default:
        return input;
    }
  }

  RowType accumulatorType() {
    return accumulatorType;
  }

  @Override
  public RowData createAccumulator() {
    GenericRowData acc = new GenericRowData(accumulatorType.getFieldCount());
    for (int i = 0; i < specs.size(); i++) {
      AggregateSpec s = specs.get(i);
      int k = slot[i];
      switch (s.function) {
        case COUNT:
          acc.setField(k, 0L);
          break;
        case AVG:
          acc.setField(k, NumericOps.zero(accumulatorType.getTypeAt(k)));
          acc.setField(k + 1, 0L);
          break;
        case COUNT_DISTINCT:
          acc.setField(k, new DistinctValues());
          break;
        default:
          break;
      }
    }
    return acc;
  }

  @Override
  public RowData add(RowData event, RowData accumulator) {
    GenericRowData acc = mutable(accumulator);
    for (int i = 0; i < specs.size(); i++) {
      AggregateSpec s = specs.get(i);
      int k = slot[i];
      Object v = s.field < 0 ? Boolean.TRUE : inputGetters[i].getFieldOrNull(event);
      if (v == null) {
        continue; // SQL aggregates skip nulls
      }
      switch (s.function) {
        case COUNT:
          acc.setField(k, (Long) acc.getField(k) + 1);
          break;
        case SUM:
          acc.setField(
              k,
              NumericOps.add(acc.getField(k), NumericOps.toSumType(v, s.resultType), s.resultType));
          break;
        case MIN:
          acc.setField(k, NumericOps.least(acc.getField(k), v));
          break;
        case MAX:
          acc.setField(k, NumericOps.greatest(acc.getField(k), v));
          break;
        case AVG:
          LogicalType sumType = accumulatorType.getTypeAt(k);
          acc.setField(
              k,
              NumericOps.add(acc.getField(k), NumericOps.widen(v, s.inputType, sumType), sumType));
          acc.setField(k + 1, (Long) acc.getField(k + 1) + 1);
          break;
        case COUNT_DISTINCT:
          distinct(acc, i).put(v, 1);
          break;
        default:
          throw new IllegalStateException();
      }
    }
    return acc;
  }

  @Override
  public RowData getResult(RowData accumulator) {
    GenericRowData out = new GenericRowData(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      AggregateSpec s = specs.get(i);
      int k = slot[i];
      Object a = accGetters[k].getFieldOrNull(accumulator);
      switch (s.function) {
        case AVG:
          long count = accumulator.getLong(k + 1);
          out.setField(i, NumericOps.average(a, count, accumulatorType.getTypeAt(k), s.resultType));
          break;
        case COUNT_DISTINCT:
          out.setField(i, (long) ((MapData) a).size());
          break;
        default:
          out.setField(i, a);
      }
    }
    return out;
  }

  /** Session windows merge: combine two accumulators slot by slot. */
  @Override
  public RowData merge(RowData left, RowData right) {
    GenericRowData a = mutable(left);
    for (int i = 0; i < specs.size(); i++) {
      AggregateSpec s = specs.get(i);
      int k = slot[i];
      Object b = accGetters[k].getFieldOrNull(right);
      if (b == null) {
        continue;
      }
      Object cur = a.getField(k);
      switch (s.function) {
        case COUNT:
          a.setField(k, (Long) cur + (Long) b);
          break;
        case SUM:
          a.setField(k, NumericOps.add(cur, b, s.resultType));
          break;
        case MIN:
          a.setField(k, NumericOps.least(cur, b));
          break;
        case MAX:
          a.setField(k, NumericOps.greatest(cur, b));
          break;
        case AVG:
          a.setField(k, NumericOps.add(cur, b, accumulatorType.getTypeAt(k)));
          a.setField(k + 1, (Long) a.getField(k + 1) + right.getLong(k + 1));
          break;
        case COUNT_DISTINCT:
          addKeys(distinct(a, i), (MapData) b, i);
          break;
        default:
          throw new IllegalStateException();
      }
    }
    return a;
  }

  /** State backends that serialize (RocksDB) hand back binary rows: copy into a mutable one. */
  private GenericRowData mutable(RowData acc) {
    if (acc instanceof GenericRowData) {
      return (GenericRowData) acc;
    }
    GenericRowData g = new GenericRowData(accGetters.length);
    for (int i = 0; i < accGetters.length; i++) {
      g.setField(i, accGetters[i].getFieldOrNull(acc));
    }
    return g;
  }

  /** The distinct-value set of aggregate {@code i}, made mutable if it came back serialized. */
  private Map<Object, Object> distinct(GenericRowData acc, int i) {
    Object m = acc.getField(slot[i]);
    if (m instanceof DistinctValues) {
      return ((DistinctValues) m).values;
    }
    DistinctValues set = new DistinctValues();
    addKeys(set.values, (MapData) m, i);
    acc.setField(slot[i], set);
    return set.values;
  }

  private void addKeys(Map<Object, Object> into, MapData from, int i) {
    ArrayData keys = from.keyArray();
    for (int j = 0; j < from.size(); j++) {
      into.put(distinctKeyGetters[i].getElementOrNull(keys, j), 1);
    }
  }

  /**
   * The distinct values seen, as the keys of a {@link MapData} (a MAP column Flink can serialize),
   * backed by a mutable hash map while in memory.
   */
  static final class DistinctValues implements MapData {
    final HashMap<Object, Object> values = new HashMap<>();

    @Override
    public int size() {
      return values.size();
    }

    @Override
    public ArrayData keyArray() {
      return new GenericArrayData(values.keySet().toArray());
    }

    @Override
    public ArrayData valueArray() {
      return new GenericArrayData(values.values().toArray());
    }
  }
}
