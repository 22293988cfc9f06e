package io.tributary.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/** Human words for an option's type: used in error messages and the generated reference. */
public final class OptionTypes {
  private OptionTypes() {}

  /** The value type (of each element, for a list), as declared with {@link Options#key}. */
  public static Class<?> typeOf(ConfigOption<?> option) {
    return Options.typeOf(option).clazz;
  }

  public static boolean isList(ConfigOption<?> option) {
    return Options.typeOf(option).list;
  }

  /** Short type name for the reference table, e.g. `Duration`, `enum`, `List<String>`. */
  public static String typeName(ConfigOption<?> option) {
    Class<?> c = typeOf(option);
    String name = c.isEnum() ? "Enum" : c.getSimpleName();
    return isList(option) ? "List<" + name + ">" : name;
  }

  /** What a valid value looks like, phrased as a fix. */
  public static String allowed(ConfigOption<?> option) {
    Class<?> c = typeOf(option);
    String one;
    if (c.isEnum()) {
      one =
          "one of "
              + Arrays.stream(c.getEnumConstants())
                  .map(Object::toString)
                  .collect(Collectors.joining(", "));
    } else if (c == Integer.class || c == Long.class) {
      one = "a whole number";
    } else if (c == Double.class || c == Float.class) {
      one = "a number";
    } else if (c == Boolean.class) {
      one = "true or false";
    } else if (c == Duration.class) {
      one = "a duration such as 500 ms, 10 s, 5 min, 2 h or 7 d";
    } else if (c == MemorySize.class) {
      one = "a size such as 512kb, 64mb or 1gb";
    } else {
      one = "a string";
    }
    return isList(option) ? "a list separated by ',' or ';', each " + one : one;
  }

  /** The option's description as plain text. */
  public static String description(ConfigOption<?> option) {
    return new org.apache.flink.configuration.description.HtmlFormatter()
        .format(option.description());
  }
}
