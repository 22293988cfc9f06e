package io.tributary.jobs;

import static io.tributary.jobs.AvroRegistryTest.ORDER_V1;
import static io.tributary.jobs.AvroRegistryTest.ORDER_V2;
import static io.tributary.jobs.AvroRegistryTest.ORDER_WINDOWS;
import static io.tributary.jobs.AvroRegistryTest.count;
import static io.tributary.jobs.AvroRegistryTest.expectedOrder;
import static io.tributary.jobs.AvroRegistryTest.order;
import static io.tributary.jobs.AvroRegistryTest.orderWindows;
import static io.tributary.jobs.AvroRegistryTest.orders;
import static io.tributary.jobs.AvroRegistryTest.truncated;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.DebeziumAvroEvents;
import io.tributary.testing.KinesisExtension;
import io.tributary.testing.KinesisStreams.Entry;
import io.tributary.testing.KinesisStreams.Put;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Registry Avro on a real Kinesis API server (kinesis-mock), through each registry that runs here
 * (Apicurio's Confluent-compatible API, moto's Glue API): {@code ingest} and {@code aggregate} on
 * Avro events, and {@code cdc} on Debezium's Avro values with JSON keys, as Debezium Server's
 * Kinesis sink writes them. Dead letters carry the stream, shard and sequence number they came
 * from. Decoding edge cases are {@link AvroRegistryTest}'s, on Kafka.
 */
@Timeout(300)
class AvroKinesisTest {
  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(2);

  @RegisterExtension static final KinesisExtension kinesis = new KinesisExtension();

  @RegisterExtension static final AvroRegistries registries = new AvroRegistries();

  @TempDir Path dir;

