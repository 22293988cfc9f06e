package io.tributary.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.stack.Artifacts;
import io.tributary.testing.Tables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each SQL pipeline of {@code sql/} through Flink's real SQL client on the local stack's cluster,
 * and the Java job on the same input on the same cluster ({@code bin/flink run}): the SQL table
 * holds exactly what it should, and equals the Java job's table. The documented difference shows
 * too: the Java job keeps the malformed records as dead letters, the SQL pipeline drops them.
 */
@Timeout(1200)
class SqlPipelinesIT {
  private static final int EVENTS = 600;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static LocalCluster cluster;
  static ClickEvents events;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(dir.resolve("stack"));
    events = new ClickEvents(EVENTS, 42);
    cluster.kafka.createTopic("events", 2);
    cluster.kafka.sendAll("events", events.records("events", 2));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void ingest() {
    cluster.runSql("kafka-events.sql", "ingest.sql", "sql_ingest");
    List<String> sql = cluster.rows("sql_ingest", "events", ClickEvents.COLUMNS);
    assertThat(sql).hasSize(EVENTS).isEqualTo(events.lines);

    Map<String, Map<String, String>> config = new LinkedHashMap<>();
    config.put("job", Map.of("name", "ingest", "parallelism", "2", "checkpoint.interval", "2 s"));
    config.put("source", Map.of("type", "kafka", "bounded", "true"));
    config.put(
        "kafka", ClickEvents.kafka(cluster.settings().kafkaBootstrap(), "events", "java-ingest"));
    config.put("format", ClickEvents.format());
    config.put("iceberg", iceberg("java_ingest", "events", "days(ts)"));
    cluster.runJava(LocalCluster.config(dir.resolve("ingest.json"), config), false, null);

    // The Java job keeps exactly the valid events; all three malformed ones are dead letters.
    assertThat(cluster.rows("java_ingest", "events", ClickEvents.COLUMNS)).isEqualTo(events.lines);
    assertThat(deadLetterReasons("java_ingest", "events_dead_letters"))
        .containsExactly("malformed-json", "missing-event-time", "wrong-type");
  }

  @Test
  void aggregate() {
    cluster.runSql("kafka-events.sql", "aggregate.sql", "sql_aggregate");
    List<String> columns =
        List.of(
            "window_start",
            "window_end",
            "event_type",
            "events",
            "users",
            "revenue",
            "avg_amount",
            "max_quantity");
    List<String> sql = cluster.rows("sql_aggregate", "event_metrics", columns);
    // Six 10-second windows (one more for the jitter past the last) by three event types.
    assertThat(sql).hasSizeBetween(18, 21);
    assertThat(sql.stream().mapToLong(l -> Long.parseLong(l.split("\\|")[3])).sum())
        .isEqualTo(EVENTS);

    Map<String, Map<String, String>> config = new LinkedHashMap<>();
    config.put(
        "job", Map.of("name", "aggregate", "parallelism", "2", "checkpoint.interval", "2 s"));
    config.put("source", Map.of("type", "kafka", "bounded", "true"));
    config.put(
        "kafka",
        ClickEvents.kafka(cluster.settings().kafkaBootstrap(), "events", "java-aggregate"));
    config.put("format", ClickEvents.format());
    config.put(
        "aggregate",
        Map.of(
            "window.type", "tumbling",
            "window.size", "10 s",
            "group-by", "event_type",
            "aggregates",
                "count(*) AS events, count_distinct(user_id) AS users, sum(amount) AS revenue,"
                    + " avg(amount) AS avg_amount, max(quantity) AS max_quantity"));
    config.put("iceberg", iceberg("java_aggregate", "event_metrics", "hours(window_start)"));
    cluster.runJava(LocalCluster.config(dir.resolve("aggregate.json"), config), false, null);

    assertThat(cluster.rows("java_aggregate", "event_metrics", columns)).isEqualTo(sql);
  }

  @Test
  void cdc() throws IOException {
    Path samples = Artifacts.repoRoot().resolve("common/src/test/resources/cdc/debezium");
    String topic = "dbserver1.inventory.products";
    cluster.kafka.createTopic(topic, 1);
    List<ProducerRecord<byte[], byte[]>> changes = new ArrayList<>();
    for (String line : Files.readAllLines(samples.resolve("debezium-data-schema-include.txt"))) {
      changes.add(new ProducerRecord<>(topic, 0, null, line.getBytes(StandardCharsets.UTF_8)));
    }
    cluster.kafka.sendAll(topic, changes);
    List<String> expected = new ArrayList<>();
    for (String line :
        Files.readAllLines(samples.resolve("debezium-data-schema-include.expected.jsonl"))) {
      JsonNode row = JSON.readTree(line);
      expected.add(
          String.join(
              "|",
              row.get("id").asText(),
              row.get("name").asText(),
              row.get("description").asText(),
              String.valueOf(row.get("weight").asDouble())));
    }
    expected.sort(null);
    List<String> columns = List.of("id", "name", "description", "weight");

    cluster.runSql("kafka-products-debezium.sql", "cdc-debezium.sql", "sql_cdc");
    List<String> sql = cluster.rows("sql_cdc", "products", columns);
    assertThat(sql).hasSize(10).isEqualTo(expected);

    Map<String, Map<String, String>> config = new LinkedHashMap<>();
    config.put("job", Map.of("name", "cdc", "parallelism", "2", "checkpoint.interval", "2 s"));
    config.put("source", Map.of("type", "kafka", "bounded", "true"));
    config.put("kafka", ClickEvents.kafka(cluster.settings().kafkaBootstrap(), topic, "java-cdc"));
    config.put(
        "cdc",
        Map.of(
            "format", "debezium-json",
            "tables", "inventory.products = java_cdc.products",
            "primary-keys", "inventory.products=id"));
    Map<String, String> iceberg = new LinkedHashMap<>(iceberg("java_cdc", null, null));
    config.put("iceberg", iceberg);
    cluster.runJava(LocalCluster.config(dir.resolve("cdc.json"), config), false, null);

    assertThat(cluster.rows("java_cdc", "products", columns)).isEqualTo(sql);
  }

  private static Map<String, String> iceberg(String db, String table, String partitionSpec) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("catalog.type", "hadoop");
    m.put("warehouse", cluster.settings().localWarehouse());
    m.put("database", db);
    if (table != null) {
      m.put("table", table);
    }
    if (partitionSpec != null) {
      m.put("partition-spec", partitionSpec);
    }
    return m;
  }

  private static List<String> deadLetterReasons(String db, String table) {
    List<Record> records = Tables.read(cluster.catalog(db), table);
    return records.stream()
        .map(r -> String.valueOf(r.getField("reason")))
        .sorted()
        .collect(Collectors.toList());
  }
}
