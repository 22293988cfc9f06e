package io.tributary.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.format.AvroFrames;
import io.tributary.format.FakeRegistry;
import io.tributary.testing.DebeziumAvroEvents;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Debezium's Avro converter envelope into the change model Debezium JSON feeds. */
class DebeziumAvroTest {
  static final Schema V1 = DebeziumAvroEvents.envelope("customers", false);
  static final Schema V2 = DebeziumAvroEvents.envelope("customers", true);
  static final Schema KEY = DebeziumAvroEvents.key("customers");

  private AvroFrames frames;

  @BeforeEach
  void setUp() {
    FakeRegistry.reset();
    FakeRegistry.SCHEMAS.put(1, V1.toString());
    FakeRegistry.SCHEMAS.put(2, V2.toString());
    FakeRegistry.SCHEMAS.put(3, KEY.toString());
    frames = new AvroFrames(new FakeRegistry(2));
    frames.open();
  }

  @Test
  void anInsertWithDebeziumsSemanticTypes() throws Exception {
    byte[] value =
        FakeRegistry.confluent(
            1,
            DebeziumAvroEvents.change(
                V1,
                "customers",
                "c",
                null,
                DebeziumAvroEvents.row(
                    V1, 7, "Ann", "12.50", LocalDate.of(1990, 5, 17), 1_764_000_000_123_456L, null),
                4242));
    ChangeEvent e = DebeziumAvro.decode(frames, value, CdcOptions.Position.LOG);
    assertThat(e.op()).isEqualTo(ChangeEvent.Op.INSERT);
    assertThat(e.table()).isEqualTo(new TableId("inventory", "public", "customers"));
    assertThat(e.position()).containsExactly(4242L);
    assertThat(e.before()).isNull();
    assertThat(e.after())
        .containsExactly(
            Map.entry("id", 7),
            Map.entry("name", "Ann"),
            Map.entry("balance", new BigDecimal("12.50")),
            Map.entry("born", LocalDate.of(1990, 5, 17)),
            Map.entry("updated", LocalDateTime.parse("2025-11-24T16:00:00.123456")));
    assertThat(e.types().get("balance").toString()).isEqualTo("DECIMAL(10, 2)");
    assertThat(e.types().get("born").toString()).isEqualTo("DATE");
    assertThat(e.types().get("updated").toString()).isEqualTo("TIMESTAMP(6)");
    assertThat(e.types().get("id").toString()).isEqualTo("INT NOT NULL");
    assertThat(e.types().get("name").toString()).isEqualTo("STRING");
    byte[] key = FakeRegistry.confluent(3, DebeziumAvroEvents.keyOf(KEY, 7));
    assertThat(DebeziumAvro.keyColumns(frames, key)).isEqualTo(List.of("id"));
  }

  @Test
  void aDeleteAndANewColumnAndTombstones() throws Exception {
    var before = DebeziumAvroEvents.row(V2, 7, "Ann", null, null, null, "ann@example.com");
    ChangeEvent d =
        DebeziumAvro.decode(
            frames,
            FakeRegistry.confluent(
                2, DebeziumAvroEvents.change(V2, "customers", "d", before, null, 5000)),
            CdcOptions.Position.LOG);
    assertThat(d.op()).isEqualTo(ChangeEvent.Op.DELETE);
    assertThat(d.before()).containsEntry("email", "ann@example.com");
    assertThat(d.types().get("email").toString()).isEqualTo("STRING");
    assertThat(DebeziumAvro.decode(frames, null, CdcOptions.Position.LOG)).isNull();
  }

  @Test
  void refusalsNameTheirReason() {
    byte[] ok =
        FakeRegistry.confluent(
            1,
            DebeziumAvroEvents.change(
                V1,
                "customers",
                "u",
                null,
                DebeziumAvroEvents.row(V1, 1, "A", null, null, null, null),
                1));
    byte[] unknown = ok.clone();
    unknown[4] = 9;
    assertThatThrownBy(() -> DebeziumAvro.decode(frames, unknown, CdcOptions.Position.LOG))
        .isInstanceOf(ChangeDecodeException.class)
        .hasMessageContaining("schema id 9")
        .matches(e -> ((ChangeDecodeException) e).reason().equals("unknown-schema"));
    byte[] cut = Arrays.copyOf(ok, ok.length - 2);
    assertThatThrownBy(() -> DebeziumAvro.decode(frames, cut, CdcOptions.Position.LOG))
        .matches(e -> ((ChangeDecodeException) e).reason().equals("malformed-avro"))
        .hasMessageContaining("schema id 1");
    byte[] noAfter =
        FakeRegistry.confluent(1, DebeziumAvroEvents.change(V1, "customers", "c", null, null, 2));
    assertThatThrownBy(() -> DebeziumAvro.decode(frames, noAfter, CdcOptions.Position.LOG))
        .matches(e -> ((ChangeDecodeException) e).reason().equals("missing-after"));
    byte[] badOp =
        FakeRegistry.confluent(
            1,
            DebeziumAvroEvents.change(
                V1,
                "customers",
                "x",
                null,
                DebeziumAvroEvents.row(V1, 1, "A", null, null, null, null),
                3));
    assertThatThrownBy(() -> DebeziumAvro.decode(frames, badOp, CdcOptions.Position.LOG))
        .matches(e -> ((ChangeDecodeException) e).reason().equals("unknown-op"));
  }

  /**
   * Debezium Server writes Avro values with JSON keys (on Kinesis, the key's text is the partition
   * key): the key columns come from the JSON object; a null component is a missing key, and a key
   * that is neither framed Avro nor JSON names none (cdc.primary-keys must then name them).
   */
  @Test
  void aJsonMessageKeyNamesTheKeyColumns() throws Exception {
    byte[] json = "{\"id\":7,\"region\":\"eu\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(DebeziumAvro.keyColumns(frames, json)).isEqualTo(List.of("id", "region"));
    byte[] nullPart = "{\"id\":null}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> DebeziumAvro.keyColumns(frames, nullPart))
        .matches(e -> ((ChangeDecodeException) e).reason().equals("missing-key"))
        .hasMessageContaining("'id' is null");
    byte[] opaque = "customers-7".getBytes(StandardCharsets.UTF_8);
    assertThat(DebeziumAvro.keyColumns(frames, opaque)).isEmpty();
  }
}
