package io.tributary.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A seeded, reproducible Debezium change stream over a small PostgreSQL shop (tables {@code
 * customers}, {@code orders}, {@code order_lines}), together with the table state it leaves behind,
 * so that an end-to-end test can compare what a sink wrote against an oracle that does not share
 * the sink's code.
 *
 * <p>Messages are what Debezium's PostgreSQL connector writes through Kafka Connect's JsonConverter
 * with schemas enabled: a {@code schema}/{@code payload} envelope with Debezium's own encodings
 * (base64 Connect decimals, epoch-day dates, milli and micro timestamps, ISO-8601 zoned timestamps
 * at assorted offsets), keys as Connect structs, and a tombstone after every delete. The stream
 * covers the cases a CDC sink gets wrong: snapshot reads, re-inserts of deleted keys, primary-key
 * changes both as Debezium sends them for PostgreSQL (delete old, create new) and as a single
 * update whose before and after keys differ, and columns set to null and back.
 *
 * <p>Same seed and size, same bytes: only {@link Random} (whose algorithm Java specifies) decides
 * anything, and nothing is drawn in hash order.
 */
public final class ChangeStreams {
  /** Debezium's {@code topic.prefix}: topics are {@code shop.public.<table>}. */
  public static final String SERVER = "shop";

  public static final String DATABASE = "shop";
  public static final String SCHEMA = "public";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String VERSION = "2.7.0.Final";

  private ChangeStreams() {}

  /**
   * @param events change events to generate: snapshot reads, creates, updates and deletes; the
   *     tombstone after each delete is extra
   */
  public static ChangeStream generate(long seed, int events) {
    return generate(seed, events, Mix.DEFAULT);
  }

  public static ChangeStream generate(long seed, int events, Mix mix) {
    if (events < 0) {
      throw new IllegalArgumentException("events must not be negative: " + events);
    }
    return new Generator(seed, mix).run(events);
  }

  /**
   * How often each kind of change occurs. {@code snapshot} is the fraction of all events read by
   * the snapshot phase that comes first; the others are relative weights (they need not sum to one)
   * for drawing each later event. An update, delete or key change drawn for an empty table becomes
   * an insert; a re-insert with no deleted key to reuse becomes an insert.
   */
  public static final class Mix {
    /** 10% snapshot, 35% insert, 35% update, 12% delete, 5% re-insert, 3% key change. */
    public static final Mix DEFAULT = new Mix(0.10, 0.35, 0.35, 0.12, 0.05, 0.03, 2_000);

    final double snapshot;
    final double insert;
    final double update;
    final double delete;
    final double reinsert;
    final double keyChange;
    final int maxLiveRows;

    /**
     * @param reinsert creates of a key deleted earlier
     * @param keyChange primary-key changes, half as delete + create, half as one update
     * @param maxLiveRowsPerTable once a table holds this many rows, an insert into it becomes a
     *     delete, so that updates and deletes keep hitting rows that change often
     */
    public Mix(
        double snapshot,
        double insert,
        double update,
        double delete,
        double reinsert,
        double keyChange,
        int maxLiveRowsPerTable) {
      double[] shares = {snapshot, insert, update, delete, reinsert, keyChange};
      for (double s : shares) {
        if (!(s >= 0)) {
          throw new IllegalArgumentException("shares must be >= 0: " + Arrays.toString(shares));
        }
      }
      if (insert + update + delete + reinsert + keyChange <= 0) {
        throw new IllegalArgumentException("no streamed changes: " + Arrays.toString(shares));
      }
      if (maxLiveRowsPerTable < 1) {
        throw new IllegalArgumentException("maxLiveRowsPerTable must be >= 1");
      }
      this.snapshot = snapshot;
      this.insert = insert;
      this.update = update;
      this.delete = delete;
      this.reinsert = reinsert;
      this.keyChange = keyChange;
      this.maxLiveRows = maxLiveRowsPerTable;
    }
  }

  /** One Kafka record of a Debezium topic. */
  public static final class Message {
    public final String table;

    /** The PostgreSQL LSN of the change; a tombstone has the LSN of its delete. */
    public final long lsn;

    public final byte[] key;

    /** Null for a tombstone. */
    public final byte[] value;

    Message(String table, long lsn, byte[] key, byte[] value) {
      this.table = table;
      this.lsn = lsn;
      this.key = key;
      this.value = value;
    }

    /** The Kafka topic Debezium writes the table to. */
    public String topic() {
      return SERVER + "." + SCHEMA + "." + table;
    }

    public boolean isTombstone() {
      return value == null;
    }

