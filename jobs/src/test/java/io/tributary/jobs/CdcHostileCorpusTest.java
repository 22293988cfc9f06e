package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.HostileChanges;
import io.tributary.testing.HostileChanges.Case;
import io.tributary.testing.HostileChanges.Flavor;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile change corpus ({@link HostileChanges}) through a real Kafka broker, a MiniCluster and
 * the {@code cdc} job into Iceberg: every valid change is its row, exactly; every hostile one is a
 * dead letter at its offset with its reason; rows and dead letters add up to the input.
 */
@Timeout(300)
class CdcHostileCorpusTest {
  static final Instant BASE = Instant.parse("2026-11-25T00:00:00Z");

  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  String[] args(String format, String topic, String database) {
    return new String[] {
      "--job.name",
      "cdc",
      "--cdc.format",
      format,
      "--cdc.tables",
      HostileChanges.tables(database),
      "--cdc.primary-keys",
      HostileChanges.PRIMARY_KEYS,
      "--cdc.column-types",
      HostileChanges.COLUMN_TYPES,
      "--job.checkpoint.interval",
      "1 s",
      "--job.restart.max-attempts",
      "1",
      "--job.checkpoint.dir",
      dir.resolve("checkpoints-" + topic).toUri().toString(),
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
      database
    };
  }

  /** One partition, unkeyed (cdc.primary-keys names the key): offset = index in the corpus. */
  void send(String topic, List<Case> corpus) {
    kafka.createTopic(topic, 1);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (Case c : corpus) {
      records.add(new ProducerRecord<>(topic, 0, null, c.value));
    }
    kafka.sendAll(topic, records);
  }

  /** Runs one corpus through its job and checks both tables against it. */
  void run(String format, String topic, String database, List<Case> corpus, Flavor... flavors)
      throws Exception {
    send(topic, corpus);
    long started = System.nanoTime();
    Main.run(args(format, topic, database));
    System.out.printf(
        "%s: %d changes in %d ms%n",
        topic, corpus.size(), (System.nanoTime() - started) / 1_000_000);
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), database);

    Map<Long, String> expectedDead = new TreeMap<>();
    Map<String, Integer> byReason = new TreeMap<>();
    for (int i = 0; i < corpus.size(); i++) {
      if (!corpus.get(i).valid()) {
        expectedDead.put((long) i, corpus.get(i).reason);
        byReason.merge(corpus.get(i).reason, 1, Integer::sum);
      }
    }
    Map<Long, String> dead = new TreeMap<>();
    for (Record r : Tables.read(catalog, "cdc_dead_letters")) {
      assertThat(r.getField("source_type")).isEqualTo("kafka");
      assertThat(r.getField("source_partition")).isEqualTo("0");
      long offset = Long.parseLong((String) r.getField("source_position"));
      assertThat(dead.put(offset, (String) r.getField("reason")))
          .as("one dead letter per offset (%s)", offset)
          .isNull();
      String message = (String) r.getField("error_message");
      Case c = corpus.get((int) offset);
      if (c.column != null) {
        assertThat(message).as("%s", c).startsWith("column '" + c.column + "'");
      }
    }
    assertThat(dead).isEqualTo(expectedDead);

    int rows = 0;
    for (Flavor f : flavors) {
      Map<Long, Map<String, Object>> expected = new TreeMap<>();
      for (Case c : corpus) {
        if (c.valid() && c.flavor == f) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (String col : HostileChanges.COLUMNS) {
            row.put(col, c.expected.get(col));
          }
          expected.put(c.id, row);
        }
      }
      Map<Long, Map<String, Object>> actual = new TreeMap<>();
      for (Record r : Tables.read(catalog, "hostile_" + f.table)) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (String col : HostileChanges.COLUMNS) {
          Object v = r.getField(col);
          row.put(col, v instanceof OffsetDateTime ? ((OffsetDateTime) v).toInstant() : v);
        }
        assertThat(actual.put((Long) row.get("id"), row)).as("one row per id").isNull();
      }
      assertThat(actual).as("table hostile_%s", f.table).isEqualTo(expected);
      rows += actual.size();
    }
    assertThat(rows + dead.size()).as("rows + dead letters = input").isEqualTo(corpus.size());
    System.out.printf("%s: %d rows, dead letters %s%n", topic, rows, byReason);
  }

  @Test
  void everyValidChangeLandsExactlyAndEveryHostileOneIsADeadLetterWithItsReason() throws Exception {
    run(
        "debezium-json",
        "hostile-debezium",
        "lake",
        HostileChanges.debezium(BASE, 0, 700, 1400),
        Flavor.ENVELOPED,
        Flavor.SCHEMALESS);
    run(
        "dms-json",
        "hostile-dms",
        "lake_dms",
        HostileChanges.dms(BASE, 100_000, 350, 700),
        Flavor.DMS);
  }
}
