package io.tributary.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.format.EventSchema;
import java.math.BigDecimal;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.RowType;
import org.junit.jupiter.api.Test;

class WindowAggregateFunctionTest {
  static final RowType EVENTS = EventSchema.parse("c STRING, amount DECIMAL(10, 2), qty INT");
  static final String AGGS =
      "count(*) AS n, count(amount) AS priced, sum(amount) AS s, min(qty) AS lo, max(amount) AS"
          + " hi, avg(amount) AS a, avg(qty) AS aq, count_distinct(c) AS d";

  private final WindowAggregateFunction f =
      new WindowAggregateFunction(AggregateSpec.parse(AGGS, EVENTS), EVENTS);
  private final RowDataSerializer accSerializer = new RowDataSerializer(f.accumulatorType());

  private static RowData event(String c, String amount, Integer qty) {
    return GenericRowData.of(
        c == null ? null : StringData.fromString(c),
        amount == null ? null : DecimalData.fromBigDecimal(new BigDecimal(amount), 10, 2),
        qty);
  }

  /** What RocksDB does between two events: serialize and deserialize the accumulator. */
  private RowData roundTrip(RowData acc) {
    return accSerializer.copy(accSerializer.toBinaryRow(acc).copy());
  }

  @Test
  void aggregatesLikeSqlAndSurvivesSerialization() {
    RowData acc = f.createAccumulator();
    acc = roundTrip(f.add(event("x", "1.10", 3), acc));
    acc = roundTrip(f.add(event("y", null, 1), acc));
    acc = f.add(event("x", "2.20", null), acc);
    acc = roundTrip(f.add(event(null, "0.05", 8), acc));
    GenericRowData r = (GenericRowData) f.getResult(acc);
    assertThat(r.getField(0)).isEqualTo(4L);
    assertThat(r.getField(1)).isEqualTo(3L);
    assertThat(((DecimalData) r.getField(2)).toBigDecimal()).isEqualTo(new BigDecimal("3.35"));
    assertThat(r.getField(3)).isEqualTo(1);
    assertThat(((DecimalData) r.getField(4)).toBigDecimal()).isEqualTo(new BigDecimal("2.20"));
    // 3.35 / 3 = 1.116666..., rounded half-up to scale 6 as Flink SQL's AVG does
    assertThat(((DecimalData) r.getField(5)).toBigDecimal()).isEqualTo(new BigDecimal("1.116667"));
    assertThat(r.getField(6)).isEqualTo(4); // (3 + 1 + 8) / 3, integer division
    assertThat(r.getField(7)).isEqualTo(2L); // x and y; null is not counted
  }

  @Test
  void mergesSessions() {
    RowData a = f.add(event("x", "1.00", 2), f.createAccumulator());
    RowData b =
        roundTrip(
            f.add(event("z", "3.00", 1), f.add(event("x", "5.00", 7), f.createAccumulator())));
    GenericRowData r = (GenericRowData) f.getResult(f.merge(a, b));
    assertThat(r.getField(0)).isEqualTo(3L);
    assertThat(((DecimalData) r.getField(2)).toBigDecimal()).isEqualTo(new BigDecimal("9.00"));
    assertThat(r.getField(3)).isEqualTo(1);
    assertThat(((DecimalData) r.getField(4)).toBigDecimal()).isEqualTo(new BigDecimal("5.00"));
    assertThat(r.getField(7)).isEqualTo(2L);
  }

  @Test
  void emptyWindowValuesAreNullLikeSql() {
    GenericRowData r =
        (GenericRowData) f.getResult(f.add(event(null, null, null), f.createAccumulator()));
    assertThat(r.getField(0)).isEqualTo(1L);
    assertThat(r.getField(1)).isEqualTo(0L);
    assertThat(r.getField(2)).isNull();
    assertThat(r.getField(5)).isNull();
    assertThat(r.getField(7)).isEqualTo(0L);
  }
}
