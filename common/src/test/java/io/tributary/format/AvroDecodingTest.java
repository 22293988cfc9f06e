package io.tributary.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import io.tributary.source.RawRecord;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.zip.Deflater;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry wire formats and Avro's strict mapping, against an in-memory registry. */
class AvroDecodingTest {
  static final long NOW = Instant.parse("2026-11-25T12:00:00Z").toEpochMilli();
  static final Schema V1 =
      FakeRegistry.parse(
          "{\"type\":\"record\",\"name\":\"Order\",\"fields\":["
              + "{\"name\":\"id\",\"type\":\"string\"},"
              + "{\"name\":\"qty\",\"type\":\"int\"},"
              + "{\"name\":\"amount\",\"type\":[\"null\",{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}],\"default\":null},"
              + "{\"name\":\"status\",\"type\":{\"type\":\"enum\",\"name\":\"Status\",\"symbols\":[\"NEW\",\"PAID\"]}},"
              + "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}");

  /** V1 plus an optional field: what a producer registers mid-stream. */
  static final Schema V2 =
      FakeRegistry.parse(
          withField(V1, "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}"));

  /** The record schema with one more field at the end. */
  static String withField(Schema record, String field) {
    String s = record.toString();
    int end = s.lastIndexOf("]}");
    return s.substring(0, end) + "," + field + s.substring(end);
  }

  private final List<DeadLetter> dead = new ArrayList<>();
  private JsonEventDecoder decoder;

  @BeforeEach
  void setUp() {
    FakeRegistry.reset();
    FakeRegistry.SCHEMAS.put(1, V1.toString());
    FakeRegistry.SCHEMAS.put(2, V2.toString());
    FakeRegistry.SUBJECTS.put("orders-value", V1.toString());
    EventSchema schema =
        EventSchema.fromConfig(
            Configs.of(
                    "format.type", "avro-confluent",
                    "format.registry.url", "http://unused",
                    "format.registry.subject", "orders-value",
                    "format.event-time.field", "ts",
                    "format.event-time.max-past", "30 d")
                .group(FormatOptions.GROUP),
            new FakeRegistry(3));
    decoder = schema.decoder("test");
    decoder.open();
  }

  static GenericRecord order(Schema s, String id, int qty, String amount, String status, long ts) {
    GenericRecord r = new GenericData.Record(s);
    r.put("id", id);
    r.put("qty", qty);
    r.put(
        "amount",
        amount == null
            ? null
            : ByteBuffer.wrap(new BigDecimal(amount).unscaledValue().toByteArray()));
    r.put("status", new GenericData.EnumSymbol(s.getField("status").schema(), status));
    r.put("ts", ts);
    return r;
  }

  private RowData decode(byte[] value) {
    return decoder.decode(
        new RawRecord("kafka", "orders", "0", "7", 1000L, null, value), NOW, dead::add);
  }

  private DeadLetter rejected(byte[] value) {
    dead.clear();
    assertThat(decode(value)).isNull();
    assertThat(dead).hasSize(1);
    return dead.get(0);
  }

  @Test
  void theTableSchemaIsTheSubjectsLatestMappedExactly() {
    RowType t = AvroRows.rowType(V1);
    assertThat(t.toString())
        .isEqualTo(
            "ROW<`id` STRING NOT NULL, `qty` INT NOT NULL, `amount` DECIMAL(10, 2),"
                + " `status` STRING NOT NULL, `ts` TIMESTAMP_LTZ(3) NOT NULL>");
  }

