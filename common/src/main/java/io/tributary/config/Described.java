package io.tributary.config;

/**
 * Enum values as users write them: lower case with dashes ({@code exactly-once}). Flink's enum
 * parsing compares {@code toString()} case-insensitively, so overriding it is enough.
 */
public interface Described {
  /** The value as written in configuration. */
  static String configName(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
