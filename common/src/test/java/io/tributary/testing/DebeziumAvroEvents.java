package io.tributary.testing;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Debezium PostgreSQL change events as Kafka Connect's Avro converter writes them: the envelope
 * record, its {@code Value} row record with Connect's decimal and Debezium's date and
 * micro-timestamp semantic types ({@code connect.name}), and the {@code Key} record.
 */
public final class DebeziumAvroEvents {
  private DebeziumAvroEvents() {}

  private static final String DECIMAL =
      "{\"type\":\"bytes\",\"scale\":2,\"precision\":10,\"connect.version\":1,"
          + "\"connect.parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},"
          + "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}";

  /** The envelope for table {@code table}; {@code withEmail} adds the optional column email. */
  public static Schema envelope(String table, boolean withEmail) {
    String ns = "dbserver1.inventory." + table;
    String value =
        "{\"type\":\"record\",\"name\":\"Value\",\"namespace\":\""
            + ns
            + "\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"int\"},"
            + "{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null},"
            + "{\"name\":\"balance\",\"type\":[\"null\","
            + DECIMAL
            + "],\"default\":null},"
            + "{\"name\":\"born\",\"type\":[\"null\",{\"type\":\"int\",\"connect.version\":1,"
            + "\"connect.name\":\"io.debezium.time.Date\"}],\"default\":null},"
            + "{\"name\":\"updated\",\"type\":[\"null\",{\"type\":\"long\",\"connect.version\":1,"
            + "\"connect.name\":\"io.debezium.time.MicroTimestamp\"}],\"default\":null}"
            + (withEmail
                ? ",{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}"
                : "")
            + "],\"connect.name\":\""
            + ns
            + ".Value\"}";
    String source =
        "{\"type\":\"record\",\"name\":\"Source\",\"namespace\":\"io.debezium.connector.postgresql\","
            + "\"fields\":[{\"name\":\"version\",\"type\":\"string\"},"
            + "{\"name\":\"connector\",\"type\":\"string\"},{\"name\":\"name\",\"type\":\"string\"},"
            + "{\"name\":\"ts_ms\",\"type\":\"long\"},"
            + "{\"name\":\"snapshot\",\"type\":[{\"type\":\"string\",\"connect.version\":1,"
            + "\"connect.parameters\":{\"allowed\":\"true,last,false,incremental\"},"
            + "\"connect.default\":\"false\",\"connect.name\":\"io.debezium.data.Enum\"},\"null\"],"
            + "\"default\":\"false\"},"
            + "{\"name\":\"db\",\"type\":\"string\"},{\"name\":\"schema\",\"type\":\"string\"},"
            + "{\"name\":\"table\",\"type\":\"string\"},"
            + "{\"name\":\"txId\",\"type\":[\"null\",\"long\"],\"default\":null},"
            + "{\"name\":\"lsn\",\"type\":[\"null\",\"long\"],\"default\":null}],"
            + "\"connect.name\":\"io.debezium.connector.postgresql.Source\"}";
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\""
                + ns
                + "\",\"fields\":["
                + "{\"name\":\"before\",\"type\":[\"null\","
                + value
                + "],\"default\":null},"
                + "{\"name\":\"after\",\"type\":[\"null\",\"Value\"],\"default\":null},"
                + "{\"name\":\"source\",\"type\":"
                + source
                + "},{\"name\":\"op\",\"type\":\"string\"},"
                + "{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"],\"default\":null},"
                + "{\"name\":\"transaction\",\"type\":[\"null\",{\"type\":\"record\","
                + "\"name\":\"block\",\"namespace\":\"event\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"string\"},"
                + "{\"name\":\"total_order\",\"type\":\"long\"},"
                + "{\"name\":\"data_collection_order\",\"type\":\"long\"}]}],\"default\":null}],"
                + "\"connect.name\":\""
                + ns
                + ".Envelope\"}");
  }

  /** The message key record of the table: its primary key, id. */
  public static Schema key(String table) {
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"Key\",\"namespace\":\"dbserver1.inventory."
                + table
                + "\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}");
  }

  public static GenericRecord keyOf(Schema key, int id) {
    GenericRecord k = new GenericData.Record(key);
    k.put("id", id);
    return k;
  }

  /** A row image; {@code email} only when the envelope has that column. */
  public static GenericRecord row(
      Schema envelope,
      int id,
      String name,
      String balance,
      LocalDate born,
      Long updatedMicros,
      String email) {
    Schema value = envelope.getField("after").schema().getTypes().get(1);
    GenericRecord r = new GenericData.Record(value);
    r.put("id", id);
    r.put("name", name);
    r.put(
        "balance",
        balance == null
            ? null
            : ByteBuffer.wrap(new BigDecimal(balance).setScale(2).unscaledValue().toByteArray()));
    r.put("born", born == null ? null : (int) born.toEpochDay());
    r.put("updated", updatedMicros);
    if (value.getField("email") != null) {
      r.put("email", email);
    }
    return r;
  }

  /** One change: op c, u, d or r, ordered by lsn. */
  public static GenericRecord change(
      Schema envelope,
      String table,
      String op,
      GenericRecord before,
      GenericRecord after,
      long lsn) {
    GenericRecord source = new GenericData.Record(envelope.getField("source").schema());
    source.put("version", "2.7.0.Final");
    source.put("connector", "postgresql");
    source.put("name", "dbserver1");
    source.put("ts_ms", 1_764_000_000_000L + lsn);
    source.put("snapshot", op.equals("r") ? "true" : "false");
    source.put("db", "inventory");
    source.put("schema", "public");
    source.put("table", table);
    source.put("lsn", lsn);
    GenericRecord e = new GenericData.Record(envelope);
    e.put("before", before);
    e.put("after", after);
    e.put("source", source);
    e.put("op", op);
    e.put("ts_ms", 1_764_000_000_100L + lsn);
    return e;
  }
}