  String[] args(String job, String stream, List<String> more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--job.name",
                job,
                "--job.parallelism",
                "2",
                "--job.checkpoint.interval",
                "1 s",
                "--job.checkpoint.dir",
                dir.resolve("checkpoints").toUri().toString(),
                "--job.restart.max-attempts",
                "2",
                "--iceberg.warehouse",
                dir.resolve("warehouse").toString()));
    a.addAll(kinesis.sourceArgs(stream, true));
    a.addAll(more);
    return a.toArray(new String[0]);
  }

  /**
   * sequence number -> "stream shard: reason: message" of a dead-letter table; every dead letter
   * names a record that was put, at the shard it was put to.
   */
  static Map<String, String> deadLetters(IcebergCatalog catalog, String table) {
    Map<String, String> out = new TreeMap<>();
    for (Record r : Tables.read(catalog, table)) {
      assertThat(r.getField("source_type")).isEqualTo("kinesis");
      String value =
          r.getField("source_stream")
              + " "
              + r.getField("source_partition")
              + ": "
              + r.getField("reason")
              + ": "
              + r.getField("error_message");
      assertThat(out.put((String) r.getField("source_position"), value)).isNull();
    }
    return out;
  }

  static String where(String stream, Put put) {
    return stream + " " + put.shardId + ": ";
  }

  /**
   * Two writer versions of a schema, spread over two shards by their partition keys: the table (of
   * the newest version) holds every order exactly; a record of an unknown schema id or version and
   * a body cut short are dead letters at their shard and sequence number.
   */
  @ParameterizedTest
  @EnumSource(AvroRegistries.Kind.class)
  void ingestIsExact(AvroRegistries.Kind kind) throws Exception {
    String stream = "orders-" + kind.name().toLowerCase(Locale.ROOT);
    AvroRegistries.Subject subject = registries.subject(kind, stream, ORDER_V1, ORDER_V2);
    kinesis.streams().createStream(stream, 2);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
    List<Entry> entries = new ArrayList<>();
    Map<String, List<Object>> expected = new TreeMap<>();
    for (int i = 0; i < 40; i++) {
      Instant ts = base.plusSeconds(i);
      int version = i < 20 ? 0 : 1;
      GenericRecord r = order(version == 0 ? ORDER_V1 : ORDER_V2, i, ts);
      entries.add(new Entry("o" + i, subject.frame(version, r)));
      expected.put("o" + i, expectedOrder(i, ts, version == 0 ? null : "n" + i));
    }
    entries.add(new Entry("x1", subject.unknown(order(ORDER_V1, 90, base))));
    entries.add(new Entry("x2", truncated(subject.plain(0, order(ORDER_V1, 91, base)))));
    List<Put> puts = kinesis.streams().putAll(stream, entries);
    Put unknownPut = puts.get(40);
    Put truncatedPut = puts.get(41);
    assertThat(puts.stream().map(p -> p.shardId).distinct()).as("both shards used").hasSize(2);

    List<String> args = new ArrayList<>(subject.eventFormat());
    args.addAll(
        List.of(
            "--format.event-time.field", "ts",
            "--iceberg.database", "lake",
            "--iceberg.table", "orders"));
    Main.run(args("ingest", stream, args));

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(orders(catalog)).isEqualTo(expected);
    assertThat(deadLetters(catalog, "orders_dead_letters"))
        .isEqualTo(
            Map.of(
                unknownPut.sequenceNumber,
                where(stream, unknownPut)
                    + "unknown-schema: the registry has no "
                    + subject.namedUnknown()
                    + " (deleted, or written against another registry)",
                truncatedPut.sequenceNumber,
                where(stream, truncatedPut)
                    + "malformed-avro: the body ends early: it does not match its "
                    + subject.named(0)));
  }

  /**
   * Orders over two shards into tumbling windows per status: every window equals the oracle's, and
   * a record of an unknown schema id or version is a dead letter, not a missing count.
   */
  @ParameterizedTest
  @EnumSource(AvroRegistries.Kind.class)
  void aggregateEqualsTheOracle(AvroRegistries.Kind kind) throws Exception {
    String stream = "orders-agg-" + kind.name().toLowerCase(Locale.ROOT);
    AvroRegistries.Subject subject = registries.subject(kind, stream, ORDER_V1);
    kinesis.streams().createStream(stream, 2);
    Instant base = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
    List<Entry> entries = new ArrayList<>();
    Map<String, long[]> oracle = new TreeMap<>(); // "window start status" -> events, qty sum
    for (int i = 0; i < 60; i++) {
      Instant ts = base.plusSeconds(i * 5L);
      GenericRecord r = order(ORDER_V1, i, ts);
      // keyed by status: each shard gets its records in event-time order, so per-shard watermarks
      // make none of them late
      entries.add(new Entry(r.get("status").toString(), subject.frame(0, r)));
      count(oracle, r, ts);
    }
    entries.add(new Entry("x", subject.unknown(order(ORDER_V1, 0, base))));
    List<Put> puts = kinesis.streams().putAll(stream, entries);
    Put unknownPut = puts.get(60);

    List<String> args = new ArrayList<>(subject.eventFormat());
    args.addAll(ORDER_WINDOWS);
    Main.run(args("aggregate", stream, args));

    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "metrics");
    assertThat(orderWindows(catalog)).hasSize(10).usingRecursiveComparison().isEqualTo(oracle);
    assertThat(deadLetters(catalog, "order_minutes_dead_letters"))
        .isEqualTo(
            Map.of(
                unknownPut.sequenceNumber,
                where(stream, unknownPut)
                    + "unknown-schema: the registry has no "
                    + subject.namedUnknown()
                    + " (deleted, or written against another registry)"));
  }

  /**
   * Debezium Server on Kinesis with Avro values: the key's JSON is the partition key (and names the
   * primary key), the value registry-framed Avro. Random inserts, updates and deletes of 30 rows
   * over two shards, the source table gaining a column halfway (a second schema version): the
   * mirror, new column included, equals the source's final state.
   */
  @ParameterizedTest
  @EnumSource(AvroRegistries.Kind.class)
  void debeziumAvroWithJsonKeysMirrorsExactly(AvroRegistries.Kind kind) throws Exception {
    String stream = "debezium-avro-" + kind.name().toLowerCase(Locale.ROOT);
    Schema v1 = DebeziumAvroEvents.envelope("customers", false);
    Schema v2 = DebeziumAvroEvents.envelope("customers", true);
    AvroRegistries.Subject subject = registries.subject(kind, stream + "-value", v1, v2);
    kinesis.streams().createStream(stream, 2);
    Random random = new Random(11);
    Map<Integer, String[]> state = new TreeMap<>(); // id -> name, balance, email
    List<Entry> entries = new ArrayList<>();
    long lsn = 1000;
    for (int i = 0; i < 300; i++) {
      boolean evolved = i >= 150;
      Schema schema = evolved ? v2 : v1;
      int id = 1 + random.nextInt(30);
      String[] before = state.get(id);
      String op = before == null ? "c" : random.nextInt(4) == 0 ? "d" : "u";
      String[] after = null;
      if (!op.equals("d")) {
        after =
            new String[] {
              "name " + id + " v" + i,
              random.nextInt(5) == 0 ? null : BigDecimal.valueOf(random.nextInt(100_000), 2) + "",
              evolved && random.nextBoolean() ? "c" + id + "@v" + i : null
            };
        state.put(id, after);
      } else {
        state.remove(id);
      }
      GenericRecord change =
          DebeziumAvroEvents.change(
              schema,
              "customers",
              op,
              image(schema, id, before),
              image(schema, id, after),
              lsn += 10);
      entries.add(new Entry("{\"id\":" + id + "}", subject.frame(evolved ? 1 : 0, change)));
    }
    List<Put> puts = kinesis.streams().putAll(stream, entries);
    assertThat(puts.stream().map(p -> p.shardId).distinct()).as("both shards used").hasSize(2);

    List<String> args = new ArrayList<>(subject.debeziumFormat());
    args.addAll(List.of("--iceberg.database", "lake"));
    Main.run(args("cdc", stream, args));

    Map<Long, Map<String, Object>> expected = new TreeMap<>();
    state.forEach(
        (id, v) -> expected.put((long) id, AvroRegistryTest.row(id, v[0], v[1], null, null, v[2])));
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "inventory");
    assertThat(CdcJobTest.actual(catalog, "public_customers")).isEqualTo(expected);
    assertThat(
            catalog
                .with(c -> c.loadTable(catalog.identifier("public_customers")))
                .schema()
                .identifierFieldNames())
        .containsExactly("id");
    IcebergCatalog lake = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    assertThat(Tables.read(lake, "cdc_dead_letters")).isEmpty();
  }

  /** A row image in the envelope's row schema; null for none. */
  static GenericRecord image(Schema envelope, int id, String[] v) {
    return v == null ? null : DebeziumAvroEvents.row(envelope, id, v[0], v[1], null, null, v[2]);
  }
}
