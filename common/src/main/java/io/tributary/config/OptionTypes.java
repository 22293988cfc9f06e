package io.tributary.config;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/** Human words for an option's type: used in error messages and the generated reference. */
public final class OptionTypes {
  private static final Method GET_CLAZZ;
  private static final Method IS_LIST;

  static {
    try {
      // Flink keeps the option's class package-private; it is the only source of the type.
      GET_CLAZZ = ConfigOption.class.getDeclaredMethod("getClazz");
      GET_CLAZZ.setAccessible(true);
      IS_LIST = ConfigOption.class.getDeclaredMethod("isList");
      IS_LIST.setAccessible(true);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private OptionTypes() {}

  public static Class<?> typeOf(ConfigOption<?> option) {
    try {
      return (Class<?>) GET_CLAZZ.invoke(option);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  public static boolean isList(ConfigOption<?> option) {
    try {
      return (Boolean) IS_LIST.invoke(option);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
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
