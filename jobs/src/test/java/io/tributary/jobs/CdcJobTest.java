package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Debezium's and DMS's sample change streams through a real Kafka broker into {@code cdc}. */
@Timeout(300)
class CdcJobTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  static List<String> lines(String resource) throws IOException {
    try (InputStream in = CdcJobTest.class.getResourceAsStream("/cdc/" + resource)) {
      assertThat(in).as(resource).isNotNull();
      List<String> out = new ArrayList<>();
      for (String l : new String(in.readAllBytes(), UTF_8).split("\n")) {
        if (!l.isBlank()) {
          out.add(l);
        }
      }
      return out;
    }
  }

  String[] args(String topic, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--job.name",
                "cdc",
                "--cdc.format",
                "debezium-json",
                "--job.checkpoint.interval",
                "1 s",
                "--job.restart.max-attempts",
                "2",
                "--job.checkpoint.dir",
                dir.resolve("checkpoints").toUri().toString(),
                "--source.type",
                "kafka",
                "--source.bounded",
                "true",
                "--kafka.bootstrap.servers",
                kafka.bootstrapServers(),
                "--kafka.topics",
                topic,
                "--kafka.start",
                "earliest",
                "--iceberg.warehouse",
                dir.resolve("warehouse").toString(),
                "--iceberg.database",
                "lake"));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  /** Sends each line, keyed as Debezium keys it (by id), or unkeyed. */
  void send(String topic, List<String> values, KeyStyle keys) throws Exception {
    kafka.createTopic(topic, 2);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (String v : values) {
      JsonNode root = JSON.readTree(v);
      JsonNode event = root.has("payload") ? root.get("payload") : root;
      JsonNode image = event.get("after").isNull() ? event.get("before") : event.get("after");
      int id = image.get("id").asInt();
      String key;
      switch (keys) {
        case PLAIN:
          key = "{\"id\":" + id + "}";
          break;
        case ENVELOPE:
          key =
              "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"
                  + "\"field\":\"id\"}],\"optional\":false,\"name\":\"dbserver1.inventory.products.Key\"},"
                  + "\"payload\":{\"id\":"
                  + id
                  + "}}";
          break;
        default:
          key = null;
      }
      // like Debezium: one key, one partition
      records.add(
          new ProducerRecord<>(
              topic, id % 2, key == null ? null : key.getBytes(UTF_8), v.getBytes(UTF_8)));
    }
    kafka.sendAll(topic, records);
  }

  enum KeyStyle {
    NONE,
    PLAIN,
    ENVELOPE
  }

  /** The rows of the sample's expected-state file, keyed by id. */
  static Map<Long, Map<String, Object>> expected(String resource) throws IOException {
    Map<Long, Map<String, Object>> out = new TreeMap<>();
    for (String l : lines(resource)) {
      Map<String, Object> row = new LinkedHashMap<>();
      JSON.readTree(l).fields().forEachRemaining(f -> row.put(f.getKey(), plain(f.getValue())));
      out.put(((Number) row.get("id")).longValue(), row);
    }
    return out;
  }

  static Object plain(JsonNode v) {
    if (v.isNull()) {
      return null;
    }
    if (v.isIntegralNumber()) {
      return v.asLong();
    }
    return v.isNumber() ? (Object) v.asDouble() : v.asText();
  }

  static Map<Long, Map<String, Object>> actual(IcebergCatalog catalog, String table) {
    Map<Long, Map<String, Object>> out = new TreeMap<>();
    List<Record> rows = Tables.read(catalog, table);
    for (Record r : rows) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 0; i < r.size(); i++) {
        if (r.struct().fields().get(i).name().startsWith("_")) {
          continue; // _pos: added by the reader to apply position deletes
        }
        Object v = r.get(i);
        row.put(
            r.struct().fields().get(i).name(),
            v instanceof Integer ? (Object) ((Integer) v).longValue() : v);
      }
      Long id = (Long) row.get("id");
      assertThat(out.put(id, row)).as("duplicate key %s in %s", id, table).isNull();
    }
    return out;
  }

  @Test
  void mysqlSampleWithEnvelopeAndKafkaKeys() throws Exception {
    send(
        "mysql",
        lines("debezium/debezium-data-schema-include.txt"),
        KeyStyle.ENVELOPE); // the key names the primary key
    Main.run(args("mysql"));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "inventory");
    assertThat(actual(catalog, "products"))
        .isEqualTo(expected("debezium/debezium-data-schema-include.expected.jsonl"));
    Table t = catalog.with(c -> c.loadTable(catalog.identifier("products")));
    assertThat(t.schema().identifierFieldNames()).containsExactly("id");
    assertThat(t.schema().findField("id").type().toString()).isEqualTo("int");
    assertThat(t.schema().findField("weight").type().toString()).isEqualTo("double");
    assertThat(((org.apache.iceberg.HasTableOperations) t).operations().current().formatVersion())
        .isEqualTo(2);
  }

  @Test
  void postgresSampleWithEnvelopeAndConfiguredKey() throws Exception {
    send("pg", lines("debezium/debezium-postgres-data-schema-include.txt"), KeyStyle.NONE);
    Main.run(args("pg", "--cdc.primary-keys", "inventory.products=id"));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "postgres");
    assertThat(actual(catalog, "inventory_products"))
        .isEqualTo(expected("debezium/debezium-postgres-data-schema-include.expected.jsonl"));
  }

  @Test
  void postgresSampleWithoutSchemaRoutedByConfiguration() throws Exception {
    send("pg-plain", lines("debezium/debezium-postgres-data-schema-exclude.txt"), KeyStyle.PLAIN);
    Main.run(
        args(
            "pg-plain",
            "--cdc.tables",
            "inventory.products = mirror.products",
            "--cdc.column-types",
            "products.id = INT"));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "mirror");
    assertThat(actual(catalog, "products"))
        .isEqualTo(expected("debezium/debezium-postgres-data-schema-exclude.expected.jsonl"));
    Table t = catalog.with(c -> c.loadTable(catalog.identifier("products")));
    assertThat(t.schema().findField("id").type().toString()).isEqualTo("int");
  }
}