    /**
     * A partition by key, so that, as in Kafka, all changes of one key stay in order in one
     * partition (except a key change as one update, which is keyed by its new key).
     */
    public int partition(int partitions) {
      return Math.floorMod(Arrays.hashCode(key), partitions);
    }

    @Override
    public String toString() {
      return topic()
          + "@"
          + lsn
          + " "
          + new String(key, StandardCharsets.UTF_8)
          + " -> "
          + (value == null ? "null" : new String(value, StandardCharsets.UTF_8));
    }
  }

  /** The generated messages and the oracle. */
  public static final class ChangeStream {
    private final List<Message> messages;
    private final Map<String, TableDef> tables;
    private final Map<String, Map<List<Object>, Map<String, Object>>> finalState;
    private final int events;
    private final Map<String, Integer> opCounts;

    ChangeStream(
        List<Message> messages,
        Map<String, TableDef> tables,
        Map<String, Map<List<Object>, Map<String, Object>>> finalState,
        int events,
        Map<String, Integer> opCounts) {
      this.messages = Collections.unmodifiableList(messages);
      this.tables = tables;
      this.finalState = Collections.unmodifiableMap(finalState);
      this.events = events;
      this.opCounts = Collections.unmodifiableMap(opCounts);
    }

    /** In LSN order, each tombstone right after its delete. */
    public List<Message> messages() {
      return messages;
    }

    /**
     * The rows each table holds after the last message: table name ({@code customers}) to primary
     * key values (in {@link #keyColumns} order) to row. Rows have every column, in table order,
     * null values included, as the Java types Iceberg's generic reader returns: Integer, Long,
     * String, Boolean, Double, BigDecimal at the column's scale, LocalDate, LocalDateTime (micro or
     * milli timestamps, no zone) and OffsetDateTime at UTC (zoned timestamps).
     */
    public Map<String, Map<List<Object>, Map<String, Object>>> finalState() {
      return finalState;
    }

    public List<String> keyColumns(String table) {
      return def(table).key;
    }

    /** All columns, primary key included, in table order. */
    public List<String> columns(String table) {
      List<String> out = new ArrayList<>();
      for (Column c : def(table).columns) {
        out.add(c.name);
      }
      return out;
    }

    public Set<String> tables() {
      return tables.keySet();
    }

    /** Change events generated; tombstones not counted. */
    public int events() {
      return events;
    }

    /**
     * Messages by op ({@code r}, {@code c}, {@code u}, {@code d}, {@code tombstone}; the first four
     * sum to {@link #events}) and, overlapping those, the cases of interest: {@code reinsert} (a
     * {@code c} or key change to a key deleted earlier), {@code key-change-u} (a {@code u} whose
     * key changes), {@code key-change-dc} (a {@code d} + {@code c} pair), {@code set-null} and
     * {@code unset-null} (column values an update sets to null or back from null).
     */
    public Map<String, Integer> opCounts() {
      return opCounts;
    }

    private TableDef def(String table) {
      TableDef t = tables.get(table);
      if (t == null) {
        throw new IllegalArgumentException("no table " + table + "; there are " + tables.keySet());
      }
      return t;
    }
  }

  /** Connect schema types, with Debezium's logical names where it uses one. */
  private enum Kind {
    INT32("int32", null),
    INT64("int64", null),
    STRING("string", null),
    BOOLEAN("boolean", null),
    DOUBLE("double", null),
    DECIMAL("bytes", "org.apache.kafka.connect.data.Decimal"),
    DATE("int32", "io.debezium.time.Date"),
    MICRO_TIMESTAMP("int64", "io.debezium.time.MicroTimestamp"),
    TIMESTAMP("int64", "io.debezium.time.Timestamp"),
    ZONED_TIMESTAMP("string", "io.debezium.time.ZonedTimestamp");

    final String type;
    final String logicalName;

    Kind(String type, String logicalName) {
      this.type = type;
      this.logicalName = logicalName;
    }
  }

  /** Draws a column value (oracle type) for a new or updated row. */
  private interface Values {
    Object next(Generator g);
  }

  private static final class Column {
    final String name;
    final Kind kind;
    final boolean optional;
    final int precision;
    final int scale;
    final Values values;

    Column(String name, Kind kind, boolean optional, Values values) {
      this(name, kind, optional, 0, 0, values);
    }

    Column(String name, Kind kind, boolean optional, int precision, int scale, Values values) {
      this.name = name;
      this.kind = kind;
      this.optional = optional;
      this.precision = precision;
      this.scale = scale;
      this.values = values;
    }

