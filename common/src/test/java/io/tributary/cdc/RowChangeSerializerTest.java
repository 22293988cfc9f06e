package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.cdc.ChangeEvent.Op;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

class RowChangeSerializerTest {

  static RowType rowType(Object... nameAndType) {
    List<RowType.RowField> fields = new ArrayList<>();
    for (int i = 0; i < nameAndType.length; i += 2) {
      fields.add(new RowType.RowField((String) nameAndType[i], (LogicalType) nameAndType[i + 1]));
    }
    return new RowType(fields);
  }

  static RowChange change(
      String table,
      String key,
      RowKind kind,
      long[] position,
      String[] keyColumns,
      RowType type,
      String origin,
      Object... values) {
    GenericRowData row = GenericRowData.ofKind(kind, values);
    return new RowChange(table, key, kind, position, keyColumns, type, row, origin);
  }

  static final RowType ALL_TYPES =
      rowType(
          "id", new BigIntType(false),
          "i", new IntType(),
          "s", new VarCharType(VarCharType.MAX_LENGTH),
          "small_dec", new DecimalType(12, 2),
          "big_dec", new DecimalType(38, 10),
          "d", new DoubleType(),
          "f", new FloatType(),
          "b", new BooleanType(),
          "day", new DateType(),
          "t", new TimeType(),
          "ts", new TimestampType(6),
          "ltz", new LocalZonedTimestampType(6),
          "bin", new VarBinaryType(VarBinaryType.MAX_LENGTH),
          "gone", new VarCharType(VarCharType.MAX_LENGTH));

  static RowChange allTypes(RowKind kind) {
    return change(
        "sales.orders",
        "sales.orders\u00017",
        kind,
        new long[] {3L, 2443L, -1L, Long.MAX_VALUE},
        new String[] {"id"},
        ALL_TYPES,
        "kafka:orders/2@9001",
        7L,
        -42,
        StringData.fromString("Grüße, 世界 🚀 \u0000 end"),
        DecimalData.fromBigDecimal(new BigDecimal("-1234567890.12"), 12, 2),
        DecimalData.fromBigDecimal(
            new BigDecimal("1234567890123456789012345678.0123456789"), 38, 10),
        Double.NaN,
        1.5f,
        true,
        (int) LocalDate.of(2024, 2, 29).toEpochDay(),
        (int) (LocalTime.of(23, 59, 58, 999_000_000).toNanoOfDay() / 1_000_000L),
        TimestampData.fromLocalDateTime(LocalDateTime.parse("2024-02-29T23:59:58.123456")),
        TimestampData.fromInstant(Instant.parse("1969-12-31T23:59:59.999999Z")),
        new byte[] {0, -1, 127, -128},
        null);
  }

  static RowChange composite() {
    return change(
        "crm.naïve_table",
        "crm.naïve_table\u0001acme\u00011",
        RowKind.DELETE,
        new long[] {5L},
        new String[] {"tenant `name`", "nr"},
        rowType(
            "tenant `name`",
            new VarCharType(false, VarCharType.MAX_LENGTH),
            "nr",
            new IntType(false)),
        "kinesis:stream/shardId-0@495",
        StringData.fromString("acme"),
        1);
  }

  static RowChange noPosition() {
    return change(
        "t.u",
        "t.u\u0001",
        RowKind.UPDATE_AFTER,
        new long[0],
        new String[] {"k"},
        rowType("k", new VarCharType(false, VarCharType.MAX_LENGTH), "v", new DoubleType()),
        "",
        StringData.fromString(""),
        null);
  }

