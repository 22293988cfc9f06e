package io.tributary.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * A corpus of valid and hostile change records, like {@link HostileEvents} for {@code cdc}:
 * Debezium JSON with the schema envelope (source table {@code env}) and without it ({@code plain}),
 * and AWS DMS JSON ({@code dms}). Every valid change inserts its own id, with the exact row it must
 * land as; every hostile one names the dead-letter reason it must get. The hostile ones cover the
 * record faults {@code ingest} refuses (NUL, UTF-16/32, bad UTF-8, duplicate keys at any depth,
 * trailing data, lone surrogates, truncation), values that are not the source format's encoding of
 * their column's type (text for numbers, numbers for text, too many places, out of range, dates not
 * in the calendar, excess precision, unit-less epoch numbers), and cdc's own faults (positions,
 * ops, keys, images).
 */
public final class HostileChanges {
  /** Who wrote a change, and so which source table (and Iceberg table) it belongs to. */
  public enum Flavor {
    /** Debezium with the Kafka Connect schema envelope: types come from the schema. */
    ENVELOPED("env"),
    /** Debezium without the envelope: types come from {@link #COLUMN_TYPES}. */
    SCHEMALESS("plain"),
    /** AWS DMS: types come from {@link #COLUMN_TYPES}. */
    DMS("dms");

    public final String table;

    Flavor(String table) {
      this.table = table;
    }
  }

  /** The columns every table holds, in order; {@code id} is the key. */
  public static final List<String> COLUMNS =
      List.of("id", "amount", "qty", "ratio", "flag", "name", "on_day", "at", "ts");

  /** {@code cdc.column-types} for the tables without a producer schema. */
  public static final String COLUMN_TYPES = String.join("; ", types("plain"), types("dms"));

  /** {@code cdc.primary-keys}. */
  public static final String PRIMARY_KEYS = "env=id; plain=id; dms=id";

  /** {@code cdc.tables}, into namespace {@code ns}: source table t to {@code ns.hostile_t}. */
  public static String tables(String ns) {
    return "env=" + ns + ".hostile_env; plain=" + ns + ".hostile_plain; dms=" + ns + ".hostile_dms";
  }

  private static String types(String t) {
    return t
        + ".id=BIGINT; "
        + t
        + ".amount=DECIMAL(12,2); "
        + t
        + ".qty=INT; "
        + t
        + ".ratio=DOUBLE; "
        + t
        + ".flag=BOOLEAN; "
        + t
        + ".name=STRING; "
        + t
        + ".on_day=DATE; "
        + t
        + ".at=TIMESTAMP_LTZ(6); "
        + t
        + ".ts=TIMESTAMP(6)";
  }

  private static final String ENVELOPE_SCHEMA =
      "{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"optional\":true,\"field\":\"after\","
          + "\"fields\":["
          + "{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"
          + "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\","
          + "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"12\"},"
          + "\"field\":\"amount\"},"
          + "{\"type\":\"int32\",\"optional\":true,\"field\":\"qty\"},"
          + "{\"type\":\"double\",\"optional\":true,\"field\":\"ratio\"},"
          + "{\"type\":\"boolean\",\"optional\":true,\"field\":\"flag\"},"
          + "{\"type\":\"string\",\"optional\":true,\"field\":\"name\"},"
          + "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Date\","
          + "\"field\":\"on_day\"},"
          + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTimestamp\","
          + "\"field\":\"at\"},"
          + "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTimestamp\","
          + "\"field\":\"ts\"}"
          + "]},{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}],"
          + "\"optional\":false,\"name\":\"hostile.public.env.Envelope\"}";

  private static final DateTimeFormatter DMS_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

  /** One change record: its bytes, and either its reason or its exact row by column. */
  public static final class Case {
    public final Flavor flavor;
    public final long id;
    public final byte[] value;
    public final String reason;

    /** For wrong-type: the column the message must name; else null. */
    public final String column;

    public final Map<String, Object> expected;

    Case(
        Flavor flavor, long id, byte[] value, String reason, String column, Map<String, Object> e) {
      this.flavor = flavor;
      this.id = id;
      this.value = value;
      this.reason = reason;
      this.column = column;
      this.expected = e;
    }