  @Test
  void everyMappedTypeAndEveryRefusal() {
    String all =
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
            + "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"l\",\"type\":\"long\"},"
            + "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
            + "{\"name\":\"by\",\"type\":\"bytes\"},"
            + "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}},"
            + "{\"name\":\"dt\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
            + "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
            + "{\"name\":\"tu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
            + "{\"name\":\"lt\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
            + "{\"name\":\"u\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
            + "{\"name\":\"n\",\"type\":[\"long\",\"null\"]}]}";
    assertThat(AvroRows.rowType(FakeRegistry.parse(all)).toString())
        .isEqualTo(
            "ROW<`b` BOOLEAN NOT NULL, `l` BIGINT NOT NULL, `f` FLOAT NOT NULL, `d` DOUBLE NOT NULL,"
                + " `by` BYTES NOT NULL, `fx` BINARY(4) NOT NULL, `dt` DATE NOT NULL,"
                + " `tm` TIME(3) NOT NULL, `tu` TIMESTAMP_LTZ(6) NOT NULL,"
                + " `lt` TIMESTAMP(6) NOT NULL, `u` STRING NOT NULL, `n` BIGINT>");
    for (String refused :
        List.of(
            "[\"null\",\"int\",\"string\"]",
            "[\"int\",\"string\"]",
            "{\"type\":\"array\",\"items\":\"int\"}",
            "{\"type\":\"map\",\"values\":\"int\"}",
            "{\"type\":\"long\",\"logicalType\":\"time-micros\"}",
            "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":40,\"scale\":2}",
            "{\"type\":\"record\",\"name\":\"In\",\"fields\":[]}")) {
      Schema s =
          FakeRegistry.parse(
              "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":"
                  + refused
                  + "}]}");
      assertThatThrownBy(() -> AvroRows.rowType(s))
          .as(refused)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("field 'x' has Avro type");
    }
  }

  @Test
  void decodesARecordFieldByField() {
    long ts = NOW - 60_000;
    RowData row = decode(FakeRegistry.confluent(1, order(V1, "o1", 3, "12.50", "PAID", ts)));
    assertThat(dead).isEmpty();
    assertThat(row.getString(0).toString()).isEqualTo("o1");
    assertThat(row.getInt(1)).isEqualTo(3);
    assertThat(row.getDecimal(2, 10, 2).toBigDecimal()).isEqualTo(new BigDecimal("12.50"));
    assertThat(row.getString(3).toString()).isEqualTo("PAID");
    assertThat(row.getTimestamp(4, 3).getMillisecond()).isEqualTo(ts);
  }

  @Test
  void aNewerWriterSchemaWithAnOptionalFieldIsReadAsTheTablesSchema() {
    GenericRecord r = order(V2, "o2", 1, null, "NEW", NOW);
    r.put("note", "gift");
    RowData row = decode(FakeRegistry.confluent(2, r));
    assertThat(dead).isEmpty();
    assertThat(row.getArity()).isEqualTo(5);
    assertThat(row.isNullAt(2)).isTrue();
    assertThat(row.getString(0).toString()).isEqualTo("o2");
  }

  @Test
  void schemasAreFetchedOnceAndTransientFailuresRetried() {
    FakeRegistry.FAILURES.set(2);
    for (int i = 0; i < 5; i++) {
      assertThat(decode(FakeRegistry.confluent(1, order(V1, "o" + i, i, "1.00", "NEW", NOW))))
          .isNotNull();
    }
    assertThat(FakeRegistry.REQUESTS.get()).isEqualTo(3); // two failures, one success, then cached
    assertThat(dead).isEmpty();
  }

  @Test
  void anUnreachableRegistryFailsTheJobAfterItsAttempts() {
    FakeRegistry.FAILURES.set(100);
    byte[] record = FakeRegistry.confluent(1, order(V1, "o", 1, "1.00", "NEW", NOW));
    assertThatThrownBy(() -> decode(record))
        .isInstanceOf(SchemaRegistry.Unavailable.class)
        .hasMessageContaining("schema id 1 after 3 attempts");
    assertThat(FakeRegistry.REQUESTS.get()).isEqualTo(3);
  }

  @Test
  void anUnknownSchemaIdIsADeadLetterNamingIt() {
    DeadLetter d = rejected(FakeRegistry.confluent(99, order(V1, "o", 1, "1.00", "NEW", NOW)));
    assertThat(d.reason).isEqualTo("unknown-schema");
    assertThat(d.errorMessage).contains("schema id 99");
  }

