package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aggregate} against Flink SQL's window table-valued functions on the same Kafka topic:
 * out-of-order events (within the watermark delay), duplicate keys and a long gap. The job's
 * Iceberg table must equal the SQL query's result row for row, for each window type.
 */
@Timeout(600)
class AggregateJobTest {
  static final String TOPIC = "clicks";
  static final int EVENTS = 3_000;
  static final String SCHEMA =
      "user_id STRING NOT NULL, category STRING, amount DECIMAL(10, 2), qty INT,"
          + " ts TIMESTAMP_LTZ(3) NOT NULL";
  static final String AGGREGATES =
      "count(*) AS events, count(amount) AS priced, sum(amount) AS revenue, min(qty) AS min_qty,"
          + " max(amount) AS max_amount, avg(amount) AS avg_amount, avg(qty) AS avg_qty,"
          + " count_distinct(category) AS categories";
  static final String SQL_AGGREGATES =
      "COUNT(*), COUNT(amount), SUM(amount), MIN(qty), MAX(amount), AVG(amount), AVG(qty),"
          + " COUNT(DISTINCT category)";

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(4);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  static Instant base;

  @TempDir static Path dir;

  @BeforeAll
  static void load() {
    kafka.createTopic(TOPIC, 2);
    base = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    Random r = new Random(11);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      // 200 ms apart, jittered by up to 2 s either way (the watermark allows 5 s), and a
      // 3-minute silence in the middle so sessions split.
      long t = i * 200L + (r.nextInt(4001) - 2000) + (i >= EVENTS / 2 ? 180_000 : 0);
      String amount =
          r.nextInt(10) == 0 ? "null" : BigDecimal.valueOf(r.nextInt(100_000), 2).toPlainString();
      String category = r.nextInt(8) == 0 ? "null" : "\"c" + r.nextInt(4) + "\"";
      String json =
          String.format(
              "{\"user_id\":\"u%d\",\"category\":%s,\"amount\":%s,\"qty\":%d,\"ts\":\"%s\"}",
              r.nextInt(7), category, amount, r.nextInt(5), base.plusMillis(t));
      records.add(new ProducerRecord<>(TOPIC, i % 2, null, json.getBytes(UTF_8)));
    }
    kafka.sendAll(TOPIC, records);
  }

  @Test
  void tumblingEqualsSql() throws Exception {
    compare(
        "tumbling",
        new String[] {"--aggregate.window.type", "tumbling", "--aggregate.window.size", "1 min"},
        "TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE)");
  }

  @Test
  void hoppingEqualsSql() throws Exception {
    compare(
        "hopping",
        new String[] {
          "--aggregate.window.type", "hopping",
          "--aggregate.window.size", "2 min",
          "--aggregate.window.slide", "30 s"
        },
        "HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '30' SECOND, INTERVAL '2' MINUTE)");
  }

  @Test
  void sessionEqualsSql() throws Exception {
    compare(
        "session",
        new String[] {"--aggregate.window.type", "session", "--aggregate.window.gap", "5 s"},
        "SESSION(TABLE events PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '5' SECOND)");
  }

  private void compare(String table, String[] window, String tvf) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "aggregate",
                "--job.parallelism", "2",
                "--job.checkpoint.interval", "1 s",
                "--job.restart.max-attempts", "2",
                "--job.checkpoint.dir", dir.resolve("cp-" + table).toUri().toString(),
                "--source.type", "kafka",
                "--source.bounded", "true",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", TOPIC,
                "--kafka.start", "earliest",
                "--kafka.group.id", "job-" + table,
                "--format.schema", SCHEMA,
                "--format.event-time.field", "ts",
                "--format.event-time.max-out-of-orderness", "5 s",
                "--aggregate.group-by", "user_id",
                "--aggregate.aggregates", AGGREGATES,
                "--iceberg.warehouse", dir.resolve("warehouse").toString(),
                "--iceberg.database", "metrics",
                "--iceberg.table", table));
    args.addAll(List.of(window));
    Main.run(args.toArray(new String[0]));

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "metrics");
    List<String> job =
        Tables.read(catalog, table).stream()
            .map(AggregateJobTest::line)
            .sorted()
            .collect(Collectors.toList());
    List<String> sql = sql(tvf, table);
    assertThat(job).hasSizeGreaterThan(10);
    assertThat(job).containsExactlyElementsOf(sql);
    assertThat(Tables.read(catalog, table + "_dead_letters")).isEmpty();
  }

  private static List<String> sql(String tvf, String group) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    StreamTableEnvironment t =
        StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    t.getConfig().set("table.local-time-zone", "UTC");
    t.executeSql(
        "CREATE TABLE events (user_id STRING NOT NULL, category STRING, amount DECIMAL(10, 2),"
            + " qty INT, ts TIMESTAMP_LTZ(3) NOT NULL,"
            + " WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ("
            + " 'connector' = 'kafka', 'topic' = '"
            + TOPIC
            + "', 'properties.bootstrap.servers' = '"
            + kafka.bootstrapServers()
            + "', 'properties.group.id' = 'sql-"
            + group
            + "', 'scan.startup.mode' = 'earliest-offset',"
            + " 'scan.bounded.mode' = 'latest-offset', 'format' = 'json',"
            + " 'json.timestamp-format.standard' = 'ISO-8601')");
    TableResult result =
        t.executeSql(
            "SELECT window_start, window_end, user_id, "
                + SQL_AGGREGATES
                + " FROM TABLE("
                + tvf
                + ") GROUP BY window_start, window_end, user_id");
    List<String> out = new ArrayList<>();
    try (CloseableIterator<Row> rows = result.collect()) {
      rows.forEachRemaining(r -> out.add(line(r)));
    }
    out.sort(null);
    return out;
  }

  /** One comparable line: window bounds as instants, then the values. */
  static String line(Record r) {
    List<Object> v = new ArrayList<>();
    for (int i = 0; i < r.size(); i++) {
      Object o = r.get(i);
      v.add(o instanceof OffsetDateTime ? ((OffsetDateTime) o).toInstant() : o);
    }
    return v.toString();
  }

  static String line(Row r) {
    List<Object> v = new ArrayList<>();
    for (int i = 0; i < r.getArity(); i++) {
      Object o = r.getField(i);
      v.add(o instanceof LocalDateTime ? ((LocalDateTime) o).toInstant(ZoneOffset.UTC) : o);
    }
    return v.toString();
  }
}
