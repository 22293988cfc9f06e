package io.tributary.config;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;

/**
 * The form an option's value must have (a stream name, a URL, an identifier), declared where the
 * option is defined, as {@link Ranges} declares a numeric range:
 *
 * <pre>{@code
 * public static final ConfigOption<String> REGION =
 *     Patterns.matching("[a-z]{2}(-[a-z]+)+-\\d", "an AWS region such as eu-west-1",
 *         Options.key("region").stringType().noDefaultValue()...);
 * }</pre>
 *
 * <p>{@link TributaryConfig#validate} checks every set value against it, and the generated
 * reference shows the description, so a component's {@code fromConfig} gets only well-formed
 * values. Only checks of one value belong here; rules that relate two keys stay with the component.
 */
public final class Patterns {
  private static final Map<ConfigOption<?>, Check> DECLARED =
      Collections.synchronizedMap(new IdentityHashMap<>());

  private Patterns() {}

  private static final class Check {
    final String description;
    final Function<String, Optional<String>> why;

    Check(String description, Function<String, Optional<String>> why) {
      this.description = description;
      this.why = why;
    }
  }

  /**
   * The whole value (surrounding blanks allowed) must match {@code regex}; otherwise the message
   * says it "must be" {@code description}, which is phrased as the fix.
   */
  public static <T> ConfigOption<T> matching(
      String regex, String description, ConfigOption<T> option) {
    Pattern p = Pattern.compile(regex);
    return declare(
        option,
        new Check(
            description,
            v ->
                p.matcher(v.trim()).matches()
                    ? Optional.empty()
                    : Optional.of("must be " + description)));
  }

  /**
   * A check that explains each way a value can be wrong: {@code why} returns the phrase that
   * follows the value in the message ("names more than one stream. ..."), or empty for a good
   * value. {@code description} is what the reference shows.
   */
  public static <T> ConfigOption<T> checked(
      String description, Function<String, Optional<String>> why, ConfigOption<T> option) {
    return declare(option, new Check(description, why));
  }

  private static <T> ConfigOption<T> declare(ConfigOption<T> option, Check check) {
    if (option.hasDefaultValue() && option.defaultValue() instanceof String) {
      Optional<String> bad = check.why.apply((String) option.defaultValue());
      if (bad.isPresent()) {
        throw new IllegalStateException(
            "default of '" + option.key() + "' fails its own check: " + bad.get());
      }
    }
    DECLARED.put(option, check);
    return option;
  }

  /** The form for the reference table; empty when none is declared. */
  public static Optional<String> describe(ConfigOption<?> option) {
    Check c = DECLARED.get(option);
    return c == null ? Optional.empty() : Optional.of(c.description);
  }

  /** Why the value as written is not of the declared form, or empty. */
  static Optional<String> check(ConfigOption<?> option, String value) {
    Check c = DECLARED.get(option);
    return c == null || value == null ? Optional.empty() : c.why.apply(value);
  }
}
