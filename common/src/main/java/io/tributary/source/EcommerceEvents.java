package io.tributary.source;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * Deterministic e-commerce events: clicks, add-to-carts and orders of about 250 bytes, with a
 * configurable share of late and malformed ones. Event {@code i} depends only on the seed and
 * {@code i}, so reruns and parallel instances agree.
 */
public final class EcommerceEvents implements GeneratorFunction<Long, RawRecord> {
  private static final long serialVersionUID = 1L;

  /** The schema of the generated events, in Flink SQL type syntax. */
  public static final String SCHEMA =
      "event_id STRING NOT NULL, event_type STRING NOT NULL, user_id STRING NOT NULL,"
          + " session_id STRING, product_id STRING, category STRING, quantity INT,"
          + " amount DECIMAL(12, 2), currency STRING, ts TIMESTAMP_LTZ(3) NOT NULL";

  private static final String[] CATEGORIES = {
    "books", "garden", "toys", "kitchen", "music", "sports", "beauty", "electronics"
  };
  private static final String[] CURRENCIES = {"EUR", "USD", "GBP"};

  private final long seed;
  private final long startMillis;
  private final double ratePerSecond;
  private final double badRatio;
  private final double lateRatio;
  private transient String partition;

  public EcommerceEvents(
      long seed, long startMillis, double ratePerSecond, double badRatio, double lateRatio) {
    this.seed = seed;
    this.startMillis = startMillis;
    this.ratePerSecond = ratePerSecond;
    this.badRatio = badRatio;
    this.lateRatio = lateRatio;
  }

  @Override
  public void open(SourceReaderContext readerContext) {
    partition = Integer.toString(readerContext.getIndexOfSubtask());
  }

  @Override
  public RawRecord map(Long index) {
    byte[] value = event(index).getBytes(StandardCharsets.UTF_8);
    return new RawRecord(
        "datagen",
        "datagen",
        partition == null ? "0" : partition,
        Long.toString(index),
        System.currentTimeMillis(),
        null,
        value);
  }

  /** The JSON text of event {@code i}. */
  public String event(long i) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
    long ts = startMillis + (long) (i * 1000.0 / ratePerSecond);
    boolean bad = r.nextDouble() < badRatio;
    if (r.nextDouble() < lateRatio) {
      ts -= 60_000 + r.nextInt(540_000);
    }
    double kind = r.nextDouble();
    String type = kind < 0.7 ? "click" : kind < 0.9 ? "add_to_cart" : "order";
    int user = r.nextInt(10_000);
    int product = r.nextInt(2_000);
    StringBuilder sb = new StringBuilder(280);
    sb.append("{\"event_id\":\"e-").append(i).append('"');
    sb.append(",\"event_type\":\"").append(type).append('"');
    if (!(bad && i % 5 == 2)) {
      sb.append(",\"user_id\":\"u-").append(user).append('"');
    }
    sb.append(",\"session_id\":\"s-").append(user).append('-').append(i / 500).append('"');
    sb.append(",\"product_id\":\"p-").append(product).append('"');
    sb.append(",\"category\":\"").append(CATEGORIES[product % CATEGORIES.length]).append('"');
    if (!type.equals("click")) {
      int qty = 1 + r.nextInt(4);
      long cents = 99 + r.nextInt(20_000);
      sb.append(",\"quantity\":").append(qty);
      if (bad && i % 5 == 1) {
        sb.append(",\"amount\":\"twelve\"");
      } else {
        sb.append(",\"amount\":").append(cents / 100).append('.');
        long c = cents % 100;
        sb.append(c < 10 ? "0" : "").append(c);
      }
      sb.append(",\"currency\":\"").append(CURRENCIES[user % CURRENCIES.length]).append('"');
    }
    if (bad && i % 5 == 3) {
      sb.append(",\"ts\":\"1970-01-01T00:00:00.000Z\"");
    } else {
      sb.append(",\"ts\":\"").append(Instant.ofEpochMilli(ts)).append('"');
    }
    sb.append(",\"referrer\":\"https://shop.example.com/c/")
        .append(CATEGORIES[(product + user) % CATEGORIES.length])
        .append("?page=")
        .append(1 + r.nextInt(20))
        .append('"');
    sb.append('}');
    if (bad && i % 5 == 0) {
      return sb.substring(0, sb.length() / 2);
    }
    if (bad && i % 5 == 4) {
      return "event " + i + " lost its braces";
    }
    return sb.toString();
  }
}