    ObjectNode schema() {
      ObjectNode s = NODES.objectNode();
      s.put("type", kind.type);
      s.put("optional", optional);
      if (kind.logicalName != null) {
        s.put("name", kind.logicalName);
        s.put("version", 1);
      }
      if (kind == Kind.DECIMAL) {
        ObjectNode p = s.putObject("parameters");
        p.put("scale", Integer.toString(scale));
        p.put("connect.decimal.precision", Integer.toString(precision));
      }
      s.put("field", name);
      return s;
    }
  }

  /** Picks a candidate primary key; the generator retries until it is one never used before. */
  private interface Keys {
    List<Object> next(Generator g);
  }

  private static final class TableDef {
    final String name;
    final List<Column> columns;
    final List<String> key;
    final double weight;
    final Keys keys;
    final byte[] valueSchema;
    final byte[] keySchema;

    TableDef(String name, double weight, List<String> key, Keys keys, Column... columns) {
      this.name = name;
      this.weight = weight;
      this.key = List.copyOf(key);
      this.keys = keys;
      this.columns = List.of(columns);
      this.valueSchema = bytes(valueSchema());
      this.keySchema = bytes(keySchema());
    }

    Column column(String name) {
      for (Column c : columns) {
        if (c.name.equals(name)) {
          return c;
        }
      }
      throw new IllegalArgumentException(name);
    }

    private ObjectNode rowSchema(String field) {
      ObjectNode s = NODES.objectNode();
      s.put("type", "struct");
      ArrayNode fields = s.putArray("fields");
      for (Column c : columns) {
        fields.add(c.schema());
      }
      s.put("optional", true);
      s.put("name", SERVER + "." + SCHEMA + "." + name + ".Value");
      s.put("field", field);
      return s;
    }

    private JsonNode valueSchema() {
      ObjectNode s = NODES.objectNode();
      s.put("type", "struct");
      ArrayNode fields = s.putArray("fields");
      fields.add(rowSchema("before"));
      fields.add(rowSchema("after"));
      fields.add(sourceSchema());
      fields.add(transactionSchema());
      fields.add(field("string", false, "op"));
      fields.add(field("int64", true, "ts_ms"));
      fields.add(field("int64", true, "ts_us"));
      fields.add(field("int64", true, "ts_ns"));
      s.put("optional", false);
      s.put("name", SERVER + "." + SCHEMA + "." + name + ".Envelope");
      s.put("version", 1);
      return s;
    }

    private JsonNode keySchema() {
      ObjectNode s = NODES.objectNode();
      s.put("type", "struct");
      ArrayNode fields = s.putArray("fields");
      for (String k : key) {
        fields.add(column(k).schema());
      }
      s.put("optional", false);
      s.put("name", SERVER + "." + SCHEMA + "." + name + ".Key");
      return s;
    }

    private static JsonNode sourceSchema() {
      ObjectNode s = NODES.objectNode();
      s.put("type", "struct");
      ArrayNode f = s.putArray("fields");
      f.add(field("string", false, "version"));
      f.add(field("string", false, "connector"));
      f.add(field("string", false, "name"));
      f.add(field("int64", false, "ts_ms"));
      ObjectNode snapshot = field("string", true, "snapshot");
      snapshot.remove("field");
      snapshot.put("name", "io.debezium.data.Enum");
      snapshot.put("version", 1);
      snapshot
          .putObject("parameters")
          .put("allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false");
      snapshot.put("default", "false");
      snapshot.put("field", "snapshot");
      f.add(snapshot);
      f.add(field("string", false, "db"));
      f.add(field("string", true, "sequence"));
      f.add(field("int64", true, "ts_us"));
      f.add(field("int64", true, "ts_ns"));
      f.add(field("string", false, "schema"));
      f.add(field("string", false, "table"));
      f.add(field("int64", true, "txId"));
      f.add(field("int64", true, "lsn"));
      f.add(field("int64", true, "xmin"));
      s.put("optional", false);
      s.put("name", "io.debezium.connector.postgresql.Source");
      s.put("field", "source");
      return s;
    }

    private static JsonNode transactionSchema() {
      ObjectNode s = NODES.objectNode();
      s.put("type", "struct");
      ArrayNode f = s.putArray("fields");
      f.add(field("string", false, "id"));
      f.add(field("int64", false, "total_order"));
      f.add(field("int64", false, "data_collection_order"));
      s.put("optional", true);
      s.put("name", "event.block");
      s.put("version", 1);
      s.put("field", "transaction");
      return s;
    }

    private static ObjectNode field(String type, boolean optional, String name) {
      ObjectNode s = NODES.objectNode();
      s.put("type", type);
      s.put("optional", optional);
      s.put("field", name);
      return s;
    }
  }

  /** A row as the oracle holds it and as Debezium encoded it, never changed once built. */
  private static final class Row {
    final Map<String, Object> values;
    final ObjectNode wire;

