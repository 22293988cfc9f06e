package io.tributary.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;

/**
 * One property group, as MSF runtime properties group them (`PropertyGroupId`). Keys inside a group
 * are relative: the option `bootstrap.servers` of group `kafka` is written `kafka` /
 * `bootstrap.servers` in MSF, and `--kafka.bootstrap.servers` on the command line.
 */
public final class OptionGroup {
  private final String id;
  private final String description;
  private final Map<String, ConfigOption<?>> options = new LinkedHashMap<>();
  private final Map<String, String> passThroughPrefixes = new LinkedHashMap<>();

  private OptionGroup(String id, String description) {
    this.id = id;
    this.description = description;
  }

  public static OptionGroup of(String id, String description) {
    return new OptionGroup(id, description);
  }

  public OptionGroup add(ConfigOption<?>... opts) {
    for (ConfigOption<?> o : opts) {
      options.put(o.key(), o);
    }
    return this;
  }

  /** Keys under this prefix are not validated here; they are handed on to a client as-is. */
  public OptionGroup passThrough(String prefix, String description) {
    passThroughPrefixes.put(prefix, description);
    return this;
  }

  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  public List<ConfigOption<?>> options() {
    return Collections.unmodifiableList(new ArrayList<>(options.values()));
  }

  public Map<String, String> passThroughPrefixes() {
    return Collections.unmodifiableMap(passThroughPrefixes);
  }

  Optional<ConfigOption<?>> option(String key) {
    return Optional.ofNullable(options.get(key));
  }

  boolean isPassThrough(String key) {
    return passThroughPrefixes.keySet().stream()
        .anyMatch(p -> key.startsWith(p) && key.length() > p.length());
  }
}