    public boolean valid() {
      return reason == null;
    }

    @Override
    public String toString() {
      return flavor + " " + (reason == null ? "valid" : reason) + ": " + new String(value, UTF_8);
    }
  }

  private final Instant base;

  private HostileChanges(Instant base) {
    this.base = base;
  }

  /**
   * Debezium changes, enveloped and not, alternating: {@code valid} valid and at least {@code
   * hostile} hostile ones, interleaved, ids from {@code firstId}.
   */
  public static List<Case> debezium(Instant base, long firstId, int valid, int hostile) {
    HostileChanges h = new HostileChanges(base);
    List<List<LongFunction<Case>>> shapes =
        List.of(h.hostile(Flavor.ENVELOPED), h.hostile(Flavor.SCHEMALESS));
    return h.interleave(
        firstId,
        valid,
        hostile,
        (id, n) -> h.valid(n % 2 == 0 ? Flavor.ENVELOPED : Flavor.SCHEMALESS, id, n / 2),
        bad -> shapes.get(bad % 2).get((bad / 2) % shapes.get(bad % 2).size()));
  }

  /** DMS changes, like {@link #debezium}. */
  public static List<Case> dms(Instant base, long firstId, int valid, int hostile) {
    HostileChanges h = new HostileChanges(base);
    List<LongFunction<Case>> shapes = h.hostile(Flavor.DMS);
    return h.interleave(
        firstId,
        valid,
        hostile,
        (id, n) -> h.valid(Flavor.DMS, id, n),
        bad -> shapes.get(bad % shapes.size()));
  }

  /** How many distinct hostile shapes a flavor has: a corpus this big holds each once. */
  public static int shapes(Flavor f) {
    return new HostileChanges(Instant.EPOCH).hostile(f).size();
  }

  private interface ValidCase {
    Case make(long id, int n);
  }

  private interface HostileShape {
    LongFunction<Case> shape(int n);
  }

  private List<Case> interleave(
      long firstId, int valid, int hostile, ValidCase good, HostileShape bad) {
    List<Case> out = new ArrayList<>();
    long id = firstId;
    int v = 0;
    int b = 0;
    while (v < valid || b < hostile) {
      if (v < valid && (b >= hostile || v * (long) hostile <= b * (long) valid)) {
        out.add(good.make(id, v++));
      } else {
        out.add(bad.shape(b++).apply(id));
      }
      id++;
    }
    return out;
  }

  // ---------------------------------------------------------------- records

  /** A change of the flavor's table with the image body (JSON members, verbatim). */
  private String record(Flavor f, long id, String op, String image) {
    return record(f, id, op, image, ",\"lsn\":" + (id + 1));
  }

  private String record(Flavor f, long id, String op, String image, String position) {
    switch (f) {
      case DMS:
        return "{\"data\":{"
            + image
            + "},\"metadata\":{\"timestamp\":\""
            + base.plusSeconds(id).toString().replace("Z", ".000001Z")
            + "\",\"record-type\":\"data\",\"operation\":\""
            + op
            + "\",\"partition-key-type\":\"schema-table\",\"schema-name\":\"public\","
            + "\"table-name\":\"dms\",\"transaction-id\":"
            + id
            + "}}";
      case ENVELOPED:
        return "{\"schema\":"
            + ENVELOPE_SCHEMA
            + ",\"payload\":"
            + debezium(f, op, image, position)
            + "}";
      default:
        return debezium(f, op, image, position);
    }
  }

  private String debezium(Flavor f, String op, String image, String position) {
    return "{\"before\":null,\"after\":"
        + (image == null ? "null" : "{" + image + "}")
        + ",\"source\":{\"version\":\"2.7.0.Final\",\"connector\":\"postgresql\","
        + "\"db\":\"hostile\",\"schema\":\"public\",\"table\":\""
        + f.table
        + "\",\"ts_ms\":"
        + base.toEpochMilli()
        + position
        + "},\"op\":\""
        + op
        + "\",\"ts_ms\":"
        + base.toEpochMilli()
        + "}";
  }

