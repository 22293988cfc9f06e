package io.tributary.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * A corpus of valid and hostile JSON events for one schema: every valid one with the exact values
 * it must land as, every hostile one with the dead-letter reason it must get. The hostile ones are
 * the inputs a lenient reader silently changes: too many decimal places, out-of-range numbers,
 * fractions in integers, strings for numbers and the reverse, dates not in the calendar, excess
 * timestamp precision, duplicate keys, trailing data, NUL bytes, UTF-16, lone surrogates.
 */
public final class HostileEvents {
  public static final String SCHEMA =
      "id BIGINT NOT NULL, amount DECIMAL(12, 2), qty INT, ratio DOUBLE, flag BOOLEAN,"
          + " name STRING, on_day DATE, ts TIMESTAMP_LTZ(3) NOT NULL";

  /** The columns of {@link #SCHEMA}, in order. */
  public static final List<String> COLUMNS =
      List.of("id", "amount", "qty", "ratio", "flag", "name", "on_day", "ts");

  /** One record: its bytes, and either its reason or its exact values by column. */
  public static final class Case {
    public final byte[] value;
    public final String reason;
    public final Map<String, Object> expected;

    Case(byte[] value, String reason, Map<String, Object> expected) {
      this.value = value;
      this.reason = reason;
      this.expected = expected;
    }

    public boolean valid() {
      return reason == null;
    }

    @Override
    public String toString() {
      return (reason == null ? "valid" : reason) + ": " + new String(value, UTF_8);
    }
  }

  private final Instant base;
  private final List<Case> cases = new ArrayList<>();

  private HostileEvents(Instant base) {
    this.base = base;
  }

  /**
   * {@code valid} valid events and at least {@code hostile} hostile ones, interleaved, ids from 0.
   * Event times are {@code base} plus the id in seconds.
   */
  public static List<Case> corpus(Instant base, int valid, int hostile) {
    HostileEvents h = new HostileEvents(base);
    List<LongFunction<Case>> shapes = h.hostileShapes();
    long id = 0;
    int v = 0;
    int bad = 0;
    while (v < valid || bad < hostile) {
      if (v < valid && (bad >= hostile || v * (long) hostile <= bad * (long) valid)) {
        h.cases.add(h.valid(id, v));
        v++;
      } else {
        h.cases.add(shapes.get(bad % shapes.size()).apply(id));
        bad++;
      }
      id++;
    }
    return h.cases;
  }

  /** How many distinct hostile shapes there are: a corpus at least this big holds each once. */
  public static int shapes() {
    return new HostileEvents(Instant.EPOCH).hostileShapes().size();
  }

  private String ts(long id) {
    return base.plusSeconds(id).toString();
  }

  private Case valid(long id, int n) {
    Map<String, Object> e = new LinkedHashMap<>();
    StringBuilder sb = new StringBuilder("{\"id\":").append(id);
    e.put("id", id);
    String[][] amounts = {
      {"12.30", "12.30"},
      {"1.2e1", "12.00"},
      {"0", "0.00"},
      {"-0.5", "-0.50"},
      {"9999999999.99", "9999999999.99"},
      {"100", "100.00"},
      {"0.10000", "0.10"},
      {null, null}
    };
    String[] a = amounts[n % amounts.length];
    if (a[0] != null) {
      sb.append(",\"amount\":").append(a[0]);
    }
    e.put("amount", a[1] == null ? null : new BigDecimal(a[1]));
    int[] qtys = {0, -2147483648, 2147483647, 7, -1};
    if (n % 6 != 5) {
      int q = qtys[n % qtys.length];
      sb.append(",\"qty\":").append(q);
      e.put("qty", q);
    } else {
      sb.append(",\"qty\":null");
      e.put("qty", null);
    }
    String[][] ratios = {{"1e-300", "1e-300"}, {"0.1", "0.1"}, {"1.5E10", "1.5e10"}, {"1", "1"}};
    String[] r = ratios[n % ratios.length];
    sb.append(",\"ratio\":").append(r[0]);
    e.put("ratio", Double.parseDouble(r[1]));
    if (n % 3 != 2) {
      sb.append(",\"flag\":").append(n % 3 == 0);
      e.put("flag", n % 3 == 0);
    } else {
      e.put("flag", null);
    }
    String[][] names = {
      {"\"plain-" + id + "\"", "plain-" + id},
      {"\"\\u00e9\\ud83d\\ude00\"", "é😀"},
      {"\"tab\\tline\\n\\\"q\\\"\"", "tab\tline\n\"q\""},
      {"\"\"", ""},
      {"\"ü-世界\"", "ü-世界"}
    };
    String[] nm = names[n % names.length];
    sb.append(",\"name\":").append(nm[0]);
    e.put("name", nm[1]);
    String[] days = {"2024-02-29", "1999-12-31", null};
    String d = days[n % days.length];
    if (d != null) {
      sb.append(",\"on_day\":\"").append(d).append('"');
    }
    e.put("on_day", d == null ? null : LocalDate.parse(d));
    Instant t = base.plusSeconds(id);
    String ts;
    switch (n % 4) {
      case 0:
        ts = t.toString();
        break;
      case 1:
        // the same instant written with an offset
        ts = t.atOffset(java.time.ZoneOffset.ofHours(2)).toLocalDateTime() + "+02:00";
        break;
      case 2:
        // zeros past the column's precision change nothing
        t = t.plusMillis(120);
        ts = t.toString().replace("Z", "000Z");
        break;
      default:
        t = t.plusMillis(7);
        ts = t.toString();
    }
    sb.append(",\"ts\":\"").append(ts).append('"');
    e.put("ts", t);
    sb.append(",\"unknown\":{\"nested\":[1,{\"x\":null}]}}");
    return new Case(sb.toString().getBytes(UTF_8), null, e);
  }

