package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.metrics.Metrics;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.runtime.testutils.InMemoryReporter;
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

  static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2, REPORTER);

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

  String format = "debezium-json";

  String[] args(String topic, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--job.name",
                "cdc",
                "--cdc.format",
                format,
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

  static String debezium(String op, String before, String after, long lsn) {
    return debezium(op, before, after, ",\"lsn\":" + lsn);
  }

  /** A change of app.public.items whose source block ends with {@code position}, verbatim. */
  static String debezium(String op, String before, String after, String position) {
    return "{\"before\":"
        + before
        + ",\"after\":"
        + after
        + ",\"source\":{\"db\":\"app\",\"schema\":\"public\",\"table\":\"items\","
        + "\"ts_ms\":1700000000000"
        + position
        + "},\"op\":\""
        + op
        + "\"}";
  }

  void sendValues(String topic, List<String> values) {
    kafka.createTopic(topic, 1);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (String v : values) {
      records.add(new ProducerRecord<>(topic, 0, null, v.getBytes(UTF_8)));
    }
    kafka.sendAll(topic, records);
  }

  /** reason -> source position, from the dead-letter table. */
  static Map<String, String> deadLetters(IcebergCatalog catalog) {
    Map<String, String> out = new TreeMap<>();
    for (Record r : Tables.read(catalog, "cdc_dead_letters")) {
      assertThat(r.getField("source_type")).isEqualTo("kafka");
      assertThat(r.getField("error_message")).isNotNull();
      out.merge(
          (String) r.getField("reason"),
          (String) r.getField("source_position"),
          (a, b) -> a + "," + b);
    }
    return out;
  }

  @Test
  void badChangeRecordsGoToDeadLettersWithTheirReason() throws Exception {
    List<String> values =
        List.of(
            debezium("c", "null", "{\"id\":1,\"name\":\"one\"}", 10),
            "this is not json",
            debezium("x", "null", "{\"id\":2,\"name\":\"two\"}", 20),
            debezium("c", "null", "{\"name\":\"no id\"}", 30),
            debezium("u", "{\"id\":1,\"name\":\"one\"}", "null", 40),
            debezium("u", "{\"id\":1,\"name\":\"one\"}", "{\"id\":1,\"name\":\"uno\"}", 50));
    sendValues("bad", values);
    Main.run(args("bad", "--cdc.primary-keys", "items=id"));
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(deadLetters(lake))
        .containsExactly(
            Map.entry("malformed-json", "1"),
            Map.entry("missing-after", "4"),
            Map.entry("missing-key", "3"),
            Map.entry("unknown-op", "2"));
    IcebergCatalog app = Tables.hadoop(dir.resolve("warehouse").toString(), "app");
    Map<Long, Map<String, Object>> rows = actual(app, "public_items");
    assertThat(rows).containsOnlyKeys(1L);
    assertThat(rows.get(1L)).containsEntry("name", "uno");
  }

  /** source offset -> "reason: message", from the dead-letter table (one partition). */
  static Map<Long, String> deadLettersByOffset(IcebergCatalog catalog) {
    Map<Long, String> out = new TreeMap<>();
    for (Record r : Tables.read(catalog, "cdc_dead_letters")) {
      assertThat(r.getField("source_type")).isEqualTo("kafka");
      assertThat(r.getField("source_partition")).isEqualTo("0");
      long offset = Long.parseLong((String) r.getField("source_position"));
      assertThat(out.put(offset, r.getField("reason") + ": " + r.getField("error_message")))
          .as("one dead letter per offset")
          .isNull();
    }
    return out;
  }

  static String row(long id, String name) {
    return "{\"id\":" + id + ",\"name\":\"" + name + "\"}";
  }

  /**
   * Per key: an insert at lsn 100, an update with a hostile position, a valid update at lsn 1000. A
   * hostile position applied would freeze the row (a huge one) or be lost; it must be a dead
   * letter, and the valid update must win.
   */
  @Test
  void changesWithoutAUsablePositionAreDeadLetteredAndLaterChangesStillApply() throws Exception {
    String[][] hostile = {
      {
        "",
        "bad-position: the change has no log position: neither source.lsn (PostgreSQL) nor"
            + " source.file and source.pos (MySQL). For a connector without one, set cdc.position"
            + " = ts-ms."
      },
      {",\"lsn\":null", "bad-position: source.lsn is null"},
      {",\"lsn\":1e23", "bad-position: source.lsn = 1E+23 is not an integer"},
      {",\"lsn\":\"abc\"", "bad-position: source.lsn = \"abc\" is not an integer"},
      {",\"lsn\":-5", "bad-position: source.lsn = -5 is negative"},
      {
        ",\"lsn\":99999999999999999999",
        "bad-position: source.lsn = 99999999999999999999 does not fit a 64-bit integer"
      },
      {",\"lsn\":1.5", "bad-position: source.lsn = 1.5 is not an integer"},
    };
    List<String> values = new ArrayList<>();
    Map<Long, String> expectedDead = new TreeMap<>();
    Map<Long, Map<String, Object>> expectedRows = new TreeMap<>();
    for (int k = 0; k < hostile.length; k++) {
      long id = k + 1;
      values.add(debezium("c", "null", row(id, "inserted"), 100));
      expectedDead.put((long) values.size(), hostile[k][1]);
      values.add(debezium("u", row(id, "inserted"), row(id, "hostile"), hostile[k][0]));
      values.add(debezium("u", row(id, "inserted"), row(id, "valid"), 1000));
      expectedRows.put(id, Map.of("id", id, "name", "valid"));
    }
    // nothing vanishes either: zero bytes, and images that are not objects
    expectedDead.put((long) values.size(), "empty: a zero-byte value");
    values.add("");
    expectedDead.put((long) values.size(), "malformed-json: 'before' is [1], not a JSON object");
    values.add(debezium("u", "[1]", row(1, "not applied"), 2000));
    expectedDead.put((long) values.size(), "malformed-json: 'after' is \"x\", not a JSON object");
    values.add(debezium("c", "null", "\"x\"", 2000));
    sendValues("poison", values);

    Main.run(args("poison", "--cdc.primary-keys", "items=id"));

    IcebergCatalog app = Tables.hadoop(dir.resolve("warehouse").toString(), "app");
    Map<Long, Map<String, Object>> rows = actual(app, "public_items");
    assertThat(rows).isEqualTo(expectedRows);
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(deadLettersByOffset(lake)).isEqualTo(expectedDead);
  }

  /** An insert at lsn 1000, then an older update at lsn 100 of the same key. */
  Main.Run staleRun(String topic, String... more) throws Exception {
    sendValues(
        topic,
        List.of(
            debezium("c", "null", row(1, "current"), 1000),
            debezium("u", row(1, "older"), row(1, "older"), 100)));
    List<String> a = new ArrayList<>(List.of("--cdc.primary-keys", "items=id"));
    a.addAll(List.of(more));
    return Main.run(args(topic, a.toArray(new String[0])));
  }

  @Test
  void staleChangesCanBeDeadLetteredForAudits() throws Exception {
    Main.Run run = staleRun("stale-audit", "--cdc.stale-changes", "dead-letter");
    IcebergCatalog app = Tables.hadoop(dir.resolve("warehouse").toString(), "app");
    assertThat(actual(app, "public_items"))
        .isEqualTo(Map.of(1L, Map.of("id", 1L, "name", "current")));
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(deadLettersByOffset(lake))
        .containsExactly(
            Map.entry(
                1L,
                "stale: app.public_items key (id=1) is at position [1000]; this change is older,"
                    + " at [100]"));
    Record dead = Tables.read(lake, "cdc_dead_letters").get(0);
    assertThat(dead.getField("source_stream")).isEqualTo("stale-audit");
    assertThat(run.result.<Long>getAccumulatorResult(Metrics.CHANGES_STALE)).isEqualTo(1L);
    // per table, and the dead letter metered under its reason
    MetricValues metrics = new MetricValues(REPORTER, run.result.getJobID(), "cdc");
    assertThat(metrics.count(".Table.app.public_items." + Metrics.CHANGES_STALE)).isEqualTo(1);
    assertThat(metrics.count(".Table.app.public_items." + Metrics.CHANGES_APPLIED)).isEqualTo(1);
    assertThat(metrics.count(".Job.cdc." + Metrics.CHANGES_STALE)).isEqualTo(1);
    assertThat(metrics.count(".Reason.stale." + Metrics.DEAD_LETTERS_PER_SECOND)).isEqualTo(1);
    assertThat(metrics.count(".Job.cdc." + Metrics.TABLES_CREATED)).isEqualTo(1);
    assertThat(metrics.count(".Table.app.public_items." + Metrics.COMMITTED_RECORDS)).isEqualTo(1);
    assertThat(metrics.gauge(".Table.app.public_items." + Metrics.FRESHNESS_MILLIS))
        .hasValueSatisfying(f -> assertThat(f).isBetween(0L, 300_000L));
  }

  @Test
  void staleChangesAreOnlyCountedByDefault() throws Exception {
    Main.Run run = staleRun("stale-drop");
    IcebergCatalog app = Tables.hadoop(dir.resolve("warehouse").toString(), "app");
    assertThat(actual(app, "public_items"))
        .isEqualTo(Map.of(1L, Map.of("id", 1L, "name", "current")));
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(Tables.read(lake, "cdc_dead_letters")).isEmpty();
    assertThat(run.result.<Long>getAccumulatorResult(Metrics.CHANGES_STALE)).isEqualTo(1L);
  }

  @Test
  void tablesWithoutAKeyAreDeadLetteredNamingTheFix() throws Exception {
    sendValues("nokey", List.of(debezium("c", "null", "{\"id\":1,\"name\":\"one\"}", 10)));
    Main.run(args("nokey"));
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    List<Record> dead = Tables.read(lake, "cdc_dead_letters");
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).getField("reason")).isEqualTo("missing-key");
    assertThat((String) dead.get(0).getField("error_message"))
        .contains("app.public.items")
        .contains("cdc.primary-keys");
  }

  @Test
  void newColumnsEvolveTheTableAndTypeConflictsAreDeadLettered() throws Exception {
    // One subtask and one checkpoint: row 1 is written, the table gains `note` and then `score`,
    // and row 1 changes again. Iceberg cannot delete a row committed in the same snapshot, so
    // the stage must switch schemas between checkpoints, never within one.
    List<String> values =
        List.of(
            debezium("c", "null", "{\"id\":1,\"name\":\"one\"}", 10),
            debezium("c", "null", "{\"id\":2,\"name\":\"two\",\"note\":\"new column\"}", 20),
            debezium(
                "u",
                "{\"id\":1,\"name\":\"one\"}",
                "{\"id\":1,\"name\":\"uno\",\"note\":\"later\"}",
                30),
            debezium("c", "null", "{\"id\":3,\"name\":\"three\",\"score\":5}", 40),
            debezium("c", "null", "{\"id\":4,\"name\":\"four\",\"score\":\"high\"}", 50),
            debezium("d", "{\"id\":2}", "null", 60));
    sendValues("drift", values);
    Main.Run run =
        Main.run(
            args(
                "drift",
                "--cdc.primary-keys",
                "items=id",
                "--job.parallelism",
                "1",
                "--job.checkpoint.interval",
                "3 s"));
    IcebergCatalog app = Tables.hadoop(dir.resolve("warehouse").toString(), "app");
    Map<Long, Map<String, Object>> rows = actual(app, "public_items");
    assertThat(rows).containsOnlyKeys(1L, 3L);
    assertThat(rows.get(1L))
        .containsEntry("name", "uno")
        .containsEntry("note", "later")
        .containsEntry("score", null);
    assertThat(rows.get(3L)).containsEntry("note", null).containsEntry("score", 5L);
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    List<Record> dead = Tables.read(lake, "cdc_dead_letters");
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).getField("reason")).isEqualTo("schema-mismatch");
    assertThat(dead.get(0).getField("source_position")).isEqualTo("4");
    assertThat((String) dead.get(0).getField("error_message"))
        .contains("'score'")
        .contains("string")
        .contains("long");
    // one table created, evolved twice (note, then score); a row per change applied
    MetricValues metrics = new MetricValues(REPORTER, run.result.getJobID(), "cdc");
    assertThat(metrics.count(".Job.cdc." + Metrics.TABLES_CREATED)).isEqualTo(1);
    assertThat(metrics.count(".Job.cdc." + Metrics.TABLES_EVOLVED)).isEqualTo(2);
    assertThat(metrics.count(".Table.app.public_items." + Metrics.CHANGES_APPLIED))
        .isEqualTo(values.size());
  }

  /**
   * A mirror bucketed by its key: inserts, an update, a delete, and key changes that move rows to
   * other buckets (5, 6 and 7 to 105, 206 and 307). The table has the configured spec, its data
   * files span several partitions, and it holds exactly the final rows.
   */
  @Test
  void aPartitionedMirrorIsExactAcrossKeyChangesBetweenPartitions() throws Exception {
    List<String> values = new ArrayList<>();
    long lsn = 10;
    for (long id = 1; id <= 8; id++) {
      values.add(debezium("c", "null", row(id, "n" + id), lsn += 10));
    }
    values.add(debezium("u", row(3, "n3"), row(3, "three"), lsn += 10));
    values.add(debezium("d", row(4, "n4"), "null", lsn += 10));
    values.add(debezium("u", row(5, "n5"), row(105, "moved 5"), lsn += 10));
    values.add(debezium("u", row(6, "n6"), row(206, "moved 6"), lsn += 10));
    values.add(debezium("u", row(7, "n7"), row(307, "moved 7"), lsn += 10));
    sendValues("buckets", values);
    Main.run(
        args(
            "buckets",
            "--cdc.primary-keys",
            "items=id",
            "--cdc.partition-spec",
            "app.public_items=bucket(4, id)"));

    IcebergCatalog app = Tables.hadoop(dir.resolve("warehouse").toString(), "app");
    org.apache.iceberg.Table table =
        app.with(
            c -> c.loadTable(org.apache.iceberg.catalog.TableIdentifier.parse("app.public_items")));
    assertThat(io.tributary.iceberg.PartitionSpecs.describe(table.spec(), table.schema()))
        .isEqualTo("bucket(4, id)");
    Set<String> partitions = new java.util.HashSet<>();
    try (org.apache.iceberg.io.CloseableIterable<org.apache.iceberg.FileScanTask> tasks =
        table.newScan().planFiles()) {
      tasks.forEach(t -> partitions.add(t.file().partition().toString()));
    }
    assertThat(partitions).hasSizeGreaterThan(1);
    Map<Long, String> rows = new TreeMap<>();
    for (Record r : Tables.read(app, "public_items")) {
      assertThat(rows.put((Long) r.getField("id"), (String) r.getField("name")))
          .as("key " + r.getField("id") + " once")
          .isNull();
    }
    assertThat(rows)
        .isEqualTo(
            new TreeMap<>(
                Map.of(
                    1L, "n1", 2L, "n2", 3L, "three", 8L, "n8", 105L, "moved 5", 206L, "moved 6",
                    307L, "moved 7")));
  }

  @Test
  void aPartitionColumnOutsideTheKeyIsRefusedAtStartUp() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                Main.run(
                    args(
                        "never-read",
                        "--cdc.primary-keys",
                        "items=id",
                        "--cdc.tables",
                        "items=mirror.items",
                        "--cdc.partition-spec",
                        "items=bucket(4, id), name")))
        .isInstanceOf(io.tributary.config.ConfigException.class)
        .hasMessageContaining("'partition-spec' in property group 'cdc'")
        .hasMessageContaining("partitions mirror.items by [name], outside its key [id]");
  }

  @Test
  void aPartitionColumnOutsideTheMessageKeyStopsTheJobWhenItsTableIsCreated() throws Exception {
    sendValues("by-name", List.of(debezium("c", "null", row(1, "one"), 10)));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                Main.run(
                    args(
                        "by-name",
                        "--cdc.primary-keys",
                        "items=id",
                        "--cdc.partition-spec",
                        "app.public_items=name")))
        .hasRootCauseMessage(
            "cdc.partition-spec partitions app.public_items by 'name', which is not in its key"
                + " [id] (at kafka:by-name/0@0). An upsert deletes a key within its partition:"
                + " partition by key columns only.");
  }

  @Test
  void schemaChangesFailStopsTheJobNamingTheColumn() throws Exception {
    sendValues(
        "strict",
        List.of(
            debezium("c", "null", "{\"id\":1,\"name\":\"one\"}", 10),
            debezium("c", "null", "{\"id\":2,\"name\":\"two\",\"note\":\"x\"}", 20)));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                Main.run(
                    args(
                        "strict",
                        "--cdc.primary-keys",
                        "items=id",
                        "--cdc.schema-changes",
                        "fail",
                        // one subtask: the first change creates the table, the second is new
                        "--job.parallelism",
                        "1")))
        .hasRootCauseMessage(
            "cdc.schema-changes = fail, and source changes for app.public_items need new column"
                + " note string (at kafka:strict/0@1). Alter the Iceberg table to match, or set"
                + " cdc.schema-changes = evolve.");
  }

  @Test
  void dmsSampleWithConfiguredKeysAndTypes() throws Exception {
    format = "dms-json";
    List<String> values = new ArrayList<>(lines("dms/orders-sample.jsonl"));
    values.add(
        "{\"data\":{\"order_id\":1},\"metadata\":{\"timestamp\":\"2024-05-14T09:30:00Z\","
            + "\"record-type\":\"data\",\"operation\":\"merge\",\"schema-name\":\"sales\","
            + "\"table-name\":\"orders\"}}");
    sendValues("dms", values);
    Main.run(
        args(
            "dms",
            "--cdc.primary-keys",
            "sales.orders=order_id; sales.customers=customer_id",
            "--cdc.column-types",
            "orders.updated_at=TIMESTAMP_LTZ(6); customers.created_at=TIMESTAMP_LTZ(6)"));
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    JsonNode expected;
    try (InputStream in =
        CdcJobTest.class.getResourceAsStream("/cdc/dms/orders-sample.expected.json")) {
      expected = JSON.readTree(in);
    }
    for (String table : List.of("orders", "customers")) {
      String key = table.equals("orders") ? "order_id" : "customer_id";
      String time = table.equals("orders") ? "updated_at" : "created_at";
      Map<Long, Map<String, Object>> want = new TreeMap<>();
      for (JsonNode row : expected.get("sales." + table)) {
        Map<String, Object> r = new LinkedHashMap<>();
        row.fields()
            .forEachRemaining(
                f ->
                    r.put(
                        f.getKey(),
                        f.getKey().equals(time)
                            ? java.time.OffsetDateTime.parse(f.getValue().asText())
                            : plain(f.getValue())));
        want.put(((Number) r.get(key)).longValue(), r);
      }
      Map<Long, Map<String, Object>> have = new TreeMap<>();
      for (Record r : Tables.read(lake, "sales_" + table)) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < r.size(); i++) {
          String c = r.struct().fields().get(i).name();
          if (!c.startsWith("_")) {
            row.put(c, r.get(i));
          }
        }
        have.put((Long) row.get(key), row);
      }
      assertThat(have).as(table).isEqualTo(want);
    }
    assertThat(deadLetters(lake)).containsExactly(Map.entry("unknown-op", "25"));
  }

  /** A DMS data record of sales.{@code table} at {@code second} past 09:00. */
  static String dms(String table, String op, String data, int second) {
    return "{\"data\":"
        + data
        + ",\"metadata\":{\"timestamp\":\"2024-05-14T09:00:"
        + String.format("%02d", second)
        + ".000001Z\",\"record-type\":\"data\",\"operation\":\""
        + op
        + "\",\"partition-key-type\":\"primary-key\",\"schema-name\":\"sales\","
        + "\"table-name\":\""
        + table
        + "\"}}";
  }

  /** A DMS create-table control record of sales.{@code table} naming its primary key. */
  static String dmsCreateTable(String table, String key) {
    return "{\"control\":{\"table-def\":{\"columns\":{},\"primary-key\":"
        + key
        + "}},\"metadata\":{\"timestamp\":\"2024-05-14T08:59:59.000001Z\","
        + "\"record-type\":\"control\",\"operation\":\"create-table\","
        + "\"partition-key-type\":\"task-id\",\"schema-name\":\"sales\",\"table-name\":\""
        + table
        + "\"}}";
  }

  @Test
  void dmsKeysComeFromCreateTableControlRecordsAndConfigurationWins() throws Exception {
    format = "dms-json";
    sendValues(
        "dms-control",
        List.of(
            // customers: changes before the control record that names their key wait for it
            dms("customers", "load", "{\"customer_id\":1,\"name\":\"a\"}", 1),
            dms("customers", "insert", "{\"customer_id\":2,\"name\":\"b\"}", 2),
            dms("customers", "update", "{\"customer_id\":1,\"name\":\"a2\"}", 3),
            dms("customers", "delete", "{\"customer_id\":2,\"name\":\"b\"}", 4),
            // orders: cdc.primary-keys says order_id; this control record's key is ignored
            dmsCreateTable("orders", "[\"order_id\",\"customer_id\"]"),
            dmsCreateTable("customers", "[\"customer_id\"]"),
            dms("customers", "insert", "{\"customer_id\":3,\"name\":\"c\"}", 5),
            dms("orders", "insert", "{\"order_id\":10,\"customer_id\":1}", 6),
            dms("orders", "update", "{\"order_id\":10,\"customer_id\":3}", 7),
            // notes: neither configured nor named by a control record
            dms("notes", "insert", "{\"note_id\":1,\"text\":\"x\"}", 8)));
    Main.run(args("dms-control", "--cdc.primary-keys", "sales.orders=order_id"));
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    Map<Long, Map<String, Object>> customers = new TreeMap<>();
    for (Record r : Tables.read(lake, "sales_customers")) {
      customers.put((Long) r.getField("customer_id"), Map.of("name", r.getField("name")));
    }
    assertThat(customers).isEqualTo(Map.of(1L, Map.of("name", "a2"), 3L, Map.of("name", "c")));
    List<Record> orders = Tables.read(lake, "sales_orders");
    assertThat(orders).hasSize(1);
    assertThat(orders.get(0).getField("order_id")).isEqualTo(10L);
    assertThat(orders.get(0).getField("customer_id")).isEqualTo(3L);
    assertThat(identifierFields(lake, "sales_customers")).containsExactly("customer_id");
    assertThat(identifierFields(lake, "sales_orders")).containsExactly("order_id");
    List<Record> dead = Tables.read(lake, "cdc_dead_letters");
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).getField("reason")).isEqualTo("missing-key");
    assertThat(dead.get(0).getField("source_position")).isEqualTo("9");
    assertThat((String) dead.get(0).getField("error_message"))
        .contains("sales.notes")
        .contains("create-table")
        .contains("cdc.primary-keys");
  }

  static java.util.Set<String> identifierFields(IcebergCatalog catalog, String table) {
    return catalog.with(
        c -> c.loadTable(catalog.identifier(table)).schema().identifierFieldNames());
  }
}