  private static String member(String column, String json) {
    return "\"" + column + "\":" + json;
  }

  private static Case good(Flavor f, long id, String json, Map<String, Object> expected) {
    return new Case(f, id, json.getBytes(UTF_8), null, null, expected);
  }

  // ---------------------------------------------------------------- valid changes

  private Case valid(Flavor f, long id, int n) {
    Map<String, Object> e = new LinkedHashMap<>();
    List<String> m = new ArrayList<>();
    m.add(member("id", Long.toString(id)));
    e.put("id", id);

    // DECIMAL(12,2): Debezium's base64 unscaled bytes; numbers; text (decimal.handling.mode=string,
    // and DMS's NUMERIC)
    String[][] amounts = {
      {"12.30", "12.30", "\"12.30\""},
      {"12.00", "1.2e1", "\"12\""},
      {"0.00", "0", "\"0.00\""},
      {"-0.50", "-0.5", "\"-0.5\""},
      {"9999999999.99", "\"9999999999.99\"", "9999999999.99"},
      {"0.10", "0.10000", "\"0.10000\""},
      {null, null, null}
    };
    String[] a = amounts[n % amounts.length];
    if (a[0] != null) {
      BigDecimal amount = new BigDecimal(a[0]);
      String json =
          f == Flavor.ENVELOPED
              ? "\""
                  + Base64.getEncoder().encodeToString(amount.unscaledValue().toByteArray())
                  + "\""
              : f == Flavor.SCHEMALESS ? a[1] : a[2];
      m.add(member("amount", json));
      e.put("amount", amount);
    } else {
      m.add(member("amount", "null"));
      e.put("amount", null);
    }
    Integer[] qtys = {0, Integer.MIN_VALUE, Integer.MAX_VALUE, 7, -1, null};
    Integer q = qtys[n % qtys.length];
    m.add(member("qty", String.valueOf(q)));
    e.put("qty", q);
    String[][] ratios = {
      {"1e-300", "1e-300"}, {"0.1", "0.1"}, {"1.5E10", "1.5e10"}, {"1", "1"}, {"\"NaN\"", "NaN"}
    };
    String[] r = ratios[n % ratios.length];
    m.add(member("ratio", r[0]));
    e.put("ratio", Double.parseDouble(r[1]));
    if (n % 3 != 2) {
      m.add(member("flag", Boolean.toString(n % 3 == 0)));
      e.put("flag", n % 3 == 0);
    } else {
      e.put("flag", null); // absent: null
    }
    String[][] names = {
      {"\"plain-" + id + "\"", "plain-" + id},
      {"\"\\u00e9\\ud83d\\ude00\"", "é😀"},
      {"\"tab\\tline\\n\\\"q\\\"\"", "tab\tline\n\"q\""},
      {"\"\"", ""},
      {"\"ü-世界 \"", "ü-世界 "},
      {"\" 12 \"", " 12 "}
    };
    String[] nm = names[n % names.length];
    m.add(member("name", nm[0]));
    e.put("name", nm[1]);
    LocalDate[] days = {LocalDate.of(2024, 2, 29), LocalDate.of(1969, 12, 31), null};
    LocalDate d = days[n % days.length];
    if (d == null) {
      m.add(member("on_day", "null"));
    } else if (f == Flavor.ENVELOPED || (f == Flavor.SCHEMALESS && n % 2 == 0)) {
      m.add(member("on_day", Long.toString(d.toEpochDay()))); // io.debezium.time.Date: days
    } else {
      m.add(member("on_day", "\"" + d + "\""));
    }
    e.put("on_day", d);
    Instant at = base.plusSeconds(id).plusNanos((n % 4) * 123_456_000L);
    String atText;
    switch (n % 4) {
      case 0:
        atText = at.toString();
        break;
      case 1:
        atText = at.atOffset(ZoneOffset.ofHours(2)).toString(); // the same instant, at +02:00
        break;
      case 2:
        // DMS's own DATETIME text: no zone, in UTC (Debezium's ZonedTimestamp always has one)
        atText =
            f == Flavor.ENVELOPED
                ? at.atOffset(ZoneOffset.ofHours(-5)).toString()
                : DMS_TIME.format(at.atOffset(ZoneOffset.UTC));
        break;
      default:
        atText = at.toString().replace("Z", "000Z"); // zeros past microseconds change nothing
    }
    m.add(member("at", "\"" + atText + "\""));
    e.put("at", at);
    LocalDateTime ts = LocalDateTime.ofEpochSecond(id * 7, (n % 5) * 1_000, ZoneOffset.UTC);
    if (f == Flavor.ENVELOPED) {
      m.add(member("ts", Long.toString(ts.toEpochSecond(ZoneOffset.UTC) * 1_000_000 + n % 5)));
    } else {
      m.add(member("ts", "\"" + (n % 2 == 0 ? DMS_TIME.format(ts) : ts.toString()) + "\""));
    }
    e.put("ts", ts);

    String op =
        f == Flavor.DMS
            ? new String[] {"insert", "load", "update"}[n % 3]
            : "crc".substring(n % 3, n % 3 + 1);
    if (f != Flavor.DMS && n % 3 == 1) {
      op = "r";
    }
    if (f != Flavor.DMS && n % 7 == 6) {
      op = "u"; // an update whose before is null: a row set to these values
    }
    return good(f, id, record(f, id, op, String.join(",", m)), e);
  }

