package io.tributary.config;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

/**
 * The allowed range of a numeric option, declared where the option is defined:
 *
 * <pre>{@code
 * public static final ConfigOption<Integer> PARALLELISM =
 *     Ranges.atLeast(1, Options.key("parallelism").intType().noDefaultValue()...);
 * }</pre>
 *
 * <p>{@link TributaryConfig#validate} checks every set value against it, and the generated
 * reference shows it, so a range is stated once. Flink's {@link ConfigOption} is final and has no
 * room for it, hence the registry keyed by the option instance.
 */
public final class Ranges {
  private static final Map<ConfigOption<?>, Range<?>> DECLARED =
      Collections.synchronizedMap(new IdentityHashMap<>());

  private Ranges() {}

  /** A closed or half-open interval; a null bound is open-ended. */
  static final class Range<T extends Comparable<? super T>> {
    final T min;
    final boolean minInclusive;
    final T max;
    final String note;

    Range(T min, boolean minInclusive, T max, String note) {
      this.min = min;
      this.minInclusive = minInclusive;
      this.max = max;
      this.note = note;
    }

    boolean contains(T v) {
      if (v instanceof Double && !Double.isFinite((Double) v)) {
        return false;
      }
      if (min != null) {
        int c = v.compareTo(min);
        if (c < 0 || (c == 0 && !minInclusive)) {
          return false;
        }
      }
      return max == null || v.compareTo(max) <= 0;
    }

    /** E.g. "at least 1", "above 0 ms", "between 0 and 1", "any whole number". */
    String text() {
      if (min == null && max == null) {
        return "any value";
      }
      if (max == null) {
        return (minInclusive ? "at least " : "above ") + format(min);
      }
      if (min == null) {
        return "at most " + format(max);
      }
      return "between "
          + format(min)
          + (minInclusive ? "" : " (exclusive)")
          + " and "
          + format(max);
    }
  }

  /** Values from {@code min} on. */
  public static <T extends Comparable<? super T>> ConfigOption<T> atLeast(
      T min, ConfigOption<T> option) {
    return declare(option, new Range<>(min, true, null, ""));
  }

  /** Values from {@code min} on; {@code note} follows the message, e.g. " (0: no retries)". */
  public static <T extends Comparable<? super T>> ConfigOption<T> atLeast(
      T min, String note, ConfigOption<T> option) {
    return declare(option, new Range<>(min, true, null, note));
  }

  /** Values greater than {@code min}; {@code note} follows the message, e.g. ", e.g. 1 min". */
  public static <T extends Comparable<? super T>> ConfigOption<T> above(
      T min, String note, ConfigOption<T> option) {
    return declare(option, new Range<>(min, false, null, note));
  }

  /** Values from {@code min} to {@code max}, both included. */
  public static <T extends Comparable<? super T>> ConfigOption<T> between(
      T min, T max, ConfigOption<T> option) {
    return declare(option, new Range<>(min, true, max, ""));
  }

  /** Every value of the type is meaningful (a seed, say): declared so no option is forgotten. */
  public static <T extends Comparable<? super T>> ConfigOption<T> any(ConfigOption<T> option) {
    return declare(option, new Range<T>(null, true, null, ""));
  }

  private static <T extends Comparable<? super T>> ConfigOption<T> declare(
      ConfigOption<T> option, Range<T> range) {
    if (option.hasDefaultValue() && option.defaultValue() != null) {
      if (!range.contains(option.defaultValue())) {
        throw new IllegalStateException(
            "default of '" + option.key() + "' is outside its range " + range.text());
      }
    }
    DECLARED.put(option, range);
    return option;
  }

  /** True when the option's range was declared (possibly as {@link #any}). */
  public static boolean declared(ConfigOption<?> option) {
    return DECLARED.containsKey(option);
  }

  /** The range for the reference table, e.g. "at least 1"; empty when none is declared. */
  public static Optional<String> describe(ConfigOption<?> option) {
    Range<?> r = DECLARED.get(option);
    return r == null || (r.min == null && r.max == null)
        ? Optional.empty()
        : Optional.of(r.text() + r.note);
  }

  /**
   * Why {@code value} is out of the option's range, phrased to follow the value in a message ("must
   * be at least 1"), or empty when it is in range or no range is declared.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Optional<String> check(ConfigOption<?> option, Object value) {
    Range r = DECLARED.get(option);
    if (r == null || value == null || r.contains((Comparable) value)) {
      return Optional.empty();
    }
    return Optional.of("must be " + r.text() + r.note);
  }

  private static String format(Object v) {
    if (v instanceof Duration) {
      // "above 0", not "above 0 ms": zero needs no unit
      return ((Duration) v).isZero() ? "0" : TimeUtils.formatWithHighestUnit((Duration) v);
    }
    if (v instanceof MemorySize) {
      return v.toString();
    }
    if (v instanceof Double && ((Double) v) == Math.rint((Double) v)) {
      return String.valueOf(((Double) v).longValue());
    }
    return String.valueOf(v);
  }
}
