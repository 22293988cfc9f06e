package io.tributary.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The validated property groups of one run. Built once at start-up; every problem is reported
 * together, each naming its group, key, value and what is allowed.
 */
public final class TributaryConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Map<String, Map<String, String>> groups;

  private TributaryConfig(Map<String, Map<String, String>> groups) {
    this.groups = groups;
  }

  /**
   * Checks every key against the known groups and parses every value with its option's type.
   *
   * @throws ConfigException listing every unknown group or key and every bad value
   */
  public static TributaryConfig validate(
      Map<String, Map<String, String>> raw, Collection<OptionGroup> known) {
    Map<String, OptionGroup> byId = new LinkedHashMap<>();
    known.forEach(g -> byId.put(g.id(), g));
    List<String> problems = new ArrayList<>();
    Map<String, Map<String, String>> copy = new TreeMap<>();
    for (Map.Entry<String, Map<String, String>> e : raw.entrySet()) {
      OptionGroup group = byId.get(e.getKey());
      if (group == null) {
        problems.add(
            String.format(
                "unknown property group '%s'. Known groups: %s.",
                e.getKey(), String.join(", ", byId.keySet())));
        continue;
      }
      Map<String, String> values = new TreeMap<>(e.getValue());
      copy.put(group.id(), values);
      for (Map.Entry<String, String> kv : values.entrySet()) {
        String key = kv.getKey();
        Optional<ConfigOption<?>> option = group.option(key);
        if (option.isPresent()) {
          parse(group, option.get(), values).ifPresent(problems::add);
        } else if (!group.isPassThrough(key)) {
          problems.add(unknownKey(group, key));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new TributaryConfig(copy);
  }

  /** The option's value, or its default; a missing option without default fails. */
  public <T> T get(OptionGroup group, ConfigOption<T> option) {
    return getOptional(group, option)
        .orElseThrow(
            () ->
                new ConfigException(
                    String.format(
                        "missing required key '%s' in property group '%s'. Set it to %s: %s",
                        option.key(),
                        group.id(),
                        OptionTypes.allowed(option),
                        OptionTypes.description(option))));
  }

  public <T> Optional<T> getOptional(OptionGroup group, ConfigOption<T> option) {
    Map<String, String> values = groups.getOrDefault(group.id(), Map.of());
    return Configuration.fromMap(values).getOptional(option).or(() -> defaultOf(option));
  }

  /** True when the user set the key (rather than relying on its default). */
  public boolean isSet(OptionGroup group, ConfigOption<?> option) {
    return groups.getOrDefault(group.id(), Map.of()).containsKey(option.key());
  }

  /** Keys under a pass-through prefix, with the prefix removed. */
  public Map<String, String> passThrough(OptionGroup group, String prefix) {
    Map<String, String> out = new LinkedHashMap<>();
    groups
        .getOrDefault(group.id(), Map.of())
        .forEach(
            (k, v) -> {
              if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
              }
            });
    return out;
  }

  /** A failure about one value, phrased like the validation messages. */
  public ConfigException invalid(OptionGroup group, ConfigOption<?> option, String why) {
    String value = groups.getOrDefault(group.id(), Map.of()).get(option.key());
    return new ConfigException(
        String.format(
            "bad value for '%s' in property group '%s': '%s' %s",
            option.key(), group.id(), Secrets.mask(option.key(), value), why));
  }

  /** Every set key with secrets masked: safe to log. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    groups.forEach(
        (g, values) ->
            values.forEach(
                (k, v) ->
                    sb.append(g)
                        .append('.')
                        .append(k)
                        .append(" = ")
                        .append(Secrets.mask(k, v))
                        .append('\n')));
    return sb.toString();
  }

  private static <T> Optional<T> defaultOf(ConfigOption<T> option) {
    return option.hasDefaultValue() ? Optional.ofNullable(option.defaultValue()) : Optional.empty();
  }

  private static Optional<String> parse(
      OptionGroup group, ConfigOption<?> option, Map<String, String> values) {
    String value = values.get(option.key());
    try {
      Configuration.fromMap(Map.of(option.key(), value)).get(option);
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(
          String.format(
              "bad value for '%s' in property group '%s': '%s'. Allowed: %s.",
              option.key(),
              group.id(),
              Secrets.mask(option.key(), value),
              OptionTypes.allowed(option)));
    }
  }

  private static String unknownKey(OptionGroup group, String key) {
    List<String> keys = new ArrayList<>();
    group.options().forEach(o -> keys.add(o.key()));
    String hint =
        keys.stream()
            .min(Comparator.comparingInt(k -> distance(k, key)))
            .filter(k -> distance(k, key) <= Math.max(2, key.length() / 3))
            .map(k -> " Did you mean '" + k + "'?")
            .orElse("");
    StringBuilder allowed = new StringBuilder(String.join(", ", keys));
    group.passThroughPrefixes().keySet().forEach(p -> allowed.append(", ").append(p).append('*'));
    return String.format(
        "unknown key '%s' in property group '%s'.%s Allowed keys: %s.",
        key, group.id(), hint, allowed);
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
