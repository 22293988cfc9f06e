package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.testing.Components;
import io.tributary.testing.HostileChanges;
import io.tributary.testing.HostileChanges.Case;
import io.tributary.testing.HostileChanges.Flavor;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hostile change corpus against the decoders: every valid change becomes exactly its row, every
 * hostile one fails with exactly its reason, and nothing escapes as another exception (which would
 * fail the job) or as a row.
 */
@Timeout(120)
class HostileChangesTest {
  static final Instant BASE = Instant.parse("2026-11-25T00:00:00Z");

  static ChangeRows rows() {
    return new ChangeRows(
        Components.cdcTables(
            Configs.of(
                "cdc.format",
                "debezium-json",
                "cdc.tables",
                HostileChanges.tables("lake"),
                "cdc.primary-keys",
                HostileChanges.PRIMARY_KEYS,
                "cdc.column-types",
                HostileChanges.COLUMN_TYPES)));
  }

  /** The change's row as plain Java values, or its dead-letter reason (a String). */
  static Object outcome(ChangeRows rows, Case c) {
    try {
      ChangeEvent e =
          c.flavor == Flavor.DMS
              ? DmsJson.decode(c.value).change
              : DebeziumJson.decode(c.value, CdcOptions.Position.LOG);
      assertThat(e).as("%s", c).isNotNull();
      List<RowChange> out = rows.convert(e, List.of(), "test");
      assertThat(out).as("%s", c).hasSize(1);
      assertThat(out.get(0).table).isEqualTo("lake.hostile_" + c.flavor.table);
      return javaValues(out.get(0));
    } catch (ChangeDecodeException e) {
      if (c.column != null) {
        assertThat(e.getMessage()).as("%s", c).startsWith("column '" + c.column + "'");
      }
      return e;
    }
  }

  /** A row change's values as the corpus writes them (BigDecimal, String, LocalDate...). */
  static Map<String, Object> javaValues(RowChange c) {
    GenericRowData row = (GenericRowData) c.row;
    Map<String, Object> out = new LinkedHashMap<>();
    for (String col : HostileChanges.COLUMNS) {
      out.put(col, null);
    }
    for (int i = 0; i < row.getArity(); i++) {
      LogicalType t = c.type.getTypeAt(i);
      out.put(c.type.getFieldNames().get(i), java(row.getField(i), t.getTypeRoot()));
    }
    return out;
  }

  static Object java(Object v, LogicalTypeRoot type) {
    if (v == null) {
      return null;
    }
    switch (type) {
      case DECIMAL:
        return ((DecimalData) v).toBigDecimal();
      case VARCHAR:
        return ((StringData) v).toString();
      case DATE:
        return LocalDate.ofEpochDay((Integer) v);
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return ((TimestampData) v).toInstant();
      case TIMESTAMP_WITHOUT_TIME_ZONE:
        return ((TimestampData) v).toLocalDateTime();
      default:
        return v;
    }
  }

  static Map<String, Object> expected(Case c) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String col : HostileChanges.COLUMNS) {
      out.put(col, c.expected.get(col));
    }
    return out;
  }

  /** reason -> count, asserting every case's outcome on the way. */
  static Map<String, Integer> check(List<Case> corpus) {
    ChangeRows rows = rows();
    Map<String, Integer> counts = new TreeMap<>();
    List<String> wrong = new ArrayList<>();
    for (Case c : corpus) {
      Object o = outcome(rows, c);
      String got = o instanceof ChangeDecodeException ? ((ChangeDecodeException) o).reason() : null;
      if (c.valid()) {
        if (got != null || !o.equals(expected(c))) {
          wrong.add(c + "\n  expected " + expected(c) + "\n  got " + o);
        }
        counts.merge("row", 1, Integer::sum);
      } else {
        if (!c.reason.equals(got)) {
          wrong.add(
              c
                  + "\n  expected "
                  + c.reason
                  + "\n  got "
                  + (got == null ? "the row " + o : got + ": " + ((Exception) o).getMessage()));
        }
        counts.merge(c.reason, 1, Integer::sum);
      }
    }
    assertThat(wrong).as("cases with another outcome").isEmpty();
    return counts;
  }

  @Test
  void debeziumWithAndWithoutTheEnvelope() {
    List<Case> corpus = HostileChanges.debezium(BASE, 0, 700, 1400);
    assertThat(1400)
        .isGreaterThanOrEqualTo(
            2
                * Math.max(
                    HostileChanges.shapes(Flavor.ENVELOPED),
                    HostileChanges.shapes(Flavor.SCHEMALESS)));
    Map<String, Integer> counts = check(corpus);
    System.out.println("debezium corpus: " + counts);
    assertThat(counts.get("row")).isEqualTo(700);
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(2100);
    assertThat(corpus.stream().filter(c -> c.flavor == Flavor.ENVELOPED).count()).isEqualTo(1050);
  }

  @Test
  void dms() {
    List<Case> corpus = HostileChanges.dms(BASE, 100_000, 350, 700);
    assertThat(700).isGreaterThanOrEqualTo(HostileChanges.shapes(Flavor.DMS));
    Map<String, Integer> counts = check(corpus);
    System.out.println("dms corpus: " + counts);
    assertThat(counts.get("row")).isEqualTo(350);
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1050);
  }
}
