package io.tributary.config;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonLocation;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Reads property groups the way MSF hands them over: on MSF from the service's runtime properties;
 * locally from a file of the same JSON shape ({@code
 * [{"PropertyGroupId":"kafka","PropertyMap":{"bootstrap.servers":"..."}}]}), then single keys
 * overridden from the command line as {@code --group.key value} or {@code --group.key=value}.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Where the properties came from: decides whether Tributary or the service owns checkpoints. */
  public enum Origin {
    /** Amazon Managed Service for Apache Flink runtime properties. */
    MANAGED,
    /** A JSON file named with --config, plus command-line overrides. */
    FILE
  }

  /** Raw groups plus where they came from; not yet validated. */
  public static final class Loaded {
    public final Origin origin;
    public final Map<String, Map<String, String>> groups;

    Loaded(Origin origin, Map<String, Map<String, String>> groups) {
      this.origin = origin;
      this.groups = groups;
    }
  }

  /** " Did you mean 'x'?" for the nearest of {@code candidates}, or "". */
  public static String didYouMean(String typed, java.util.Collection<String> candidates) {
    return Suggest.didYouMean(typed, candidates);
  }

  /** True when the arguments ask for usage: {@code --help} or {@code -h}, anywhere. */
  public static boolean wantsHelp(String[] args) {
    return Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
  }

  /**
   * The usage text: {@code synopsis}, then every property group; or, when the argument after {@code
   * --help} names a group, that group's keys with type, default and range.
   */
  public static String usage(String synopsis, List<OptionGroup> groups, String[] args) {
    StringBuilder sb = new StringBuilder(synopsis).append('\n');
    int at = Arrays.asList(args).indexOf("--help");
    if (at < 0) {
      at = Arrays.asList(args).indexOf("-h");
    }
    String wanted = at >= 0 && at + 1 < args.length ? args[at + 1] : null;
    for (OptionGroup g : groups) {
      if (g.id().equals(wanted)) {
        sb.append("\nProperty group '").append(g.id()).append("': ").append(g.description());
        sb.append("\n");
        for (ConfigOption<?> o : g.options()) {
          sb.append(String.format("  --%s.%s  %s", g.id(), o.key(), OptionTypes.typeName(o)));
          if (o.hasDefaultValue() && o.defaultValue() != null) {
            sb.append(" (default ").append(ConfigReference.defaultText(o).replace("`", ""));
            sb.append(')');
          }
          sb.append("\n      ").append(ConfigReference.describe(o)).append('\n');
        }
        g.passThroughPrefixes()
            .forEach((p, d) -> sb.append(String.format("  --%s.%s*%n      %s%n", g.id(), p, d)));
        return sb.toString();
      }
    }
    sb.append(
        "\nOptions:\n"
            + "  --config FILE          the property groups, as a JSON array of"
            + " {\"PropertyGroupId\": ..., \"PropertyMap\": {...}} (see examples/)\n"
            + "  --<group>.<key> VALUE  sets or overrides one key (also --<group>.<key>=VALUE)\n"
            + "  --help [GROUP]         this text; with a group, its keys\n"
            + "\nProperty groups:\n");
    for (OptionGroup g : groups) {
      sb.append(String.format("  %-10s %s%n", g.id(), g.description()));
    }
    return sb.toString();
  }

  public static Loaded load(String[] args) {
    String file = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        // A stray word is usually half of a value with a space ('2 s' unquoted): ignoring it
        // would run with a setting other than the one typed.
        throw new ConfigException(
            "unexpected argument '"
                + a
                + "'"
                + (i > 0 ? " after '" + args[i - 1] + "'" : "")
                + ". Every option is written --<group>.<key> VALUE; quote a value that holds"
                + " spaces (--job.checkpoint.interval '10 s'). --help lists the options.");
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new ConfigException(
            "command-line option '"
                + a
                + "' has no value. Write "
                + a
                + " VALUE or "
                + a
                + "=VALUE; --help lists the options.");
      }
      if (name.equals("config")) {
        file = value;
      } else {
        overrides.put(name, value);
      }
    }
    Map<String, Map<String, String>> groups;
    Origin origin;
    if (file != null) {
      Path path = Path.of(file);
      if (!Files.isRegularFile(path)) {
        throw new ConfigException(
            "config file '" + file + "' does not exist. Pass --config with a readable JSON file.");
      }
      groups = read(path.toString());
      origin = Origin.FILE;
    } else {
      groups = readManaged();
      origin = Origin.MANAGED;
      if (groups.isEmpty() && overrides.isEmpty()) {
        throw new ConfigException(
            "no configuration found. Locally, pass --config FILE (see examples/); on Amazon"
                + " Managed Service for Apache Flink, set the application's runtime properties.");
      }
      if (groups.isEmpty()) {
        origin = Origin.FILE;
      }
    }
    for (Map.Entry<String, String> o : overrides.entrySet()) {
      int dot = o.getKey().indexOf('.');
      if (dot <= 0 || dot == o.getKey().length() - 1) {
        throw new ConfigException(
            "command-line option '--"
                + o.getKey()
                + "' must be written --<group>.<key>, for example --kafka.bootstrap.servers."
                + (Suggest.distance(o.getKey(), "config") <= 2 ? " Did you mean '--config'?" : "")
                + " --help lists the options.");
      }
      groups
          .computeIfAbsent(o.getKey().substring(0, dot), g -> new LinkedHashMap<>())
          .put(o.getKey().substring(dot + 1), o.getValue());
    }
    return new Loaded(origin, groups);
  }

  /** Parses a JSON file in MSF's runtime-properties shape. */
  public static Map<String, Map<String, String>> read(String path) {
    try {
      return toGroups(KinesisAnalyticsRuntime.getApplicationProperties(path));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(
          "cannot read config file '"
              + path
              + "': "
              + problem(e)
              + ". It must be a JSON array of {\"PropertyGroupId\": ..., \"PropertyMap\": {...}}.");
    }
  }

  /**
   * What is wrong with the file, without the parser's message: that quotes the text at the error,
   * which may be a secret's value.
   */
  private static String problem(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JsonProcessingException) {
        JsonLocation at = ((JsonProcessingException) t).getLocation();
        return at == null
            ? "it is not valid JSON"
            : String.format(
                "it is not valid JSON at line %d, column %d", at.getLineNr(), at.getColumnNr());
      }
    }
    return e.getMessage();
  }

  private static Map<String, Map<String, String>> readManaged() {
    try {
      return toGroups(KinesisAnalyticsRuntime.getApplicationProperties());
    } catch (IOException e) {
      // Not on MSF: there is no runtime-properties file.
      return new LinkedHashMap<>();
    } catch (RuntimeException e) {
      throw new UncheckedIOException(new IOException("cannot read MSF runtime properties", e));
    }
  }

  private static Map<String, Map<String, String>> toGroups(Map<String, Properties> props) {
    Map<String, Map<String, String>> groups = new LinkedHashMap<>();
    if (props == null) {
      return groups;
    }
    props.forEach(
        (id, p) -> {
          Map<String, String> m = new LinkedHashMap<>();
          p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
          groups.put(id, m);
        });
    return groups;
  }
}
