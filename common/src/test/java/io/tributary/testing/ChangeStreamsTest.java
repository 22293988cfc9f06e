package io.tributary.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.cdc.ChangeEvent;
import io.tributary.cdc.ChangeEvent.Op;
import io.tributary.cdc.DebeziumJson;
import io.tributary.testing.ChangeStreams.ChangeStream;
import io.tributary.testing.ChangeStreams.Message;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChangeStreamsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ChangeStream stream;
  static List<ChangeEvent> decoded;

  @BeforeAll
  static void generate() throws Exception {
    stream = ChangeStreams.generate(42, 20_000);
    decoded = new ArrayList<>();
    for (Message m : stream.messages()) {
      decoded.add(m.isTombstone() ? null : DebeziumJson.decode(m.value));
    }
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherBytes() {
    ChangeStream again = ChangeStreams.generate(42, 20_000);
    assertThat(again.messages()).hasSameSizeAs(stream.messages());
    for (int i = 0; i < again.messages().size(); i++) {
      Message a = stream.messages().get(i);
      Message b = again.messages().get(i);
      assertThat(b.table).isEqualTo(a.table);
      assertThat(b.lsn).isEqualTo(a.lsn);
      assertThat(b.key).isEqualTo(a.key);
      assertThat(b.value).isEqualTo(a.value);
    }
    assertThat(again.finalState()).isEqualTo(stream.finalState());
    assertThat(again.opCounts()).isEqualTo(stream.opCounts());

    ChangeStream other = ChangeStreams.generate(43, 20_000);
    assertThat(other.messages().get(0).value).isNotEqualTo(stream.messages().get(0).value);
    assertThat(other.finalState()).isNotEqualTo(stream.finalState());
  }

  @Test
  void everyKindOfChangeOccurs() {
    Map<String, Integer> counts = stream.opCounts();
    assertThat(stream.events()).isEqualTo(20_000);
    assertThat(counts.get("r") + counts.get("c") + counts.get("u") + counts.get("d"))
        .isEqualTo(20_000);
    assertThat(counts.get("r")).isEqualTo(2_000);
    for (String kind :
        List.of(
            "c",
            "u",
            "d",
            "tombstone",
            "reinsert",
            "key-change-u",
            "key-change-dc",
            "set-null",
            "unset-null")) {
      assertThat(counts.get(kind)).as(kind).isPositive();
    }
    assertThat(counts.get("tombstone")).isEqualTo(counts.get("d"));
    assertThat(stream.messages()).hasSize(20_000 + counts.get("tombstone"));
    assertThat(stream.tables()).containsExactly("customers", "orders", "order_lines");
    assertThat(stream.keyColumns("order_lines")).containsExactly("order_id", "line_no");

    // the counts match what the messages say
    Map<String, Integer> seen = new HashMap<>();
    int keyChangesAsUpdate = 0;
    for (ChangeEvent e : decoded) {
      if (e == null) {
        continue;
      }
      seen.merge(e.op().name(), 1, Integer::sum);
      if (e.op() == Op.UPDATE
          && !key(e.before(), stream.keyColumns(e.table().table()))
              .equals(key(e.after(), stream.keyColumns(e.table().table())))) {
        keyChangesAsUpdate++;
      }
    }
    assertThat(seen)
        .containsEntry("SNAPSHOT", counts.get("r"))
        .containsEntry("INSERT", counts.get("c"))
        .containsEntry("UPDATE", counts.get("u"))
        .containsEntry("DELETE", counts.get("d"));
    assertThat(keyChangesAsUpdate).isEqualTo(counts.get("key-change-u"));
  }

  @Test
  void messagesAreInLogOrderAndTombstonesFollowTheirDeletes() throws Exception {
    long previous = -1;
    Set<String> snapshotFlags = new HashSet<>();
    long previousTs = -1;
    for (int i = 0; i < stream.messages().size(); i++) {
      Message m = stream.messages().get(i);
      assertThat(m.partition(7)).isBetween(0, 6);
      if (m.isTombstone()) {
        Message delete = stream.messages().get(i - 1);
        assertThat(decoded.get(i - 1).op()).isEqualTo(Op.DELETE);
        assertThat(m.key).isEqualTo(delete.key);
        assertThat(m.lsn).isEqualTo(delete.lsn);
        assertThat(m.partition(7)).isEqualTo(delete.partition(7));
        continue;
      }
      if (previous >= 0) {
        assertThat(m.lsn - previous).as("LSN step").isBetween(8L, 64L);
      }
      previous = m.lsn;
      ChangeEvent e = decoded.get(i);
      assertThat(e.position()).containsExactly(m.lsn);
      assertThat(e.sourceTimestamp()).isGreaterThan(previousTs);
      previousTs = e.sourceTimestamp();
      assertThat(e.table().database()).isEqualTo("shop");
      assertThat(e.table().schema()).isEqualTo("public");
      assertThat(e.table().table()).isEqualTo(m.table);
      assertThat(m.topic()).isEqualTo("shop.public." + m.table);

      JsonNode source = JSON.readTree(m.value).get("payload").get("source");
      snapshotFlags.add(e.op() + "=" + source.get("snapshot").asText());
      // the message key is the key of the row as it is after the change (before, for a delete)
      JsonNode key = JSON.readTree(m.key);
      assertThat(key.get("schema").get("name").asText())
          .isEqualTo("shop.public." + m.table + ".Key");
      List<String> keyColumns = stream.keyColumns(m.table);
      Map<String, Object> row = e.op() == Op.DELETE ? e.before() : e.after();
      for (int k = 0; k < keyColumns.size(); k++) {
        assertThat(key.get("payload").get(keyColumns.get(k)).asText())
            .isEqualTo(String.valueOf(row.get(keyColumns.get(k))));
      }
      assertThat(key.get("payload").size()).isEqualTo(keyColumns.size());
    }
    assertThat(snapshotFlags)
        .containsExactlyInAnyOrder("SNAPSHOT=true", "INSERT=false", "UPDATE=false", "DELETE=false");
  }

  /** Debezium's schema for each column, as in its samples and documentation. */
  @Test
  void columnsCarryDebeziumsEncodings() throws Exception {
    Map<String, JsonNode> columns = new LinkedHashMap<>();
    Map<String, String> names = new HashMap<>();
    for (Message m : stream.messages()) {
      if (m.isTombstone() || names.containsKey(m.table)) {
        continue;
      }
      JsonNode root = JSON.readTree(m.value);
      JsonNode fields = root.get("schema").get("fields");
      assertThat(fields.get(0).get("field").asText()).isEqualTo("before");
      assertThat(fields.get(1).get("field").asText()).isEqualTo("after");
      assertThat(fields.get(0).get("fields")).isEqualTo(fields.get(1).get("fields"));
      assertThat(fields.get(2).get("name").asText())
          .isEqualTo("io.debezium.connector.postgresql.Source");
      names.put(m.table, root.get("schema").get("name").asText());
      for (JsonNode c : fields.get(1).get("fields")) {
        columns.put(m.table + "." + c.get("field").asText(), c);
      }
    }
    assertThat(names).containsEntry("customers", "shop.public.customers.Envelope");
    assertThat(columns.keySet())
        .containsExactlyInAnyOrder(
            "customers.id",
            "customers.name",
            "customers.email",
            "customers.balance",
            "customers.created_at",
            "customers.birthday",
            "customers.last_seen",
            "customers.vip",
            "orders.order_id",
            "orders.customer_id",
            "orders.amount",
            "orders.status",
            "orders.note",
            "orders.placed_at",
            "order_lines.order_id",
            "order_lines.line_no",
            "order_lines.sku",
            "order_lines.qty",
            "order_lines.price");
    assertThat(columns.get("customers.balance").toString())
        .isEqualTo(
            "{\"type\":\"bytes\",\"optional\":true,"
                + "\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                + "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"12\"},"
                + "\"field\":\"balance\"}");
    assertThat(columns.get("orders.amount").get("parameters").toString())
        .isEqualTo("{\"scale\":\"3\",\"connect.decimal.precision\":\"10\"}");
    assertThat(columns.get("orders.amount").get("optional").asBoolean()).isFalse();
    assertThat(columns.get("customers.id").toString())
        .isEqualTo("{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}");
    assertThat(typeOf(columns.get("customers.birthday"))).isEqualTo("int32 io.debezium.time.Date");
    assertThat(typeOf(columns.get("customers.created_at")))
        .isEqualTo("int64 io.debezium.time.MicroTimestamp");
    assertThat(typeOf(columns.get("orders.placed_at")))
        .isEqualTo("int64 io.debezium.time.Timestamp");
    assertThat(typeOf(columns.get("customers.last_seen")))
        .isEqualTo("string io.debezium.time.ZonedTimestamp");
    assertThat(typeOf(columns.get("order_lines.price"))).isEqualTo("double ");
    assertThat(typeOf(columns.get("orders.order_id"))).isEqualTo("int64 ");
  }

  private static String typeOf(JsonNode column) {
    return column.get("type").asText() + " " + column.path("name").asText("");
  }

  /** Decoding every message and applying it by key gives exactly the oracle. */
  @Test
  void decodedStreamAppliedByKeyIsTheFinalState() {
    Map<String, Map<List<Object>, Map<String, Object>>> tables = new LinkedHashMap<>();
    for (String t : stream.tables()) {
      tables.put(t, new HashMap<>());
    }
    int keyChangesApplied = 0;
    for (ChangeEvent e : decoded) {
      if (e == null) {
        continue;
      }
      String table = e.table().table();
      List<String> keyColumns = stream.keyColumns(table);
      Map<List<Object>, Map<String, Object>> rows = tables.get(table);
      switch (e.op()) {
        case SNAPSHOT:
        case INSERT:
          assertThat(e.before()).isNull();
          assertThat(rows.put(key(e.after(), keyColumns), oracleTypes(e.after())))
              .as("insert of a live key %s", e)
              .isNull();
          break;
        case UPDATE:
          List<Object> before = key(e.before(), keyColumns);
          List<Object> after = key(e.after(), keyColumns);
          assertThat(rows).as("update of a missing row %s", e).containsKey(before);
          assertThat(oracleTypes(e.before())).isEqualTo(rows.get(before));
          if (!before.equals(after)) {
            rows.remove(before);
            assertThat(rows).doesNotContainKey(after);
            keyChangesApplied++;
          }
          rows.put(after, oracleTypes(e.after()));
          break;
        case DELETE:
          assertThat(e.after()).isNull();
          assertThat(rows.remove(key(e.before(), keyColumns)))
              .as("delete of a missing row %s", e)
              .isEqualTo(oracleTypes(e.before()));
          break;
        default:
          throw new AssertionError(e.op());
      }
    }
    assertThat(keyChangesApplied).isEqualTo(stream.opCounts().get("key-change-u"));
    assertThat(tables.keySet()).isEqualTo(stream.finalState().keySet());
    for (String t : stream.tables()) {
      assertThat(tables.get(t)).as(t).isEqualTo(stream.finalState().get(t));
      assertThat(tables.get(t)).as(t).isNotEmpty();
    }
  }

  /** The oracle holds what Iceberg's generic reader returns, every column present. */
  @Test
  void oracleRowsHaveIcebergsJavaTypes() {
    Map<String, Class<?>> types = new HashMap<>();
    types.put("customers.id", Integer.class);
    types.put("customers.name", String.class);
    types.put("customers.email", String.class);
    types.put("customers.balance", BigDecimal.class);
    types.put("customers.created_at", LocalDateTime.class);
    types.put("customers.birthday", LocalDate.class);
    types.put("customers.last_seen", OffsetDateTime.class);
    types.put("customers.vip", Boolean.class);
    types.put("orders.order_id", Long.class);
    types.put("orders.customer_id", Integer.class);
    types.put("orders.amount", BigDecimal.class);
    types.put("orders.status", String.class);
    types.put("orders.note", String.class);
    types.put("orders.placed_at", LocalDateTime.class);
    types.put("order_lines.order_id", Long.class);
    types.put("order_lines.line_no", Integer.class);
    types.put("order_lines.sku", String.class);
    types.put("order_lines.qty", Integer.class);
    types.put("order_lines.price", Double.class);
    Set<String> nulls = new HashSet<>();
    stream
        .finalState()
        .forEach(
            (table, rows) ->
                rows.forEach(
                    (key, row) -> {
                      assertThat(new ArrayList<>(row.keySet())).isEqualTo(stream.columns(table));
                      assertThat(key).isEqualTo(key(row, stream.keyColumns(table)));
                      row.forEach(
                          (column, v) -> {
                            if (v == null) {
                              nulls.add(table + "." + column);
                              return;
                            }
                            assertThat(v).isInstanceOf(types.get(table + "." + column));
                          });
                      check(row.get("balance"), v -> ((BigDecimal) v).scale() == 2);
                      check(row.get("amount"), v -> ((BigDecimal) v).scale() == 3);
                      check(
                          row.get("last_seen"),
                          v -> ((OffsetDateTime) v).getOffset().equals(ZoneOffset.UTC));
                      check(row.get("last_seen"), v -> ((OffsetDateTime) v).getNano() % 1000 == 0);
                      check(row.get("created_at"), v -> ((LocalDateTime) v).getNano() % 1000 == 0);
                      check(
                          row.get("placed_at"),
                          v -> ((LocalDateTime) v).getNano() % 1_000_000 == 0);
                    }));
    assertThat(nulls)
        .containsExactlyInAnyOrder(
            "customers.email",
            "customers.balance",
            "customers.birthday",
            "customers.last_seen",
            "orders.note");
  }

  private static void check(Object v, java.util.function.Predicate<Object> ok) {
    if (v != null) {
      assertThat(ok.test(v)).as("%s", v).isTrue();
    }
  }

  /** The values that break naive encoders and decoders all occur. */
  @Test
  void hardValuesOccur() throws Exception {
    List<Map<String, Object>> images = new ArrayList<>();
    for (ChangeEvent e : decoded) {
      if (e != null) {
        if (e.before() != null) {
          images.add(e.before());
        }
        if (e.after() != null) {
          images.add(e.after());
        }
      }
    }
    assertThat(images).anyMatch(r -> has(r, "name", s -> s.codePoints().anyMatch(c -> c > 0xFFFF)));
    assertThat(images).anyMatch(r -> has(r, "name", s -> s.matches(".*[\u4e00-\u9fff].*")));
    assertThat(images).anyMatch(r -> has(r, "name", s -> s.contains("é")));
    assertThat(images).anyMatch(r -> has(r, "name", s -> s.contains("\"")));
    assertThat(images).anyMatch(r -> has(r, "name", s -> s.contains("\\")));
    assertThat(images).anyMatch(r -> has(r, "name", s -> s.contains("\n")));
    assertThat(images)
        .anyMatch(r -> r.get("balance") != null && ((BigDecimal) r.get("balance")).signum() < 0);
    assertThat(images)
        .anyMatch(r -> r.get("balance") != null && ((BigDecimal) r.get("balance")).signum() == 0);
    assertThat(images)
        .anyMatch(r -> new BigDecimal("9999999999.99").equals(r.get("balance")))
        .anyMatch(r -> new BigDecimal("-9999999999.99").equals(r.get("balance")))
        .anyMatch(r -> new BigDecimal("-1.28").equals(r.get("balance")))
        .anyMatch(r -> r.get("amount") != null && ((BigDecimal) r.get("amount")).signum() < 0)
        .anyMatch(r -> r.containsKey("email") && r.get("email") == null)
        .anyMatch(
            r ->
                r.get("created_at") != null
                    && ((LocalDateTime) r.get("created_at")).getYear() < 1970)
        .anyMatch(r -> Long.valueOf(Integer.MAX_VALUE).equals(toLong(r.get("qty"))))
        .anyMatch(r -> Double.valueOf(Double.MIN_VALUE).equals(r.get("price")));

    // ZonedTimestamps are written at several offsets, with and without trailing zero digits
    Set<String> offsets = new HashSet<>();
    Set<Integer> fractionDigits = new HashSet<>();
    int nonAscii = 0;
    for (Message m : stream.messages()) {
      if (m.isTombstone() || !m.table.equals("customers")) {
        continue;
      }
      JsonNode after = JSON.readTree(m.value).get("payload").get("after");
      if (after.isNull() || after.get("last_seen").isNull()) {
        continue;
      }
      String text = after.get("last_seen").asText();
      offsets.add(text.endsWith("Z") ? "Z" : text.substring(text.length() - 6));
      int dot = text.indexOf('.');
      fractionDigits.add(dot < 0 ? 0 : text.replaceAll("^.*\\.(\\d+).*$", "$1").length());
      for (byte b : m.value) {
        if (b < 0) {
          nonAscii++;
          break;
        }
      }
    }
    assertThat(offsets).contains("Z", "+02:00", "-05:00", "+05:45", "-09:30");
    assertThat(fractionDigits).contains(0, 6).hasSizeGreaterThan(2);
    assertThat(nonAscii).as("UTF-8 written raw, not \\u-escaped").isPositive();
  }

  private static Long toLong(Object v) {
    return v == null ? null : ((Number) v).longValue();
  }

  private static boolean has(
      Map<String, Object> row, String column, java.util.function.Predicate<String> test) {
    Object v = row.get(column);
    return v instanceof String && test.test((String) v);
  }

  /** Sizes stay in the range a broker and a sink see from real tables. */
  @Test
  void messagesHaveRealisticSizes() throws Exception {
    int[] payloadSizes =
        stream.messages().stream()
            .filter(m -> !m.isTombstone())
            .mapToInt(
                m -> {
                  try {
                    return JSON.writeValueAsBytes(JSON.readTree(m.value).get("payload")).length;
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                })
            .sorted()
            .toArray();
    int median = payloadSizes[payloadSizes.length / 2];
    assertThat(payloadSizes[0]).isGreaterThan(300);
    assertThat(median).isBetween(400, 900);
    assertThat(payloadSizes[payloadSizes.length - 1]).isLessThan(3_000);
  }

  /** Not pathological at a size an end-to-end test would use. */
  @Test
  void hundredThousandEvents() {
    ChangeStream big = ChangeStreams.generate(7, 100_000);
    assertThat(big.events()).isEqualTo(100_000);
    assertThat(big.messages()).hasSize(100_000 + big.opCounts().get("tombstone"));
    // inserts stop at the per-table row limit, so the live key space stays bounded
    for (String t : big.tables()) {
      assertThat(big.finalState().get(t).size()).as(t).isBetween(1, 2_000);
    }
    assertThat(big.opCounts().get("key-change-dc")).isGreaterThan(500);
    assertThat(big.opCounts().get("key-change-u")).isGreaterThan(500);
  }

  @Test
  void emptyAndTinyStreams() throws Exception {
    ChangeStream none = ChangeStreams.generate(1, 0);
    assertThat(none.messages()).isEmpty();
    assertThat(none.finalState().get("customers")).isEmpty();

    ChangeStream one = ChangeStreams.generate(1, 1);
    assertThat(one.events()).isEqualTo(1);
    ChangeEvent e = DebeziumJson.decode(one.messages().get(0).value);
    assertThat(e.op()).isEqualTo(Op.INSERT);
    Map<List<Object>, Map<String, Object>> rows = one.finalState().get(e.table().table());
    assertThat(rows).hasSize(1);
    assertThat(rows.values().iterator().next()).isEqualTo(oracleTypes(e.after()));
  }

  private static List<Object> key(Map<String, Object> row, List<String> keyColumns) {
    List<Object> key = new ArrayList<>();
    for (String k : keyColumns) {
      key.add(row.get(k));
    }
    return List.copyOf(key);
  }

  /**
   * The decoder's Java values as Iceberg returns them: zoned timestamps (an Instant from the
   * decoder; an OffsetDateTime accepted too) as UTC offset date-times.
   */
  private static Map<String, Object> oracleTypes(Map<String, Object> row) {
    Map<String, Object> out = new LinkedHashMap<>();
    row.forEach((k, v) -> out.put(k, utc(v)));
    return out;
  }

  private static Object utc(Object v) {
    if (v instanceof Instant) {
      return ((Instant) v).atOffset(ZoneOffset.UTC);
    }
    if (v instanceof OffsetDateTime) {
      return ((OffsetDateTime) v).withOffsetSameInstant(ZoneOffset.UTC);
    }
    return v;
  }
}
