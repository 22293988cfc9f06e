package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.cdc.ChangeEvent.Op;
import io.tributary.format.FormatOptions;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
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
    assertThat(
            DebeziumJson.decode(
                "{\"schema\":null,\"payload\":null}".getBytes(StandardCharsets.UTF_8)))
        .isNull();
  }

  @Test
  void zeroByteValuesAreEmptyNotTombstones() {
    assertThat(failure(new byte[0]).reason()).isEqualTo("empty");
    assertThat(failure(new byte[0]).getMessage()).isEqualTo("a zero-byte value");
  }

  // ---------------------------------------------------------------- positions

  static ChangeDecodeException failure(byte[] value) {
    return failure(value, CdcOptions.Position.LOG);
  }

  static ChangeDecodeException failure(byte[] value, CdcOptions.Position ordering) {
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(() -> DebeziumJson.decode(value, ordering));
    assertThat(t)
        .as("decoding %s", new String(value, StandardCharsets.UTF_8))
        .isInstanceOf(ChangeDecodeException.class);
    return (ChangeDecodeException) t;
  }

  /** An update of items id 1 whose source block ends with {@code sourceTail}. */
  static byte[] withSource(String sourceTail) {
    return ("{\"before\":null,\"after\":{\"id\":1},\"op\":\"c\",\"ts_ms\":1700000000999,"
            + "\"source\":{\"db\":\"d\",\"schema\":\"s\",\"table\":\"items\","
            + "\"ts_ms\":1700000000000"
            + sourceTail
            + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static void badPosition(String sourceTail, String message) {
    badPosition(sourceTail, CdcOptions.Position.LOG, message);
  }

  static void badPosition(String sourceTail, CdcOptions.Position ordering, String message) {
    ChangeDecodeException e = failure(withSource(sourceTail), ordering);
    assertThat(e.reason()).as(sourceTail).isEqualTo("bad-position");
    assertThat(e.getMessage()).as(sourceTail).isEqualTo(message);
  }

  @Test
  void postgresLsnMustBeANonNegativeLong() throws Exception {
    badPosition(
        "",
        "the change has no log position: neither source.lsn (PostgreSQL) nor source.file and"
            + " source.pos (MySQL). For a connector without one, set cdc.position = ts-ms.");
    badPosition(",\"lsn\":null", "source.lsn is null");
    badPosition(",\"lsn\":\"abc\"", "source.lsn = \"abc\" is not an integer");
    badPosition(",\"lsn\":\"100\"", "source.lsn = \"100\" is not an integer");
    badPosition(",\"lsn\":1.5", "source.lsn = 1.5 is not an integer");
    badPosition(",\"lsn\":1e23", "source.lsn = 1E+23 is not an integer");
    badPosition(",\"lsn\":100.0", "source.lsn = 100.0 is not an integer");
    badPosition(",\"lsn\":-5", "source.lsn = -5 is negative");
    badPosition(
        ",\"lsn\":9223372036854775808",
        "source.lsn = 9223372036854775808 does not fit a 64-bit integer");
    badPosition(",\"lsn\":{\"v\":1}", "source.lsn = {\"v\":1} is not an integer");
    assertThat(DebeziumJson.decode(withSource(",\"lsn\":9223372036854775807")).position())
        .containsExactly(Long.MAX_VALUE);
    assertThat(DebeziumJson.decode(withSource(",\"lsn\":0")).position()).containsExactly(0L);
  }

  @Test
  void mysqlFilePosAndRowMustAllBeUsable() throws Exception {
    String file = ",\"file\":\"mysql-bin.000042\"";
    assertThat(DebeziumJson.decode(withSource(file + ",\"pos\":154,\"row\":2")).position())
        .containsExactly(42L, 154L, 2L);
    badPosition(",\"pos\":154,\"row\":0", "source.file is missing");
    badPosition(
        ",\"file\":null,\"pos\":154,\"row\":0", "source.file = null is not a binlog file name");
    badPosition(",\"file\":7,\"pos\":154,\"row\":0", "source.file = 7 is not a binlog file name");
    badPosition(
        ",\"file\":\"mysql-bin\",\"pos\":154,\"row\":0",
        "source.file = \"mysql-bin\" does not end in a binlog file number");
    badPosition(
        ",\"file\":\"b.99999999999999999999\",\"pos\":1,\"row\":0",
        "source.file = \"b.99999999999999999999\" does not end in a binlog file number");
    badPosition(file + ",\"row\":0", "source.pos is missing");
    badPosition(file + ",\"pos\":null,\"row\":0", "source.pos is null");
    badPosition(file + ",\"pos\":\"abc\",\"row\":0", "source.pos = \"abc\" is not an integer");
    badPosition(file + ",\"pos\":1e23,\"row\":0", "source.pos = 1E+23 is not an integer");
    badPosition(file + ",\"pos\":-1,\"row\":0", "source.pos = -1 is negative");
    badPosition(file + ",\"pos\":154", "source.row is missing");
    badPosition(file + ",\"pos\":154,\"row\":1.5", "source.row = 1.5 is not an integer");
  }

  @Test
  void tsMsOrderingUsesOnlySourceTsMsAndRefusesAnUnusableOne() throws Exception {
    ChangeEvent e = DebeziumJson.decode(withSource(",\"lsn\":77"), CdcOptions.Position.TS_MS);
    assertThat(e.position()).containsExactly(1700000000000L);
    assertThat(DebeziumJson.decode(withSource(""), CdcOptions.Position.TS_MS).position())
        .containsExactly(1700000000000L);
    byte[] noTs =
        ("{\"after\":{\"id\":1},\"op\":\"c\",\"source\":{\"table\":\"items\",\"lsn\":5}}")
            .getBytes(StandardCharsets.UTF_8);
    ChangeDecodeException missing = failure(noTs, CdcOptions.Position.TS_MS);
    assertThat(missing.reason()).isEqualTo("bad-position");
    assertThat(missing.getMessage()).isEqualTo("source.ts_ms is missing");
    byte[] textTs =
        ("{\"after\":{\"id\":1},\"op\":\"c\",\"source\":{\"table\":\"items\","
                + "\"ts_ms\":\"yesterday\"}}")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(failure(textTs, CdcOptions.Position.TS_MS).getMessage())
        .isEqualTo("source.ts_ms = \"yesterday\" is not an integer");
  }

  // ---------------------------------------------------------------- images and keys

  @Test
  void imagesThatAreNotObjectsAreMalformed() {
    String src = ",\"source\":{\"table\":\"t\",\"lsn\":1}";
    for (String[] c :
        new String[][] {
          {"{\"op\":\"u\",\"before\":[1],\"after\":{\"id\":1}" + src + "}", "'before' is [1]"},
          {"{\"op\":\"c\",\"after\":\"id=1\"" + src + "}", "'after' is \"id=1\""},
          {"{\"op\":\"d\",\"before\":5" + src + "}", "'before' is 5"},
        }) {
      ChangeDecodeException e = failure(c[0].getBytes(StandardCharsets.UTF_8));
      assertThat(e.reason()).as(c[0]).isEqualTo("malformed-json");
      assertThat(e.getMessage()).isEqualTo(c[1] + ", not a JSON object");
    }
  }

  @Test
  void aMessageKeyWithANullComponentIsMissingKey() throws Exception {
    assertThat(DebeziumJson.keyColumns("{\"a\":1,\"b\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
        .containsExactly("a", "b");
    for (String key :
        new String[] {"{\"a\":1,\"b\":null}", "{\"schema\":{},\"payload\":{\"a\":1,\"b\":null}}"}) {
      assertThatThrownBy(() -> DebeziumJson.keyColumns(key.getBytes(StandardCharsets.UTF_8)))
          .isInstanceOfSatisfying(
              ChangeDecodeException.class,
              e -> {
                assertThat(e.reason()).isEqualTo("missing-key");
                assertThat(e.getMessage()).isEqualTo("the message key's column 'b' is null");
              });
    }
  }

  /**
   * The key is read as tokens, not as a tree; every kind of key gives what a tree of it says
   * (enveloped or not, a null member, a key that is not one JSON object, which counts as no key).
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"id\":4217}",
        "{\"a\":1,\"b\":\"x\",\"c\":{\"d\":[1,null]}}",
        "{\"a\":null,\"b\":null}",
        "{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":{\"id\":1,\"t\":\"x\"}}",
        "{\"payload\":{\"id\":1},\"schema\":null}",
        "{\"schema\":{},\"payload\":null}",
        "{\"schema\":{},\"payload\":7}",
        "{\"schema\":{},\"payload\":{\"id\":null}}",
        "{\"payload\":{\"id\":1}}",
        "{\"payload\":null,\"id\":2}",
        "{\"schema\":{}}",
        "{}",
        "[1]",
        "42",
        "{\"id\":1} {}",
        "{\"id\":1,\"id\":2}",
        "{\"schema\":{},\"payload\":{\"id\":1,\"id\":2}}",
        "{\"id\":",
        "not json",
        "{\"id\":\"\u0000\"}"
      })
  void aMessageKeyNamesWhatItsTreeNames(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    Object expected;
    try {
      expected = treeKeyColumns(bytes);
    } catch (ChangeDecodeException e) {
      expected = e.reason() + ": " + e.getMessage();
    }
    Object actual;
    try {
      actual = DebeziumJson.keyColumns(bytes);
    } catch (ChangeDecodeException e) {
      actual = e.reason() + ": " + e.getMessage();
    }
    assertThat(actual).isEqualTo(expected);
  }

  /** The key's columns as read from its tree, by StrictJson's rules for keys. */
  private static List<String> treeKeyColumns(byte[] key) throws ChangeDecodeException {
    org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode root =
        io.tributary.format.StrictJson.readKey(key);
    if (root == null) {
      return List.of();
    }
    org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode fields =
        root.has("schema") && root.has("payload") ? root.get("payload") : root;
    List<String> names = new ArrayList<>();
    for (var it = fields.fields(); it.hasNext(); ) {
      var f = it.next();
      if (f.getValue().isNull()) {
        throw new ChangeDecodeException(
            "missing-key", "the message key's column '" + f.getKey() + "' is null");
      }
      names.add(f.getKey());
    }
    return names;
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

  // ---------------------------------------------------------------- values with a schema

  /** A schema'd insert whose one column {@code v} has the field schema and JSON value given. */
  static byte[] typed(String fieldSchema, String value) {
    return ("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\","
            + "\"field\":\"after\",\"fields\":["
            + fieldSchema.replace("}", ",\"field\":\"v\"}")
            + "]}]},\"payload\":{\"before\":null,\"after\":{\"v\":"
            + value
            + "},\"source\":{\"table\":\"t\",\"lsn\":1},\"op\":\"c\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void schemaTypedValuesAreNeverCoerced() throws Exception {
    String[][] refused = {
      {"{\"type\":\"boolean\"}", "\"yes\""},
      {"{\"type\":\"boolean\"}", "1"},
      {"{\"type\":\"int32\"}", "1.0"},
      {"{\"type\":\"int32\"}", "1.5"},
      {"{\"type\":\"int32\"}", "3000000000"},
      {"{\"type\":\"int64\"}", "1e2"},
      {"{\"type\":\"int64\"}", "9223372036854775808"},
      {"{\"type\":\"float64\"}", "1e400"},
      {"{\"type\":\"float64\"}", "1e-400"},
      {"{\"type\":\"float32\"}", "1e39"},
      {"{\"type\":\"float32\"}", "1e-50"},
      {"{\"type\":\"int32\",\"name\":\"io.debezium.time.Date\"}", "\"abc\""},
      {"{\"type\":\"int32\",\"name\":\"io.debezium.time.Date\"}", "1.5"},
      {"{\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTimestamp\"}", "\"2024\""},
      {"{\"type\":\"int64\",\"name\":\"io.debezium.time.Time\"}", "9223372036854775"},
      {"{\"type\":\"string\",\"name\":\"io.debezium.time.ZonedTimestamp\"}", "5"},
      {
        "{\"type\":\"string\",\"name\":\"io.debezium.time.ZonedTimestamp\"}",
        "\"2026-02-30T00:00:00Z\""
      },
      {
        "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
            + "\"parameters\":{\"scale\":\"2\"}}",
        "12.5"
      },
    };
    for (String[] r : refused) {
      ChangeDecodeException e = failure(typed(r[0], r[1]));
      assertThat(e.reason()).as("%s as %s", r[1], r[0]).isEqualTo("wrong-type");
      assertThat(e.getMessage())
          .as("%s as %s", r[1], r[0])
          .startsWith("column 'v': ")
          .containsAnyOf(" is not a valid ", "which no column type holds");
    }
    assertThat(DebeziumJson.decode(typed("{\"type\":\"float64\"}", "0.1")).after())
        .containsEntry("v", 0.1d);
    assertThat(DebeziumJson.decode(typed("{\"type\":\"float64\"}", "\"NaN\"")).after())
        .containsEntry("v", Double.NaN);
    assertThat(DebeziumJson.decode(typed("{\"type\":\"float32\"}", "2.5")).after())
        .containsEntry("v", 2.5f);
    assertThat(DebeziumJson.decode(typed("{\"type\":\"boolean\"}", "true")).after())
        .containsEntry("v", true);
  }

  @Test
  void textInANumericSchemaFieldIsANumberOnlyWithNumbersFromStrings() throws Exception {
    ChangeRows strict = ChangeRowsTest.rows();
    ChangeRows lenient =
        ChangeRowsTest.rows(EnumSet.of(FormatOptions.Lenient.NUMBERS_FROM_STRINGS));
    String[][] cases = {
      {"{\"type\":\"int32\"}", "\"12\"", "12"},
      {"{\"type\":\"int64\"}", "\"-7\"", "-7"},
      {"{\"type\":\"float64\"}", "\"2.5\"", "2.5"},
      {"{\"type\":\"float64\"}", "\"1d\"", null},
      {"{\"type\":\"int32\"}", "\" 12\"", null},
      {"{\"type\":\"int32\"}", "\"1.5\"", null},
      {"{\"type\":\"int64\"}", "\"1e2\"", null},
    };
    for (String[] c : cases) {
      ChangeEvent e = DebeziumJson.decode(typed(c[0], c[1]));
      ChangeDecodeException refused =
          ChangeRowsTest.decodeFailure(() -> strict.convert(e, List.of("v"), ""));
      assertThat(refused.reason()).as(c[1]).isEqualTo("wrong-type");
      assertThat(refused.getMessage()).as(c[1]).startsWith("column 'v' of t: " + c[1] + " is not");
      if (c[2] == null) {
        assertThat(
                ChangeRowsTest.decodeFailure(() -> lenient.convert(e, List.of("v"), "")).reason())
            .as(c[1])
            .isEqualTo("wrong-type");
      } else {
        Object v = ChangeRowsTest.values(lenient.convert(e, List.of("v"), "").get(0)).get("v");
        assertThat(String.valueOf(v)).as(c[1]).isEqualTo(c[2]);
      }
    }
  }

  @Test
  void schemalessNumbersKeepEveryDigit() throws Exception {
    byte[] v =
        ("{\"after\":{\"id\":1,\"x\":12.345678901234567891,\"tiny\":1e-400},"
                + "\"source\":{\"table\":\"t\",\"lsn\":1},\"op\":\"c\"}")
            .getBytes(StandardCharsets.UTF_8);
    Map<String, Object> after = DebeziumJson.decode(v).after();
    assertThat(after.get("x")).isEqualTo(new BigDecimal("12.345678901234567891"));
    assertThat(after.get("tiny")).isEqualTo(new BigDecimal("1E-400"));
    ChangeDecodeException huge =
        failure(
            ("{\"after\":{\"id\":1,\"big\":-1e400},\"source\":{\"table\":\"t\",\"lsn\":1},"
                    + "\"op\":\"c\"}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(huge.reason()).isEqualTo("wrong-type");
    assertThat(huge.getMessage())
        .isEqualTo(
            "column 'big': a number beyond 1.8E308 in magnitude, which no column type holds");
  }
}
