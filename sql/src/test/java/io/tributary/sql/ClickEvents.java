package io.tributary.sql;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Seeded click events in the shape of {@code sql/sources/kafka-events.sql} (and of the demo's
 * generator), in event-time order with under 2 s of disorder, so no event is late for a 5 s
 * watermark delay.
 */
final class ClickEvents {
  static final String SCHEMA =
      "event_id STRING NOT NULL, event_type STRING NOT NULL, user_id STRING NOT NULL,"
          + " session_id STRING, product_id STRING, category STRING, quantity INT,"
          + " amount DECIMAL(12, 2), currency STRING, ts TIMESTAMP_LTZ(3) NOT NULL";

  static final List<String> COLUMNS =
      List.of(
          "event_id",
          "event_type",
          "user_id",
          "session_id",
          "product_id",
          "category",
          "quantity",
          "amount",
          "currency",
          "ts");

  /**
   * Not JSON; no event time; an event time that is not a time. Dead letters for the Java jobs;
   * NULLs in a NOT NULL column for SQL, which drops them. (A bad optional field is where they
   * differ: SQL writes the row with a NULL there; kafka-events.sql says so.)
   */
  static final List<String> MALFORMED =
      List.of(
          "this is not json",
          "{\"event_id\":\"bad-1\",\"event_type\":\"view\",\"user_id\":\"u-1\"}",
          "{\"event_id\":\"bad-2\",\"event_type\":\"view\",\"user_id\":\"u-1\",\"quantity\":2,"
              + "\"ts\":\"yesterday\"}");

  private static final String[] TYPES = {"view", "add_to_cart", "purchase"};
  private static final String[] CATEGORIES = {"books", "toys", "garden", "music"};
  private static final Instant START = Instant.parse("2026-11-24T10:00:00Z");

  final List<String> json = new ArrayList<>();

  /** The valid events as table lines, columns in {@link #COLUMNS} order. */
  final List<String> lines = new ArrayList<>();

  ClickEvents(int count, long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < count; i++) {
      // About 60 s of events: six 10-second windows.
      Instant ts = START.plusMillis(i * 60_000L / count + random.nextInt(2000));
      String type = TYPES[random.nextInt(TYPES.length)];
      int user = random.nextInt(25);
      String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
      int quantity = 1 + random.nextInt(5);
      BigDecimal amount = BigDecimal.valueOf(random.nextInt(100_000), 2);
      String id = "e-" + i;
      json.add(
          String.format(
              Locale.ROOT,
              "{\"event_id\":\"%s\",\"event_type\":\"%s\",\"user_id\":\"u-%d\",\"session_id\":\"s-%d\","
                  + "\"product_id\":\"p-%d\",\"category\":\"%s\",\"quantity\":%d,\"amount\":%s,"
                  + "\"currency\":\"EUR\",\"ts\":\"%s\"}",
              id,
              type,
              user,
              user,
              i % 40,
              category,
              quantity,
              amount.toPlainString(),
              ts));
      lines.add(
          String.join(
              "|",
              id,
              type,
              "u-" + user,
              "s-" + user,
              "p-" + (i % 40),
              category,
              String.valueOf(quantity),
              amount.toPlainString(),
              "EUR",
              ts.toString()));
    }
    lines.sort(null);
  }

  /** The events and then the malformed records, spread over partitions by event id. */
  List<ProducerRecord<byte[], byte[]>> records(String topic, int partitions) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    for (int i = 0; i < json.size(); i++) {
      out.add(new ProducerRecord<>(topic, i % partitions, null, bytes(json.get(i))));
    }
    for (String bad : MALFORMED) {
      out.add(new ProducerRecord<>(topic, 0, null, bytes(bad)));
    }
    return out;
  }

  /** The job configuration groups every Java run shares: source, format, job. */
  static Map<String, String> kafka(String bootstrap, String topic, String group) {
    return Map.of(
        "bootstrap.servers", bootstrap, "topics", topic, "group.id", group, "start", "earliest");
  }

  static Map<String, String> format() {
    return Map.of(
        "schema", SCHEMA, "event-time.field", "ts", "event-time.max-out-of-orderness", "5 s");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
