package io.tributary.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
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
                "unknown property group '%s'.%s Known groups: %s.",
                e.getKey(),
                Suggest.didYouMean(e.getKey(), byId.keySet()),
                String.join(", ", byId.keySet())));
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
    return invalid(group, option, groups.getOrDefault(group.id(), Map.of()).get(option.key()), why);
  }

  /** The same, for code that holds the value but not the configuration (table provisioning). */
  public static ConfigException invalid(
      OptionGroup group, ConfigOption<?> option, String value, String why) {
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
    Object parsed;
    try {
      parsed = Configuration.fromMap(Map.of(option.key(), value)).get(option);
    } catch (RuntimeException e) {
      return Optional.of(
          String.format(
              "bad value for '%s' in property group '%s': '%s'. Allowed: %s.",
              option.key(),
              group.id(),
              Secrets.mask(option.key(), value),
              OptionTypes.allowed(option)));
    }
    return Ranges.check(option, parsed)
        .map(
            why ->
                String.format(
                    "bad value for '%s' in property group '%s': '%s' %s.",
                    option.key(), group.id(), Secrets.mask(option.key(), value), why));
  }

  private static String unknownKey(OptionGroup group, String key) {
    List<String> keys = new ArrayList<>();
    group.options().forEach(o -> keys.add(o.key()));
    String hint = Suggest.didYouMean(key, keys);
    StringBuilder allowed = new StringBuilder(String.join(", ", keys));
    group.passThroughPrefixes().keySet().forEach(p -> allowed.append(", ").append(p).append('*'));
    return String.format(
        "unknown key '%s' in property group '%s'.%s Allowed keys: %s.",
        key, group.id(), hint, allowed);
  }
}
