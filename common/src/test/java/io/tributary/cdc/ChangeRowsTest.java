package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.cdc.ChangeEvent.Op;
import io.tributary.config.Configs;
import io.tributary.format.FormatOptions;
import io.tributary.testing.Components;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.SmallIntType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ChangeRowsTest {
  static final TableId ORDERS = new TableId("shop", "public", "orders");
  static final long[] POS = {3L, 2443L, 7L};
  static final String ORIGIN = "kafka:cdc/0@42";
  static final List<String> BY_ID = List.of("id");

  /** A converter over a validated configuration: pairs of {@code cdc.key} and value. */
  static ChangeRows rows(String... cdcPairs) {
    String[] pairs = new String[cdcPairs.length + 2];
    pairs[0] = "cdc.format";
    pairs[1] = "debezium-json";
    System.arraycopy(cdcPairs, 0, pairs, 2, cdcPairs.length);
    return new ChangeRows(Components.cdcTables(Configs.of(pairs)));
  }

  /** A converter with the given {@code format.lenient} conversions and no cdc settings. */
  static ChangeRows rows(java.util.Set<FormatOptions.Lenient> lenient, String... cdcPairs) {
    String[] pairs = new String[cdcPairs.length + 2];
    pairs[0] = "cdc.format";
    pairs[1] = "debezium-json";
    System.arraycopy(cdcPairs, 0, pairs, 2, cdcPairs.length);
    return new ChangeRows(Components.cdcTables(Configs.of(pairs)), lenient);
  }

  /** An insertion-ordered image; values may be null. */
  static Map<String, Object> image(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static ChangeEvent event(Op op, Map<String, Object> before, Map<String, Object> after) {
    return new ChangeEvent(op, ORDERS, before, after, List.of(), POS, -1L);
  }

  static ChangeEvent typed(Map<String, Object> after, Map<String, LogicalType> types) {
    return new ChangeEvent(Op.INSERT, ORDERS, null, after, List.of(), POS, -1L, types);
  }

  static RowChange single(List<RowChange> changes) {
    assertThat(changes).hasSize(1);
    return changes.get(0);
  }

  static RowChange insert(ChangeRows rows, Map<String, Object> after) throws Exception {
    return single(rows.convert(event(Op.INSERT, null, after), BY_ID, ORIGIN));
  }

  /** Column name to Flink internal value, in row order. */
  static Map<String, Object> values(RowChange c) {
    GenericRowData row = (GenericRowData) c.row;
    List<String> names = c.type.getFieldNames();
    assertThat(row.getArity()).isEqualTo(names.size());
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      out.put(names.get(i), row.getField(i));
    }
    return out;
  }

  static Map<String, LogicalType> types(RowChange c) {
    Map<String, LogicalType> out = new LinkedHashMap<>();
    for (RowType.RowField f : c.type.getFields()) {
      out.put(f.getName(), f.getType());
    }
    return out;
  }

  static LogicalType string() {
    return new VarCharType(VarCharType.MAX_LENGTH);
  }

  static ChangeDecodeException decodeFailure(ThrowingCall call) {
    try {
      call.run();
    } catch (ChangeDecodeException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a ChangeDecodeException, got " + e, e);
    }
    throw new AssertionError("expected a ChangeDecodeException, got none");
  }

  interface ThrowingCall {
    void run() throws Exception;
  }

  // ---------------------------------------------------------------- ops

  @ParameterizedTest
  @EnumSource(
      value = Op.class,
      names = {"INSERT", "SNAPSHOT", "UPDATE"})
  void insertSnapshotAndUpdateWithoutBeforeBecomeOneInsertOfTheAfterImage(Op op) throws Exception {
    RowChange c =
        single(
            rows()
                .convert(
                    event(op, null, image("id", 1L, "name", "tea", "price", new BigDecimal("2.5"))),
                    BY_ID,
                    ORIGIN));
    assertThat(c.kind).isEqualTo(RowKind.INSERT);
    assertThat(c.row.getRowKind()).isEqualTo(RowKind.INSERT);
    assertThat(c.table).isEqualTo("shop.public_orders");
    assertThat(c.keyColumns).containsExactly("id");
    assertThat(c.position).containsExactly(3L, 2443L, 7L);
    assertThat(c.origin).isEqualTo(ORIGIN);
    assertThat(c.type.getFieldNames()).containsExactly("id", "name", "price");
    assertThat(values(c))
        .containsExactly(
            Map.entry("id", 1L),
            Map.entry("name", StringData.fromString("tea")),
            Map.entry("price", 2.5d));
  }

  @Test
  void deleteCarriesOnlyTheKeyColumnsOfTheBeforeImage() throws Exception {
    Map<String, Object> before = image("note", "x", "b", 2L, "qty", 3, "a", "k");
    RowChange c = single(rows().convert(event(Op.DELETE, before, null), List.of("a", "b"), ORIGIN));
    assertThat(c.kind).isEqualTo(RowKind.DELETE);
    assertThat(c.row.getRowKind()).isEqualTo(RowKind.DELETE);
    assertThat(c.keyColumns).containsExactly("a", "b");
    assertThat(c.position).containsExactly(3L, 2443L, 7L);
    assertThat(values(c))
        .containsExactly(Map.entry("a", StringData.fromString("k")), Map.entry("b", 2L));
    assertThat(types(c))
        .containsExactly(
            Map.entry("a", string().copy(false)), Map.entry("b", new BigIntType(false)));
  }

  @Test
  void updateThatChangesTheKeyDeletesTheOldKeyThenInsertsTheNewOne() throws Exception {
    List<RowChange> out =
        rows()
            .convert(
                event(Op.UPDATE, image("id", 1L, "name", "old"), image("id", 2L, "name", "new")),
                BY_ID,
                ORIGIN);
    assertThat(out).hasSize(2);
    RowChange delete = out.get(0);
    RowChange insert = out.get(1);
    assertThat(delete.kind).isEqualTo(RowKind.DELETE);
    assertThat(delete.row.getRowKind()).isEqualTo(RowKind.DELETE);
    assertThat(values(delete)).containsExactly(Map.entry("id", 1L));
    assertThat(insert.kind).isEqualTo(RowKind.INSERT);
    assertThat(insert.row.getRowKind()).isEqualTo(RowKind.INSERT);
    assertThat(values(insert))
        .containsExactly(Map.entry("id", 2L), Map.entry("name", StringData.fromString("new")));
    assertThat(delete.position).containsExactly(3L, 2443L, 7L);
    assertThat(insert.position).containsExactly(delete.position);
    assertThat(delete.key).isNotEqualTo(insert.key);
    // the delete is keyed like any other change of the old key
    RowChange oldInsert = insert(rows(), image("id", 1L, "name", "old"));
    assertThat(delete.key).isEqualTo(oldInsert.key);
  }

  @Test
  void updateWithTheSameKeyIsOneInsert() throws Exception {
    List<RowChange> out =
        rows()
            .convert(
                event(Op.UPDATE, image("id", 1L, "name", "old"), image("id", 1L, "name", "new")),
                BY_ID,
                ORIGIN);
    RowChange c = single(out);
    assertThat(c.kind).isEqualTo(RowKind.INSERT);
    assertThat(values(c))
        .containsExactly(Map.entry("id", 1L), Map.entry("name", StringData.fromString("new")));
  }

  /**
   * Key values compare as converted: equal values unconverted (the common case, taken without
   * converting the before image), and values sent differently that convert to the same key.
   */
  @Test
  void updateWithTheSameKeyWrittenDifferentlyIsOneInsertAndBinaryKeysCompareByContent()
      throws Exception {
    ChangeRows decimals = rows("cdc.column-types", "orders.id=DECIMAL(10, 2)");
    assertThat(updateKinds(decimals, new BigDecimal("1.0"), new BigDecimal("1.00")))
        .containsExactly(RowKind.INSERT);
    assertThat(updateKinds(decimals, new BigDecimal("1.01"), new BigDecimal("1.00")))
        .containsExactly(RowKind.DELETE, RowKind.INSERT);
    // two arrays of the same bytes: one key, so one insert
    assertThat(updateKinds(rows(), new byte[] {1, 2}, new byte[] {1, 2}))
        .containsExactly(RowKind.INSERT);
  }

  /**
   * The kinds of the changes an update of {@code id} from {@code before} to {@code after} gives.
   */
  private static List<RowKind> updateKinds(ChangeRows rows, Object before, Object after)
      throws Exception {
    List<RowKind> kinds = new java.util.ArrayList<>();
    rows.convert(
            event(Op.UPDATE, image("id", before, "name", "old"), image("id", after, "name", "new")),
            BY_ID,
            ORIGIN)
        .forEach(c -> kinds.add(c.kind));
    return kinds;
  }

  /** A table's changes of several shapes, interleaved, each get their own row type. */
  @Test
  void interleavedShapesOfOneTableKeepTheirOwnRowTypes() throws Exception {
    ChangeRows rows = rows();
    for (int i = 0; i < 3; i++) {
      RowChange full = insert(rows, image("id", 1L, "name", "n"));
      RowChange wider = insert(rows, image("id", 1L, "name", "n", "total", 2.5d));
      RowChange delete =
          single(rows.convert(event(Op.DELETE, image("id", 1L, "name", "n"), null), BY_ID, ORIGIN));
      assertThat(full.type.getFieldNames()).containsExactly("id", "name");
      assertThat(wider.type.getFieldNames()).containsExactly("id", "name", "total");
      assertThat(delete.type.getFieldNames()).containsExactly("id");
      assertThat(full.row.getArity()).isEqualTo(2);
      assertThat(wider.row.getArity()).isEqualTo(3);
    }
  }

  @Test
  void updateWhoseBeforeImageLacksTheKeyIsOneInsert() throws Exception {
    // e.g. PostgreSQL with REPLICA IDENTITY DEFAULT sends only changed columns, or none
    RowChange c =
        single(
            rows()
                .convert(
                    event(Op.UPDATE, image("name", "old"), image("id", 1L, "name", "new")),
                    BY_ID,
                    ORIGIN));
    assertThat(c.kind).isEqualTo(RowKind.INSERT);
    assertThat(values(c)).containsEntry("id", 1L);
  }

  // ---------------------------------------------------------------- keys

  @Test
  void configuredKeyBeatsTheEventKeyWhichBeatsTheMessageKey() throws Exception {
    Map<String, Object> after = image("id", 1L, "code", "c1", "name", "n1");
    ChangeEvent withKey = new ChangeEvent(Op.INSERT, ORDERS, null, after, List.of("id"), POS, -1L);
    ChangeEvent withoutKey = event(Op.INSERT, null, after);

    assertThat(
            single(rows("cdc.primary-keys", "orders=code").convert(withKey, List.of("name"), ""))
                .keyColumns)
        .containsExactly("code");
    assertThat(single(rows().convert(withKey, List.of("name"), "")).keyColumns)
        .containsExactly("id");
    assertThat(single(rows().convert(withoutKey, List.of("name"), "")).keyColumns)
        .containsExactly("name");
    // the key columns are NOT NULL, the others nullable
    RowChange byName = single(rows().convert(withoutKey, List.of("name"), ""));
    assertThat(types(byName))
        .containsExactly(
            Map.entry("id", new BigIntType(true)),
            Map.entry("code", string()),
            Map.entry("name", string().copy(false)));
  }

  @Test
  void configuredKeyMatchesTheMostSpecificNameCaseInsensitively() throws Exception {
    ChangeRows rows =
        rows(
            "cdc.primary-keys",
            "orders=a; PUBLIC.Orders=b; Shop.Public.ORDERS=c; shop.orders=d; other.x=e");
    Map<String, Object> after = image("a", 1L, "b", 2L, "c", 3L, "d", 4L, "e", 5L);
    String[][] cases = {
      {"SHOP", "public", "Orders", "c"},
      {"other", "public", "orders", "b"},
      {"other", "sales", "orders", "a"},
      {"shop", null, "orders", "d"},
      {null, null, "ORDERS", "a"},
      {null, "public", "orders", "b"},
    };
    for (String[] t : cases) {
      ChangeEvent e =
          new ChangeEvent(
              Op.INSERT, new TableId(t[0], t[1], t[2]), null, after, List.of("e"), POS, -1L);
      assertThat(single(rows.convert(e, List.of("e"), "")).keyColumns)
          .as(Arrays.toString(t))
          .containsExactly(t[3]);
    }
  }

  @Test
  void compositeConfiguredKey() throws Exception {
    RowChange c =
        insert(
            rows("cdc.primary-keys", "orders= tenant , id "),
            image("id", 7L, "tenant", "acme", "x", 1));
    assertThat(c.keyColumns).containsExactly("tenant", "id");
    assertThat(types(c))
        .containsExactly(
            Map.entry("id", new BigIntType(false)),
            Map.entry("tenant", string().copy(false)),
            Map.entry("x", new IntType(true)));
  }

  @Test
  void noKeyAnywhereIsMissingKeyNamingTheTableAndTheOption() {
    ChangeDecodeException e =
        decodeFailure(
            () -> rows().convert(event(Op.INSERT, null, image("id", 1L)), List.of(), ORIGIN));
    assertThat(e.reason()).isEqualTo("missing-key");
    assertThat(e.getMessage()).contains("shop.public.orders").contains("cdc.primary-keys");
    // a key configured for another table does not help
    ChangeDecodeException other =
        decodeFailure(
            () ->
                rows("cdc.primary-keys", "customers=id")
                    .convert(event(Op.INSERT, null, image("id", 1L)), List.of(), ORIGIN));
    assertThat(other.reason()).isEqualTo("missing-key");
  }

  @Test
  void nullOrAbsentKeyValueIsMissingKey() {
    ChangeDecodeException nullValue =
        decodeFailure(
            () -> rows().convert(event(Op.INSERT, null, image("id", null, "n", 1)), BY_ID, ""));
    assertThat(nullValue.reason()).isEqualTo("missing-key");
    assertThat(nullValue.getMessage()).contains("'id'").contains("shop.public.orders");

    ChangeDecodeException absent =
        decodeFailure(() -> rows().convert(event(Op.INSERT, null, image("n", 1)), BY_ID, ""));
    assertThat(absent.reason()).isEqualTo("missing-key");

    ChangeDecodeException delete =
        decodeFailure(() -> rows().convert(event(Op.DELETE, image("n", 1), null), BY_ID, ""));
    assertThat(delete.reason()).isEqualTo("missing-key");

    ChangeDecodeException update =
        decodeFailure(
            () ->
                rows()
                    .convert(
                        event(Op.UPDATE, image("id", 1L), image("id", null, "n", 2)), BY_ID, ""));
    assertThat(update.reason()).isEqualTo("missing-key");
  }

  // ---------------------------------------------------------------- types

  @Test
  void typesAreInferredFromValuesWhenNothingElseSaysThem() throws Exception {
    LocalDateTime ts = LocalDateTime.parse("2024-03-01T10:15:30.123456");
    Instant at = Instant.parse("2024-03-01T10:15:30.654321Z");
    RowChange c =
        insert(
            rows(),
            image(
                "id",
                9,
                "l",
                5L,
                "bd",
                new BigDecimal("1.25"),
                "d",
                0.5d,
                "s",
                "x",
                "b",
                true,
                "date",
                LocalDate.of(2024, 3, 1),
                "ts",
                ts,
                "ltz",
                at,
                "gone",
                null));
    assertThat(types(c))
        .containsExactly(
            Map.entry("id", new IntType(false)),
            Map.entry("l", new BigIntType(true)),
            Map.entry("bd", new DoubleType(true)),
            Map.entry("d", new DoubleType(true)),
            Map.entry("s", string()),
            Map.entry("b", new BooleanType(true)),
            Map.entry("date", new DateType(true)),
            Map.entry("ts", new TimestampType(true, 6)),
            Map.entry("ltz", new LocalZonedTimestampType(true, 6)));
    assertThat(values(c))
        .containsExactly(
            Map.entry("id", 9),
            Map.entry("l", 5L),
            Map.entry("bd", 1.25d),
            Map.entry("d", 0.5d),
            Map.entry("s", StringData.fromString("x")),
            Map.entry("b", true),
            Map.entry("date", (int) LocalDate.of(2024, 3, 1).toEpochDay()),
            Map.entry("ts", TimestampData.fromLocalDateTime(ts)),
            Map.entry("ltz", TimestampData.fromInstant(at)));
    assertThat((int) values(c).get("date")).isEqualTo(19783);
  }

  @Test
  void producerTypesBeatInferenceAndAreNormalised() throws Exception {
    Map<String, LogicalType> declared = new LinkedHashMap<>();
    declared.put("amount", new DecimalType(10, 2));
    declared.put("small", new SmallIntType());
    declared.put("note", new VarCharType(20));
    declared.put("when", new TimestampType(3));
    RowChange c =
        single(
            rows()
                .convert(
                    typed(
                        image("id", 1L, "amount", "12.50", "small", 3, "note", null, "when", null),
                        declared),
                    BY_ID,
                    ""));
    assertThat(types(c))
        .containsExactly(
            Map.entry("id", new BigIntType(false)),
            Map.entry("amount", new DecimalType(true, 10, 2)),
            Map.entry("small", new IntType(true)),
            Map.entry("note", string()),
            Map.entry("when", new TimestampType(true, 6)));
    Map<String, Object> v = values(c);
    assertThat(((DecimalData) v.get("amount")).toBigDecimal()).isEqualTo(new BigDecimal("12.50"));
    assertThat(v.get("small")).isEqualTo(3);
    assertThat(v).containsEntry("note", null).containsEntry("when", null);
  }

  @Test
  void configuredTypesBeatProducerTypes() throws Exception {
    ChangeRows rows =
        rows(
            "cdc.column-types",
            "orders.amount=DECIMAL(12,3); public.orders.Qty=BIGINT; orders.flag=INT NOT NULL;"
                + " shop.public.orders.id=STRING");
    Map<String, LogicalType> declared = new LinkedHashMap<>();
    declared.put("amount", new DecimalType(10, 2));
    declared.put("qty", new IntType());
    RowChange c =
        single(
            rows.convert(
                typed(image("id", "5", "amount", 12.5d, "qty", 4, "flag", 1), declared),
                BY_ID,
                ""));
    assertThat(types(c))
        .containsExactly(
            Map.entry("id", string().copy(false)),
            Map.entry("amount", new DecimalType(true, 12, 3)),
            Map.entry("qty", new BigIntType(true)),
            Map.entry("flag", new IntType(true))); // only key columns are NOT NULL
    Map<String, Object> v = values(c);
    assertThat(v.get("id")).isEqualTo(StringData.fromString("5"));
    assertThat(((DecimalData) v.get("amount")).toBigDecimal()).isEqualTo(new BigDecimal("12.500"));
    assertThat(v.get("qty")).isEqualTo(4L);
    assertThat(v.get("flag")).isEqualTo(1);
  }

  @Test
  void configuredTypeKeepsANullColumnOfUnknownType() throws Exception {
    RowChange c =
        insert(rows("cdc.column-types", "orders.shipped=DATE"), image("id", 1L, "shipped", null));
    assertThat(types(c))
        .containsExactly(
            Map.entry("id", new BigIntType(false)), Map.entry("shipped", new DateType()));
    assertThat(values(c)).containsEntry("shipped", null);
  }

  // ---------------------------------------------------------------- conversions

  static RowChange withType(String column, String type, Object value) throws Exception {
    return insert(
        rows("cdc.column-types", "orders." + column + "=" + type), image("id", 1L, column, value));
  }

  static ChangeDecodeException wrongType(String column, String type, Object value) {
    ChangeDecodeException e = decodeFailure(() -> withType(column, type, value));
    assertThat(e.reason()).as("reason for %s into %s", value, type).isEqualTo("wrong-type");
    assertThat(e.getMessage()).contains("'" + column + "'").contains("shop.public.orders");
    return e;
  }

  @Test
  void decimalsAreExact() throws Exception {
    for (Object v :
        new Object[] {"12.50", 12.5d, "12.5", new BigDecimal("12.500"), 12.5f, "1.25e1"}) {
      DecimalData d = (DecimalData) values(withType("amount", "DECIMAL(10,2)", v)).get("amount");
      assertThat(d.toBigDecimal()).as("%s", v).isEqualTo(new BigDecimal("12.50"));
      assertThat(d.precision()).isEqualTo(10);
      assertThat(d.scale()).isEqualTo(2);
    }
    DecimalData whole = (DecimalData) values(withType("amount", "DECIMAL(10,2)", 7L)).get("amount");
    assertThat(whole.toBigDecimal()).isEqualTo(new BigDecimal("7.00"));
    DecimalData max =
        (DecimalData) values(withType("amount", "DECIMAL(10,2)", "99999999.99")).get("amount");
    assertThat(max.toBigDecimal()).isEqualTo(new BigDecimal("99999999.99"));
  }

  @Test
  void decimalsThatWouldNeedRoundingOrDoNotFitAreWrongType() {
    assertThat(wrongType("amount", "DECIMAL(10,2)", 12.345d).getMessage()).contains("12.345");
    wrongType("amount", "DECIMAL(10,2)", "12.345");
    wrongType("amount", "DECIMAL(10,2)", new BigDecimal("12.001"));
    wrongType("amount", "DECIMAL(10,2)", 1e20d);
    wrongType("amount", "DECIMAL(10,2)", new BigDecimal("1E+20"));
    wrongType("amount", "DECIMAL(10,2)", "100000000.00"); // 11 digits
    wrongType("amount", "DECIMAL(10,2)", "abc");
    // text is a decimal's own encoding (Debezium's string mode, DMS), but exactly as a JSON number
    for (String s : new String[] {" 12.50 ", "12.50 ", "+12.50", "012.50", "12.", ".5", "1_0"}) {
      assertThat(wrongType("amount", "DECIMAL(10,2)", s).getMessage())
          .contains("text that is not a JSON number");
    }
  }

  @Test
  void timestampsWithZoneAreReadAsInstantsAndStoredInUtc() throws Exception {
    Instant instant = Instant.parse("2024-03-01T10:15:30.123456Z");
    for (String s :
        new String[] {
          "2024-03-01T10:15:30.123456Z",
          "2024-03-01T12:15:30.123456+02:00",
          "2024-03-01T05:15:30.123456-05:00",
          "2024-03-01 10:15:30.123456Z",
          "2024-03-01T10:15:30.123456" // no zone: UTC
        }) {
      assertThat(values(withType("at", "TIMESTAMP_LTZ(6)", s)).get("at"))
          .as(s)
          .isEqualTo(TimestampData.fromInstant(instant));
    }
    // without Debezium's schema an epoch number has no known unit (Timestamp: ms, MicroTimestamp:
    // µs, NanoTimestamp: ns)
    assertThat(wrongType("at", "TIMESTAMP_LTZ(6)", instant.toEpochMilli()).getMessage())
        .contains("known only from Debezium's schema");
    wrongType("ts", "TIMESTAMP(6)", instant.toEpochMilli());

    LocalDateTime utc = LocalDateTime.parse("2024-03-01T10:15:30.123456");
    for (String s :
        new String[] {
          "2024-03-01T10:15:30.123456Z",
          "2024-03-01T12:15:30.123456+02:00",
          "2024-03-01T05:15:30.123456-05:00",
          "2024-03-01T10:15:30.123456",
          "2024-03-01 10:15:30.123456"
        }) {
      assertThat(values(withType("ts", "TIMESTAMP(6)", s)).get("ts"))
          .as(s)
          .isEqualTo(TimestampData.fromLocalDateTime(utc));
    }
    assertThat(values(withType("ts", "TIMESTAMP(6)", instant)).get("ts"))
        .isEqualTo(TimestampData.fromLocalDateTime(utc));
  }

  @Test
  void spaceSeparatedTimestampWithOffsetIntoTimestamp() throws Exception {
    assertThat(values(withType("ts", "TIMESTAMP(6)", "2024-03-01 12:15:30+02:00")).get("ts"))
        .isEqualTo(TimestampData.fromLocalDateTime(LocalDateTime.parse("2024-03-01T10:15:30")));
  }

  @Test
  void datesFromEpochDaysAndIsoText() throws Exception {
    assertThat(values(withType("d", "DATE", 19783)).get("d")).isEqualTo(19783);
    assertThat(values(withType("d", "DATE", 19783L)).get("d")).isEqualTo(19783);
    assertThat(values(withType("d", "DATE", -1)).get("d")).isEqualTo(-1);
    assertThat(values(withType("d", "DATE", "2024-03-01")).get("d")).isEqualTo(19783);
    assertThat(values(withType("d", "DATE", LocalDate.of(1970, 1, 1))).get("d")).isEqualTo(0);
    wrongType("d", "DATE", "01/03/2024");
    wrongType("d", "DATE", 1.5d);
  }

  @Test
  void integersAreExact() throws Exception {
    assertThat(values(withType("qty", "INT", 42L)).get("qty")).isEqualTo(42);
    // text and float tokens are not integers unless opted in (numbers-from-strings, text only)
    assertThat(wrongType("qty", "INT", "42").getMessage())
        .contains("format.lenient = numbers-from-strings");
    wrongType("qty", "INT", new BigDecimal("42.0"));
    wrongType("qty", "INT", new BigDecimal("1E+2"));
    assertThat(values(withType("qty", "BIGINT", 9007199254740993L)).get("qty"))
        .isEqualTo(9007199254740993L);
    ChangeDecodeException abc = wrongType("qty", "INT", "abc");
    assertThat(abc.getMessage()).contains("\"abc\"").contains("INT");
    wrongType("qty", "INT", 12.5d);
    wrongType("qty", "INT", 3_000_000_000L);
    wrongType("qty", "BIGINT", "1e30");
  }

  @Test
  void booleansStringsAndDoubles() throws Exception {
    assertThat(values(withType("f", "BOOLEAN", true)).get("f")).isEqualTo(true);
    assertThat(values(withType("f", "BOOLEAN", false)).get("f")).isEqualTo(false);
    for (Object v : new Object[] {"TRUE", "true", "false", "yes", 1, 0L}) {
      wrongType("f", "BOOLEAN", v);
    }
    // a string column holds strings only: not the text of a number, boolean or bytes
    for (Object v : new Object[] {new BigDecimal("1E+3"), 7L, true, new byte[] {1}}) {
      assertThat(wrongType("s", "STRING", v).getMessage()).contains("not a JSON string");
    }
    assertThat(values(withType("s", "VARCHAR(3)", "héllo wörld")).get("s"))
        .isEqualTo(StringData.fromString("héllo wörld")); // VARCHAR(n) is stored unbounded
    wrongType("x", "DOUBLE", "2.5");
    assertThat(values(withType("x", "DOUBLE", 3)).get("x")).isEqualTo(3.0d);
    wrongType("x", "DOUBLE", "two");
  }

  @Test
  void nothingIsRoundedOrNulledOnTheWayIn() throws Exception {
    // too many places, out of range, fractions in integers, text that is not a number
    wrongType("amount", "DECIMAL(12,2)", new BigDecimal("12.345"));
    wrongType("amount", "DECIMAL(12,2)", new BigDecimal("12345678901.00"));
    wrongType("amount", "DECIMAL(12,2)", new BigDecimal("1E+20"));
    long started = System.nanoTime();
    wrongType("amount", "DECIMAL(12,2)", new BigDecimal("1E+999999999"));
    wrongType("amount", "DECIMAL(12,2)", new BigDecimal("1E-999999999"));
    assertThat(System.nanoTime() - started)
        .as("refused without expanding")
        .isLessThan(1_000_000_000L);
    wrongType("qty", "INT", new BigDecimal("1.5"));
    wrongType("qty", "INT", "1.5");
    wrongType("qty", "BIGINT", new BigDecimal("0.1"));
    wrongType("qty", "INT", new BigDecimal("1E+10"));
    wrongType("qty", "INT", "twelve");
    // binary floating point: in range, not flushed to zero, integers kept exactly
    wrongType("x", "DOUBLE", new BigDecimal("1E+400"));
    wrongType("x", "DOUBLE", new BigDecimal("-1E+400"));
    wrongType("x", "DOUBLE", new BigDecimal("1E-400"));
    wrongType("x", "DOUBLE", "1e400");
    wrongType("x", "DOUBLE", "1d");
    wrongType("x", "DOUBLE", "0x1p3");
    wrongType("x", "DOUBLE", (1L << 53) + 1);
    assertThat(values(withType("x", "DOUBLE", 1L << 53)).get("x")).isEqualTo((double) (1L << 53));
    assertThat(values(withType("x", "DOUBLE", "NaN")).get("x")).isEqualTo(Double.NaN);
    assertThat(values(withType("x", "DOUBLE", "-Infinity")).get("x"))
        .isEqualTo(Double.NEGATIVE_INFINITY);
    wrongType("x", "FLOAT", new BigDecimal("1E+39"));
    wrongType("x", "FLOAT", 1e-50d);
    wrongType("x", "FLOAT", (1 << 24) + 1);
    assertThat(values(withType("x", "FLOAT", new BigDecimal("2.5"))).get("x")).isEqualTo(2.5f);
    // dates and times that do not exist, or finer than the column
    wrongType("d", "DATE", "2026-02-30");
    wrongType("d", "DATE", "2026-13-01");
    wrongType("at", "TIMESTAMP_LTZ(6)", "2026-02-30T00:00:00Z");
    wrongType("ts", "TIMESTAMP(6)", "2026-02-29 10:00:00");
    wrongType("at", "TIMESTAMP_LTZ(3)", "2024-03-01T10:15:30.123456789Z");
    wrongType("ts", "TIMESTAMP(6)", LocalDateTime.parse("2024-03-01T10:15:30.000000001"));
    wrongType("at", "TIMESTAMP_LTZ(6)", Instant.parse("2024-03-01T10:15:30.123456700Z"));
    wrongType("t", "TIME", "10:15:30.1234");
    wrongType("t", "TIME", java.time.LocalTime.parse("10:15:30.000001"));
    wrongType("t", "TIME", "24:00:00");
    assertThat(values(withType("t", "TIME", "10:15:30.123")).get("t")).isEqualTo(36930123);
    assertThat(
            values(withType("at", "TIMESTAMP_LTZ(6)", "2024-03-01T10:15:30.123456000Z")).get("at"))
        .isEqualTo(TimestampData.fromInstant(Instant.parse("2024-03-01T10:15:30.123456Z")));
    // a huge exponent stays short in the message
    assertThat(wrongType("s", "STRING", new BigDecimal("1E+999999999")).getMessage())
        .contains("1E+999999999 is not a valid STRING");
  }

  @Test
  void theLenientOptionsApplyToCdcAsToIngest() throws Exception {
    String types =
        "orders.q=INT; orders.x=DOUBLE; orders.a=DECIMAL(12,2);"
            + " orders.at=TIMESTAMP_LTZ(6); orders.ts=TIMESTAMP(6); orders.t=TIME";
    ChangeRows numbers =
        rows(EnumSet.of(FormatOptions.Lenient.NUMBERS_FROM_STRINGS), "cdc.column-types", types);
    ChangeRows round =
        rows(EnumSet.of(FormatOptions.Lenient.ROUND_DECIMALS), "cdc.column-types", types);
    ChangeRows cut =
        rows(EnumSet.of(FormatOptions.Lenient.TRUNCATE_TIMESTAMPS), "cdc.column-types", types);
    // numbers-from-strings: by the rules of a number token, nothing more
    assertThat(values(insert(numbers, image("id", 1L, "q", "12", "x", "2.5e0"))))
        .containsEntry("q", 12)
        .containsEntry("x", 2.5d);
    for (Object[] bad :
        new Object[][] {{"q", "1.5"}, {"q", " 12"}, {"q", "1e2"}, {"x", "1e400"}, {"x", "0x10"}}) {
      assertThat(
              decodeFailure(() -> insert(numbers, image("id", 1L, (String) bad[0], bad[1])))
                  .reason())
          .as("%s", bad[1])
          .isEqualTo("wrong-type");
    }
    // round-decimals: half-up, range still checked
    assertThat(
            ((DecimalData)
                    values(insert(round, image("id", 1L, "a", new BigDecimal("12.345")))).get("a"))
                .toBigDecimal())
        .isEqualTo(new BigDecimal("12.35"));
    assertThat(
            decodeFailure(
                    () -> insert(round, image("id", 1L, "a", new BigDecimal("12345678901.001"))))
                .reason())
        .isEqualTo("wrong-type");
    // truncate-timestamps: cut towards the past, to the column's precision
    Map<String, Object> v =
        values(
            insert(
                cut,
                image(
                    "id", 1L,
                    "at", "2024-03-01T10:15:30.123456789Z",
                    "ts", "2024-03-01T10:15:30.123456789",
                    "t", "10:15:30.1239")));
    assertThat(v.get("at"))
        .isEqualTo(TimestampData.fromInstant(Instant.parse("2024-03-01T10:15:30.123456Z")));
    assertThat(v.get("ts"))
        .isEqualTo(
            TimestampData.fromLocalDateTime(LocalDateTime.parse("2024-03-01T10:15:30.123456")));
    assertThat(v.get("t")).isEqualTo(36930123);
    // none of them makes another conversion
    assertThat(decodeFailure(() -> insert(round, image("id", 1L, "q", "12"))).reason())
        .isEqualTo("wrong-type");
    assertThat(
            decodeFailure(() -> insert(numbers, image("id", 1L, "a", new BigDecimal("12.345"))))
                .reason())
        .isEqualTo("wrong-type");
  }

  // ---------------------------------------------------------------- the key string

  @Test
  void keyStringIdentifiesTableAndKeyValues() throws Exception {
    ChangeRows rows = rows();
    String k1 = insert(rows, image("id", 1L, "n", "a")).key;
    String k1Again = insert(rows, image("id", 1L, "n", "other")).key;
    String k2 = insert(rows, image("id", 2L, "n", "a")).key;
    String k1Delete =
        single(rows.convert(event(Op.DELETE, image("id", 1L, "n", "a"), null), BY_ID, "")).key;
    ChangeEvent otherTable =
        new ChangeEvent(
            Op.INSERT,
            new TableId("shop", "public", "customers"),
            null,
            image("id", 1L),
            List.of(),
            POS,
            -1L);
    String otherTableKey = single(rows.convert(otherTable, BY_ID, "")).key;

    assertThat(k1).isEqualTo(k1Again).isEqualTo(k1Delete);
    assertThat(k1).isNotEqualTo(k2);
    assertThat(k1).isNotEqualTo(otherTableKey);
    assertThat(k1).startsWith("shop.public_orders");
    assertThat(otherTableKey).startsWith("shop.public_customers");
  }

  @Test
  void compositeKeyStringsDifferWhenAnyValueDiffers() throws Exception {
    ChangeRows rows = rows("cdc.primary-keys", "orders=a,b");
    List<String> keys = new ArrayList<>();
    keys.add(insert(rows, image("a", "x", "b", "y")).key);
    keys.add(insert(rows, image("a", "x", "b", "z")).key);
    keys.add(insert(rows, image("a", "xy", "b", "")).key);
    keys.add(insert(rows, image("a", "", "b", "xy")).key);
    keys.add(insert(rows, image("a", "y", "b", "x")).key);
    assertThat(keys).doesNotHaveDuplicates();
    assertThat(insert(rows, image("a", "x", "b", "y", "c", 1)).key).isEqualTo(keys.get(0));
  }

  @Test
  void compositeKeyStringsDoNotCollideOnTheSeparator() throws Exception {
    ChangeRows rows = rows("cdc.primary-keys", "orders=a,b");
    String k1 = insert(rows, image("a", "x\u0001y", "b", "z")).key;
    String k2 = insert(rows, image("a", "x", "b", "y\u0001z")).key;
    assertThat(k1).isNotEqualTo(k2);
  }
}
