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

  static ChangeDecodeException failure(String value) {
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> DmsJson.decode(value.getBytes(StandardCharsets.UTF_8)));
    assertThat(t).as(value).isInstanceOf(ChangeDecodeException.class);
    return (ChangeDecodeException) t;
  }

  /** An update of sales.orders with the given metadata fields after the usual ones. */
  static String update(String metadataTail) {
    return "{\"data\":{\"order_id\":1},\"metadata\":{\"record-type\":\"data\","
        + "\"operation\":\"update\",\"schema-name\":\"sales\",\"table-name\":\"orders\""
        + metadataTail
        + "}}";
  }

  @Test
  void dataRecordsWithoutAUsableTimestampOrTransactionIdAreBadPosition() throws Exception {
    String ts = ",\"timestamp\":\"2024-05-14T09:30:00.123456Z\"";
    String[][] cases = {
      {"", "metadata.timestamp is missing"},
      {",\"timestamp\":null", "metadata.timestamp is null"},
      {
        ",\"timestamp\":1715679000",
        "metadata.timestamp = 1715679000 is not an ISO-8601 UTC time such as"
            + " 2024-05-14T09:30:00.123456Z"
      },
      {
        ",\"timestamp\":\"yesterday\"",
        "metadata.timestamp = \"yesterday\" is not an ISO-8601 UTC time such as"
            + " 2024-05-14T09:30:00.123456Z"
      },
      {
        ",\"timestamp\":\"2026-02-30T00:00:00Z\"",
        "metadata.timestamp = \"2026-02-30T00:00:00Z\" is not an ISO-8601 UTC time such as"
            + " 2024-05-14T09:30:00.123456Z"
      },
      {ts + ",\"transaction-id\":\"abc\"", "metadata.transaction-id = \"abc\" is not an integer"},
      {ts + ",\"transaction-id\":1.5", "metadata.transaction-id = 1.5 is not an integer"},
      {ts + ",\"transaction-id\":-1", "metadata.transaction-id = -1 is negative"},
      {
        ts + ",\"transaction-id\":99999999999999999999",
        "metadata.transaction-id = 99999999999999999999 does not fit a 64-bit integer"
      },
    };
    for (String[] c : cases) {
      ChangeDecodeException e = failure(update(c[0]));
      assertThat(e.reason()).as(c[0]).isEqualTo("bad-position");
      assertThat(e.getMessage()).as(c[0]).isEqualTo(c[1]);
    }
    long micros = 1715679000123456L;
    assertThat(DmsJson.decode(update(ts).getBytes(StandardCharsets.UTF_8)).change.position())
        .containsExactly(micros, 0L);
    assertThat(
            DmsJson.decode(update(ts + ",\"transaction-id\":null").getBytes(StandardCharsets.UTF_8))
                .change
                .position())
        .containsExactly(micros, 0L);
    assertThat(
            DmsJson.decode(update(ts + ",\"transaction-id\":42").getBytes(StandardCharsets.UTF_8))
                .change
                .position())
        .containsExactly(micros, 42L);
    // with IncludeTransactionDetails: the offset within the transaction orders one key's changes
    assertThat(
            DmsJson.decode(
                    update(ts + ",\"transaction-id\":42,\"transaction-record-id\":3")
                        .getBytes(StandardCharsets.UTF_8))
                .change
                .position())
        .containsExactly(micros, 42L, 3L);
    assertThat(
            failure(update(ts + ",\"transaction-id\":42,\"transaction-record-id\":\"x\""))
                .getMessage())
        .isEqualTo("metadata.transaction-record-id = \"x\" is not an integer");
  }

  @Test
  void zeroBytesAreEmptyAndImagesMustBeObjects() {
    Throwable empty =
        org.assertj.core.api.Assertions.catchThrowable(() -> DmsJson.decode(new byte[0]));
    assertThat(empty).isInstanceOf(ChangeDecodeException.class);
    assertThat(((ChangeDecodeException) empty).reason()).isEqualTo("empty");
    String meta =
        ",\"metadata\":{\"record-type\":\"data\",\"operation\":\"update\",\"schema-name\":\"s\","
            + "\"table-name\":\"t\",\"timestamp\":\"2024-05-14T09:30:00Z\"}}";
    ChangeDecodeException data = failure("{\"data\":[1]" + meta);
    assertThat(data.reason()).isEqualTo("malformed-json");
    assertThat(data.getMessage()).isEqualTo("'data' is [1], not a JSON object");
    ChangeDecodeException before = failure("{\"data\":{\"id\":1},\"before-image\":\"x\"" + meta);
    assertThat(before.reason()).isEqualTo("malformed-json");
    assertThat(before.getMessage()).isEqualTo("'before-image' is \"x\", not a JSON object");
  }
}
