package io.tributary.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.Tables;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The aggregate tests' input: payments of 13 keys, 2 s tumbling windows counting events and summing
 * amounts, with the oracle of what {@code aggregate} must write for them.
 */
final class Payments {
  static final int KEYS = 13;
  static final long WINDOW = 2_000;

  /** The {@code --format.schema} of the events. */
  static final String SCHEMA =
      "k STRING NOT NULL, amount DECIMAL(10, 2), ts TIMESTAMP_LTZ(3) NOT NULL";

  /** The {@code --aggregate.*} settings the oracle computes. */
  static final String[] AGGREGATE = {
    "--aggregate.window.type", "tumbling",
    "--aggregate.window.size", "2 s",
    "--aggregate.group-by", "k",
    "--aggregate.aggregates", "count(*) AS n, sum(amount) AS total"
  };

  private final Instant base;
  // window start (ms after base) -> key -> count, cents
  private final Map<Long, Map<String, long[]>> oracle = new TreeMap<>();

  Payments(Instant base) {
    this.base = base;
  }

  /** Event {@code i} at {@code t} ms after the base, counted in the oracle. */
  byte[] event(int i, long t) {
    String key = "k" + (i % KEYS);
    long cents = (i * 37L) % 10_000;
    long[] agg =
        oracle
            .computeIfAbsent(t - Math.floorMod(t, WINDOW), w -> new TreeMap<>())
            .computeIfAbsent(key, k -> new long[2]);
    agg[0]++;
    agg[1] += cents;
    return String.format(
            "{\"k\":\"%s\",\"amount\":%s,\"ts\":\"%s\"}",
            key, BigDecimal.valueOf(cents, 2), base.plusMillis(t))
        .getBytes(UTF_8);
  }

  /**
   * The rows the oracle expects, as {@link #actual} gives them, of the windows that start before
   * {@code t} ms after the base (later ones are still open).
   */
  List<String> expectedBefore(long t) {
    return oracle.entrySet().stream()
        .filter(w -> w.getKey() < t)
        .flatMap(
            w ->
                w.getValue().entrySet().stream()
                    .map(
                        k ->
                            base.plusMillis(w.getKey())
                                + "|"
                                + k.getKey()
                                + "|"
                                + k.getValue()[0]
                                + "|"
                                + BigDecimal.valueOf(k.getValue()[1], 2)))
        .sorted()
        .collect(Collectors.toList());
  }

  /** The table's rows, as window start|key|count|total, sorted; empty before it exists. */
  static List<String> actual(IcebergCatalog catalog, String table) {
    if (!Tables.exists(catalog, table)) {
      return List.of();
    }
    return Tables.read(catalog, table).stream()
        .map(
            r ->
                ((OffsetDateTime) r.getField("window_start")).toInstant()
                    + "|"
                    + r.getField("k")
                    + "|"
                    + r.getField("n")
                    + "|"
                    + r.getField("total"))
        .sorted()
        .collect(Collectors.toList());
  }
}
