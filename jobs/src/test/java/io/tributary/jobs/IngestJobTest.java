package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.HostileEvents;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Kafka (a real broker) into Iceberg through {@code ingest}, bounded, on a MiniCluster. */
@Timeout(300)
class IngestJobTest {
  static final String SCHEMA =
      "id STRING NOT NULL, user_id STRING NOT NULL, amount DECIMAL(10, 2), qty INT,"
          + " ts TIMESTAMP_LTZ(3) NOT NULL";

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  /** One record we send, and the reason it must be dead-lettered with (null if valid). */
  static final class Sent {
    final String reason;
    final byte[] value;
    RecordMetadata meta;

    Sent(String reason, byte[] value) {
      this.reason = reason;
      this.value = value;
    }
  }

  static String valid(int i, Instant ts) {
    String amount = i % 7 == 0 ? "" : ",\"amount\":" + i + ".25";
    String user = i == 3 ? "ü-世界" : "u-" + (i % 5);
    return String.format(
        "{\"id\":\"v-%02d\",\"user_id\":\"%s\"%s,\"qty\":%d,\"ts\":\"%s\",\"ignored\":{\"a\":[1]}}",
        i, user, amount, i, ts);
  }

  @Test
  void landsExactlyTheValidRecordsAndDeadLettersEveryBadOne() throws Exception {
    String topic = "clicks";
    kafka.createTopic(topic, 2);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    List<Sent> sent = send(kafka::sendAll, topic, validAndBad(base));

    Main.run(
        new String[] {
          "--job.name",
          "ingest",
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
          "--format.schema",
          SCHEMA,
          "--format.event-time.field",
          "ts",
          "--iceberg.warehouse",
          dir.resolve("warehouse").toString(),
          "--iceberg.database",
          "lake",
          "--iceberg.table",
          "clicks",
          "--iceberg.partition-spec",
          "days(ts), bucket(4, user_id)"
        });

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertValidRows(Tables.read(catalog, "clicks"), base);
    assertDeadLetters(Tables.read(catalog, "clicks_dead_letters"), sent, topic);
  }

  /**
   * The hostile corpus (1,000 valid records, 2,010 hostile ones over every kind a lenient reader
   * changes silently) through a real broker into Iceberg: every valid record exactly, every hostile
   * one a dead letter with its reason and its bytes, and nothing else.
   */
  @Test
  void theHostileCorpusLandsExactlyOrAsDeadLetters() throws Exception {
    String topic = "hostile";
    kafka.createTopic(topic, 2);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    List<HostileEvents.Case> corpus = HostileEvents.corpus(base, 1000, 2010);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < corpus.size(); i++) {
      records.add(new ProducerRecord<>(topic, i % 2, null, corpus.get(i).value));
    }
    kafka.sendAll(topic, records);

