package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.cdc.ChangeEvent.Op;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DebeziumJsonTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static List<String> lines(String file) throws IOException {
    return linesOf("/cdc/debezium/" + file);
  }

  /** The non-blank lines of a test resource. */
  static List<String> linesOf(String resource) throws IOException {
    try (InputStream in = DebeziumJsonTest.class.getResourceAsStream(resource)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> out = new ArrayList<>();
      for (String l : text.split("\n")) {
        if (!l.isBlank()) {
          out.add(l);
        }
      }
      return out;
    }
  }

  /** Numbers compared by value, whatever their Java type. */
  static Map<String, Object> normalized(Map<String, Object> row) {
    Map<String, Object> out = new TreeMap<>();
    row.forEach(
        (k, v) ->
            out.put(
                k, v instanceof Number ? new BigDecimal(v.toString()).stripTrailingZeros() : v));
    return out;
  }

  /** Debezium's own samples, applied in order to a map by id, equal the state they describe. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "debezium-postgres-data-schema-exclude",
        "debezium-postgres-data-schema-include",
        "debezium-data-schema-include"
      })
  void samplesReplayToTheirExpectedState(String sample) throws Exception {
    Map<Object, Map<String, Object>> state = new TreeMap<>();
    long[] last = null;
    int changes = 0;
    for (String line : lines(sample + ".txt")) {
      ChangeEvent e = DebeziumJson.decode(line.getBytes(StandardCharsets.UTF_8));
      assertThat(e.table().table()).isEqualTo("products");
      if (last != null) {
        assertThat(ChangeEvent.comparePositions(e.position(), last))
            .as("positions never go backwards in a sample")
            .isGreaterThanOrEqualTo(0);
      }
      last = e.position();
      Map<String, Object> image = e.op() == Op.DELETE ? e.before() : e.after();
      Object id = new BigDecimal(image.get("id").toString());
      if (e.op() == Op.DELETE) {
        state.remove(id);
      } else {
        state.put(id, normalized(e.after()));
      }
      changes++;
    }
    assertThat(changes).isEqualTo(16);
    List<Map<String, Object>> expected = new ArrayList<>();
    for (String line : lines(sample + ".expected.jsonl")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> row = JSON.readValue(line, LinkedHashMap.class);
      expected.add(normalized(row));
    }
    assertThat(new ArrayList<>(state.values())).isEqualTo(expected);
  }

  @Test
  void tableIdentityPositionAndOps() throws Exception {
    List<String> pg = lines("debezium-postgres-data-schema-include.txt");
    ChangeEvent first = DebeziumJson.decode(pg.get(0).getBytes(StandardCharsets.UTF_8));
    assertThat(first.op()).isEqualTo(Op.SNAPSHOT);
    assertThat(first.table()).isEqualTo(new TableId("postgres", "inventory", "products"));
    assertThat(first.position()).containsExactly(34078720L);
    assertThat(first.sourceTimestamp()).isEqualTo(1596001099434L);
    assertThat(first.after()).containsEntry("id", 101).containsEntry("weight", 3.14);

    List<String> mysql = lines("debezium-data-schema-include.txt");
    ChangeEvent delete = DebeziumJson.decode(mysql.get(15).getBytes(StandardCharsets.UTF_8));
    assertThat(delete.op()).isEqualTo(Op.DELETE);
    assertThat(delete.table()).isEqualTo(new TableId("inventory", null, "products"));
    assertThat(delete.position()).containsExactly(3L, 2443L, 0L);
    assertThat(delete.after()).isNull();
    assertThat(delete.before()).containsEntry("id", 111);
  }

  @Test
  void debeziumDefaultEncodingsWithASchema() throws Exception {
    // 12345.6789 as DECIMAL(10,4): unscaled 123456789 = 0x075BCD15, base64 "B1vNFQ==".
    String event =
        "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"field\":\"after\","
            + "\"fields\":["
            + "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
            + "\"parameters\":{\"scale\":\"4\"},\"field\":\"price\"},"
            + "{\"type\":\"int32\",\"name\":\"io.debezium.time.Date\",\"field\":\"d\"},"
            + "{\"type\":\"int64\",\"name\":\"io.debezium.time.Timestamp\",\"field\":\"t_ms\"},"
            + "{\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTimestamp\",\"field\":\"t_us\"},"
            + "{\"type\":\"string\",\"name\":\"io.debezium.time.ZonedTimestamp\",\"field\":\"tz\"},"
            + "{\"type\":\"int64\",\"field\":\"n\"}]}]},"
            + "\"payload\":{\"before\":null,\"after\":{\"price\":\"B1vNFQ==\",\"d\":19700,"
            + "\"t_ms\":1700000000123,\"t_us\":1700000000123456,"
            + "\"tz\":\"2023-11-14T22:13:20.5+02:00\",\"n\":9007199254740993},"
            + "\"source\":{\"db\":\"shop\",\"schema\":\"public\",\"table\":\"items\",\"lsn\":7},"
            + "\"op\":\"c\"}}";
    ChangeEvent e = DebeziumJson.decode(event.getBytes(StandardCharsets.UTF_8));
    assertThat(e.after().get("price")).isEqualTo(new BigDecimal("12345.6789"));
    assertThat(e.after().get("d")).isEqualTo(LocalDate.ofEpochDay(19700));
    assertThat(e.after().get("t_ms")).isEqualTo(LocalDateTime.parse("2023-11-14T22:13:20.123"));
    assertThat(e.after().get("t_us")).isEqualTo(LocalDateTime.parse("2023-11-14T22:13:20.123456"));
    assertThat(e.after().get("tz")).isEqualTo(Instant.parse("2023-11-14T20:13:20.5Z"));
    assertThat(e.after().get("n")).isEqualTo(9007199254740993L);
  }

  @Test
  void tombstonesAreSkipped() throws Exception {
    assertThat(DebeziumJson.decode(null)).isNull();
    assertThat(DebeziumJson.decode(new byte[0])).isNull();
    assertThat(
            DebeziumJson.decode(
                "{\"schema\":null,\"payload\":null}".getBytes(StandardCharsets.UTF_8)))
        .isNull();
  }

  @Test
  void badInputNamesItsReason() {
    assertThatThrownBy(() -> DebeziumJson.decode("not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class, e -> assertThat(e.reason()).isEqualTo("malformed-json"));
    String src = ",\"source\":{\"db\":\"d\",\"table\":\"t\",\"lsn\":1}";
    assertThatThrownBy(
            () ->
                DebeziumJson.decode(
                    ("{\"op\":\"x\",\"after\":{\"id\":1}" + src + "}")
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("unknown-op");
              assertThat(e.getMessage()).contains("'x'");
            });
    assertThatThrownBy(
            () ->
                DebeziumJson.decode(
                    ("{\"op\":\"u\",\"before\":{\"id\":1},\"after\":null" + src + "}")
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class, e -> assertThat(e.reason()).isEqualTo("missing-after"));
  }
}
