package io.tributary.config;

import io.tributary.runtime.TributaryOptions;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds validated configurations in tests: {@code Configs.of("source.type", "kafka", ...)}. */
public final class Configs {
  private Configs() {}

  /** Pairs of {@code group.key} and value. */
  public static Map<String, Map<String, String>> groups(String... pairs) {
    Map<String, Map<String, String>> groups = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      String k = pairs[i];
      int dot = k.indexOf('.');
      groups
          .computeIfAbsent(k.substring(0, dot), g -> new LinkedHashMap<>())
          .put(k.substring(dot + 1), pairs[i + 1]);
    }
    return groups;
  }

  public static TributaryConfig of(String... pairs) {
    return TributaryConfig.validate(groups(pairs), TributaryOptions.ALL);
  }
}