    Main.run(
        new String[] {
          "--job.name", "ingest",
          "--job.checkpoint.interval", "1 s",
          "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
          "--source.type", "kafka",
          "--source.bounded", "true",
          "--kafka.bootstrap.servers", kafka.bootstrapServers(),
          "--kafka.topics", topic,
          "--kafka.start", "earliest",
          "--format.schema", HostileEvents.SCHEMA,
          "--format.event-time.field", "ts",
          "--iceberg.warehouse", dir.resolve("warehouse").toString(),
          "--iceberg.database", "lake",
          "--iceberg.table", "hostile"
        });

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    Map<Long, Map<String, Object>> expected = new TreeMap<>();
    List<String> expectedDead = new ArrayList<>();
    for (HostileEvents.Case c : corpus) {
      if (c.valid()) {
        Map<String, Object> e = new LinkedHashMap<>(c.expected);
        e.put("ts", OffsetDateTime.ofInstant((Instant) e.get("ts"), ZoneOffset.UTC));
        expected.put((Long) e.get("id"), e);
      } else {
        expectedDead.add(c.reason + " " + Base64.getEncoder().encodeToString(c.value));
      }
    }
    Map<Long, Map<String, Object>> landed = new TreeMap<>();
    for (Record r : Tables.read(catalog, "hostile")) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (String column : HostileEvents.COLUMNS) {
        row.put(column, r.getField(column));
      }
      assertThat(landed.put((Long) r.getField("id"), row)).as("id landed twice").isNull();
    }
    assertThat(landed).isEqualTo(expected);
    List<String> dead = new ArrayList<>();
    for (Record r : Tables.read(catalog, "hostile_dead_letters")) {
      ByteBuffer payload = (ByteBuffer) r.getField("payload");
      byte[] bytes = new byte[payload.remaining()];
      payload.get(bytes);
      dead.add(r.getField("reason") + " " + Base64.getEncoder().encodeToString(bytes));
    }
    assertThat(dead).containsExactlyInAnyOrderElementsOf(expectedDead);
    assertThat(landed.size() + dead.size()).isEqualTo(corpus.size());
  }

  /**
   * A bounded run whose readers end at different times: partition 0 holds a few records, partition
   * 1 many, so reader 0 ends first and checkpoints complete while reader 1 still reads. Iceberg
   * 1.10.1's files committer keeps each writer's end-of-input files under one key, and the last
   * writer to end replaced the first one's: the 5M-event benchmark lost 915,063 rows this way.
   * Every record must land, once.
   */
  @Test
  void aBoundedRunWhoseReadersEndAtDifferentTimesLosesNothing() throws Exception {
    String topic = "uneven";
    kafka.createTopic(topic, 2);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    int few = 50;
    int many = 60_000;
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < few + many; i++) {
      String json =
          String.format(
              "{\"id\":\"e-%06d\",\"user_id\":\"u-%d\",\"qty\":%d,\"ts\":\"%s\"}",
              i, i % 7, i, base.plusMillis(i));
      records.add(new ProducerRecord<>(topic, i < few ? 0 : 1, null, json.getBytes(UTF_8)));
    }
    kafka.sendAll(topic, records);

    Main.run(
        new String[] {
          "--job.name", "ingest",
          "--job.parallelism", "2",
          "--job.checkpoint.interval", "200 ms",
          "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
          "--source.type", "kafka",
          "--source.bounded", "true",
          "--kafka.bootstrap.servers", kafka.bootstrapServers(),
          "--kafka.topics", topic,
          "--kafka.start", "earliest",
          "--format.schema", SCHEMA,
          "--format.event-time.field", "ts",
          "--iceberg.warehouse", dir.resolve("warehouse").toString(),
          "--iceberg.database", "lake",
          "--iceberg.table", "uneven"
        });

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    List<String> ids =
        Tables.read(catalog, "uneven").stream()
            .map(r -> (String) r.getField("id"))
            .sorted()
            .collect(Collectors.toList());
    assertThat(ids).hasSize(few + many);
    assertThat(ids.get(0)).isEqualTo("e-000000");
    assertThat(ids.get(few + many - 1)).isEqualTo(String.format("e-%06d", few + many - 1));
    assertThat(new java.util.TreeSet<>(ids)).hasSize(few + many);
  }

  /**
   * A bounded run with a checkpoint interval of 10 minutes: its covering checkpoint is triggered
   * once both readers are out of records (source.end-checkpoint-interval), so it ends long before
   * the interval, every record once.
   */
  @Test
  @Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
  void aBoundedRunEndsSoonAfterItsDataNotAtTheNextCheckpointInterval() throws Exception {
    String topic = "on-demand";
    kafka.createTopic(topic, 2);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    int count = 5_000;
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String json =
          String.format(
              "{\"id\":\"e-%06d\",\"user_id\":\"u-%d\",\"qty\":%d,\"ts\":\"%s\"}",
              i, i % 7, i, base.plusMillis(i));
      records.add(new ProducerRecord<>(topic, i % 2, null, json.getBytes(UTF_8)));
    }
    kafka.sendAll(topic, records);

    long start = System.nanoTime();
    Main.run(
        new String[] {
          "--job.name", "ingest",
          "--job.parallelism", "2",
          "--job.checkpoint.interval", "10 min",
          "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
          "--source.type", "kafka",
          "--source.bounded", "true",
          "--kafka.bootstrap.servers", kafka.bootstrapServers(),
          "--kafka.topics", topic,
          "--kafka.start", "earliest",
          "--format.schema", SCHEMA,
          "--format.event-time.field", "ts",
          "--iceberg.warehouse", dir.resolve("warehouse").toString(),
          "--iceberg.database", "lake",
          "--iceberg.table", "on_demand"
        });
    System.out.printf(
        "bounded run with a 10 min interval ended after %d ms%n",
        (System.nanoTime() - start) / 1_000_000);

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    List<String> ids =
        Tables.read(catalog, "on_demand").stream()
            .map(r -> (String) r.getField("id"))
            .collect(Collectors.toList());
    assertThat(ids).hasSize(count);
    assertThat(new java.util.TreeSet<>(ids)).hasSize(count);
  }

  /** The 40 valid records, then one of every kind of bad record, with the reason each must get. */
  static List<Sent> validAndBad(Instant base) {
    List<Sent> sent = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      sent.add(new Sent(null, valid(i, base.plusSeconds(i)).getBytes(UTF_8)));
    }
    String ok = "\"id\":\"b\",\"user_id\":\"u\"";
    sent.add(new Sent("malformed-json", "not json at all".getBytes(UTF_8)));
    sent.add(new Sent("truncated-json", "{\"id\":\"b\",\"user_id\":\"u".getBytes(UTF_8)));
    sent.add(
        new Sent(
            "wrong-type",
            ("{" + ok + ",\"qty\":\"three\",\"ts\":\"" + base + "\"}").getBytes(UTF_8)));
    sent.add(new Sent("missing-field", ("{\"id\":\"b\",\"ts\":\"" + base + "\"}").getBytes(UTF_8)));
    sent.add(new Sent("missing-event-time", ("{" + ok + ",\"ts\":null}").getBytes(UTF_8)));
    sent.add(
        new Sent(
            "event-time-out-of-bounds",
            ("{" + ok + ",\"ts\":\"1970-01-01T00:00:00Z\"}").getBytes(UTF_8)));
    byte[] huge = new byte[1_100_000];
    Arrays.fill(huge, (byte) 'x');
    byte[] prefix = ("{" + ok + ",\"ts\":\"" + base + "\",\"pad\":\"").getBytes(UTF_8);
    System.arraycopy(prefix, 0, huge, 0, prefix.length);
    huge[huge.length - 2] = '"';
    huge[huge.length - 1] = '}';
    sent.add(new Sent("too-large", huge));
    byte[] badUtf8 = ("{" + ok + ",\"ts\":\"" + base + "\"}").getBytes(UTF_8);
    badUtf8[8] = (byte) 0xC3; // inside "b": a lead byte followed by a quote
    sent.add(new Sent("invalid-utf8", badUtf8));
    sent.add(new Sent("empty", new byte[0]));
    sent.add(new Sent("tombstone", null));

    return sent;
  }

  /** Sends {@code sent} in order, alternating two partitions, and notes where each landed. */
  static List<Sent> send(
      BiFunction<String, List<ProducerRecord<byte[], byte[]>>, List<RecordMetadata>> sendAll,
      String topic,
      List<Sent> sent) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      records.add(new ProducerRecord<>(topic, i % 2, ("k" + i).getBytes(UTF_8), sent.get(i).value));
    }
    List<RecordMetadata> metas = sendAll.apply(topic, records);
    for (int i = 0; i < sent.size(); i++) {
      sent.get(i).meta = metas.get(i);
    }

    return sent;
  }

  /** The table holds exactly the 40 valid records of {@link #validAndBad}, field by field. */
  static void assertValidRows(List<Record> rows, Instant base) {
    rows.sort(Comparator.comparing(r -> (String) r.getField("id")));
    List<Object[]> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      expected.add(
          new Object[] {
            String.format("v-%02d", i),
            i == 3 ? "ü-世界" : "u-" + (i % 5),
            i % 7 == 0 ? null : new BigDecimal(i + ".25"),
            i,
            OffsetDateTime.ofInstant(base.plusSeconds(i), ZoneOffset.UTC)
          });
    }
    assertThat(rows)
        .extracting(
            r -> r.getField("id"),
            r -> r.getField("user_id"),
            r -> r.getField("amount"),
            r -> r.getField("qty"),
            r -> r.getField("ts"))
        .containsExactlyElementsOf(
            expected.stream().map(e -> tuple(e)).collect(Collectors.toList()));
  }

  /** The dead-letter table holds exactly the bad records, with reason, coordinates and payload. */
  static void assertDeadLetters(List<Record> dead, List<Sent> sent, String topic) {
    List<Sent> bad = sent.subList(40, sent.size());
    assertThat(dead)
        .extracting(
            r -> r.getField("reason"),
            r -> r.getField("job"),
            r -> r.getField("source_type"),
            r -> r.getField("source_stream"),
            r -> r.getField("source_partition"),
            r -> r.getField("source_position"))
        .containsExactlyInAnyOrderElementsOf(
            bad.stream()
                .map(
                    s ->
                        tuple(
                            s.reason,
                            "ingest",
                            "kafka",
                            topic,
                            Integer.toString(s.meta.partition()),
                            Long.toString(s.meta.offset())))
                .collect(Collectors.toList()));
    for (Record r : dead) {
      Sent s =
          bad.stream().filter(b -> b.reason.equals(r.getField("reason"))).findFirst().orElseThrow();
      ByteBuffer payload = (ByteBuffer) r.getField("payload");
      if (s.value == null) {
        assertThat(payload).isNull();
      } else {
        assertThat(payload).isEqualTo(ByteBuffer.wrap(s.value));
      }
      assertThat((String) r.getField("error_message")).isNotBlank();
      assertThat(r.getField("processing_time")).isNotNull();
    }
    assertThat(dead.stream().map(r -> (String) r.getField("error_message")).distinct())
        .hasSize(bad.size());
  }
}
