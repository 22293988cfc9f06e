package io.tributary.config;

import java.util.Locale;

/**
 * Enum values as users write them: lower case with dashes ({@code exactly-once}). Flink's enum
 * parsing compares {@code toString()} case-insensitively, so an enum whose {@code toString()}
 * returns this accepts exactly these spellings.
 */
public final class EnumNames {
  private EnumNames() {}

  /** The value as written in configuration. */
  public static String configName(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