    Row(Map<String, Object> values, ObjectNode wire) {
      this.values = values;
      this.wire = wire;
    }
  }

  /** Keys with O(1) add, remove and uniform random pick, in a reproducible order. */
  private static final class KeyPool {
    private final List<List<Object>> keys = new ArrayList<>();
    private final Map<List<Object>, Integer> index = new HashMap<>();

    void add(List<Object> k) {
      index.put(k, keys.size());
      keys.add(k);
    }

    void remove(List<Object> k) {
      int i = index.remove(k);
      List<Object> last = keys.remove(keys.size() - 1);
      if (i < keys.size()) {
        keys.set(i, last);
        index.put(last, i);
      }
    }

    List<Object> pick(Random r) {
      return keys.get(r.nextInt(keys.size()));
    }

    int size() {
      return keys.size();
    }
  }

  /** One table's live rows and key history. */
  private static final class TableState {
    final TableDef def;
    final Map<List<Object>, Row> live = new LinkedHashMap<>();
    final KeyPool liveKeys = new KeyPool();
    final KeyPool deleted = new KeyPool();
    final Set<List<Object>> used = new HashSet<>();

    TableState(TableDef def) {
      this.def = def;
    }

    void put(List<Object> key, Row row) {
      if (live.put(key, row) == null) {
        liveKeys.add(key);
      }
      used.add(key);
    }

    Row remove(List<Object> key) {
      Row row = live.remove(key);
      liveKeys.remove(key);
      deleted.add(key);
      return row;
    }
  }

  private static final long ORDER_BASE = 1_000_000_000_000L;
  private static final long EPOCH_MICROS_1965 = micros(LocalDateTime.of(1965, 1, 1, 0, 0));
  private static final long EPOCH_MICROS_2015 = micros(LocalDateTime.of(2015, 1, 1, 0, 0));
  private static final long EPOCH_MICROS_2030 = micros(LocalDateTime.of(2030, 1, 1, 0, 0));
  private static final long START_TS_MS = 1_714_557_600_000L; // 2024-05-01T10:00:00Z

  private static final ZoneOffset[] OFFSETS = {
    ZoneOffset.UTC,
    ZoneOffset.UTC,
    ZoneOffset.ofHours(2),
    ZoneOffset.ofHours(-5),
    ZoneOffset.ofHoursMinutes(5, 30),
    ZoneOffset.ofHoursMinutes(5, 45),
    ZoneOffset.ofHoursMinutes(-9, -30),
    ZoneOffset.ofHours(14),
    ZoneOffset.ofHours(-12),
  };
  // Debezium's ISO_OFFSET_DATE_TIME drops trailing zero digits; other versions print all six.
  private static final DateTimeFormatter MICROS_WITH_OFFSET =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSXXX");