  @Test
  void aBodyThatDoesNotMatchItsSchemaIsMalformedAvroNamingTheSchema() {
    byte[] ok = FakeRegistry.confluent(1, order(V1, "o", 1, "1.00", "NEW", NOW));
    DeadLetter truncated = rejected(Arrays.copyOf(ok, ok.length - 3));
    assertThat(truncated.reason).isEqualTo("malformed-avro");
    assertThat(truncated.errorMessage).contains("ends early").contains("schema id 1");
    byte[] longer = Arrays.copyOf(ok, ok.length + 1);
    DeadLetter extra = rejected(longer);
    assertThat(extra.reason).isEqualTo("malformed-avro");
    assertThat(extra.errorMessage).contains("left over").contains("schema id 1");
    // the same bytes framed with id 2: V2 expects one more field
    byte[] other = ok.clone();
    other[4] = 2;
    assertThat(rejected(other).reason).isEqualTo("malformed-avro");
  }

  @Test
  void notTheWireFormatIsMalformedAvro() {
    DeadLetter json = rejected("{\"id\":1}".getBytes(StandardCharsets.UTF_8));
    assertThat(json.reason).isEqualTo("malformed-avro");
    assertThat(json.errorMessage).contains("first byte is 0x7b");
    assertThat(rejected(new byte[] {0, 0, 1}).errorMessage).contains("shorter than");
  }

  @Test
  void aWriterSchemaReadableOnlyByALossyConversionIsASchemaMismatch() {
    // qty as a long: reading it as the table's int could overflow
    FakeRegistry.SCHEMAS.put(
        3,
        V1.toString()
            .replace(
                "{\"name\":\"qty\",\"type\":\"int\"}", "{\"name\":\"qty\",\"type\":\"long\"}"));
    // amount with another scale: the same bytes would mean another number
    FakeRegistry.SCHEMAS.put(4, V1.toString().replace("\"scale\":2", "\"scale\":3"));
    Schema v3 = FakeRegistry.parse(FakeRegistry.SCHEMAS.get(3));
    GenericRecord r = new GenericData.Record(v3);
    for (Schema.Field f : V1.getFields()) {
      r.put(f.name(), order(V1, "o", 1, "1.00", "NEW", NOW).get(f.name()));
    }
    r.put("qty", 1L);
    r.put("status", new GenericData.EnumSymbol(v3.getField("status").schema(), "NEW"));
    DeadLetter d = rejected(FakeRegistry.confluent(3, r));
    assertThat(d.reason).isEqualTo("schema-mismatch");
    assertThat(d.errorMessage)
        .isEqualTo(
            "the record's schema id 3 cannot be read as the table's schema: field 'qty' is long in"
                + " the writer's schema, int in the table's: not an exact conversion");
    DeadLetter scale = rejected(FakeRegistry.confluent(4, order(V1, "o", 1, "1.00", "NEW", NOW)));
    assertThat(scale.reason).isEqualTo("schema-mismatch");
    assertThat(scale.errorMessage).contains("schema id 4").contains("'amount'");
  }

  @Test
  void invalidUtf8InAStringIsRefused() {
    byte[] ok = FakeRegistry.confluent(1, order(V1, "oo", 1, null, "NEW", NOW));
    // the string "oo" is its length (zig-zag 4) then 'o', 'o' right after the 5-byte header
    assertThat(ok[5]).isEqualTo((byte) 4);
    ok[6] = (byte) 0xC3;
    ok[7] = (byte) 0x28;
    assertThat(rejected(ok).reason).isEqualTo("invalid-utf8");
  }

  @Test
  void aDecimalWiderThanItsColumnIsWrongType() {
    DeadLetter d =
        rejected(FakeRegistry.confluent(1, order(V1, "o", 1, "123456789.00", "NEW", NOW)));
    assertThat(d.reason).isEqualTo("wrong-type");
    assertThat(d.errorMessage).contains("123456789.00 does not fit DECIMAL(10, 2)");
  }