  static byte[] write(TypeSerializer<RowChange> s, List<RowChange> changes) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    for (RowChange c : changes) {
      s.serialize(c, out);
    }
    return out.getCopyOfBuffer();
  }

  static List<RowChange> read(TypeSerializer<RowChange> s, byte[] bytes, int count)
      throws Exception {
    DataInputDeserializer in = new DataInputDeserializer(bytes);
    List<RowChange> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(i % 2 == 0 ? s.deserialize(in) : s.deserialize(null, in));
    }
    assertThat(in.available()).as("every byte read").isZero();
    return out;
  }

  /** Each field of a row read with its type; byte arrays as lists so they compare by value. */
  static List<Object> fields(RowType type, RowData row) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < type.getFieldCount(); i++) {
      Object v = RowData.createFieldGetter(type.getTypeAt(i), i).getFieldOrNull(row);
      if (v instanceof byte[]) {
        byte[] b = (byte[]) v;
        List<Byte> bytes = new ArrayList<>();
        for (byte x : b) {
          bytes.add(x);
        }
        v = bytes;
      }
      out.add(v);
    }
    return out;
  }

  static void assertSame(RowChange actual, RowChange expected) {
    assertThat(actual.table).isEqualTo(expected.table);
    assertThat(actual.key).isEqualTo(expected.key);
    assertThat(actual.kind).isEqualTo(expected.kind);
    assertThat(actual.row.getRowKind()).isEqualTo(expected.kind);
    assertThat(actual.position).containsExactly(expected.position);
    assertThat(actual.keyColumns).containsExactly(expected.keyColumns);
    assertThat(actual.type).isEqualTo(expected.type);
    assertThat(actual.origin).isEqualTo(expected.origin);
    assertThat(actual.row.getArity()).isEqualTo(expected.type.getFieldCount());
    assertThat(fields(actual.type, actual.row)).isEqualTo(fields(expected.type, expected.row));
  }

  @Test
  void roundTripsEveryTypeKindAndNull() throws Exception {
    List<RowChange> changes = new ArrayList<>();
    for (RowKind kind : RowKind.values()) {
      changes.add(allTypes(kind));
      changes.add(composite());
    }
    changes.add(noPosition());
    RowChangeSerializer s = new RowChangeSerializer();
    List<RowChange> back = read(s, write(s, changes), changes.size());
    for (int i = 0; i < changes.size(); i++) {
      assertSame(back.get(i), changes.get(i));
    }

    RowChange all = back.get(2 * RowKind.UPDATE_BEFORE.ordinal());
    assertThat(all.row.getRowKind()).isEqualTo(RowKind.UPDATE_BEFORE);
    assertThat(all.row.getString(2).toString()).isEqualTo("Grüße, 世界 🚀 \u0000 end");
    assertThat(all.row.getDecimal(3, 12, 2).toBigDecimal())
        .isEqualTo(new BigDecimal("-1234567890.12"));
    assertThat(all.row.getDecimal(4, 38, 10).toBigDecimal())
        .isEqualTo(new BigDecimal("1234567890123456789012345678.0123456789"));
    assertThat(all.row.getDouble(5)).isNaN();
    assertThat(all.row.getTimestamp(10, 6).toLocalDateTime())
        .isEqualTo(LocalDateTime.parse("2024-02-29T23:59:58.123456"));
    assertThat(all.row.getTimestamp(11, 6).toInstant())
        .isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
    assertThat(all.row.getBinary(12)).containsExactly(0, -1, 127, -128);
    assertThat(all.row.isNullAt(13)).isTrue();
    assertThat(all.row.isNullAt(12)).isFalse();
    assertThat(back.get(back.size() - 1).row.isNullAt(1)).isTrue();
    assertThat(back.get(back.size() - 1).position).isEmpty();
  }

  @Test
  void roundTripsWhatChangeRowsProduces() throws Exception {
    ChangeRows rows =
        ChangeRowsTest.rows(
            "cdc.column-types",
            "orders.amount=DECIMAL(10,2); orders.at=TIMESTAMP_LTZ(6); orders.raw=BYTES",
            "cdc.primary-keys",
            "orders=id");
    List<RowChange> changes = new ArrayList<>();
    changes.addAll(
        rows.convert(
            ChangeRowsTest.event(
                Op.UPDATE,
                ChangeRowsTest.image("id", 1L, "amount", "1.00"),
                ChangeRowsTest.image(
                    "id",
                    2L,
                    "amount",
                    "12.50",
                    "at",
                    "2024-03-01T10:15:30.5Z",
                    "raw",
                    "AP9/gA==",
                    "note",
                    "ünïcødé",
                    "when",
                    LocalDateTime.parse("2024-03-01T10:15:30"),
                    "day",
                    LocalDate.of(2024, 3, 1),
                    "n",
                    null)),
            List.of(),
            "kafka:t/0@1"));
    assertThat(changes).hasSize(2);
    RowChangeSerializer s = new RowChangeSerializer();
    List<RowChange> back = read(s, write(s, changes), changes.size());
    assertSame(back.get(0), changes.get(0));
    assertSame(back.get(1), changes.get(1));
    assertThat(back.get(0).row.getRowKind()).isEqualTo(RowKind.DELETE);
    assertThat(back.get(1).row.getRowKind()).isEqualTo(RowKind.INSERT);
    assertThat(back.get(1).type.getFieldNames())
        .containsExactly("id", "amount", "at", "raw", "note", "when", "day");
    assertThat(back.get(1).row.getDecimal(1, 10, 2).toBigDecimal())
        .isEqualTo(new BigDecimal("12.50"));
    assertThat(back.get(1).row.getBinary(3)).containsExactly(0, -1, 127, -128);
    assertThat(back.get(1).type.getTypeAt(0).isNullable()).isFalse();
    assertThat(back.get(1).type.getTypeAt(1).isNullable()).isTrue();
  }

  @Test
  void duplicateIsAnIndependentWorkingInstance() throws Exception {
    RowChangeSerializer s = new RowChangeSerializer();
    List<RowChange> changes = List.of(allTypes(RowKind.INSERT), composite(), noPosition());
    byte[] bytes = write(s, changes);

    TypeSerializer<RowChange> d = s.duplicate();
    assertThat(d).isNotSameAs(s).isInstanceOf(RowChangeSerializer.class).isEqualTo(s);
    assertThat(d.hashCode()).isEqualTo(s.hashCode());
    // a fresh duplicate reads what the original wrote, and writes the same bytes
    List<RowChange> back = read(d, bytes, changes.size());
    for (int i = 0; i < changes.size(); i++) {
      assertSame(back.get(i), changes.get(i));
    }
    assertThat(write(d, changes)).isEqualTo(bytes);
    // and the original still works after the duplicate was used
    assertThat(write(s, changes)).isEqualTo(bytes);
    assertSame(read(s, bytes, changes.size()).get(1), changes.get(1));
  }

  @Test
  void duplicatesWorkConcurrently() throws Exception {
    RowChangeSerializer s = new RowChangeSerializer();
    List<RowChange> changes = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      changes.add(
          change(
              "t.x" + i,
              "k" + i,
              RowKind.INSERT,
              new long[] {i},
              new String[] {"c" + i},
              rowType("c" + i, new BigIntType(false)),
              "o",
              (long) i));
    }
    byte[] bytes = write(s, changes);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 4; t++) {
      TypeSerializer<RowChange> d = s.duplicate();
      Thread thread =
          new Thread(
              () -> {
                try {
                  for (int r = 0; r < 20; r++) {
                    List<RowChange> back = read(d, bytes, changes.size());
                    for (int i = 0; i < changes.size(); i++) {
                      assertSame(back.get(i), changes.get(i));
                    }
                    assertThat(write(d, back)).isEqualTo(bytes);
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void manyDistinctRowTypesOutgrowTheCacheAndStillRoundTrip() throws Exception {
    List<RowChange> changes = new ArrayList<>();
    for (int i = 0; i < 1100; i++) {
      changes.add(
          change(
              "t.x",
              "t.x\u0001" + i,
              RowKind.INSERT,
              new long[] {i},
              new String[] {"id"},
              rowType(
                  "id", new IntType(false), "col_" + i, new VarCharType(VarCharType.MAX_LENGTH)),
              "o",
              i,
              StringData.fromString("v" + i)));
    }
    RowChangeSerializer s = new RowChangeSerializer();
    byte[] bytes = write(s, changes);
    List<RowChange> back = read(s, bytes, changes.size());
    for (int i = 0; i < changes.size(); i++) {
      assertSame(back.get(i), changes.get(i));
    }
    assertThat(back.get(1099).type.getFieldNames()).containsExactly("id", "col_1099");
  }

  @Test
  void copyThroughViewsKeepsTheBytes() throws Exception {
    RowChangeSerializer s = new RowChangeSerializer();
    byte[] bytes = write(s, List.of(allTypes(RowKind.DELETE)));
    DataOutputSerializer out = new DataOutputSerializer(64);
    s.copy(new DataInputDeserializer(bytes), out);
    assertThat(out.getCopyOfBuffer()).isEqualTo(bytes);
    RowChange c = composite();
    assertThat(s.copy(c)).isSameAs(c);
    assertThat(s.getLength()).isEqualTo(-1);
  }

  @Test
  void snapshotRestoresAWorkingCompatibleSerializer() throws Exception {
    RowChangeSerializer s = new RowChangeSerializer();
    TypeSerializerSnapshot<RowChange> snapshot = s.snapshotConfiguration();

    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    TypeSerializerSnapshot<RowChange> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
    assertThat(read).isInstanceOf(RowChangeSerializer.Snapshot.class);

    for (TypeSerializerSnapshot<RowChange> snap : Arrays.asList(snapshot, read)) {
      TypeSerializer<RowChange> restored = snap.restoreSerializer();
      assertThat(restored).isInstanceOf(RowChangeSerializer.class).isNotSameAs(s);
      List<RowChange> changes = List.of(allTypes(RowKind.UPDATE_AFTER), composite());
      byte[] bytes = write(s, changes);
      List<RowChange> back = read(restored, bytes, changes.size());
      assertSame(back.get(0), changes.get(0));
      assertSame(back.get(1), changes.get(1));
      assertThat(
              new RowChangeSerializer()
                  .snapshotConfiguration()
                  .resolveSchemaCompatibility(snap)
                  .isCompatibleAsIs())
          .isTrue();
    }
  }

  @Test
  void typeInformationCreatesThisSerializer() {
    assertThat(
            RowChangeType.INSTANCE.createSerializer(
                new org.apache.flink.api.common.serialization.SerializerConfigImpl()))
        .isInstanceOf(RowChangeSerializer.class);
  }

  /** Each field as the serializer wrote it before {@link RepeatedString}: StringValue's format. */
  private static void writeFieldByField(RowChange c, DataOutputSerializer out) throws Exception {
    org.apache.flink.types.StringValue.writeString(c.table, out);
    org.apache.flink.types.StringValue.writeString(c.key, out);
    out.writeByte(c.kind.toByteValue());
    out.writeByte(c.position.length);
    for (long p : c.position) {
      out.writeLong(p);
    }
    out.writeByte(c.keyColumns.length);
    for (String k : c.keyColumns) {
      org.apache.flink.types.StringValue.writeString(k, out);
    }
    org.apache.flink.types.StringValue.writeString(c.type.asSerializableString(), out);
    new org.apache.flink.table.runtime.typeutils.RowDataSerializer(c.type).serialize(c.row, out);
    org.apache.flink.types.StringValue.writeString(c.origin, out);
  }

  @Test
  void writesTheBytesOfEarlierVersionsSoSavepointsAndPeersStayCompatible() throws Exception {
    List<RowChange> changes =
        List.of(
            allTypes(RowKind.INSERT),
            allTypes(RowKind.UPDATE_AFTER),
            composite(),
            allTypes(RowKind.DELETE),
            noPosition(),
            noPosition());
    DataOutputSerializer expected = new DataOutputSerializer(256);
    for (RowChange c : changes) {
      writeFieldByField(c, expected);
    }
    byte[] bytes = write(new RowChangeSerializer(), changes);
    assertThat(bytes).isEqualTo(expected.getCopyOfBuffer());
    // and reads them back: repeated tables and types come back as one instance
    DataInputDeserializer in = new DataInputDeserializer(bytes);
    RowChangeSerializer s = new RowChangeSerializer();
    RowChange first = s.deserialize(in);
    RowChange second = s.deserialize(in);
    assertThat(second.table).isSameAs(first.table).isEqualTo("sales.orders");
    assertThat(second.type).isSameAs(first.type).isEqualTo(ALL_TYPES);
    assertThat(second.origin).isSameAs(first.origin);
    RowChange third = s.deserialize(in);
    assertThat(third.table).isEqualTo("crm.naïve_table");
    assertThat(third.keyColumns).containsExactly("tenant `name`", "nr");
    assertThat(s.deserialize(in).table).isEqualTo("sales.orders");
    assertThat(s.deserialize(in).origin).isEmpty();
    assertThat(s.deserialize(in).key).isEqualTo("t.u\u0001");
    assertThat(in.available()).isZero();
  }
}