  private static final String[] FIRST_NAMES = {
    "Anna", "José", "Zoë", "François", "Mårten", "Łukasz", "Søren", "İlkay", "Nguyễn", "Ольга",
    "Δημήτρης", "محمد", "דוד", "太郎", "王芳", "김민준", "さくら", "Renée", "Björk", "O'Brien",
    "Jean-Luc", "Chloé", "Ægir", "Þóra", "Ñusta", "Bob", "Alice", "Carol",
  };
  private static final String[] LAST_NAMES = {
    "Smith",
    "Müller",
    "García",
    "Østergård",
    "Dvořák",
    "Schröder",
    "山田",
    "李",
    "Петров",
    "Παπαδόπουλος",
    "O\"Neil",
    "Back\\Slash",
    "D'Angelo",
    "van der Berg",
    "Nakamura",
    "Jones",
  };
  private static final String[] NAME_EXTRAS = {
    "",
    "",
    "",
    "",
    "",
    "",
    " 😀",
    " 👩‍💻",
    " 🇫🇷",
    " \"the boss\"",
    " C:\\Users\\x",
    " (ex-\tsales)",
    " line\nbreak",
    " 🎉🎉",
    " ™ ½ €",
    " /* */ {\"json\":1}",
    " 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  };
  private static final String[] WORDS = {
    "please",
    "deliver",
    "before",
    "noon",
    "leave",
    "at",
    "the",
    "door",
    "gift",
    "wrap",
    "fragile",
    "Straße",
    "café",
    "crème brûlée",
    "日本語",
    "配送",
    "🚚",
    "📦",
    "\"urgent\"",
    "back\\slash",
    "tab\there",
    "100%",
    "a&b",
    "<b>",
    "naïve",
    "façade",
    "Ünïcödé",
    "👍🏽",
  };
  private static final String[] STATUSES = {
    "new", "paid", "packed", "shipped", "delivered", "cancelled", "refunded",
  };
  private static final long[] EDGE_UNSCALED = {
    0, 1, -1, 127, 128, -128, -129, 255, 256, -256, 32767, 32768, -32768, -32769, 8388607, 8388608,
  };
  private static final double[] EDGE_DOUBLES = {
    0.0, 0.1, -2.5, 1e-9, 123456789.123, 1.0E20, Double.MIN_VALUE, Double.MAX_VALUE, 1.0 / 3,
  };

  private static final class Generator {
    final Random random;
    final Mix mix;
    final List<TableDef> defs;
    final Map<String, TableState> states = new LinkedHashMap<>();
    final List<Message> messages = new ArrayList<>();
    final Map<String, Integer> counts = new LinkedHashMap<>();
    final double totalWeight;

    int customerSeq;
    long orderSeq;
    int lineSeq;

    long lsn = 33_554_432L;
    long lastCommitLsn = lsn;
    long txId = 760;
    int txLeft;
    long tsMs = START_TS_MS;
    int emitted;

    Generator(long seed, Mix mix) {
      this.random = new Random(seed);
      this.mix = mix;
      this.defs =
          List.of(
              new TableDef(
                  "customers",
                  0.30,
                  List.of("id"),
                  Generator::customerKey,
                  new Column("id", Kind.INT32, false, null),
                  new Column("name", Kind.STRING, false, Generator::personName),
                  new Column("email", Kind.STRING, true, Generator::email),
                  new Column(
                      "balance",
                      Kind.DECIMAL,
                      true,
                      12,
                      2,
                      g -> g.random.nextInt(8) == 0 ? null : g.decimal(12, 2)),
                  new Column("created_at", Kind.MICRO_TIMESTAMP, false, Generator::createdAt),
                  new Column("birthday", Kind.DATE, true, Generator::birthday),
                  new Column("last_seen", Kind.ZONED_TIMESTAMP, true, Generator::lastSeen),
                  new Column("vip", Kind.BOOLEAN, false, g -> g.random.nextInt(5) == 0)),
              new TableDef(
                  "orders",
                  0.35,
                  List.of("order_id"),
                  Generator::orderKey,
                  new Column("order_id", Kind.INT64, false, null),
                  new Column("customer_id", Kind.INT32, false, g -> 1 + g.nextInt(g.customerSeq)),
                  new Column("amount", Kind.DECIMAL, false, 10, 3, g -> g.decimal(10, 3)),
                  new Column("status", Kind.STRING, false, g -> g.pick(STATUSES)),
                  new Column("note", Kind.STRING, true, Generator::note),
                  new Column("placed_at", Kind.TIMESTAMP, false, Generator::placedAt)),
              new TableDef(
                  "order_lines",
                  0.35,
                  List.of("order_id", "line_no"),
                  Generator::orderLineKey,
                  new Column("order_id", Kind.INT64, false, null),
                  new Column("line_no", Kind.INT32, false, null),
                  new Column("sku", Kind.STRING, false, Generator::sku),
                  new Column("qty", Kind.INT32, false, Generator::qty),
                  new Column("price", Kind.DOUBLE, false, Generator::price)));
      double w = 0;
      for (TableDef d : defs) {
        states.put(d.name, new TableState(d));
        w += d.weight;
      }
      this.totalWeight = w;
      for (String k :
          List.of(
              "r",
              "c",
              "u",
              "d",
              "tombstone",
              "reinsert",
              "key-change-u",
              "key-change-dc",
              "set-null",
              "unset-null")) {
        counts.put(k, 0);
      }
    }

    ChangeStream run(int events) {
      long snapshots =
          Math.min(Math.round(events * mix.snapshot), (long) defs.size() * mix.maxLiveRows);
      nextTransaction(); // a snapshot is read in one transaction
      while (emitted < snapshots) {
        TableState t = pickTable();
        if (t.live.size() >= mix.maxLiveRows) {
          continue;
        }
        List<Object> key = freshKey(t);
        Row row = newRow(t.def, key);
        t.put(key, row);
        emit(t, "r", null, row, key, true);
      }
      double streamed = mix.insert + mix.update + mix.delete + mix.reinsert + mix.keyChange;
      txLeft = 0;
      while (emitted < events) {
        if (txLeft-- == 0) {
          nextTransaction();
        }
        TableState t = pickTable();
        double x = random.nextDouble() * streamed;
        if ((x -= mix.insert) < 0) {
          insert(t, false);
        } else if ((x -= mix.update) < 0) {
          update(t);
        } else if ((x -= mix.delete) < 0) {
          delete(t);
        } else if ((x -= mix.reinsert) < 0) {
          insert(t, true);
        } else {
          keyChange(t, random.nextBoolean() && events - emitted >= 2);
        }
      }
      Map<String, Map<List<Object>, Map<String, Object>>> state = new LinkedHashMap<>();
      Map<String, TableDef> tables = new LinkedHashMap<>();
      for (TableState t : states.values()) {
        Map<List<Object>, Map<String, Object>> rows = new LinkedHashMap<>();
        t.live.forEach((k, r) -> rows.put(k, r.values));
        state.put(t.def.name, Collections.unmodifiableMap(rows));
        tables.put(t.def.name, t.def);
      }
      return new ChangeStream(messages, tables, state, emitted, counts);
    }

    private void nextTransaction() {
      txId += 1 + random.nextInt(3);
      txLeft = random.nextInt(4); // changes after this one in the same transaction
      lastCommitLsn = lsn;
    }

    private TableState pickTable() {
      double x = random.nextDouble() * totalWeight;
      for (TableDef d : defs) {
        if ((x -= d.weight) < 0) {
          return states.get(d.name);
        }
      }
      return states.get(defs.get(defs.size() - 1).name);
    }

    private void insert(TableState t, boolean reinsert) {
      if (t.live.size() >= mix.maxLiveRows) {
        delete(t);
        return;
      }
      List<Object> key = reinsert && t.deleted.size() > 0 ? t.deleted.pick(random) : freshKey(t);
      Row row = newRow(t.def, key);
      revive(t, key);
      t.put(key, row);
      emit(t, "c", null, row, key, false);
    }

    private void update(TableState t) {
      if (t.live.isEmpty()) {
        insert(t, false);
        return;
      }
      List<Object> key = t.liveKeys.pick(random);
      Row before = t.live.get(key);
      Row after = changed(t.def, before, key, 1 + random.nextInt(3));
      t.put(key, after);
      emit(t, "u", before, after, key, false);
    }

    private void delete(TableState t) {
      if (t.live.isEmpty()) {
        insert(t, false);
        return;
      }
      List<Object> key = t.liveKeys.pick(random);
      Row before = t.remove(key);
      emit(t, "d", before, null, key, false);
    }

    /**
     * @param asDeleteCreate as Debezium sends a PostgreSQL key change; else as one update whose
     *     before image has the old key, keyed by the new key
     */
    private void keyChange(TableState t, boolean asDeleteCreate) {
      if (t.live.isEmpty()) {
        insert(t, false);
        return;
      }
      List<Object> oldKey = t.liveKeys.pick(random);
      List<Object> newKey =
          t.deleted.size() > 0 && random.nextInt(3) == 0 ? t.deleted.pick(random) : freshKey(t);
      Row before = t.remove(oldKey);
      Row after = changed(t.def, before, newKey, random.nextInt(2));
      revive(t, newKey);
      t.put(newKey, after);
      if (asDeleteCreate) {
        bump("key-change-dc");
        emit(t, "d", before, null, oldKey, false);
        emit(t, "c", null, after, newKey, false);
      } else {
        bump("key-change-u");
        emit(t, "u", before, after, newKey, false);
      }
    }

    private void revive(TableState t, List<Object> key) {
      if (t.used.contains(key)) {
        t.deleted.remove(key);
        bump("reinsert");
      }
    }

    private List<Object> freshKey(TableState t) {
      while (true) {
        List<Object> k = t.def.keys.next(this);
        if (!t.used.contains(k)) {
          return k;
        }
      }
    }

    private Row newRow(TableDef def, List<Object> key) {
      Map<String, Object> values = new LinkedHashMap<>();
      for (Column c : def.columns) {
        int k = def.key.indexOf(c.name);
        values.put(c.name, k >= 0 ? key.get(k) : c.values.next(this));
      }
      ObjectNode wire = NODES.objectNode();
      for (Column c : def.columns) {
        wire.set(c.name, encode(c, values.get(c.name)));
      }
      return new Row(Collections.unmodifiableMap(values), wire);
    }

    /** The row with the given key and {@code columns} of its other columns drawn anew. */
    private Row changed(TableDef def, Row before, List<Object> key, int columns) {
      Map<String, Object> values = new LinkedHashMap<>(before.values);
      ObjectNode wire = before.wire.deepCopy();
      for (int i = 0; i < key.size(); i++) {
        Column c = def.column(def.key.get(i));
        values.put(c.name, key.get(i));
        wire.set(c.name, encode(c, key.get(i)));
      }
      List<Column> others = new ArrayList<>();
      for (Column c : def.columns) {
        if (!def.key.contains(c.name)) {
          others.add(c);
        }
      }
      for (int i = 0; i < columns && !others.isEmpty(); i++) {
        Column c = others.remove(random.nextInt(others.size()));
        Object old = values.get(c.name);
        Object v;
        if (c.optional && old != null && random.nextInt(3) == 0) {
          v = null;
          bump("set-null");
        } else {
          v = c.values.next(this);
          if (old == null && v != null) {
            bump("unset-null");
          }
        }
        values.put(c.name, v);
        wire.set(c.name, encode(c, v));
      }
      return new Row(Collections.unmodifiableMap(values), wire);
    }

    private JsonNode encode(Column c, Object v) {
      if (v == null) {
        return NODES.nullNode();
      }
      switch (c.kind) {
        case INT32:
          return NODES.numberNode((Integer) v);
        case INT64:
          return NODES.numberNode((Long) v);
        case STRING:
          return NODES.textNode((String) v);
        case BOOLEAN:
          return NODES.booleanNode((Boolean) v);
        case DOUBLE:
          return NODES.numberNode((Double) v);
        case DECIMAL:
          byte[] unscaled = ((BigDecimal) v).unscaledValue().toByteArray();
          return NODES.textNode(Base64.getEncoder().encodeToString(unscaled));
        case DATE:
          return NODES.numberNode((int) ((LocalDate) v).toEpochDay());
        case MICRO_TIMESTAMP:
          return NODES.numberNode(micros((LocalDateTime) v));
        case TIMESTAMP:
          return NODES.numberNode(Math.floorDiv(micros((LocalDateTime) v), 1000L));
        case ZONED_TIMESTAMP:
          OffsetDateTime at =
              ((OffsetDateTime) v).withOffsetSameInstant(OFFSETS[random.nextInt(OFFSETS.length)]);
          return NODES.textNode(
              random.nextBoolean()
                  ? at.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                  : at.format(MICROS_WITH_OFFSET));
        default:
          throw new IllegalStateException(c.kind.name());
      }
    }

    private void emit(
        TableState t, String op, Row before, Row after, List<Object> key, boolean snapshot) {
      lsn += 8 + random.nextInt(57);
      tsMs += 1 + random.nextInt(40);
      long envelopeTs = tsMs + 2 + random.nextInt(300);
      ObjectNode payload = NODES.objectNode();
      payload.set("before", before == null ? NODES.nullNode() : before.wire);
      payload.set("after", after == null ? NODES.nullNode() : after.wire);
      ObjectNode source = payload.putObject("source");
      source.put("version", VERSION);
      source.put("connector", "postgresql");
      source.put("name", SERVER);
      source.put("ts_ms", tsMs);
      source.put("snapshot", snapshot ? "true" : "false");
      source.put("db", DATABASE);
      source.put("sequence", "[\"" + lastCommitLsn + "\",\"" + lsn + "\"]");
      source.put("ts_us", tsMs * 1000);
      source.put("ts_ns", tsMs * 1_000_000);
      source.put("schema", SCHEMA);
      source.put("table", t.def.name);
      source.put("txId", txId);
      source.put("lsn", lsn);
      source.putNull("xmin");
      payload.putNull("transaction");
      payload.put("op", op);
      payload.put("ts_ms", envelopeTs);
      payload.put("ts_us", envelopeTs * 1000);
      payload.put("ts_ns", envelopeTs * 1_000_000);

      ObjectNode keyPayload = NODES.objectNode();
      Row keyed = after != null ? after : before;
      for (String k : t.def.key) {
        keyPayload.set(k, keyed.wire.get(k));
      }
      byte[] keyBytes = envelope(t.def.keySchema, keyPayload);
      messages.add(new Message(t.def.name, lsn, keyBytes, envelope(t.def.valueSchema, payload)));
      bump(op);
      emitted++;
      if ("d".equals(op)) {
        messages.add(new Message(t.def.name, lsn, keyBytes, null));
        bump("tombstone");
      }
    }

    private void bump(String count) {
      counts.merge(count, 1, Integer::sum);
    }

    private int nextInt(int bound) {
      return random.nextInt(Math.max(bound, 1));
    }

    private String pick(String[] values) {
      return values[random.nextInt(values.length)];
    }

    // Keys: mostly sequential like a serial column, now and then anywhere in the type's range.

    private List<Object> customerKey() {
      return List.of(random.nextInt(50) == 0 ? random.nextInt() : ++customerSeq);
    }

    private List<Object> orderKey() {
      return List.of(random.nextInt(50) == 0 ? random.nextLong() : ORDER_BASE + ++orderSeq);
    }

    private List<Object> orderLineKey() {
      if (random.nextInt(10) == 0) {
        // a line number beyond those drawn below, so the retry loop always ends
        return List.of(ORDER_BASE + 1 + nextInt((int) orderSeq), 100 + ++lineSeq);
      }
      return List.of(ORDER_BASE + 1 + nextInt((int) orderSeq + 10), 1 + random.nextInt(20));
    }

    // Values, as the oracle types.

    private Object personName() {
      return pick(FIRST_NAMES) + " " + pick(LAST_NAMES) + pick(NAME_EXTRAS);
    }

    private Object email() {
      if (random.nextInt(6) == 0) {
        return null;
      }
      String[] domains = {"example.com", "mail.test", "exämple.de", "例え.jp"};
      String local = random.nextInt(8) == 0 ? "josé.o'neil+tag" : "user";
      return local + random.nextInt(1_000_000) + "@" + pick(domains);
    }

    private Object decimal(int precision, int scale) {
      long unscaled;
      long max = BigInteger.TEN.pow(precision).longValueExact() - 1;
      int kind = random.nextInt(10);
      if (kind == 0) {
        unscaled = EDGE_UNSCALED[random.nextInt(EDGE_UNSCALED.length)];
      } else if (kind == 1) {
        unscaled = random.nextBoolean() ? max : -max;
      } else {
        long magnitude = (long) Math.pow(10, 1 + random.nextInt(precision - 1));
        unscaled = (long) (random.nextDouble() * magnitude);
        if (random.nextInt(4) == 0) {
          unscaled = -unscaled;
        }
      }
      return BigDecimal.valueOf(unscaled, scale);
    }

    private Object createdAt() {
      return dateTime(EPOCH_MICROS_1965 + randomBelow(EPOCH_MICROS_2030 - EPOCH_MICROS_1965));
    }

    private Object birthday() {
      if (random.nextInt(5) == 0) {
        return null;
      }
      if (random.nextInt(20) == 0) {
        return LocalDate.ofEpochDay(random.nextInt(2) - 1); // 1969-12-31, 1970-01-01
      }
      return LocalDate.of(1920, 1, 1).plusDays(random.nextInt(35_000));
    }

    private Object lastSeen() {
      if (random.nextInt(4) == 0) {
        return null;
      }
      long micros = EPOCH_MICROS_2015 + randomBelow(EPOCH_MICROS_2030 - EPOCH_MICROS_2015);
      if (random.nextInt(6) == 0) {
        micros -= Math.floorMod(micros, 1_000_000L); // whole seconds: no fraction printed
      }
      return dateTime(micros).atOffset(ZoneOffset.UTC);
    }

    private Object note() {
      if (random.nextInt(5) < 2) {
        return null;
      }
      StringBuilder sb = new StringBuilder();
      int words = 3 + random.nextInt(30);
      for (int i = 0; i < words; i++) {
        if (i > 0) {
          sb.append(' ');
        }
        sb.append(pick(WORDS));
      }
      return sb.toString();
    }

    private Object placedAt() {
      long micros = EPOCH_MICROS_2015 + randomBelow(EPOCH_MICROS_2030 - EPOCH_MICROS_2015);
      return dateTime(micros - Math.floorMod(micros, 1000L));
    }

    private Object sku() {
      StringBuilder sb = new StringBuilder("SKU-");
      for (int i = 0; i < 8; i++) {
        sb.append("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789".charAt(random.nextInt(34)));
      }
      return sb.toString();
    }

    private Object qty() {
      switch (random.nextInt(20)) {
        case 0:
          return 0;
        case 1:
          return -1 - random.nextInt(5); // a return
        case 2:
          return Integer.MAX_VALUE;
        default:
          return 1 + random.nextInt(20);
      }
    }

    private Object price() {
      int kind = random.nextInt(10);
      if (kind == 0) {
        return EDGE_DOUBLES[random.nextInt(EDGE_DOUBLES.length)];
      }
      if (kind < 4) {
        return random.nextDouble() * 1000;
      }
      return random.nextInt(100_000) / 100.0;
    }

    private long randomBelow(long bound) {
      return Math.floorMod(random.nextLong(), bound);
    }
  }

  private static LocalDateTime dateTime(long epochMicros) {
    return LocalDateTime.ofEpochSecond(
        Math.floorDiv(epochMicros, 1_000_000L),
        (int) Math.floorMod(epochMicros, 1_000_000L) * 1000,
        ZoneOffset.UTC);
  }

  private static long micros(LocalDateTime t) {
    Instant i = t.toInstant(ZoneOffset.UTC);
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
  }

  private static byte[] envelope(byte[] schema, JsonNode payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(schema.length + 1024);
    out.writeBytes("{\"schema\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(schema);
    out.writeBytes(",\"payload\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(bytes(payload));
    out.write('}');
    return out.toByteArray();
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