  @Test
  void startUpRefusesASchemaWithoutAnExactMappingAndADeclaredSchema() {
    FakeRegistry.SUBJECTS.put(
        "bad-value",
        "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}");
    assertThatThrownBy(
            () ->
                EventSchema.fromConfig(
                    Configs.of(
                            "format.type", "avro-confluent",
                            "format.registry.url", "http://unused",
                            "format.registry.subject", "bad-value",
                            "format.event-time.field", "ts")
                        .group(FormatOptions.GROUP),
                    new FakeRegistry(1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'registry.subject' in property group 'format': 'bad-value'")
        .hasMessageContaining("field 'tags' has Avro type");
    assertThatThrownBy(
            () ->
                EventSchema.fromConfig(
                    Configs.of(
                            "format.type", "avro-confluent",
                            "format.registry.url", "http://unused",
                            "format.registry.subject", "orders-value",
                            "format.schema", "id STRING",
                            "format.event-time.field", "ts")
                        .group(FormatOptions.GROUP),
                    new FakeRegistry(1)))
        .hasMessageContaining("'schema' in property group 'format'")
        .hasMessageContaining("Remove format.schema");
    assertThatThrownBy(
            () ->
                EventSchema.fromConfig(
                    Configs.of(
                            "format.type", "avro-confluent",
                            "format.registry.url", "registry:8081",
                            "format.registry.subject", "orders-value",
                            "format.event-time.field", "ts")
                        .group(FormatOptions.GROUP)))
        .hasMessageContaining("'registry.url' in property group 'format': 'registry:8081'")
        .hasMessageContaining("not an http:// or https:// URL");
  }

  @Test
  void theGlueWireFormatWithAndWithoutZlib() throws Exception {
    GlueRegistry glue =
        new GlueRegistry(
            "r",
            "us-east-1",
            "http://unused",
            Duration.ofSeconds(1),
            Duration.ofMillis(1),
            Duration.ofMillis(1),
            1);
    UUID id = UUID.fromString("0b4c8e3a-1f6d-4a9e-9c55-6a2f1d3e7b10");
    byte[] body = FakeRegistry.avro(order(V1, "o", 1, "1.00", "NEW", NOW));
    SchemaRegistry.Frame plain = glue.frame(FakeRegistry.glue(id, (byte) 0, body));
    assertThat(plain.schemaRef).isEqualTo(id.toString());
    assertThat(Arrays.copyOfRange(plain.body, plain.offset, plain.body.length)).isEqualTo(body);
    Deflater deflater = new Deflater();
    deflater.setInput(body);
    deflater.finish();
    byte[] z = new byte[1024];
    int n = deflater.deflate(z);
    SchemaRegistry.Frame zlib = glue.frame(FakeRegistry.glue(id, (byte) 5, Arrays.copyOf(z, n)));
    assertThat(zlib.schemaRef).isEqualTo(id.toString());
    assertThat(Arrays.copyOfRange(zlib.body, zlib.offset, zlib.body.length)).isEqualTo(body);
    assertThatThrownBy(() -> glue.frame(FakeRegistry.glue(id, (byte) 1, body)))
        .isInstanceOf(StrictJson.Fault.class)
        .hasMessageContaining("compression byte is 0x01");
    byte[] wrongHeader = FakeRegistry.glue(id, (byte) 0, body);
    wrongHeader[0] = 0;
    assertThatThrownBy(() -> glue.frame(wrongHeader))
        .hasMessageContaining("not the Glue wire format's header version 0x03");
    assertThatThrownBy(() -> glue.frame(FakeRegistry.glue(id, (byte) 5, new byte[] {1, 2, 3})))
        .isInstanceOf(StrictJson.Fault.class)
        .matches(e -> ((StrictJson.Fault) e).reason == Reason.MALFORMED_AVRO);
    assertThat(glue.describe(id.toString())).isEqualTo("schema version " + id);
  }
}
