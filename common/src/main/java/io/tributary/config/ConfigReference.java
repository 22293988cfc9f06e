package io.tributary.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;

/**
 * The configuration reference in Markdown, generated from the option definitions so the README
 * cannot drift from the code. A test regenerates it and compares it with the README.
 */
public final class ConfigReference {
  public static final String BEGIN = "<!-- config-reference:begin (generated; do not edit) -->";
  public static final String END = "<!-- config-reference:end -->";

  private ConfigReference() {}

  public static String markdown(List<OptionGroup> groups) {
    StringBuilder sb = new StringBuilder();
    for (OptionGroup g : groups) {
      sb.append("#### Property group `").append(g.id()).append("`\n\n");
      sb.append(g.description()).append("\n\n");
      sb.append("| key | type | default | description |\n");
      sb.append("|---|---|---|---|\n");
      for (ConfigOption<?> o : g.options()) {
        sb.append("| `")
            .append(o.key())
            .append("` | `")
            .append(OptionTypes.typeName(o))
            .append("` | ")
            .append(defaultText(o))
            .append(" | ")
            .append(cell(describe(o)))
            .append(" |\n");
      }
      for (Map.Entry<String, String> p : g.passThroughPrefixes().entrySet()) {
        sb.append("| `")
            .append(p.getKey())
            .append("*` | `String` | | ")
            .append(cell(p.getValue()))
            .append(" |\n");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  static String describe(ConfigOption<?> o) {
    String d = OptionTypes.description(o);
    Class<?> type = OptionTypes.typeOf(o);
    if (type.isEnum()) {
      d += " Values: " + OptionTypes.allowed(o).replace("one of ", "") + ".";
    }
    d += Ranges.describe(o).map(r -> " Range: " + r + ".").orElse("");
    d += Patterns.describe(o).map(f -> " Format: " + f + ".").orElse("");
    return d;
  }

  static String defaultText(ConfigOption<?> o) {
    if (!o.hasDefaultValue() || o.defaultValue() == null) {
      return "";
    }
    Object v = o.defaultValue();
    if (v instanceof Duration) {
      return "`" + org.apache.flink.util.TimeUtils.formatWithHighestUnit((Duration) v) + "`";
    }
    return "`" + v + "`";
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }
}
