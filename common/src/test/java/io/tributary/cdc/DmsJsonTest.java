package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.cdc.ChangeEvent.Op;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DmsJsonTest {
  @Test
  void theSampleStreamReplaysToItsExpectedState() throws Exception {
    Map<String, List<String>> keys = new HashMap<>();
    Map<String, Map<Object, Map<String, Object>>> state = new TreeMap<>();
    int controls = 0;
    int changes = 0;
    for (String line : DebeziumJsonTest.linesOf("/cdc/dms/orders-sample.jsonl")) {
      DmsJson.Record r = DmsJson.decode(line.getBytes(StandardCharsets.UTF_8));
      if (r.control != null) {
        assertThat(r.control.operation).isEqualTo("create-table");
        keys.put(r.control.table.toString(), r.control.primaryKey);
        controls++;
        continue;
      }
      ChangeEvent e = r.change;
      String table = e.table().toString();
      String key = keys.get(table).get(0);
      Map<Object, Map<String, Object>> rows = state.computeIfAbsent(table, t -> new TreeMap<>());
      if (e.op() == Op.DELETE) {
        assertThat(rows.remove(e.before().get(key))).as("deleted row existed").isNotNull();
      } else {
        rows.put(e.after().get(key), DebeziumJsonTest.normalized(e.after()));
      }
      changes++;
    }
    assertThat(controls).isEqualTo(2);
    assertThat(changes).isEqualTo(23);
    assertThat(keys).containsEntry("sales.orders", List.of("order_id"));

    Map<String, List<Map<String, Object>>> expected = new TreeMap<>();
    try (InputStream in = getClass().getResourceAsStream("/cdc/dms/orders-sample.expected.json")) {
      @SuppressWarnings("unchecked")
      Map<String, List<Map<String, Object>>> raw =
          new ObjectMapper().readValue(in, LinkedHashMap.class);
      raw.forEach(
          (t, rows) -> {
            List<Map<String, Object>> n = new ArrayList<>();
            rows.forEach(row -> n.add(DebeziumJsonTest.normalized(row)));
            expected.put(t, n);
          });
    }
    Map<String, List<Map<String, Object>>> actual = new TreeMap<>();
    state.forEach((t, rows) -> actual.put(t, new ArrayList<>(rows.values())));
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void updatesCarryTheBeforeImageWhenPresentAndPositionsGrow() throws Exception {
    List<String> lines = DebeziumJsonTest.linesOf("/cdc/dms/orders-sample.jsonl");
    ChangeEvent update = DmsJson.decode(lines.get(11).getBytes(StandardCharsets.UTF_8)).change;
    assertThat(update.op()).isEqualTo(Op.UPDATE);
    assertThat(update.before()).containsEntry("status", "pending");
    assertThat(update.after()).containsEntry("status", "paid");
    long[] last = null;
    for (String line : lines.subList(2, lines.size())) {
      long[] p = DmsJson.decode(line.getBytes(StandardCharsets.UTF_8)).change.position();
      if (last != null) {
        assertThat(ChangeEvent.comparePositions(p, last)).isPositive();
      }
      last = p;
    }
  }

  @Test
  void badRecordsNameTheirReason() {
    String meta =
        "\"metadata\":{\"record-type\":\"data\",\"schema-name\":\"s\",\"table-name\":\"t\",";
    assertThatThrownBy(
            () ->
                DmsJson.decode(
                    ("{\"data\":{\"id\":1}," + meta + "\"operation\":\"merge\"}}")
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("unknown-op");
              assertThat(e.getMessage()).contains("'merge'");
            });
    assertThatThrownBy(
            () ->
                DmsJson.decode(
                    ("{" + meta + "\"operation\":\"insert\"}}").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class, e -> assertThat(e.reason()).isEqualTo("missing-data"));
    assertThatThrownBy(() -> DmsJson.decode("{\"data\":{}}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class, e -> assertThat(e.reason()).isEqualTo("missing-metadata"));
  }
}