  // ---------------------------------------------------------------- hostile changes

  /** A record of the flavor whose only non-key column is {@code column = json}. */
  private LongFunction<Case> value(Flavor f, String column, String json) {
    return id ->
        new Case(
            f,
            id,
            record(f, id, op(f), member("id", Long.toString(id)) + "," + member(column, json))
                .getBytes(UTF_8),
            "wrong-type",
            column,
            null);
  }

  private static String op(Flavor f) {
    return f == Flavor.DMS ? "insert" : "c";
  }

  private LongFunction<Case> whole(Flavor f, String reason, LongFunction<String> json) {
    return id -> new Case(f, id, json.apply(id).getBytes(UTF_8), reason, null, null);
  }

  private LongFunction<Case> bytes(Flavor f, String reason, LongFunction<byte[]> value) {
    return id -> new Case(f, id, value.apply(id), reason, null, null);
  }

  private String ok(Flavor f, long id) {
    return record(f, id, op(f), member("id", Long.toString(id)) + "," + member("qty", "1"));
  }

  private List<LongFunction<Case>> hostile(Flavor f) {
    List<LongFunction<Case>> s = new ArrayList<>();
    boolean env = f == Flavor.ENVELOPED;
    // ---- values that are not the source's encoding of their column's type
    List<String> amounts =
        env
            ? List.of(
                "12.5",
                "\"12.50\"",
                "\"!!not base64\"",
                "\""
                    + Base64.getEncoder().encodeToString(BigInteger.TEN.pow(12).toByteArray())
                    + "\"", // 10^10.00: 11 digits before the point in DECIMAL(12, 2)
                "true")
            : List.of(
                "12.345",
                "\"12.345\"",
                "1e20",
                "\"12345678901.00\"",
                "\" 12.50\"",
                "\"+1.00\"",
                "\"1,50\"",
                "true",
                "\"abc\"");
    amounts.forEach(v -> s.add(value(f, "amount", v)));
    for (String v :
        List.of("1.5", "1e2", "1.0", "\"12\"", "2147483648", "-2147483649", "true", "[1]")) {
      s.add(value(f, "qty", v));
    }
    for (String v : List.of("1e400", "-1e400", "1e-400", "\"1.5\"", "\"two\"", "false")) {
      s.add(value(f, "ratio", v));
    }
    for (String v : List.of("\"yes\"", "1", "0", "\"true\"", "\"TRUE\"")) {
      s.add(value(f, "flag", v));
    }
    for (String v : List.of("123", "true", "[1]", "{\"a\":1}", "1.5")) {
      s.add(value(f, "name", v));
    }
    List<String> days =
        env
            ? List.of("\"2024-01-01\"", "1.5", "true")
            : List.of(
                "\"2026-02-30\"",
                "\"2026-1-01\"",
                "\"2025-02-29\"",
                "\" 2026-01-01\"",
                "1.5",
                "\"2026-01-01T00:00:00Z\"");
    days.forEach(v -> s.add(value(f, "on_day", v)));
    for (String v :
        List.of(
            "\"2026-02-30T00:00:00Z\"",
            "\"2026-11-25T10:00:00.123456789Z\"",
            "\"2026-11-25T25:00:00Z\"",
            "\"yesterday\"",
            "1764064800000",
            "\" 2026-11-25T10:00:00Z\"")) {
      s.add(value(f, "at", v));
    }
    List<String> times =
        env
            ? List.of("\"2024\"", "1.5", "9223372036854775808")
            : List.of(
                "\"2026-11-25 10:00:00.1234567\"", "\"2026-02-30 00:00:00\"", "1764064800000");
    times.forEach(v -> s.add(value(f, "ts", v)));
    // the key: text or a float token for a BIGINT
    s.add(
        whole(
            f,
            "wrong-type",
            id -> record(f, id, op(f), member("id", "\"" + id + "\"") + "," + member("qty", "1"))));
    s.add(
        whole(
            f,
            "wrong-type",
            id -> record(f, id, op(f), member("id", id + ".0") + "," + member("qty", "1"))));
    // ---- record faults, as ingest refuses them
    s.add(whole(f, "duplicate-field", id -> "{\"x\":1,\"x\":2," + ok(f, id).substring(1)));
    s.add(
        whole(
            f,
            "duplicate-field",
            id -> record(f, id, op(f), member("id", Long.toString(id)) + "," + member("id", "1"))));
    s.add(
        whole(
            f,
            "duplicate-field",
            id ->
                f == Flavor.DMS
                    ? ok(f, id).replace("\"metadata\":{", "\"metadata\":{\"table-name\":\"other\",")
                    : ok(f, id).replace("\"source\":{", "\"source\":{\"table\":\"other\",")));
    s.add(whole(f, "malformed-json", id -> ok(f, id) + ok(f, id)));
    s.add(whole(f, "malformed-json", id -> ok(f, id) + " xyz"));
    s.add(whole(f, "malformed-json", id -> ok(f, id) + " 1"));
    s.add(whole(f, "malformed-json", id -> ok(f, id) + "]"));
    s.add(bytes(f, "malformed-json", id -> withNul(ok(f, id), ok(f, id).length())));
    s.add(bytes(f, "malformed-json", id -> withNul(ok(f, id), 1)));
    s.add(
        bytes(
            f,
            "malformed-json",
            id -> {
              String r =
                  record(f, id, op(f), member("id", id + "") + "," + member("name", "\"ab\""));
              return withNul(r, r.indexOf("\"ab\"") + 2); // inside a string, unescaped
            }));
    for (String cs : List.of("UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE")) {
      s.add(bytes(f, "invalid-utf8", id -> ok(f, id).getBytes(Charset.forName(cs))));
    }
    s.add(
        bytes(
            f,
            "invalid-utf8",
            id ->
                record(f, id, op(f), member("id", id + "") + "," + member("name", "\"caf\u00e9\""))
                    .getBytes(StandardCharsets.ISO_8859_1)));
    s.add(
        bytes(
            f,
            "invalid-utf8",
            id -> {
              byte[] b = ok(f, id).getBytes(UTF_8);
              byte[] out = Arrays.copyOf(b, b.length + 3);
              out[b.length] = (byte) 0xED; // an encoded surrogate: not UTF-8
              out[b.length + 1] = (byte) 0xA0;
              out[b.length + 2] = (byte) 0x80;
              return out;
            }));
    s.add(
        whole(
            f,
            "malformed-json",
            id ->
                record(
                    f, id, op(f), member("id", id + "") + "," + member("name", "\"a\\ud800b\""))));
    s.add(
        whole(
            f,
            "malformed-json",
            id ->
                record(f, id, op(f), member("id", id + "") + "," + member("name", "\"\\udc00\""))));
    s.add(whole(f, "truncated-json", id -> ok(f, id).substring(0, ok(f, id).length() - 2)));
    s.add(
        whole(f, "truncated-json", id -> ok(f, id).substring(0, ok(f, id).indexOf("\"id\"") + 5)));
    s.add(whole(f, "malformed-json", id -> ok(f, id).replace('"', '\'')));
    s.add(
        whole(
            f,
            "malformed-json",
            id -> record(f, id, op(f), member("id", "0" + (id + 1)) + "," + member("qty", "1"))));
    s.add(
        whole(
            f,
            "malformed-json",
            id -> record(f, id, op(f), member("id", id + "") + "," + member("ratio", "NaN"))));
    s.add(whole(f, "malformed-json", id -> "[" + ok(f, id) + "]"));
    s.add(whole(f, "malformed-json", id -> "\"" + id + "\""));
    s.add(whole(f, "malformed-json", id -> "   "));
    s.add(whole(f, "malformed-json", id -> "null"));
    s.add(bytes(f, "empty", id -> new byte[0]));
    // ---- cdc's own faults
    s.add(
        whole(
            f,
            "missing-key",
            id -> record(f, id, op(f), member("id", "null") + "," + member("qty", "1"))));
    s.add(whole(f, "missing-key", id -> record(f, id, op(f), member("qty", "1"))));
    if (f == Flavor.DMS) {
      s.add(
          whole(
              f,
              "malformed-json",
              id -> ok(f, id).replaceFirst("\"data\":\\{[^}]*}", "\"data\":[1]")));
      s.add(whole(f, "missing-data", id -> ok(f, id).replaceFirst("\"data\":\\{[^}]*},", "")));
      s.add(
          whole(f, "bad-position", id -> ok(f, id).replaceFirst("\"timestamp\":\"[^\"]*\",", "")));
      s.add(
          whole(
              f,
              "bad-position",
              id ->
                  ok(f, id)
                      .replaceFirst(
                          "\"timestamp\":\"[^\"]*\"", "\"timestamp\":\"2026-02-30T00:00:00Z\"")));
      s.add(
          whole(
              f,
              "bad-position",
              id -> ok(f, id).replace("\"transaction-id\":" + id, "\"transaction-id\":1e23")));
      s.add(whole(f, "missing-metadata", id -> ok(f, id).replace("\"record-type\":\"data\",", "")));
      s.add(
          whole(
              f,
              "unknown-record-type",
              id -> ok(f, id).replace("\"record-type\":\"data\"", "\"record-type\":\"Data\"")));
      s.add(whole(f, "unknown-op", id -> record(f, id, "upsert", member("id", id + ""))));
    } else {
      for (String[] p :
          new String[][] {
            {"", ""},
            {",\"lsn\":null", ""},
            {",\"lsn\":\"abc\"", ""},
            {",\"lsn\":1e23", ""},
            {",\"lsn\":-5", ""},
            {",\"lsn\":99999999999999999999", ""}
          }) {
        s.add(
            whole(
                f,
                "bad-position",
                id -> record(f, id, "c", member("id", id + "") + "," + member("qty", "1"), p[0])));
      }
      s.add(whole(f, "unknown-op", id -> record(f, id, "x", member("id", id + ""))));
      s.add(whole(f, "missing-after", id -> record(f, id, "c", null)));
      s.add(
          whole(
              f, "missing-source", id -> ok(f, id).replace("\"table\":\"" + f.table + "\",", "")));
      s.add(
          whole(
              f,
              "malformed-json",
              id -> ok(f, id).replaceFirst("\"after\":\\{[^}]*}", "\"after\":[1]")));
      s.add(
          whole(
              f, "malformed-json", id -> ok(f, id).replace("\"before\":null", "\"before\":\"x\"")));
    }
    return s;
  }

  private static byte[] withNul(String json, int at) {
    byte[] b = json.getBytes(UTF_8);
    byte[] out = new byte[b.length + 1];
    System.arraycopy(b, 0, out, 0, at);
    out[at] = 0;
    System.arraycopy(b, at, out, at + 1, b.length - at);
    return out;
  }
}
