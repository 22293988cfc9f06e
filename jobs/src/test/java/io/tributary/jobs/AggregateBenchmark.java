package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tributary.testing.KafkaServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aggregate} against its Flink SQL twin (TUMBLE, the same aggregates, into an Iceberg upsert
 * table), on the same preloaded Kafka topic, alternating runs in one process. Not part of the test
 * suite (the name does not end in Test); run it with {@code mvn -pl jobs test
 * -Dtest=AggregateBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.events=1000000}.
 * Results go to {@code jobs/target/bench-aggregate.txt}.
 */
class AggregateBenchmark {
  @TempDir Path dir;

  @Test
  void run() throws Exception {
    int events = Integer.getInteger("bench.events", 1_000_000);
    int rounds = Integer.getInteger("bench.rounds", 3);
    StringBuilder report = new StringBuilder();
    try (KafkaServer kafka = KafkaServer.start()) {
      kafka.createTopic("clicks", 2);
      Instant base = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
      SplittableRandom r = new SplittableRandom(5);
      List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
      long bytes = 0;
      for (int i = 0; i < events; i++) {
        String json =
            String.format(
                Locale.ROOT,
                "{\"event_id\":\"e-%d\",\"user_id\":\"u-%d\",\"category\":\"c%d\",\"amount\":%d.%02d,"
                    + "\"qty\":%d,\"ts\":\"%s\",\"referrer\":\"https://shop.example.com/p/%d\"}",
                i,
                r.nextInt(10_000),
                r.nextInt(20),
                r.nextInt(500),
                r.nextInt(100),
                1 + r.nextInt(4),
                base.plusMillis(i * 3L + r.nextInt(2000)),
                r.nextInt(100_000));
        bytes += json.length();
        batch.add(new ProducerRecord<>("clicks", i % 2, null, json.getBytes(UTF_8)));
        if (batch.size() == 10_000) {
          kafka.sendAll("clicks", batch);
          batch.clear();
        }
      }
      kafka.sendAll("clicks", batch);
      report.append(
          String.format(
              "%d events, %d bytes each on average, parallelism 2, checkpoints every 10 s%n",
              events, bytes / events));
      for (int round = 0; round < rounds; round++) {
        long t0 = System.nanoTime();
        runJob(kafka, round);
        double job = events / ((System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        runSql(kafka, round);
        double sql = events / ((System.nanoTime() - t0) / 1e9);
        report.append(
            String.format(
                Locale.ROOT,
                "round %d: aggregate %.0f events/s, SQL %.0f events/s, ratio %.2f%n",
                round,
                job,
                sql,
                job / sql));
      }
    }
    Files.writeString(Path.of("target", "bench-aggregate.txt"), report.toString());
    System.out.println(report);
  }

  private void runJob(KafkaServer kafka, int round) throws Exception {
    Main.run(
        new String[] {
          "--job.name", "aggregate",
          "--job.parallelism", "2",
          "--job.checkpoint.dir", dir.resolve("cp").toUri().toString(),
          "--source.type", "kafka",
          "--source.bounded", "true",
          "--kafka.bootstrap.servers", kafka.bootstrapServers(),
          "--kafka.topics", "clicks",
          "--kafka.start", "earliest",
          "--kafka.group.id", "job-" + round,
          "--format.schema",
              "event_id STRING NOT NULL, user_id STRING NOT NULL, category STRING,"
                  + " amount DECIMAL(10, 2), qty INT, ts TIMESTAMP_LTZ(3) NOT NULL",
          "--format.event-time.field", "ts",
          "--format.event-time.max-past", "1 d",
          "--aggregate.window.type", "tumbling",
          "--aggregate.window.size", "1 min",
          "--aggregate.group-by", "user_id",
          "--aggregate.aggregates",
              "count(*) AS events, sum(amount) AS revenue, min(qty) AS min_qty, max(qty) AS"
                  + " max_qty",
          "--iceberg.warehouse", dir.resolve("warehouse").toString(),
          "--iceberg.database", "bench",
          "--iceberg.table", "job_" + round
        });
  }

  private void runSql(KafkaServer kafka, int round) throws Exception {
    Configuration conf = new Configuration();
    conf.setString("execution.checkpointing.interval", "10 s");
    conf.setString("state.checkpoints.dir", dir.resolve("cp-sql").toUri().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    StreamTableEnvironment t =
        StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    t.getConfig().set("table.local-time-zone", "UTC");
    t.executeSql(
        "CREATE TABLE events (event_id STRING, user_id STRING, category STRING,"
            + " amount DECIMAL(10, 2), qty INT, ts TIMESTAMP_LTZ(3),"
            + " WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'kafka',"
            + " 'topic' = 'clicks', 'properties.bootstrap.servers' = '"
            + kafka.bootstrapServers()
            + "', 'properties.group.id' = 'sql-"
            + round
            + "', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',"
            + " 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601')");
    t.executeSql(
        "CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-type' = 'hadoop',"
            + " 'warehouse' = '"
            + dir.resolve("warehouse").toUri()
            + "')");
    t.executeSql("CREATE DATABASE IF NOT EXISTS lake.sqlbench");
    t.executeSql(
        "CREATE TABLE lake.sqlbench.sql_"
            + round
            + " (window_start TIMESTAMP(3) NOT NULL, window_end TIMESTAMP(3) NOT NULL,"
            + " user_id STRING NOT NULL, events BIGINT, revenue DECIMAL(38, 2), min_qty INT,"
            + " max_qty INT, PRIMARY KEY (window_start, window_end, user_id) NOT ENFORCED)"
            + " WITH ('format-version' = '2', 'write.upsert.enabled' = 'true',"
            + " 'write.parquet.compression-codec' = 'zstd')");
    t.executeSql(
            "INSERT INTO lake.sqlbench.sql_"
                + round
                + " SELECT window_start, window_end, user_id, COUNT(*), SUM(amount), MIN(qty),"
                + " MAX(qty) FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1'"
                + " MINUTE)) GROUP BY window_start, window_end, user_id")
        .await();
  }
}
