package io.tributary.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.quality.DeadLetter;
import io.tributary.source.RawRecord;
import io.tributary.testing.HostileEvents;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;

/** Every value lands exactly as sent, or the record is a dead letter naming why. */
class StrictDecodingTest {
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final Instant BASE = NOW.minusSeconds(7200);

  private final List<DeadLetter> dead = new ArrayList<>();

  private static JsonEventDecoder decoder(String schema, String... more) {
    List<String> kv =
        new ArrayList<>(
            List.of(
                "format.schema",
                schema,
                "format.event-time.field",
                "ts",
                "format.event-time.max-past",
                "30 d"));
    kv.addAll(List.of(more));
    JsonEventDecoder d =
        new JsonEventDecoder(
            EventSchema.fromConfig(
                Configs.of(kv.toArray(new String[0])).group(FormatOptions.GROUP)),
            "t");
    d.open();
    return d;
  }

  private RowData decode(JsonEventDecoder d, byte[] v) {
    dead.clear();
    return d.decode(
        new RawRecord("kafka", "events", "0", "1", 0L, null, v), NOW.toEpochMilli(), dead::add);
  }

  private RowData decode(JsonEventDecoder d, String json) {
    return decode(d, json.getBytes(UTF_8));
  }

  /** A decoded row's values as Java objects, by column, to compare with the corpus. */
  static Map<String, Object> values(RowData row) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", row.getLong(0));
    m.put("amount", row.isNullAt(1) ? null : row.getDecimal(1, 12, 2).toBigDecimal());
    m.put("qty", row.isNullAt(2) ? null : row.getInt(2));
    m.put("ratio", row.isNullAt(3) ? null : row.getDouble(3));
    m.put("flag", row.isNullAt(4) ? null : row.getBoolean(4));
    m.put("name", row.isNullAt(5) ? null : row.getString(5).toString());
    m.put("on_day", row.isNullAt(6) ? null : LocalDate.ofEpochDay(row.getInt(6)));
    m.put("ts", row.getTimestamp(7, 3).toInstant());
    return m;
  }

  @Test
  void theHostileCorpusLandsExactlyOrIsDeadLetteredWithItsReason() {
    JsonEventDecoder d = decoder(HostileEvents.SCHEMA);
    List<HostileEvents.Case> corpus = HostileEvents.corpus(BASE, 1000, 2010);
    Map<String, Integer> reasons = new TreeMap<>();
    int rows = 0;
    for (HostileEvents.Case c : corpus) {
      RowData row = decode(d, c.value);
      if (c.valid()) {
        assertThat(dead).as(c.toString()).isEmpty();
        assertThat(values(row)).as(c.toString()).isEqualTo(c.expected);
        rows++;
      } else {
        assertThat(row).as(c.toString()).isNull();
        assertThat(dead).as(c.toString()).hasSize(1);
        assertThat(dead.get(0).reason)
            .as(c + " -> " + dead.get(0).errorMessage)
            .isEqualTo(c.reason);
        assertThat(dead.get(0).payload).isEqualTo(c.value);
        reasons.merge(c.reason, 1, Integer::sum);
      }
    }
    System.out.println("hostile corpus: 1000 rows exact, dead letters by reason " + reasons);
    assertThat(rows).isEqualTo(1000);
    assertThat(HostileEvents.shapes()).as("the docs count the kinds").isEqualTo(88);
    assertThat(reasons.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(2010);
    assertThat(reasons)
        .containsOnlyKeys(
            "wrong-type",
            "duplicate-field",
            "malformed-json",
            "invalid-utf8",
            "truncated-json",
            "empty",
            "missing-field",
            "missing-event-time",
            "event-time-out-of-bounds");
  }

  private String reject(JsonEventDecoder d, String json, String reason) {
    assertThat(decode(d, json)).as(json).isNull();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).reason).as(dead.get(0).errorMessage).isEqualTo(reason);
    return dead.get(0).errorMessage;
  }

  private static String withTs(String fields) {
    return "{\"id\":1," + fields + ",\"ts\":\"2026-11-25T11:00:00Z\"}";
  }

  @Test
  void wrongTypeMessagesNameTheFieldTheValueAndTheType() {
    JsonEventDecoder d = decoder(HostileEvents.SCHEMA);
    assertThat(reject(d, withTs("\"amount\":12.345"), "wrong-type"))
        .isEqualTo(
            "field 'amount' (DECIMAL(12, 2)): 12.345 has 3 decimal places; the column holds 2"
                + " (format.lenient = round-decimals rounds half-up instead)");
    assertThat(reject(d, withTs("\"amount\":1e20"), "wrong-type"))
        .isEqualTo("field 'amount' (DECIMAL(12, 2)): 1e20 is out of range");
    assertThat(reject(d, withTs("\"qty\":1.5"), "wrong-type"))
        .isEqualTo(
            "field 'qty' (INT): 1.5 has a fraction or an exponent; the column holds integers");
    assertThat(reject(d, withTs("\"qty\":\"12\""), "wrong-type"))
        .isEqualTo("field 'qty' (INT): \"12\" is not a JSON number");
    assertThat(reject(d, withTs("\"ratio\":1e-400"), "wrong-type"))
        .isEqualTo(
            "field 'ratio' (DOUBLE): 1e-400 is too small for DOUBLE and would be stored as 0");
    assertThat(reject(d, withTs("\"flag\":\"yes\""), "wrong-type"))
        .isEqualTo("field 'flag' (BOOLEAN): \"yes\" is not true or false");
    assertThat(reject(d, withTs("\"name\":123"), "wrong-type"))
        .isEqualTo("field 'name' (STRING): 123 is not a JSON string");
    assertThat(reject(d, withTs("\"on_day\":\"2026-02-30\""), "wrong-type"))
        .isEqualTo(
            "field 'on_day' (DATE): \"2026-02-30\" is not a date in the calendar (Invalid date"
                + " 'FEBRUARY 30')");
    assertThat(reject(d, "{\"id\":1,\"ts\":\"2026-11-25T11:00:00.123456789Z\"}", "wrong-type"))
        .isEqualTo(
            "field 'ts' (TIMESTAMP_LTZ(3) NOT NULL): 2026-11-25T11:00:00.123456789Z has 9"
                + " fraction digits; the column holds 3 (format.lenient = truncate-timestamps"
                + " cuts the rest off instead)");
    assertThat(reject(d, "{\"id\":1,\"id\":2,\"ts\":\"2026-11-25T11:00:00Z\"}", "duplicate-field"))
        .isEqualTo("Duplicate field 'id' (a key may appear once per object)");
    assertThat(reject(d, "{\"id\":1,\"ts\":\"2026-11-25T11:00:00Z\"} xyz", "malformed-json"))
        .startsWith("not valid JSON: Unrecognized token 'xyz'");
    assertThat(reject(d, "{\"id\":1,\"ts\":\"2026-11-25T11:00:00Z\"}{}", "malformed-json"))
        .isEqualTo("data after the JSON object, at byte 36");
  }

  @Test
  void aSyntaxErrorLaterInTheRecordWinsOverAWrongValue() {
    JsonEventDecoder d = decoder(HostileEvents.SCHEMA);
    reject(d, "{\"id\":1,\"qty\":1.5,\"ts\":\"2026-11-25T11:00", "truncated-json");
  }

  @Test
  void eventTimeOutOfBoundsNamesTheKeyToChange() {
    JsonEventDecoder d = decoder(HostileEvents.SCHEMA);
    assertThat(reject(d, "{\"id\":1,\"ts\":\"2020-01-01T00:00:00Z\"}", "event-time-out-of-bounds"))
        .endsWith("to accept it, raise format.event-time.max-past");
    assertThat(reject(d, "{\"id\":1,\"ts\":\"2030-01-01T00:00:00Z\"}", "event-time-out-of-bounds"))
        .endsWith("to accept it, raise format.event-time.max-future");
  }

  @Test
  void lenientConversionsAreOptInAndChangeOnlyWhatTheySay() {
    JsonEventDecoder d =
        decoder(
            HostileEvents.SCHEMA,
            "format.lenient",
            "numbers-from-strings;round-decimals;truncate-timestamps");
    RowData row =
        decode(
            d,
            "{\"id\":\"7\",\"amount\":\"12.345\",\"qty\":\"-12\",\"ratio\":\"0.5\","
                + "\"ts\":\"2026-11-25T11:00:00.123999Z\"}");
    assertThat(dead).isEmpty();
    Map<String, Object> v = values(row);
    assertThat(v.get("id")).isEqualTo(7L);
    assertThat(v.get("amount")).isEqualTo(new BigDecimal("12.35"));
    assertThat(v.get("qty")).isEqualTo(-12);
    assertThat(v.get("ratio")).isEqualTo(0.5);
    assertThat(v.get("ts")).isEqualTo(Instant.parse("2026-11-25T11:00:00.123Z"));
    // still strict where the option says nothing
    reject(d, withTs("\"qty\":\"1.5\""), "wrong-type");
    reject(d, withTs("\"qty\":\" 12\""), "wrong-type");
    reject(d, withTs("\"flag\":\"true\""), "wrong-type");
    reject(d, withTs("\"amount\":\"1e20\""), "wrong-type");
    assertThat(values(decode(d, withTs("\"amount\":0.0000000001"))).get("amount"))
        .isEqualTo(new BigDecimal("0.00"));
    assertThat(values(decode(d, withTs("\"amount\":-0.005"))).get("amount"))
        .isEqualTo(new BigDecimal("-0.01"));
  }

  @Test
  void nestedTypesAreStrictToo() {
    JsonEventDecoder d =
        decoder(
            "ts TIMESTAMP(6) NOT NULL, tags ARRAY<INT NOT NULL>, attrs MAP<STRING, DECIMAL(4, 1)>,"
                + " loc ROW<lat DOUBLE NOT NULL, name VARCHAR(3)>, blob BYTES, t TIME(0)",
            "format.timestamp-format",
            "sql");
    RowData row =
        decode(
            d,
            "{\"ts\":\"2026-11-25 11:00:00.123456\",\"tags\":[1,2],\"attrs\":{\"a\":1.5},"
                + "\"loc\":{\"lat\":1.25,\"name\":\"abc\"},\"blob\":\"AAEC\",\"t\":\"23:59:59\"}");
    assertThat(dead).as(dead.toString()).isEmpty();
    assertThat(row.getTimestamp(0, 6).toLocalDateTime())
        .isEqualTo(java.time.LocalDateTime.parse("2026-11-25T11:00:00.123456"));
    assertThat(row.getArray(1).toIntArray()).containsExactly(1, 2);
    assertThat(row.getMap(2).size()).isEqualTo(1);
    assertThat(((GenericRowData) row.getRow(3, 2)).getDouble(0)).isEqualTo(1.25);
    assertThat(row.getBinary(4)).containsExactly(0, 1, 2);
    assertThat(row.getInt(5)).isEqualTo(86_399_000);
    String ts = "\"ts\":\"2026-11-25 11:00:00\"";
    reject(d, "{" + ts + ",\"tags\":[1,null]}", "wrong-type");
    reject(d, "{" + ts + ",\"tags\":[1,2.5]}", "wrong-type");
    reject(d, "{" + ts + ",\"attrs\":{\"a\":1.25}}", "wrong-type");
    reject(d, "{" + ts + ",\"loc\":{\"name\":\"abc\"}}", "missing-field");
    reject(d, "{" + ts + ",\"loc\":{\"lat\":1,\"name\":\"abcd\"}}", "wrong-type");
    reject(d, "{" + ts + ",\"blob\":\"not base64!\"}", "wrong-type");
    reject(d, "{" + ts + ",\"t\":\"24:00:00\"}", "wrong-type");
    reject(d, "{" + ts + ",\"t\":\"10:00:00.5\"}", "wrong-type");
    reject(d, "{\"ts\":\"2026-11-25T11:00:00\"}", "wrong-type");
    reject(d, "{\"ts\":\"2026-11-25 11:00:00Z\"}", "wrong-type");
  }

  @Test
  void typesThatCannotBeExactAreRefusedAtStartUp() {
    assertThatThrownBy(() -> decoder("ts TIMESTAMP_LTZ(9) NOT NULL"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'schema' in property group 'format'")
        .hasMessageContaining("microsecond");
    assertThatThrownBy(() -> decoder("ts TIMESTAMP(3) NOT NULL, m MAP<INT, INT>"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MAP's key type must be STRING");
    assertThatThrownBy(() -> decoder("ts TIMESTAMP(3) NOT NULL, m MULTISET<INT>"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("which JSON events cannot carry");
  }
}