  private LongFunction<Case> field(String reason, String field, String json) {
    return id ->
        new Case(
            ("{\"id\":" + id + ",\"" + field + "\":" + json + ",\"ts\":\"" + ts(id) + "\"}")
                .getBytes(UTF_8),
            reason,
            null);
  }

  private LongFunction<Case> whole(String reason, LongFunction<String> json) {
    return id -> new Case(json.apply(id).getBytes(UTF_8), reason, null);
  }

  private LongFunction<Case> bytes(String reason, LongFunction<byte[]> value) {
    return id -> new Case(value.apply(id), reason, null);
  }

  private String ok(long id) {
    return "{\"id\":" + id + ",\"ts\":\"" + ts(id) + "\"}";
  }

  private List<LongFunction<Case>> hostileShapes() {
    List<LongFunction<Case>> s = new ArrayList<>();
    String wrong = "wrong-type";
    // DECIMAL(12, 2): places, range
    for (String v :
        List.of(
            "12.345",
            "0.001",
            "1.999",
            "-0.005",
            "1e-3",
            "12345678901.00",
            "1e20",
            "-99999999999",
            "1E+10",
            "123456789012345678901234567890")) {
      s.add(field(wrong, "amount", v));
    }
    // INT: fractions, exponents, strings, range
    for (String v :
        List.of(
            "1.5",
            "1e2",
            "1.0",
            "\"12\"",
            "2147483648",
            "-2147483649",
            "99999999999999999999",
            "true",
            "[1]",
            "{\"v\":1}")) {
      s.add(field(wrong, "qty", v));
    }
    // BIGINT id
    s.add(whole(wrong, id -> "{\"id\":9223372036854775808,\"ts\":\"" + ts(id) + "\"}"));
    s.add(whole(wrong, id -> "{\"id\":\"" + id + "\",\"ts\":\"" + ts(id) + "\"}"));
    // DOUBLE: overflow, underflow, strings
    for (String v : List.of("1e400", "-1e400", "1e-400", "\"1.5\"", "\"NaN\"", "false")) {
      s.add(field(wrong, "ratio", v));
    }
    // BOOLEAN
    for (String v : List.of("\"yes\"", "1", "0", "\"true\"", "\"false\"")) {
      s.add(field(wrong, "flag", v));
    }
    // STRING
    for (String v : List.of("123", "true", "[1]", "{\"a\":1}", "1.5")) {
      s.add(field(wrong, "name", v));
    }
    // DATE
    for (String v :
        List.of(
            "\"2026-02-30\"",
            "\"2026-13-01\"",
            "\"2026-1-01\"",
            "\"2025-02-29\"",
            "\"2026-04-31\"",
            "20260101",
            "\"2026-01-01T00:00:00Z\"")) {
      s.add(field(wrong, "on_day", v));
    }
    // TIMESTAMP_LTZ(3): not in the calendar, more precision, bad clock, no zone, a number
    for (String v :
        List.of(
            "2026-02-30T00:00:00Z",
            "2026-11-25T10:00:00.123456789Z",
            "2026-11-25T10:00:00.1234Z",
            "2026-11-25T25:00:00Z",
            "2026-11-25T10:61:00Z",
            "2026-11-25T10:00:00",
            "2026-11-25 10:00:00Z",
            "2026-11-25T10:00:00+25:00",
            "yesterday")) {
      s.add(whole(wrong, id -> "{\"id\":" + id + ",\"ts\":\"" + v + "\"}"));
    }
    s.add(
        whole(
            wrong, id -> "{\"id\":" + id + ",\"ts\":" + base.plusSeconds(id).toEpochMilli() + "}"));
    // duplicate keys, at the top and nested in an ignored field
    s.add(
        whole(
            "duplicate-field",
            id -> "{\"id\":" + id + ",\"id\":" + (id + 1) + ",\"ts\":\"" + ts(id) + "\"}"));
    s.add(
        whole(
            "duplicate-field",
            id -> "{\"id\":" + id + ",\"qty\":1,\"ts\":\"" + ts(id) + "\",\"qty\":2}"));
    s.add(
        whole(
            "duplicate-field",
            id -> "{\"id\":" + id + ",\"ts\":\"" + ts(id) + "\",\"x\":{\"a\":1,\"a\":2}}"));
    // trailing data
    s.add(whole("malformed-json", id -> ok(id) + ok(id)));
    s.add(whole("malformed-json", id -> ok(id) + " xyz"));
    s.add(whole("malformed-json", id -> ok(id) + " 1"));
    s.add(whole("malformed-json", id -> ok(id) + "]"));
    // NUL outside a string, and inside one unescaped
    s.add(bytes("malformed-json", id -> withNul(ok(id), ok(id).length())));
    s.add(bytes("malformed-json", id -> withNul(ok(id), 1)));
    s.add(bytes("malformed-json", id -> withNul(ok(id), ok(id).indexOf("\"ts\":\"") + 7)));
    // not UTF-8
    for (String cs : List.of("UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE")) {
      s.add(bytes("invalid-utf8", id -> ok(id).getBytes(Charset.forName(cs))));
    }
    s.add(bytes("invalid-utf8", id -> latin1Name(id)));
    s.add(
        bytes(
            "invalid-utf8",
            id -> {
              byte[] b = ok(id).getBytes(UTF_8);
              byte[] out = Arrays.copyOf(b, b.length + 3);
              System.arraycopy(
                  new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0, out, b.length, 3);
              return out; // an encoded surrogate: not UTF-8
            }));
    // a lone surrogate written as an escape
    s.add(field("malformed-json", "name", "\"a\\ud800b\""));
    s.add(field("malformed-json", "name", "\"\\udc00\""));
    // broken, truncated, not an object
    s.add(whole("truncated-json", id -> "{\"id\":" + id + ",\"ts\":\"" + ts(id)));
    s.add(whole("truncated-json", id -> "{\"id\":" + id + ","));
    s.add(whole("malformed-json", id -> "{'id':" + id + "}"));
    s.add(whole("malformed-json", id -> "{\"id\":0" + id + ",\"ts\":\"" + ts(id) + "\"}"));
    s.add(
        whole(
            "malformed-json", id -> "{\"id\":" + id + ",\"ratio\":NaN,\"ts\":\"" + ts(id) + "\"}"));
    s.add(whole("malformed-json", id -> "[" + ok(id) + "]"));
    s.add(whole("malformed-json", id -> "\"" + id + "\""));
    s.add(whole("malformed-json", id -> "   "));
    s.add(whole("malformed-json", id -> "null"));
    s.add(bytes("empty", id -> new byte[0]));
    // required fields
    s.add(whole("missing-field", id -> "{\"ts\":\"" + ts(id) + "\",\"qty\":" + id % 100 + "}"));
    s.add(whole("missing-field", id -> "{\"id\":null,\"ts\":\"" + ts(id) + "\"}"));
    s.add(whole("missing-event-time", id -> "{\"id\":" + id + "}"));
    s.add(
        whole(
            "event-time-out-of-bounds",
            id -> "{\"id\":" + id + ",\"ts\":\"1970-01-01T00:00:00Z\"}"));
    s.add(
        whole(
            "event-time-out-of-bounds",
            id -> "{\"id\":" + id + ",\"ts\":\"2199-01-01T00:00:00Z\"}"));
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

  private byte[] latin1Name(long id) {
    return ("{\"id\":" + id + ",\"name\":\"caf\u00e9\",\"ts\":\"" + ts(id) + "\"}")
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
