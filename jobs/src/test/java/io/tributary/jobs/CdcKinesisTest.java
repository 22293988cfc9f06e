package io.tributary.jobs;

import static io.tributary.testing.KinesisStreams.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.metrics.Metrics;
import io.tributary.testing.KinesisExtension;
import io.tributary.testing.KinesisStreams;
import io.tributary.testing.KinesisStreams.Entry;
import io.tributary.testing.KinesisStreams.Put;
import io.tributary.testing.Tables;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Shard;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdc} on Kinesis, with change records as their producers write them there.
 *
 * <p>AWS DMS JSON: one 4-shard stream carrying two tables of one schema, each data record put with
 * DMS's partition key ({@code PartitionIncludeSchemaTable}: schema.table.primary-key), control
 * records with the task's. One table's key is configured, the other's comes only from its DMS
 * {@code create-table} control record, which is put after that table's full load (so its first
 * changes must wait for it). Inserts, updates, deletes and re-inserts, several changes of a key in
 * one transaction; a shard split and a shard merge while the job runs, with the same keys changed
 * right before (a backlog in the parent) and right after (in the children), and three TaskManager
 * kills. Each mirror then equals the source tables' final state exactly, and the dead letters are
 * exactly the two planted bad records, with their reasons and shard/sequence coordinates.
 */
