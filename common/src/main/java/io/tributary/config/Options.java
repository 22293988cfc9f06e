package io.tributary.config;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.description.Description;

/**
 * Declares the suite's options with Flink's builder, remembering each option's value type:
 *
 * <pre>{@code
 * public static final ConfigOption<Integer> PARALLELISM =
 *     Options.key("parallelism").intType().noDefaultValue().withDescription("...");
 * }</pre>
 *
 * <p>Flink keeps a {@link ConfigOption}'s type package-private. Error messages ("must be a whole
 * number") and the generated reference need it, so it is recorded here, where the type is named,
 * rather than read back by reflection.
 */
public final class Options {
  /** The value type and whether the option holds a list, by option instance. */
  private static final Map<ConfigOption<?>, Type> TYPES =
      Collections.synchronizedMap(new IdentityHashMap<>());

  private Options() {}

  static final class Type {
    final Class<?> clazz;
    final boolean list;

    Type(Class<?> clazz, boolean list) {
      this.clazz = clazz;
      this.list = list;
    }
  }

  public static Key key(String key) {
    return new Key(key);
  }

  /** The recorded type; an option not declared through this class is a programming error. */
  static Type typeOf(ConfigOption<?> option) {
    Type t = TYPES.get(option);
    if (t == null) {
      throw new IllegalStateException(
          "option '" + option.key() + "' was not declared with io.tributary.config.Options.key");
    }
    return t;
  }

  private static <T> ConfigOption<T> record(ConfigOption<T> option, Class<?> clazz, boolean list) {
    TYPES.put(option, new Type(clazz, list));
    return option;
  }

  /** The first step, as {@link ConfigOptions#key}: pick the type. */
  public static final class Key {
    private final String key;

    private Key(String key) {
      this.key = key;
    }

    public Typed<Boolean> booleanType() {
      return new Typed<>(ConfigOptions.key(key).booleanType(), Boolean.class);
    }

    public Typed<Integer> intType() {
      return new Typed<>(ConfigOptions.key(key).intType(), Integer.class);
    }

    public Typed<Long> longType() {
      return new Typed<>(ConfigOptions.key(key).longType(), Long.class);
    }

    public Typed<Double> doubleType() {
      return new Typed<>(ConfigOptions.key(key).doubleType(), Double.class);
    }

    public Typed<String> stringType() {
      return new Typed<>(ConfigOptions.key(key).stringType(), String.class);
    }

    public Typed<Duration> durationType() {
      return new Typed<>(ConfigOptions.key(key).durationType(), Duration.class);
    }

    public Typed<MemorySize> memoryType() {
      return new Typed<>(ConfigOptions.key(key).memoryType(), MemorySize.class);
    }

    public <E extends Enum<E>> Typed<E> enumType(Class<E> type) {
      return new Typed<>(ConfigOptions.key(key).enumType(type), type);
    }
  }

  /** The second step, as Flink's typed builder: a default, none, or a list. */
  public static final class Typed<T> {
    private final ConfigOptions.TypedConfigOptionBuilder<T> builder;
    private final Class<T> clazz;

    private Typed(ConfigOptions.TypedConfigOptionBuilder<T> builder, Class<T> clazz) {
      this.builder = builder;
      this.clazz = clazz;
    }

    public Described<T> defaultValue(T value) {
      return new Described<>(builder.defaultValue(value), clazz, false);
    }

    public Described<T> noDefaultValue() {
      return new Described<>(builder.noDefaultValue(), clazz, false);
    }

    public Listed<T> asList() {
      return new Listed<>(builder.asList(), clazz);
    }
  }

  /** A list of values of one type. */
  public static final class Listed<T> {
    private final ConfigOptions.ListConfigOptionBuilder<T> builder;
    private final Class<T> clazz;

    private Listed(ConfigOptions.ListConfigOptionBuilder<T> builder, Class<T> clazz) {
      this.builder = builder;
      this.clazz = clazz;
    }

    @SafeVarargs
    public final Described<List<T>> defaultValues(T... values) {
      return new Described<>(builder.defaultValues(values), clazz, true);
    }

    public Described<List<T>> noDefaultValue() {
      return new Described<>(builder.noDefaultValue(), clazz, true);
    }
  }

  /**
   * The last step: every option of the suite is documented, and Flink's {@code withDescription}
   * makes a new option instance, so the type is recorded on the one it returns.
   */
  public static final class Described<T> {
    private final ConfigOption<T> option;
    private final Class<?> clazz;
    private final boolean list;

    private Described(ConfigOption<T> option, Class<?> clazz, boolean list) {
      this.option = option;
      this.clazz = clazz;
      this.list = list;
    }

    public ConfigOption<T> withDescription(String description) {
      return record(option.withDescription(description), clazz, list);
    }

    public ConfigOption<T> withDescription(Description description) {
      return record(option.withDescription(description), clazz, list);
    }
  }
}
