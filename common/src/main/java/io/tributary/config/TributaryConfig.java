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

  /**
   * The view of one group that a component gets: the composition root hands each component only the
   * group(s) it owns.
   */
  public GroupConfig group(OptionGroup group) {
    return new GroupConfig(group, groups.getOrDefault(group.id(), Map.of()));
  }

  /** The option's value, or its default; a missing option without default fails. */
  public <T> T get(OptionGroup group, ConfigOption<T> option) {
    return group(group).get(option);
  }

  public <T> Optional<T> getOptional(OptionGroup group, ConfigOption<T> option) {
    return group(group).getOptional(option);
  }

  /** True when the user set the key (rather than relying on its default). */
  public boolean isSet(OptionGroup group, ConfigOption<?> option) {
    return group(group).isSet(option);
  }

  /** Keys under a pass-through prefix, with the prefix removed. */
  public Map<String, String> passThrough(OptionGroup group, String prefix) {
    return group(group).passThrough(prefix);
  }

  /** A failure about one value, phrased like the validation messages. */
  public ConfigException invalid(OptionGroup group, ConfigOption<?> option, String why) {
    return group(group).invalid(option, why);
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
        .or(() -> Patterns.check(option, value).map(why -> why.replaceAll("\\.$", "")))
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