@Timeout(600)
class CdcKinesisTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final DateTimeFormatter DMS_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  /** DMS puts control records with the task as partition key (partition-key-type task-id). */
  static final String TASK = "O2QKRW5HXZJ3VL7YFBSI6TNPDE";

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KinesisExtension kinesis = new KinesisExtension();

  @TempDir Path dir;

  /** The source database as DMS reads it: each table's rows, and the records DMS writes. */
  static final class Database {
    final Map<String, TreeMap<Long, Map<String, Object>>> rows = new TreeMap<>();
    final Random random = new Random(15);
    long micros =
        ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse("2024-05-14T09:00:00.000001Z"));
    long transaction = 87978110091475L;
    int changes;

    Database() {
      rows.put("orders", new TreeMap<>());
      rows.put("customers", new TreeMap<>());
    }

    static String keyColumn(String table) {
      return table.equals("orders") ? "order_id" : "customer_id";
    }

    /** DMS's partition key with PartitionIncludeSchemaTable: schema.table.primary-key-value. */
    static String partitionKey(String table, long id) {
      return "sales." + table + "." + id;
    }

    Entry control(String table) {
      ObjectNode columns = JSON.createObjectNode();
      for (String c : columnsOf(table)) {
        columns
            .putObject(c)
            .put("type", c.endsWith("_id") || c.equals("amount_cents") ? "INT64" : "STRING")
            .put("nullable", !c.equals(keyColumn(table)));
      }
      ObjectNode root = JSON.createObjectNode();
      ObjectNode def = root.putObject("control").putObject("table-def");
      def.set("columns", columns);
      def.putArray("primary-key").add(keyColumn(table));
      ObjectNode meta = root.putObject("metadata");
      meta.put("timestamp", DMS_TIME.format(instant(micros++)))
          .put("record-type", "control")
          .put("operation", "create-table")
          .put("partition-key-type", "task-id")
          .put("schema-name", "sales")
          .put("table-name", table);
      return new Entry(TASK, utf8(root.toString()));
    }

    static List<String> columnsOf(String table) {
      return table.equals("orders")
          ? List.of("order_id", "customer_id", "status", "amount_cents")
          : List.of("customer_id", "name", "tier");
    }

    Map<String, Object> newRow(String table, long id) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put(keyColumn(table), id);
      if (table.equals("orders")) {
        r.put("customer_id", 1L + random.nextInt(100));
        r.put("status", List.of("pending", "paid", "shipped").get(random.nextInt(3)));
        r.put("amount_cents", (long) random.nextInt(1_000_000));
      } else {
        r.put("name", "customer " + id + " v" + random.nextInt(1000));
        r.put("tier", List.of("bronze", "silver", "gold", "pläti̇num").get(random.nextInt(4)));
      }
      return r;
    }

    /** Full-load records of new rows: operation load, no transaction. */
    List<Entry> load(String table, long from, long to) {
      List<Entry> out = new ArrayList<>();
      for (long id = from; id <= to; id++) {
        Map<String, Object> row = newRow(table, id);
        rows.get(table).put(id, row);
        out.add(record(table, "load", row, micros++, -1, -1));
      }
      return out;
    }

    /**
     * {@code n} changes in transactions of one to three changes (a key may change twice in one),
     * each to a key {@code keys} picks: an insert of an absent key (a re-insert after a delete), or
     * an update (four in five) or delete of a present one.
     */
    List<Entry> changes(int n, List<Key> keys) {
      List<Entry> out = new ArrayList<>();
      while (out.size() < n) {
        long time = micros;
        micros += 1 + random.nextInt(3_000);
        long tx = transaction++;
        int size = 1 + random.nextInt(3);
        Key first = keys.get(random.nextInt(keys.size()));
        for (int i = 0; i < size; i++) {
          Key k = i > 0 && random.nextInt(3) == 0 ? first : keys.get(random.nextInt(keys.size()));
          out.add(change(k, time, tx, i + 1));
        }
      }
      changes += out.size();
      return out;
    }

    private Entry change(Key k, long time, long tx, int recordId) {
      TreeMap<Long, Map<String, Object>> table = rows.get(k.table);
      Map<String, Object> row = table.get(k.id);
      if (row == null) {
        row = newRow(k.table, k.id);
        table.put(k.id, row);
        return record(k.table, "insert", row, time, tx, recordId);
      }
      if (random.nextInt(5) == 0) {
        table.remove(k.id);
        return record(k.table, "delete", row, time, tx, recordId);
      }
      Map<String, Object> updated = newRow(k.table, k.id);
      table.put(k.id, updated);
      return record(k.table, "update", updated, time, tx, recordId);
    }

    /** A DMS data record; {@code tx} -1 for full-load records, which carry no transaction. */
    static Entry record(
        String table, String op, Map<String, Object> row, long micros, long tx, int recordId) {
      ObjectNode root = JSON.createObjectNode();
      root.set("data", JSON.valueToTree(row));
      ObjectNode meta = root.putObject("metadata");
      long id = (Long) row.get(keyColumn(table));
      meta.put("timestamp", DMS_TIME.format(instant(micros)))
          .put("record-type", "data")
          .put("operation", op)
          .put("partition-key-type", "primary-key")
          .put("partition-key-value", partitionKey(table, id))
          .put("schema-name", "sales")
          .put("table-name", table);
      if (tx >= 0) {
        meta.put("transaction-id", tx).put("transaction-record-id", recordId);
      }
      return new Entry(partitionKey(table, id), utf8(root.toString()));
    }

    static Instant instant(long micros) {
      return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
  }

  /** A row of a source table. */
  static final class Key {
    final String table;
    final long id;

    Key(String table, long id) {
      this.table = table;
      this.id = id;
    }
  }

  static final int ORDERS = 400;
  static final int CUSTOMERS = 120;

  static List<Key> keys(Predicate<Key> which) {
    List<Key> out = new ArrayList<>();
    for (long id = 1; id <= ORDERS; id++) {
      out.add(new Key("orders", id));
    }
    for (long id = 1; id <= CUSTOMERS; id++) {
      out.add(new Key("customers", id));
    }
    return out.stream().filter(which).collect(Collectors.toList());
  }

  /** Where Kinesis puts a partition key: the MD5 of it, as a 128-bit integer, in a hash range. */
  static boolean inShard(Key k, Shard shard) {
    try {
      BigInteger hash =
          new BigInteger(
              1,
              MessageDigest.getInstance("MD5")
                  .digest(Database.partitionKey(k.table, k.id).getBytes(StandardCharsets.UTF_8)));
      return hash.compareTo(new BigInteger(shard.hashKeyRange().startingHashKey())) >= 0
          && hash.compareTo(new BigInteger(shard.hashKeyRange().endingHashKey())) <= 0;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  String[] args(String stream, String format, boolean bounded, String... more) {
    List<String> a = new ArrayList<>(JobTesting.underKills("cdc", dir));
    a.addAll(
        List.of(
            "--job.state.backend",
            "rocksdb",
            "--cdc.format",
            format,
            "--iceberg.warehouse",
            dir.resolve("warehouse").toString(),
            "--iceberg.database",
            "lake"));
    a.addAll(kinesis.sourceArgs(stream, bounded));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  @Test
  void dmsOnKinesisIsExactAcrossASplitAMergeAndTaskManagerKills(
      @InjectMiniCluster MiniCluster cluster) throws Exception {
    String stream = "dms";
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 4);
    List<Shard> shards = k.openShards(stream);
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    Database db = new Database();

    // The full load. Orders' key is configured and its control record agrees; customers' key
    // comes only from its control record, put after its load records and on another shard.
    List<Entry> first = new ArrayList<>();
    first.add(db.control("orders"));
    first.addAll(db.load("customers", 1, CUSTOMERS / 2));
    first.addAll(db.load("orders", 1, ORDERS / 2));
    first.add(db.control("customers"));
    k.putAll(stream, first);
    // Planted: truncated JSON, and a record whose position DMS would never write.
    String truncated = "{\"data\":{\"order_id\":9001},\"metadata\":{\"timestamp\":";
    String badTime =
        "{\"data\":{\"order_id\":9002},\"metadata\":{\"timestamp\":\"yesterday\","
            + "\"record-type\":\"data\",\"operation\":\"insert\",\"schema-name\":\"sales\","
            + "\"table-name\":\"orders\"}}";
    List<Put> bad =
        k.putAll(
            stream,
            List.of(
                new Entry(Database.partitionKey("orders", 9001), utf8(truncated)),
                new Entry(Database.partitionKey("orders", 9002), utf8(badTime))));

    JobClient client =
        JobTesting.startAsync(
            "cdc-dms-kinesis",
            args(
                stream,
                "dms-json",
                false,
                // a shard is read at 125 records/s: a parent's backlog is still being read
                // when the children's changes to the same keys arrive
                "--kinesis.poll.max-records",
                "25",
                "--cdc.primary-keys",
                "sales.orders=order_id"));
    long start = System.nanoTime();
    List<Key> all = keys(x -> true);
    k.putAll(stream, db.changes(1_500, all));
    killAfterACommit(cluster, client, lake, 0);

    // A split: a backlog of changes to the parent's keys right before, the same keys right after.
    // The connector reads the children as soon as it discovers them, while the parent's backlog
    // is still being read: without the ordering guard, a key's older change from the parent
    // lands after its newer one from a child, and the mirror keeps the older row.
    Shard parent = shards.get(0);
    List<Key> hot = keys(x -> inShard(x, parent));
    k.putAll(stream, db.changes(800, hot));
    k.split(stream, parent.shardId());
    List<Shard> children =
        k.openShards(stream).stream()
            .filter(s -> parent.shardId().equals(s.parentShardId()))
            .collect(Collectors.toList());
    assertThat(children).hasSize(2);
    List<Put> afterSplit = k.putAll(stream, db.changes(400, hot));
    Set<String> childIds = children.stream().map(Shard::shardId).collect(Collectors.toSet());
    assertThat(afterSplit).allSatisfy(p -> assertThat(childIds).contains(p.shardId));
    killAfterACommit(cluster, client, lake, 1);

    // A merge of two adjacent shards, the same way.
    Shard left = shards.get(2);
    Shard right = shards.get(3);
    assertThat(new BigInteger(left.hashKeyRange().endingHashKey()).add(BigInteger.ONE))
        .isEqualTo(new BigInteger(right.hashKeyRange().startingHashKey()));
    List<Key> merged = keys(x -> inShard(x, left) || inShard(x, right));
    k.putAll(stream, db.changes(800, merged));
    k.merge(stream, left.shardId(), right.shardId());
    Shard child =
        k.openShards(stream).stream()
            .filter(s -> left.shardId().equals(s.parentShardId()))
            .findFirst()
            .orElseThrow();
    assertThat(child.adjacentParentShardId()).isEqualTo(right.shardId());
    List<Put> afterMerge = k.putAll(stream, db.changes(400, merged));
    assertThat(afterMerge).allSatisfy(p -> assertThat(p.shardId).isEqualTo(child.shardId()));
    killAfterACommit(cluster, client, lake, 2);

    // The last changes stay off the split's and the merge's keys: a later change would hide a
    // key whose older change was applied last.
    k.putAll(stream, db.changes(1_000, keys(x -> inShard(x, shards.get(1)))));

    try {
      JobTesting.waitFor(Duration.ofSeconds(240), () -> mirrorsEqual(lake, db));
    } catch (AssertionError e) {
      for (String table : List.of("orders", "customers")) {
        assertThat(mirror(lake, table)).as(table).isEqualTo(db.rows.get(table)); // the diff
      }
      throw e;
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    // a few more checkpoints: a row a bad recovery or a late stale change would write shows now
    JobTesting.awaitMoreCheckpoints(cluster, client.getJobID(), 3);
    assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    Object stale = client.getAccumulators().get(30, TimeUnit.SECONDS).get(Metrics.CHANGES_STALE);
    JobTesting.cancelAndAwaitEnd(client);

    for (String table : List.of("orders", "customers")) {
      assertThat(mirror(lake, table)).as(table).isEqualTo(db.rows.get(table));
    }
    Map<String, String> dead = new TreeMap<>();
    for (Record r : Tables.read(lake, "cdc_dead_letters")) {
      dead.put(
          r.getField("source_partition") + "@" + r.getField("source_position"),
          (String) r.getField("reason"));
    }
    assertThat(dead)
        .isEqualTo(
            Map.of(
                bad.get(0).shardId + "@" + bad.get(0).sequenceNumber,
                "truncated-json",
                bad.get(1).shardId + "@" + bad.get(1).sequenceNumber,
                "bad-position"));
    System.out.printf(
        "cdc on kinesis (DMS JSON), split + merge + 3 TaskManager kills: %d changes, %d orders +"
            + " %d customers exact, %s stale changes dropped, in %d ms%n",
        db.changes, db.rows.get("orders").size(), db.rows.get("customers").size(), stale, millis);
  }

  /**
   * Debezium JSON as Debezium Server's Kinesis sink writes it: the message key's JSON as partition
   * key (read as the primary key), the change event as data. A bounded run lands it exactly.
   */
  @Test
  void debeziumJsonOnKinesisLandsExactly() throws Exception {
    String stream = "debezium";
    KinesisStreams k = kinesis.streams();
    k.createStream(stream, 2);
    List<Entry> entries = new ArrayList<>();
    TreeMap<Long, Map<String, Object>> expected = new TreeMap<>();
    long lsn = 34078720;
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      long id = 1 + random.nextInt(40);
      Map<String, Object> before = expected.get(id);
      String op;
      Map<String, Object> after = null;
      if (before == null) {
        op = "c";
      } else {
        op = random.nextInt(4) == 0 ? "d" : "u";
      }
      if (!op.equals("d")) {
        after = new LinkedHashMap<>();
        after.put("id", id);
        after.put("name", "item " + id + " v" + i);
        after.put("weight", (double) random.nextInt(1000) / 4);
        expected.put(id, after);
      } else {
        expected.remove(id);
      }
      ObjectNode event = JSON.createObjectNode();
      event.set("before", JSON.valueToTree(before));
      event.set("after", JSON.valueToTree(after));
      event
          .putObject("source")
          .put("db", "postgres")
          .put("schema", "inventory")
          .put("table", "products")
          .put("lsn", lsn += 100);
      event.put("op", op);
      entries.add(new Entry("{\"id\":" + id + "}", utf8(event.toString())));
      if (op.equals("d")) {
        entries.add(new Entry("{\"id\":" + id + "}", new byte[0])); // the sink's tombstone
      }
    }
    k.putAll(stream, entries);
    Main.run(args(stream, "debezium-json", true));
    IcebergCatalog postgres = Tables.hadoop(dir.resolve("warehouse").toString(), "postgres");
    TreeMap<Long, Map<String, Object>> have = new TreeMap<>();
    for (Record r : Tables.read(postgres, "inventory_products")) {
      assertThat(have.put((Long) r.getField("id"), columns(r))).as("one row per id").isNull();
    }
    assertThat(have).isEqualTo(expected);
    assertThat(
            Tables.read(
                Tables.hadoop(dir.resolve("warehouse").toString(), "lake"), "cdc_dead_letters"))
        .isEmpty();
  }

  /** Kills a TaskManager once the orders mirror has committed again since the call. */
  static void killAfterACommit(MiniCluster cluster, JobClient client, IcebergCatalog lake, int kill)
      throws Exception {
    long before = snapshot(lake, "sales_orders");
    JobTesting.waitFor(Duration.ofSeconds(90), () -> snapshot(lake, "sales_orders") != before);
    JobTesting.killTaskManager(cluster, client, kill);
  }

  static long snapshot(IcebergCatalog lake, String table) {
    if (!Tables.exists(lake, table)) {
      return -1;
    }
    return lake.with(
        c -> {
          var s = c.loadTable(lake.identifier(table)).currentSnapshot();
          return s == null ? -1 : s.snapshotId();
        });
  }

  static boolean mirrorsEqual(IcebergCatalog lake, Database db) {
    for (String table : List.of("orders", "customers")) {
      if (!Tables.exists(lake, "sales_" + table)
          || !mirror(lake, table).equals(db.rows.get(table))) {
        return false;
      }
    }
    return true;
  }

  /** The mirror of {@code table}, by key; a key held twice fails. */
  static TreeMap<Long, Map<String, Object>> mirror(IcebergCatalog lake, String table) {
    TreeMap<Long, Map<String, Object>> out = new TreeMap<>();
    for (Record r : Tables.read(lake, "sales_" + table)) {
      Map<String, Object> row = columns(r);
      assertThat(out.put((Long) row.get(Database.keyColumn(table)), row))
          .as("one row per key in %s", table)
          .isNull();
    }
    return out;
  }

  static Map<String, Object> columns(Record r) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < r.size(); i++) {
      String c = r.struct().fields().get(i).name();
      if (!c.startsWith("_")) {
        row.put(c, r.get(i));
      }
    }
    return row;
  }
}
