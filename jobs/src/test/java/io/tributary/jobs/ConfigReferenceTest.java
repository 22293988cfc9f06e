package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.ConfigReference;
import io.tributary.config.OptionTypes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The configuration reference (docs/configuration.md) is generated from the option definitions. If
 * this fails, regenerate it: {@code mvn -pl jobs test -Dtest=ConfigReferenceTest
 * -Dreadme.update=true}.
 */
class ConfigReferenceTest {
  static final Path README = Path.of("..", "docs", "configuration.md");

  @Test
  void readmeMatchesTheCode() throws Exception {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int begin = readme.indexOf(ConfigReference.BEGIN);
    int end = readme.indexOf(ConfigReference.END);
    assertThat(begin).as("docs/configuration.md has the begin marker").isGreaterThanOrEqualTo(0);
    assertThat(end).as("docs/configuration.md has the end marker").isGreaterThan(begin);
    String current = readme.substring(begin + ConfigReference.BEGIN.length(), end);
    String generated = "\n" + ConfigReference.markdown(TributaryOptions.ALL);
    if (Boolean.getBoolean("readme.update")) {
      Files.writeString(
          README,
          readme.substring(0, begin + ConfigReference.BEGIN.length())
              + generated
              + readme.substring(end),
          StandardCharsets.UTF_8);
      return;
    }
    assertThat(current)
        .as("docs/configuration.md reference is stale: rerun with -Dreadme.update=true")
        .isEqualTo(generated);
  }

  @Test
  void everyOptionIsDocumented() {
    TributaryOptions.ALL.forEach(
        g ->
            g.options()
                .forEach(
                    o ->
                        assertThat(OptionTypes.description(o))
                            .as(g.id() + "." + o.key() + " has a description")
                            .isNotBlank()));
    String md = ConfigReference.markdown(TributaryOptions.ALL);
    assertThat(md).contains("| `bootstrap.servers` | `String` |  | Comma-separated host:port list");
    assertThat(md).contains("| `checkpoint.interval` | `Duration` | `10 s` |");
    assertThat(md).contains("Values: exactly-once, at-least-once.");
  }
}
