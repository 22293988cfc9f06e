package io.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void readsTheMsfShapeAndAppliesCommandLineOverrides() throws Exception {
    Path file = dir.resolve("app.json");
    Files.writeString(
        file,
        "[{\"PropertyGroupId\":\"kafka\",\"PropertyMap\":{\"bootstrap.servers\":\"a:9092\","
            + "\"topics\":\"t\"}},{\"PropertyGroupId\":\"job\",\"PropertyMap\":{\"name\":\"ingest\"}}]");
    ConfigLoader.Loaded l =
        ConfigLoader.load(
            new String[] {
              "--config", file.toString(), "--kafka.bootstrap.servers", "b:9092", "--datagen.rate=5"
            });
    assertThat(l.origin).isEqualTo(ConfigLoader.Origin.FILE);
    assertThat(l.groups)
        .isEqualTo(
            Map.of(
                "kafka", Map.of("bootstrap.servers", "b:9092", "topics", "t"),
                "job", Map.of("name", "ingest"),
                "datagen", Map.of("rate", "5")));
  }

  @Test
  void aStrayWordIsRefusedNotIgnored() {
    // '2 s' unquoted: the '2' is the value, the 's' would silently be dropped
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    new String[] {"--job.name", "ingest", "--job.checkpoint.interval", "2", "s"}))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unexpected argument 's' after '2'. Every option is written");
  }

  @Test
  void missingFile() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--config", "/no/such.json"}))
        .hasMessage(
            "Invalid configuration: config file '/no/such.json' does not exist. Pass --config with"
                + " a readable JSON file.");
  }

  @Test
  void brokenFile() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{not json");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--config", file.toString()}))
        .hasMessageContaining("cannot read config file")
        .hasMessageContaining("JSON array of {\"PropertyGroupId\"");
  }

  /** A parser's message quotes the text near the error: a broken file must not echo a secret. */
  @Test
  void aBrokenFileIsNotEchoed() throws Exception {
    Path file = dir.resolve("secret.json");
    Files.writeString(
        file,
        "[{\"PropertyGroupId\": \"iceberg\", \"PropertyMap\": {\n"
            + "  \"catalog.properties.header.Authorization\": Bearer-planted-secret-123}}]");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--config", file.toString()}))
        .hasMessageContaining("cannot read config file")
        .hasMessageContaining("it is not valid JSON at line 2, column ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("planted"));
  }

  @Test
  void overrideWithoutGroup() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--rate", "5"}))
        .hasMessageContaining("must be written --<group>.<key>");
  }

  @Test
  void nothingAtAll() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[0]))
        .hasMessageContaining("no configuration found");
  }

  @Test
  void helpListsTheGroupsOrOneGroupsKeys() {
    assertThat(ConfigLoader.wantsHelp(new String[] {"--config", "x", "--help"})).isTrue();
    assertThat(ConfigLoader.wantsHelp(new String[] {"-h"})).isTrue();
    assertThat(ConfigLoader.wantsHelp(new String[] {"--config", "x"})).isFalse();
    String all = ConfigLoader.usage("usage: x", Configs.ALL, new String[] {"-h"});
    assertThat(all).startsWith("usage: x\n").contains("--help [GROUP]");
    for (OptionGroup g : Configs.ALL) {
      assertThat(all).contains(String.format("  %-10s %s%n", g.id(), g.description()));
    }
    String job = ConfigLoader.usage("usage: x", Configs.ALL, new String[] {"--help", "job"});
    assertThat(job)
        .contains("Property group 'job': The job to run and how Flink runs it.")
        .contains("  --job.parallelism  Integer\n")
        .contains("Range: between 1 and 32768.")
        .contains("  --job.checkpoint.interval  Duration (default 10 s)")
        .contains("  --job.flink.*");
  }

  @Test
  void aMisspeltConfigOptionGetsAHint() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--conifg", "x.json"}))
        .hasMessageContaining("Did you mean '--config'?");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--kafka.topics"}))
        .hasMessage(
            "Invalid configuration: command-line option '--kafka.topics' has no value. Write"
                + " --kafka.topics VALUE or --kafka.topics=VALUE; --help lists the options.");
  }
}
