package io.tributary.bench;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.jobs.Main;
import io.tributary.testing.ChangeStreams;
import io.tributary.testing.ChangeStreams.ChangeStream;
import io.tributary.testing.ChangeStreams.Message;
import io.tributary.testing.KafkaServer;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdc} against its Flink SQL twin (Kafka source with the {@code debezium-json} format into
 * an Iceberg v2 upsert table), on the same preloaded Kafka topic, alternating runs in one process.
 * The topic holds the {@code customers} table of a {@link ChangeStreams} stream (Debezium's
 * PostgreSQL connector with the schema envelope; tombstones included), keyed and partitioned by
 * primary key over two partitions. After every run, both tables are read back with deletes applied
 * and compared, row by row, with the generator's final state of {@code customers}; the benchmark
 * fails if either differs.
 *
 * <p>{@link BenchmarkHarness} measures {@code cdc} against its twin and the ceiling on a lighter
 * stream (no schema envelope, generated as it is sent, so millions fit); this benchmark keeps
 * Debezium's full envelope and encodings and checks both tables against the generator's oracle.
 *
 * <p>Not part of the test suite (the name does not end in Test); run it with:
 *
 * <pre>
 * cd /work/main &amp;&amp; mvn -q -o install -DskipTests -pl common &amp;&amp; mvn -q -o -pl jobs test \
 *   -Dtest=CdcBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.events=200000
 * </pre>
 *
 * {@code -Dbench.events} (default 200000): change events of {@code customers} at least (tombstones
 * not counted; the actual count is reported); {@code -Dbench.rounds} (default 3). Results go to
 * {@code jobs/target/bench-cdc.txt}. The generator holds the whole three-table stream in memory
 * (about 2.6 GB for 200000 customers events, under surefire's -Xmx3g), so do not go much higher.
 *
 * <p>Flink's {@code debezium-json} format cannot read Debezium's encodings of four of the eight
 * columns (Connect decimals as base64 bytes, {@code io.debezium.time.MicroTimestamp} and {@code
 * Date} as numbers, {@code ZonedTimestamp} with offsets other than Z), so the SQL twin declares and
 * lands them raw: {@code balance BYTES}, {@code created_at BIGINT}, {@code birthday INT}, {@code
 * last_seen STRING}. The check decodes those raw values before comparing; {@code cdc} lands the
 * exact types.
 */
class CdcBenchmark {
  static final String TOPIC = "customers";
  static final String TABLE = "customers";
  static final int PARTITIONS = 2;
  static final long SEED = 11;

  /** The share of a stream's events that go to {@code customers} (its table weight). */
  static final double CUSTOMERS_SHARE = 0.30;

  static final String SOURCE_DDL =
      "CREATE TABLE customers_src (id INT, name STRING, email STRING, balance BYTES,"
          + " created_at BIGINT, birthday INT, last_seen STRING, vip BOOLEAN) WITH ("
          + "'connector' = 'kafka', 'topic' = '"
          + TOPIC
          + "', 'properties.bootstrap.servers' = '%s', 'properties.group.id' = 'sql-%d',"
          + " 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',"
          + " 'format' = 'debezium-json', 'debezium-json.schema-include' = 'true')";

  static final String SINK_DDL =
      "CREATE TABLE ice.sqlbench.sql_%d (id INT NOT NULL, name STRING, email STRING,"
          + " balance BYTES, created_at BIGINT, birthday INT, last_seen STRING, vip BOOLEAN,"
          + " PRIMARY KEY (id) NOT ENFORCED) WITH ('format-version' = '2',"
          + " 'write.upsert.enabled' = 'true', 'write.format.default' = 'parquet',"
          + " 'write.parquet.compression-codec' = 'zstd')";

  static final String INSERT = "INSERT INTO ice.sqlbench.sql_%d SELECT * FROM customers_src";

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void run() throws Exception {
    int target = Integer.getInteger("bench.events", 200_000);
    int rounds = Integer.getInteger("bench.rounds", 3);
    StringBuilder report = new StringBuilder();
    String sqlPlan = null;
    boolean failed = false;
    try (KafkaServer kafka = KafkaServer.start()) {
      kafka.createTopic(TOPIC, PARTITIONS);
      Data data = generate(target);
      long[] sent = send(kafka, data.messages);
      long messages = sent[0];
      long bytes = sent[1];
      data.messages = null; // about 3 KB each: let them go before the runs
      report.append(
          String.format(
              Locale.ROOT,
              "cdc vs Flink SQL (debezium-json -> Iceberg v2 upsert), table customers of"
                  + " ChangeStreams.generate(%d, %d)%n"
                  + "%d events (Kafka records) = %d change events (by op: %s) + %d tombstones;"
                  + " %d bytes (keys + values), %d per event on average%n"
                  + "%d key changes sent as one update (keyed by the new key), %d of them with"
                  + " the old key in the other partition%n"
                  + "topic: %d partitions, partition = Message.partition(%d); parallelism 2,"
                  + " checkpoints every 2 s; final state: %d rows%n"
                  + "events/s = events / wall time of the whole run (start-up included)%n",
              SEED,
              data.generated,
              messages,
              data.events,
              data.ops,
              messages - data.events,
              bytes,
              bytes / Math.max(messages, 1),
              data.keyChanges,
              data.crossing,
              PARTITIONS,
              PARTITIONS,
              data.oracle.size()));
      List<Double> ratios = new ArrayList<>();
      BenchRuns.Probe failures = BenchRuns.Probe.install();
      for (int round = 0; round < rounds; round++) {
        System.gc();
        failures.reset();
        long t0 = System.nanoTime();
        runJob(kafka, round);
        double jobSeconds = (System.nanoTime() - t0) / 1e9;
        String jobFailures = failures.describeFailures();
        System.gc();
        failures.reset();
        t0 = System.nanoTime();
        String plan = runSql(kafka, round);
        double sqlSeconds = (System.nanoTime() - t0) / 1e9;
        String sqlFailures = failures.describeFailures();
        if (sqlPlan == null) {
          sqlPlan = plan;
        }
        double job = messages / jobSeconds;
        double sql = messages / sqlSeconds;
        ratios.add(job / sql);
        String jobCheck = check(data.oracle, jobRows(round), "job_" + round);
        String sqlCheck = check(data.oracle, sqlRows(round), "sql_" + round);
        long deadLetters = deadLetters();
        // The SQL twin's table is reported, not required to be right: Flink's debezium-json
        // pipeline keeps rows whose key changed when the change overtakes the old key's earlier
        // changes from another partition (it has no ordering guard). That is a finding.
        failed |= !jobCheck.startsWith("OK") || deadLetters != 0;
        report.append(
            String.format(
                Locale.ROOT,
                "round %d: cdc %.0f events/s (%.1f s), SQL %.0f events/s (%.1f s), ratio %.2f%n"
                    + "  task failures (each one a restart of the job): cdc %s; SQL %s%n"
                    + "  rows: cdc %s; SQL %s; cdc dead letters so far: %d%n",
                round,
                job,
                jobSeconds,
                sql,
                sqlSeconds,
                job / sql,
                jobFailures,
                sqlFailures,
                jobCheck,
                sqlCheck,
                deadLetters));
        System.out.print(report.substring(report.lastIndexOf("round ")));
      }
      List<Double> sorted = new ArrayList<>(ratios);
      sorted.sort(null);
      double median =
          sorted.size() % 2 == 1
              ? sorted.get(sorted.size() / 2)
              : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
      report.append(
          String.format(
              Locale.ROOT,
              "median ratio cdc/SQL %.2f, spread %.2f..%.2f over %d rounds%n",
              median,
              sorted.get(0),
              sorted.get(sorted.size() - 1),
              rounds));
    }
    report.append("SQL plan (round 0):\n").append(sqlPlan).append('\n');
    Files.writeString(Path.of("target", "bench-cdc.txt"), report.toString());
    System.out.println(report);
    if (failed) {
      throw new AssertionError("a table differs from the final state:\n" + report);
    }
  }

  /** The customers messages of a stream with at least {@code target} customers change events. */
  static final class Data {
    List<Message> messages;
    Map<Integer, Map<String, Object>> oracle;
    int events;
    int generated;
    String ops;

    /**
     * Key changes sent as one update (keyed by the new key), and those of them whose old key is in
     * the other partition.
     */
    int keyChanges;

    int crossing;
  }

  static Data generate(int target) {
    int n = (int) Math.ceil(target / CUSTOMERS_SHARE);
    while (true) {
      ChangeStream stream = ChangeStreams.generate(SEED, n);
      List<Message> customers = new ArrayList<>();
      int events = 0;
      int keyChanges = 0;
      int crossing = 0;
      Map<String, Integer> ops = new TreeMap<>();
      Map<Integer, Integer> partitionOf = new HashMap<>();
      for (Message m : stream.messages()) {
        if (!m.table.equals(TABLE)) {
          continue;
        }
        customers.add(m);
        if (m.isTombstone()) {
          continue;
        }
        events++;
        JsonNode payload = payload(m);
        ops.merge(payload.get("op").asText(), 1, Integer::sum);
        Integer before = id(payload.get("before"));
        Integer after = id(payload.get("after"));
        int partition = m.partition(PARTITIONS);
        if (before != null && after != null && !before.equals(after)) {
          keyChanges++;
          if (!Objects.equals(partitionOf.get(before), partition)) {
            crossing++;
          }
        }
        partitionOf.put(after != null ? after : before, partition); // the message's key
      }
      if (events >= target) {
        Data d = new Data();
        d.messages = customers;
        d.events = events;
        d.generated = n;
        d.ops = ops.toString();
        d.keyChanges = keyChanges;
        d.crossing = crossing;
        d.oracle = new TreeMap<>();
        stream.finalState().get(TABLE).forEach((k, v) -> d.oracle.put((Integer) k.get(0), v));
        if (!stream.keyColumns(TABLE).equals(List.of("id"))) {
          throw new IllegalStateException("customers key: " + stream.keyColumns(TABLE));
        }
        return d;
      }
      customers = null;
      stream = null;
      n += (int) Math.ceil((target - events) / CUSTOMERS_SHARE) + 1_000;
    }
  }

  static JsonNode payload(Message m) {
    try {
      return JSON.readTree(m.value).get("payload");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Integer id(JsonNode image) {
    return image == null || image.isNull() ? null : image.get("id").asInt();
  }

  /** Sends with Debezium's key; returns messages and bytes (keys + values). */
  static long[] send(KafkaServer kafka, List<Message> messages) {
    long bytes = 0;
    List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
    for (Message m : messages) {
      bytes += m.key.length + (m.value == null ? 0 : m.value.length);
      batch.add(new ProducerRecord<>(TOPIC, m.partition(PARTITIONS), m.key, m.value));
      if (batch.size() == 5_000) {
        kafka.sendAll(TOPIC, batch);
        batch.clear();
      }
    }
    kafka.sendAll(TOPIC, batch);
    return new long[] {messages.size(), bytes};
  }

  private void runJob(KafkaServer kafka, int round) throws Exception {
    Main.run(
        new String[] {
          "--job.name", "cdc",
          "--job.parallelism", "2",
          "--job.checkpoint.interval", "2 s",
          "--job.checkpoint.dir", dir.resolve("cp").toUri().toString(),
          "--job.restart.max-attempts", "1",
          "--cdc.format", "debezium-json",
          "--cdc.tables", TABLE + "=bench.job_" + round,
          "--source.type", "kafka",
          "--source.bounded", "true",
          "--kafka.bootstrap.servers", kafka.bootstrapServers(),
          "--kafka.topics", TOPIC,
          "--kafka.start", "earliest",
          "--kafka.group.id", "job-" + round,
          "--iceberg.warehouse", dir.resolve("warehouse").toString(),
          "--iceberg.database", "bench"
        });
  }

  /** Runs the twin; returns its plan. */
  private String runSql(KafkaServer kafka, int round) throws Exception {
    Configuration conf = new Configuration();
    conf.setString("execution.checkpointing.interval", "2 s");
    conf.setString("state.checkpoints.dir", dir.resolve("cp-sql").toUri().toString());
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    StreamTableEnvironment t =
        StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    t.getConfig().set("table.local-time-zone", "UTC");
    t.executeSql(String.format(Locale.ROOT, SOURCE_DDL, kafka.bootstrapServers(), round));
    t.executeSql(
        "CREATE CATALOG ice WITH ('type' = 'iceberg', 'catalog-type' = 'hadoop', 'warehouse' = '"
            + dir.resolve("warehouse").toUri()
            + "')");
    t.executeSql("CREATE DATABASE IF NOT EXISTS ice.sqlbench");
    t.executeSql(String.format(Locale.ROOT, SINK_DDL, round));
    String insert = String.format(Locale.ROOT, INSERT, round);
    String plan = t.explainSql(insert);
    t.executeSql(insert).await();
    return plan.substring(Math.max(0, plan.indexOf("== Optimized Execution Plan ==")));
  }

  private Map<Integer, Map<String, Object>> jobRows(int round) {
    return rows(
        Tables.read(Tables.hadoop(dir.resolve("warehouse").toString(), "bench"), "job_" + round),
        Function.identity());
  }

  private long deadLetters() {
    IcebergCatalog c = Tables.hadoop(dir.resolve("warehouse").toString(), "bench");
    return Tables.exists(c, "cdc_dead_letters") ? Tables.read(c, "cdc_dead_letters").size() : 0;
  }

  /** The SQL table's rows with the raw columns decoded as Debezium encoded them. */
  private Map<Integer, Map<String, Object>> sqlRows(int round) {
    return rows(
        Tables.read(Tables.hadoop(dir.resolve("warehouse").toString(), "sqlbench"), "sql_" + round),
        row -> {
          row.computeIfPresent("balance", (k, v) -> decimal((ByteBuffer) v, 2));
          row.computeIfPresent("created_at", (k, v) -> micros((Long) v));
          row.computeIfPresent("birthday", (k, v) -> LocalDate.ofEpochDay((Integer) v));
          row.computeIfPresent(
              "last_seen",
              (k, v) -> OffsetDateTime.parse((String) v).withOffsetSameInstant(ZoneOffset.UTC));
          return row;
        });
  }

  static BigDecimal decimal(ByteBuffer b, int scale) {
    byte[] unscaled = new byte[b.remaining()];
    b.duplicate().get(unscaled);
    return new BigDecimal(new BigInteger(unscaled), scale);
  }

  static LocalDateTime micros(long micros) {
    return LocalDateTime.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L),
        (int) Math.floorMod(micros, 1_000_000L) * 1000,
        ZoneOffset.UTC);
  }

  /**
   * Rows by id, without the reader's {@code _pos}; a duplicate id is kept under a negative marker
   * so the check reports it.
   */
  static Map<Integer, Map<String, Object>> rows(
      List<Record> records, Function<Map<String, Object>, Map<String, Object>> decode) {
    Map<Integer, Map<String, Object>> out = new TreeMap<>();
    int duplicates = 0;
    for (Record r : records) {
      Map<String, Object> row = new java.util.LinkedHashMap<>();
      for (int i = 0; i < r.size(); i++) {
        String column = r.struct().fields().get(i).name();
        if (!column.startsWith("_")) {
          row.put(column, r.get(i));
        }
      }
      row = decode.apply(row);
      if (out.putIfAbsent((Integer) row.get("id"), row) != null) {
        Map<String, Object> dup = new java.util.LinkedHashMap<>();
        dup.put("duplicate of id", row.get("id"));
        out.put(Integer.MIN_VALUE + duplicates++, dup);
      }
    }
    return out;
  }

  /** "OK n rows" or what differs. */
  static String check(
      Map<Integer, Map<String, Object>> want, Map<Integer, Map<String, Object>> have, String t) {
    TreeSet<Integer> missing = new TreeSet<>(want.keySet());
    missing.removeAll(have.keySet());
    TreeSet<Integer> extra = new TreeSet<>(have.keySet());
    extra.removeAll(want.keySet());
    List<String> differ = new ArrayList<>();
    for (Map.Entry<Integer, Map<String, Object>> e : want.entrySet()) {
      Map<String, Object> h = have.get(e.getKey());
      if (h != null && !Objects.equals(h, e.getValue())) {
        differ.add(e.getKey() + ": want " + e.getValue() + ", have " + h);
      }
    }
    if (missing.isEmpty() && extra.isEmpty() && differ.isEmpty()) {
      return "OK " + have.size() + " rows = final state";
    }
    return String.format(
        Locale.ROOT,
        "%s DIFFERS: %d rows, want %d; %d missing %s, %d extra %s, %d different %s",
        t,
        have.size(),
        want.size(),
        missing.size(),
        first(missing),
        extra.size(),
        first(extra),
        differ.size(),
        differ.subList(0, Math.min(2, differ.size())));
  }

  static String first(TreeSet<Integer> ids) {
    return Arrays.toString(ids.stream().limit(5).toArray());
  }
}
