package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.format.FakeRegistry;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.DebeziumAvroEvents;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Registry Avro through a real Kafka broker and a real Confluent-compatible schema registry
 * (Apicurio Registry's ccompat API): Debezium's Avro converter output into cdc, an Avro event
 * stream into ingest, a schema registered mid-stream, and the records a registry can refuse.
 */
@Timeout(400)
class AvroRegistryTest {
  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @RegisterExtension static final AvroRegistries registries = new AvroRegistries();

  @TempDir Path dir;

  static int register(String subject, Schema schema) throws Exception {
    return registries.register(subject, schema);
  }

  static void send(String topic, List<byte[][]> keyValues) {
    kafka.createTopic(topic, 1);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (byte[][] kv : keyValues) {
      records.add(new ProducerRecord<>(topic, 0, kv[0], kv[1]));
    }
    kafka.sendAll(topic, records);
  }

  /** source offset -> "reason: message" of the dead-letter table (one partition). */
  static Map<Long, String> deadLetters(IcebergCatalog catalog, String table) {
    Map<Long, String> out = new TreeMap<>();
    for (Record r : Tables.read(catalog, table)) {
      long offset = Long.parseLong((String) r.getField("source_position"));
      assertThat(out.put(offset, r.getField("reason") + ": " + r.getField("error_message")))
          .isNull();
    }
    return out;
  }

  static byte[] truncated(byte[] record) {
    return Arrays.copyOf(record, record.length - 2);
  }

  @Test
  void debeziumAvroChangesMirrorExactlyAndANewOptionalFieldEvolvesTheTable() throws Exception {
    String topic = "dbserver1.inventory.customers";
    Schema v1 = DebeziumAvroEvents.envelope("customers", false);
    Schema v2 = DebeziumAvroEvents.envelope("customers", true);
    Schema keySchema = DebeziumAvroEvents.key("customers");
    int keyId = register(topic + "-key", keySchema);
    int id1 = register(topic + "-value", v1);
    List<byte[][]> records = new ArrayList<>();
    LocalDate born = LocalDate.of(1990, 5, 17);
    long micros = 1_764_000_000_123_456L;
    GenericRecord ann = DebeziumAvroEvents.row(v1, 1, "Ann", "10.00", born, micros, null);
    GenericRecord bob = DebeziumAvroEvents.row(v1, 2, "Bob", "20.50", null, null, null);
    GenericRecord cat = DebeziumAvroEvents.row(v1, 3, "Cat", null, null, null, null);
    GenericRecord bob2 = DebeziumAvroEvents.row(v1, 2, "Bob", "21.75", null, null, null);
    String t = "customers";
    records.add(change(keyId, 1, id1, DebeziumAvroEvents.change(v1, t, "r", null, ann, 100)));
    records.add(change(keyId, 2, id1, DebeziumAvroEvents.change(v1, t, "c", null, bob, 200)));
    records.add(change(keyId, 3, id1, DebeziumAvroEvents.change(v1, t, "c", null, cat, 300)));
    records.add(change(keyId, 2, id1, DebeziumAvroEvents.change(v1, t, "u", bob, bob2, 400)));
    records.add(change(keyId, 3, id1, DebeziumAvroEvents.change(v1, t, "d", cat, null, 500)));
    // offset 5: a schema id this registry never gave out
    byte[] unknown =
        FakeRegistry.confluent(987654, DebeziumAvroEvents.change(v1, t, "c", null, cat, 550));
    records.add(new byte[][] {null, unknown});
    // offset 6: a body cut short of what its writer schema says
    records.add(
        new byte[][] {
          null,
          truncated(
              FakeRegistry.confluent(id1, DebeziumAvroEvents.change(v1, t, "c", null, cat, 560)))
        });
    // the source table gains a column: the connector registers the next schema version mid-stream
    int id2 = register(topic + "-value", v2);
    assertThat(id2).isNotEqualTo(id1);
    GenericRecord ann2 = DebeziumAvroEvents.row(v2, 1, "Ann", "10.00", born, micros, "ann@x.io");
    GenericRecord dan = DebeziumAvroEvents.row(v2, 4, "Dan", "0.01", null, null, null);
    GenericRecord annV2 = DebeziumAvroEvents.row(v2, 1, "Ann", "10.00", born, micros, null);
    records.add(change(keyId, 1, id2, DebeziumAvroEvents.change(v2, t, "u", annV2, ann2, 600)));
    records.add(change(keyId, 4, id2, DebeziumAvroEvents.change(v2, t, "c", null, dan, 700)));
    // a tombstone after the delete: skipped
    records.add(
        new byte[][] {FakeRegistry.confluent(keyId, DebeziumAvroEvents.keyOf(keySchema, 3)), null});
    send(topic, records);

    Main.run(
        new String[] {
          "--job.name", "cdc",
          "--cdc.format", "debezium-avro-confluent",
          "--format.registry.url", registries.url(),
          "--job.checkpoint.interval", "1 s",
          "--job.restart.max-attempts", "2",
          "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
          "--source.type", "kafka",
          "--source.bounded", "true",
          "--kafka.bootstrap.servers", kafka.bootstrapServers(),
          "--kafka.topics", topic,
          "--kafka.start", "earliest",
          "--iceberg.warehouse", dir.resolve("warehouse").toString(),
          "--iceberg.database", "lake"
        });

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "inventory");
    Map<Long, Map<String, Object>> rows = CdcJobTest.actual(catalog, "public_customers");
    LocalDateTime updated = LocalDateTime.parse("2025-11-24T16:00:00.123456");
    assertThat(rows)
        .isEqualTo(
            Map.of(
                1L, row(1, "Ann", "10.00", born, updated, "ann@x.io"),
                2L, row(2, "Bob", "21.75", null, null, null),
                4L, row(4, "Dan", "0.01", null, null, null)));
    Table table = catalog.with(c -> c.loadTable(catalog.identifier("public_customers")));
    assertThat(table.schema().identifierFieldNames()).containsExactly("id");
    assertThat(table.schema().asStruct().toString())
        .isEqualTo(
            "struct<1: id: required int, 2: name: optional string, 3: balance: optional"
                + " decimal(10, 2), 4: born: optional date, 5: updated: optional timestamp,"
                + " 6: email: optional string>");
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(deadLetters(lake, "cdc_dead_letters"))
        .isEqualTo(
            Map.of(
                5L,
                "unknown-schema: the registry has no schema id 987654 (deleted, or written against"
                    + " another registry)",
                6L,
                "malformed-avro: the body ends early: it does not match its schema id " + id1));
  }

  static byte[][] change(int keyId, int key, int valueId, GenericRecord change) {
    return new byte[][] {
      FakeRegistry.confluent(
          keyId, DebeziumAvroEvents.keyOf(DebeziumAvroEvents.key("customers"), key)),
      FakeRegistry.confluent(valueId, change)
    };
  }

  static Map<String, Object> row(
      long id, String name, String balance, LocalDate born, LocalDateTime updated, String email) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", id);
    r.put("name", name);
    r.put("balance", balance == null ? null : new BigDecimal(balance));
    r.put("born", born);
    r.put("updated", updated);
    r.put("email", email);
    return r;
  }

  static final Schema ORDER_V1 =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
                  + "{\"name\":\"id\",\"type\":\"string\"},"
                  + "{\"name\":\"qty\",\"type\":\"int\"},"
                  + "{\"name\":\"amount\",\"type\":[\"null\",{\"type\":\"bytes\","
                  + "\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}],\"default\":null},"
                  + "{\"name\":\"status\",\"type\":{\"type\":\"enum\",\"name\":\"Status\","
                  + "\"symbols\":[\"NEW\",\"PAID\"]}},"
                  + "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}");

  static final Schema ORDER_V2 =
      new Schema.Parser()
          .parse(
              ORDER_V1
                  .toString()
                  .replace(
                      "\"logicalType\":\"timestamp-millis\"}}]}",
                      "\"logicalType\":\"timestamp-millis\"}},"
                          + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}]}"));

  static GenericRecord order(Schema s, int i, Instant ts) {
    GenericRecord r = new GenericData.Record(s);
    r.put("id", "o" + i);
    r.put("qty", i);
    r.put(
        "amount",
        i % 3 == 0
            ? null
            : ByteBuffer.wrap(BigDecimal.valueOf(i * 125L, 2).unscaledValue().toByteArray()));
    r.put(
        "status",
        new GenericData.EnumSymbol(s.getField("status").schema(), i % 2 == 0 ? "NEW" : "PAID"));
    r.put("ts", ts.toEpochMilli());
    if (s.getField("note") != null) {
      r.put("note", "n" + i);
    }
    return r;
  }

  void ingest(String topic, String subject, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "ingest",
                "--job.checkpoint.interval", "1 s",
                "--job.checkpoint.dir", dir.resolve("checkpoints-" + topic).toUri().toString(),
                "--source.type", "kafka",
                "--source.bounded", "true",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.start", "earliest",
                "--format.type", "avro-confluent",
                "--format.registry.url", registries.url(),
                "--format.registry.subject", subject,
                "--format.event-time.field", "ts",
                "--iceberg.warehouse", dir.resolve("warehouse").toString(),
                "--iceberg.database", "lake",
                "--iceberg.table", "orders"));
    args.addAll(List.of(more));
    Main.run(args.toArray(new String[0]));
  }

  /**
   * The first run's table schema is the subject's only version. The producer then registers a
   * version with an optional field; the next run (from a second topic, so the append table's
   * expected rows stay exact) adds the column to the table and reads old and new writers' records
   * as the new schema. A third writer schema, incompatible (qty as long), is a dead letter.
   */
  @Test
  void anAvroEventStreamIntoIngestExactlyAcrossASchemaEvolution() throws Exception {
    String subject = "orders-value";
    int v1 = register(subject, ORDER_V1);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
    List<byte[][]> first = new ArrayList<>();
    Map<String, List<Object>> expected = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      Instant ts = base.plusSeconds(i);
      first.add(new byte[][] {null, FakeRegistry.confluent(v1, order(ORDER_V1, i, ts))});
      expected.put("o" + i, expectedOrder(i, ts, null));
    }
    first.add(new byte[][] {null, FakeRegistry.confluent(424242, order(ORDER_V1, 99, base))});
    first.add(
        new byte[][] {null, truncated(FakeRegistry.confluent(v1, order(ORDER_V1, 98, base)))});
    send("orders-1", first);
    ingest("orders-1", subject);

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    Table table = catalog.with(c -> c.loadTable(catalog.identifier("orders")));
    assertThat(table.schema().asStruct().toString())
        .isEqualTo(
            "struct<1: id: required string, 2: qty: required int, 3: amount: optional decimal(10,"
                + " 2), 4: status: required string, 5: ts: required timestamptz>");

    int v2 = register(subject, ORDER_V2);
    Schema qtyAsLong =
        new Schema.Parser()
            .parse(
                ORDER_V1
                    .toString()
                    .replace(
                        "{\"name\":\"qty\",\"type\":\"int\"}",
                        "{\"name\":\"qty\",\"type\":\"long\"}"));
    int v3 = register("orders-other-value", qtyAsLong);
    List<byte[][]> second = new ArrayList<>();
    for (int i = 20; i < 25; i++) {
      Instant ts = base.plusSeconds(i);
      second.add(new byte[][] {null, FakeRegistry.confluent(v2, order(ORDER_V2, i, ts))});
      expected.put("o" + i, expectedOrder(i, ts, "n" + i));
    }
    Instant ts25 = base.plusSeconds(25);
    second.add(new byte[][] {null, FakeRegistry.confluent(v1, order(ORDER_V1, 25, ts25))});
    expected.put("o25", expectedOrder(25, ts25, null));
    GenericRecord wide = new GenericData.Record(qtyAsLong);
    GenericRecord like = order(ORDER_V1, 26, base);
    for (Schema.Field f : ORDER_V1.getFields()) {
      wide.put(f.name(), like.get(f.name()));
    }
    wide.put("qty", 26L);
    wide.put("status", new GenericData.EnumSymbol(qtyAsLong.getField("status").schema(), "NEW"));
    second.add(new byte[][] {null, FakeRegistry.confluent(v3, wide)}); // offset 6
    send("orders-2", second);
    // another topic into the same table: no state of the first run applies to it
    ingest("orders-2", subject, "--job.start", "fresh-over-existing");

    assertThat(orders(catalog)).isEqualTo(expected);
    table = catalog.with(c -> c.loadTable(catalog.identifier("orders")));
    assertThat(table.schema().asStruct().toString())
        .isEqualTo(
            "struct<1: id: required string, 2: qty: required int, 3: amount: optional decimal(10,"
                + " 2), 4: status: required string, 5: ts: required timestamptz, 6: note: optional"
                + " string>");
    assertThat(deadLetters(catalog, "orders_dead_letters"))
        .isEqualTo(
            Map.of(
                20L,
                "unknown-schema: the registry has no schema id 424242 (deleted, or written"
                    + " against another registry)",
                21L,
                "malformed-avro: the body ends early: it does not match its schema id " + v1,
                6L,
                "schema-mismatch: the record's schema id "
                    + v3
                    + " cannot be read as the table's schema: field 'qty' is long in the writer's"
                    + " schema, int in the table's: not an exact conversion"));
  }

  /**
   * The AWS Glue Schema Registry wire format against moto's Glue API: the schema created with its
   * first version, a second version with an optional field registered before the run (so it is the
   * table's schema), records of both writers, zlib-compressed and not, plus an unknown schema
   * version and a truncated body.
   */
  @Test
  void anAvroEventStreamThroughTheGlueSchemaRegistryIntoIngestExactly() throws Exception {
    UUID v1 = registries.createGlueSchema("streams", "orders", ORDER_V1);
    UUID v2 = registries.registerGlueVersion("streams", "orders", ORDER_V2);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
    List<byte[][]> records = new ArrayList<>();
    Map<String, List<Object>> expected = new TreeMap<>();
    for (int i = 0; i < 10; i++) {
      Instant ts = base.plusSeconds(i);
      boolean newer = i >= 5;
      GenericRecord r = order(newer ? ORDER_V2 : ORDER_V1, i, ts);
      records.add(new byte[][] {null, FakeRegistry.glue(newer ? v2 : v1, i % 2 == 0, r)});
      expected.put("o" + i, expectedOrder(i, ts, newer ? "n" + i : null));
    }
    UUID unknown = UUID.fromString("00000000-0000-4000-8000-000000000042");
    records.add(new byte[][] {null, FakeRegistry.glue(unknown, false, order(ORDER_V1, 90, base))});
    records.add(
        new byte[][] {null, truncated(FakeRegistry.glue(v1, false, order(ORDER_V1, 91, base)))});
    send("orders-glue", records);

    Main.run(
        new String[] {
          "--job.name", "ingest",
          "--job.checkpoint.interval", "1 s",
          "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
          "--source.type", "kafka",
          "--source.bounded", "true",
          "--kafka.bootstrap.servers", kafka.bootstrapServers(),
          "--kafka.topics", "orders-glue",
          "--kafka.start", "earliest",
          "--format.type", "avro-glue",
          "--format.registry.glue.registry-name", "streams",
          "--format.registry.glue.schema-name", "orders",
          "--format.registry.glue.region", "us-east-1",
          "--format.registry.glue.endpoint", registries.glueEndpoint(),
          "--format.event-time.field", "ts",
          "--iceberg.warehouse", dir.resolve("warehouse").toString(),
          "--iceberg.database", "lake",
          "--iceberg.table", "orders"
        });

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(orders(catalog)).isEqualTo(expected);
    assertThat(deadLetters(catalog, "orders_dead_letters"))
        .isEqualTo(
            Map.of(
                10L,
                "unknown-schema: the registry has no schema version "
                    + unknown
                    + " (deleted, or written against another registry)",
                11L,
                "malformed-avro: the body ends early: it does not match its schema version " + v1));
  }

  /**
   * Avro events through the same decode stage into aggregate, from each registry: the windows equal
   * an oracle's.
   */
  @ParameterizedTest
  @EnumSource(AvroRegistries.Kind.class)
  void anAvroEventStreamIntoAggregateEqualsTheOracle(AvroRegistries.Kind kind) throws Exception {
    String topic = "orders-agg-" + kind.name().toLowerCase(Locale.ROOT);
    AvroRegistries.Subject subject = registries.subject(kind, topic + "-value", ORDER_V1);
    Instant base = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    List<byte[][]> records = new ArrayList<>();
    Map<String, long[]> oracle = new TreeMap<>(); // "window start status" -> events, qty sum
    for (int i = 0; i < 30; i++) {
      Instant ts = base.plusSeconds(i * 10L);
      GenericRecord r = order(ORDER_V1, i, ts);
      records.add(new byte[][] {null, subject.frame(0, r)});
      count(oracle, r, ts);
    }
    records.add(new byte[][] {null, subject.unknown(order(ORDER_V1, 0, base))});
    send(topic, records);

    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "aggregate",
                "--job.checkpoint.interval", "1 s",
                "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "--source.type", "kafka",
                "--source.bounded", "true",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.start", "earliest",
                "--iceberg.warehouse", dir.resolve("warehouse").toString()));
    args.addAll(ORDER_WINDOWS);
    args.addAll(subject.eventFormat());
    Main.run(args.toArray(new String[0]));

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "metrics");
    assertThat(orderWindows(catalog)).hasSize(10).usingRecursiveComparison().isEqualTo(oracle);
    assertThat(deadLetters(catalog, "order_minutes_dead_letters"))
        .isEqualTo(
            Map.of(
                30L,
                "unknown-schema: the registry has no "
                    + subject.namedUnknown()
                    + " (deleted, or written against another registry)"));
  }

  /** Debezium's Avro envelope in the Glue wire format into cdc, keyed by configuration. */
  @Test
  void debeziumAvroThroughTheGlueSchemaRegistryMirrorsExactly() throws Exception {
    Schema v1 = DebeziumAvroEvents.envelope("accounts", false);
    UUID id = registries.createGlueSchema("cdc", "accounts-value", v1);
    String t = "accounts";
    GenericRecord a = DebeziumAvroEvents.row(v1, 1, "A", "1.00", null, null, null);
    GenericRecord b = DebeziumAvroEvents.row(v1, 2, "B", null, null, null, null);
    GenericRecord a2 = DebeziumAvroEvents.row(v1, 1, "A2", "2.50", null, null, null);
    List<byte[][]> records = new ArrayList<>();
    records.add(
        new byte[][] {
          null, FakeRegistry.glue(id, true, DebeziumAvroEvents.change(v1, t, "c", null, a, 10))
        });
    records.add(
        new byte[][] {
          null, FakeRegistry.glue(id, false, DebeziumAvroEvents.change(v1, t, "c", null, b, 20))
        });
    records.add(
        new byte[][] {
          null, FakeRegistry.glue(id, true, DebeziumAvroEvents.change(v1, t, "u", a, a2, 30))
        });
    records.add(
        new byte[][] {
          null, FakeRegistry.glue(id, false, DebeziumAvroEvents.change(v1, t, "d", b, null, 40))
        });
    send("accounts-glue", records);

    Main.run(
        new String[] {
          "--job.name", "cdc",
          "--cdc.format", "debezium-avro-glue",
          "--cdc.primary-keys", "accounts=id",
          "--format.registry.glue.registry-name", "cdc",
          "--format.registry.glue.region", "us-east-1",
          "--format.registry.glue.endpoint", registries.glueEndpoint(),
          "--job.checkpoint.interval", "1 s",
          "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
          "--source.type", "kafka",
          "--source.bounded", "true",
          "--kafka.bootstrap.servers", kafka.bootstrapServers(),
          "--kafka.topics", "accounts-glue",
          "--kafka.start", "earliest",
          "--iceberg.warehouse", dir.resolve("warehouse").toString(),
          "--iceberg.database", "lake"
        });

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "inventory");
    Map<String, Object> expected = row(1, "A2", "2.50", null, null, null);
    expected.remove("email");
    assertThat(CdcJobTest.actual(catalog, "public_accounts")).isEqualTo(Map.of(1L, expected));
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(Tables.read(lake, "cdc_dead_letters")).isEmpty();
  }

  /** What both order-window tests aggregate: 1-minute tumbling windows of orders by status. */
  static final List<String> ORDER_WINDOWS =
      List.of(
          "--format.event-time.field", "ts",
          "--aggregate.window.type", "tumbling",
          "--aggregate.window.size", "1 min",
          "--aggregate.group-by", "status",
          "--aggregate.aggregates", "count(*) AS events, sum(qty) AS qty",
          "--iceberg.database", "metrics",
          "--iceberg.table", "order_minutes");

  /** Counts an order in its oracle cell: "window start status" -> events, qty sum. */
  static void count(Map<String, long[]> oracle, GenericRecord order, Instant ts) {
    long[] cell =
        oracle.computeIfAbsent(
            ts.truncatedTo(ChronoUnit.MINUTES) + " " + order.get("status"), k -> new long[2]);
    cell[0]++;
    cell[1] += (Integer) order.get("qty");
  }

  /** The order_minutes table as its oracle is kept; one row per window and status. */
  static Map<String, long[]> orderWindows(IcebergCatalog catalog) {
    Map<String, long[]> windows = new TreeMap<>();
    for (Record r : Tables.read(catalog, "order_minutes")) {
      String cell =
          ((OffsetDateTime) r.getField("window_start")).toInstant() + " " + r.getField("status");
      long[] values = {
        ((Number) r.getField("events")).longValue(), ((Number) r.getField("qty")).longValue()
      };
      assertThat(windows.put(cell, values)).as(cell).isNull();
    }
    return windows;
  }

  /** id -> qty, amount, status, ts, note of the orders table. */
  static Map<String, List<Object>> orders(IcebergCatalog catalog) {
    Map<String, List<Object>> actual = new TreeMap<>();
    for (Record r : Tables.read(catalog, "orders")) {
      assertThat(
              actual.put(
                  (String) r.getField("id"),
                  Arrays.asList(
                      r.getField("qty"),
                      r.getField("amount"),
                      r.getField("status"),
                      ((OffsetDateTime) r.getField("ts")).toInstant(),
                      r.getField("note"))))
          .isNull();
    }
    return actual;
  }

  static List<Object> expectedOrder(int i, Instant ts, String note) {
    return Arrays.asList(
        i,
        i % 3 == 0 ? null : BigDecimal.valueOf(i * 125L, 2),
        i % 2 == 0 ? "NEW" : "PAID",
        ts,
        note);
  }
}
