package io.tributary.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The validated values of one property group: what a component gets from {@link
 * TributaryConfig#group}. A component sees only the group(s) it is handed, so what it depends on is
 * visible at the composition root, and reading an option of another group fails at once instead of
 * quietly returning that option's default.
 */
public final class GroupConfig implements ReadableConfig {
  private final OptionGroup group;
  private final Map<String, String> values;

  GroupConfig(OptionGroup group, Map<String, String> values) {
    this.group = group;
    this.values = values;
  }

  /** The group's id, e.g. {@code kafka}. */
  public String id() {
    return group.id();
  }

  /** The option's value, or its default; a missing option without default fails. */
  @Override
  public <T> T get(ConfigOption<T> option) {
    return getOptional(option)
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

  @Override
  public <T> Optional<T> getOptional(ConfigOption<T> option) {
    requireDeclared(option);
    Optional<T> set = Configuration.fromMap(values).getOptional(option);
    if (set.isPresent() || !option.hasDefaultValue()) {
      return set;
    }
    return Optional.ofNullable(option.defaultValue());
  }

  /** True when the user set the key (rather than relying on its default). */
  public boolean isSet(ConfigOption<?> option) {
    requireDeclared(option);
    return values.containsKey(option.key());
  }

  /** Keys under a pass-through prefix the group declares, with the prefix removed. */
  public Map<String, String> passThrough(String prefix) {
    if (!group.passThroughPrefixes().containsKey(prefix)) {
      throw new IllegalArgumentException(
          "'" + prefix + "*' is not a pass-through prefix of property group '" + id() + "'");
    }
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach(
        (k, v) -> {
          if (k.startsWith(prefix) && k.length() > prefix.length()) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }

  /** A failure about the option's value, phrased like the validation messages. */
  public ConfigException invalid(ConfigOption<?> option, String why) {
    requireDeclared(option);
    return TributaryConfig.invalid(group, option, values.get(option.key()), why);
  }

  /** The keys the user set, as written (secrets included: not for logs). */
  @Override
  public Map<String, String> toMap() {
    return Collections.unmodifiableMap(values);
  }

  private void requireDeclared(ConfigOption<?> option) {
    if (group.option(option.key()).orElse(null) != option) {
      throw new IllegalArgumentException(
          "option '"
              + option.key()
              + "' is not declared in property group '"
              + id()
              + "': hand the component the group that declares it");
    }
  }
}
