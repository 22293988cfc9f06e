package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * docker/'s JSON logs without a Docker engine: docker/flink-entrypoint.sh, run by bash against a
 * stand-in for the image's folders, puts the shared JSON console configuration in place of the
 * image's log4j-console.properties for TRIBUTARY_LOG_FORMAT=json only; and that configuration,
 * loaded by a JVM of Flink's classpath (the stack's, which has the same layout jar as the image's
 * lib/), writes JSON lines with Flink's flink-job-id, on the console and in the log file.
 */
@Timeout(120)
class DockerEntrypointTest {
  private static final Path ENTRYPOINT = Artifacts.repoRoot().resolve("docker/flink-entrypoint.sh");
  private static final Path JSON_CONSOLE =
      Artifacts.conf().resolve("flink/log4j-console-json.properties");
  private static final Path JSON_FILE = Artifacts.conf().resolve("flink/log4j-json.properties");
  private static final String IMAGE_LOG_CONFIG = "# the image's own log4j-console.properties\n";

  @TempDir Path dir;

  /** The exit code, and stdout + stderr. */
  private static final class Result {
    int exit;
    String output;
  }

  private Result entrypoint(String logFormat) throws Exception {
    Path conf = Files.createDirectories(dir.resolve("mount"));
    Files.copy(Artifacts.conf().resolve("flink/config.yaml"), conf.resolve("config.yaml"));
    Files.copy(JSON_CONSOLE, conf.resolve("log4j-console-json.properties"));
    Path flinkConf = Files.createDirectories(dir.resolve("flink/conf"));
    Files.writeString(flinkConf.resolve("log4j-console.properties"), IMAGE_LOG_CONFIG);
    Path next = dir.resolve("next.sh");
    Files.writeString(next, "#!/usr/bin/env bash\necho \"next: $*\"\n");
    next.toFile().setExecutable(true);
    ProcessBuilder pb = new ProcessBuilder("bash", ENTRYPOINT.toString(), "jobmanager");
    Map<String, String> env = pb.environment();
    env.put("FLINK_HOME", dir.resolve("flink").toString());
    env.put("TRIBUTARY_CONF_DIR", conf.toString());
    env.put("TRIBUTARY_NEXT_ENTRYPOINT", next.toString());
    env.remove("TRIBUTARY_LOG_FORMAT");
    if (logFormat != null) {
      env.put("TRIBUTARY_LOG_FORMAT", logFormat);
    }
    Process p = pb.redirectErrorStream(true).start();
    Result r = new Result();
    r.output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    r.exit = p.exitValue();
    return r;
  }

  private String imageLogConfig() throws IOException {
    return Files.readString(dir.resolve("flink/conf/log4j-console.properties"));
  }

  @Test
  void jsonReplacesTheImagesConsoleLogConfiguration() throws Exception {
    Result r = entrypoint("json");
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).contains("next: jobmanager");
    assertThat(imageLogConfig()).isEqualTo(Files.readString(JSON_CONSOLE));
    assertThat(dir.resolve("flink/conf/config.yaml"))
        .hasSameTextualContentAs(Artifacts.conf().resolve("flink/config.yaml"));
  }

  @Test
  void textOrNothingKeepsIt() throws Exception {
    for (String format : new String[] {null, "text"}) {
      Result r = entrypoint(format);
      assertThat(r.exit).as(r.output).isZero();
      assertThat(r.output).contains("next: jobmanager");
      assertThat(imageLogConfig())
          .as("TRIBUTARY_LOG_FORMAT=%s", format)
          .isEqualTo(IMAGE_LOG_CONFIG);
      deleteAll(dir);
    }
  }

  @Test
  void anUnknownFormatStopsTheStartAndSaysWhatIsAllowed() throws Exception {
    Result r = entrypoint("xml");
    assertThat(r.exit).isEqualTo(1);
    assertThat(r.output)
        .contains("TRIBUTARY_LOG_FORMAT=xml is not known")
        .contains("text (the default) or json")
        .doesNotContain("next:");
    assertThat(imageLogConfig()).isEqualTo(IMAGE_LOG_CONFIG);
  }

  @Test
  void theConsoleConfigurationHasTheStacksLoggersAndLevels() throws IOException {
    assertThat(loggers(JSON_CONSOLE)).isEqualTo(loggers(JSON_FILE)).isNotEmpty();
    assertThat(loggers(JSON_CONSOLE)).containsEntry("rootLogger.level", "INFO");
  }

  @Test
  void theConsoleConfigurationWritesJsonLinesWithTheJobId() throws Exception {
    Path logFile = dir.resolve("jobmanager.log");
    List<String> classpath =
        Artifacts.flinkClasspath().stream().map(Path::toString).collect(Collectors.toList());
    classpath.add(
        Paths.get(LogLineMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString());
    List<String> command =
        List.of(
            Artifacts.java(),
            "-cp",
            String.join(java.io.File.pathSeparator, classpath),
            "-Dlog4j.configurationFile=" + JSON_CONSOLE.toUri(),
            "-Dlog.file=" + logFile,
            LogLineMain.class.getName(),
            "3c217c46aa",
            "lake.orders");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();

    List<String> console = lines(output);
    assertThat(console).as("console:\n%s", output).hasSize(1);
    assertThat(lines(Files.readString(logFile))).as("log file").isEqualTo(console);
    Map<String, Object> line = json(console.get(0));
    assertThat(line)
        .containsEntry("flink-job-id", "3c217c46aa")
        .containsEntry("log.level", "INFO")
        .containsEntry("log.logger", "org.apache.iceberg.flink.sink.IcebergFilesCommitter")
        .containsEntry("message", "Committed append to table: lake.orders, checkpointId 4")
        .containsKeys("@timestamp", "process.thread.name");
  }

  private static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    for (String l : text.split("\n")) {
      if (!l.isBlank()) {
        out.add(l);
      }
    }
    return out;
  }

  /** A JSON object (YAML 1.2 reads JSON). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(String line) {
    assertThat(line).startsWith("{").endsWith("}");
    return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(line);
  }

  /** The logger names and levels a log4j2 properties file sets. */
  private static Map<String, String> loggers(Path file) throws IOException {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file)) {
      p.load(in);
    }
    Map<String, String> out = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      if (k.startsWith("logger.") || k.equals("rootLogger.level")) {
        out.put(k, p.getProperty(k));
      }
    }
    return out;
  }

  private static void deleteAll(Path root) {
    try (var files = Files.walk(root)) {
      files
          .sorted(java.util.Comparator.reverseOrder())
          .filter(f -> !f.equals(root))
          .forEach(
              f -> {
                try {
                  Files.delete(f);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
