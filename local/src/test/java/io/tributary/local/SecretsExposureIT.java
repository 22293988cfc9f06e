package io.tributary.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.stack.FlinkCluster;
import io.tributary.testing.ConfigFiles;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.PlantedSecrets;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar tributary-local.jar} with secrets planted in every place a user puts them
 * ({@link PlantedSecrets}: {@code kafka.properties.*}, {@code iceberg.catalog.properties.*} with
 * {@code header.Authorization}, {@code iceberg.s3.sse.key}, a command-line override), logging at
 * INFO to a file: no log line, no output and no answer of the embedded Flink's REST API holds any
 * of them, and every socket the process listens on is bound to 127.0.0.1.
 */
@Timeout(300)
class SecretsExposureIT {
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private static final String TOPIC = "planted";
  private static final int EVENTS = 200;
  private static final Pattern REST =
      Pattern.compile("Rest endpoint listening at ([^:\\s]+):(\\d+)");

  @TempDir Path dir;

  @Test
  void plantedSecretsAppearInNoLogNoOutputAndNoRestAnswer() throws Exception {
    kafka.createTopic(TOPIC, 2);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    for (int i = 0; i < EVENTS; i++) {
      String json = "{\"id\":\"e-" + i + "\",\"ts\":\"" + now.plusMillis(i) + "\"}";
      records.add(new ProducerRecord<>(TOPIC, i % 2, null, json.getBytes(StandardCharsets.UTF_8)));
    }
    kafka.sendAll(TOPIC, records);

    // Unbounded: the REST API is asked while the job runs and has committed.
    Run unbounded = start("unbounded", false);
    List<String> answers = new ArrayList<>();
    try {
      String rest = unbounded.awaitRestUrl();
      String jobId = await(() -> runningJob(rest), "a RUNNING job on " + rest);
      await(
          () -> completedCheckpoints(rest, jobId) >= 2 ? "yes" : null,
          "two completed checkpoints (Iceberg commits) of " + jobId);
      String tm = await(() -> first(get(rest, "/taskmanagers"), "\"id\":\"([^\"]+)\""), "a TM");
      for (String path :
          List.of(
              "/config",
              "/overview",
              "/jobmanager/config",
              "/jobmanager/environment",
              "/jobs/overview",
              "/jobs/" + jobId,
              "/jobs/" + jobId + "/config",
              "/jobs/" + jobId + "/jobmanager/config",
              "/jobs/" + jobId + "/jobmanager/environment",
              "/jobs/" + jobId + "/plan",
              "/jobs/" + jobId + "/exceptions",
              "/jobs/" + jobId + "/checkpoints",
              "/jobs/" + jobId + "/checkpoints/config",
              "/taskmanagers",
              "/taskmanagers/" + tm)) {
        String body = get(rest, path);
        assertThat(body).as("GET %s", path).isNotNull();
        answers.add("GET " + path + "\n" + body);
      }
      assertThat(String.join("\n", answers)).contains(jobId).contains("\"jobmanager.bind-host\"");

      Set<String> listening = listening(unbounded.process.pid());
      assertThat(listening).as("listening sockets").isNotEmpty();
      assertThat(listening)
          .as("every listening socket of the local runner on loopback")
          .allMatch(a -> a.startsWith("127.0.0.1:"), "bound to 127.0.0.1");
      assertThat(listening).contains("127.0.0.1:" + URI.create(rest).getPort());
    } finally {
      unbounded.stop();
    }

    // Bounded: the run ends and prints its summary, with the command line to look at the table.
    Run bounded = start("bounded", true);
    assertThat(bounded.process.waitFor(180, TimeUnit.SECONDS)).as("bounded run ended").isTrue();
    String stdout = Files.readString(bounded.stdout);
    assertThat(bounded.process.exitValue()).as(stdout + Files.readString(bounded.stderr)).isZero();
    assertThat(stdout)
        .contains("rows written  " + EVENTS)
        .contains("--iceberg.catalog.properties.header.X-Planted ****");

    // Everything the two runs wrote: logs, stdout and stderr, then the REST answers.
    Path out = dir.resolve("out");
    List<String> hits = new ArrayList<>(PlantedSecrets.findInFiles(out));
    answers.forEach(x -> hits.addAll(PlantedSecrets.find(x.substring(0, x.indexOf('\n')), x)));
    assertThat(hits).as("planted secrets found").isEmpty();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(out)) {
      files = walk.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    assertThat(files).hasSize(6);
    long bytes = 0;
    String dump = null;
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.ISO_8859_1);
      bytes += text.length();
      if (text.contains("Tributary configuration")) {
        dump = text;
      }
    }
    // The scan read real output: the configuration dump is there, with the secrets masked.
    assertThat(bytes).isGreaterThan(50_000);
    assertThat(dump)
        .isNotNull()
        .contains("iceberg.catalog.properties.header.Authorization = ****")
        .contains("kafka.properties.sasl.jaas.config = ****")
        .contains("kafka.topics = " + TOPIC);
  }

  /** A run of the jar in its own JVM, its log and outputs under out/<name>/. */
  private Run start(String name, boolean bounded) throws IOException {
    Path jar = Path.of("target", "tributary-local.jar").toAbsolutePath();
    assertThat(jar).exists();
    Path out = Files.createDirectories(dir.resolve("out").resolve(name));
    Path log4j = dir.resolve("log4j2-" + name + ".properties");
    Files.writeString(
        log4j,
        String.join(
            "\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = file",
            "appender.file.type = File",
            "appender.file.name = file",
            "appender.file.fileName = " + out.resolve("tributary.log"),
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = %d %-5p %c - %m%n"));
    Map<String, Map<String, String>> groups = new LinkedHashMap<>();
    groups.put(
        "job",
        Map.of(
            "name", "ingest",
            "parallelism", "2",
            "checkpoint.interval", "1 s",
            "checkpoint.dir", dir.resolve("cp-" + name).toUri().toString()));
    groups.put("source", Map.of("type", "kafka", "bounded", String.valueOf(bounded)));
    Map<String, String> kafkaGroup = new LinkedHashMap<>(PlantedSecrets.kafka());
    kafkaGroup.put("bootstrap.servers", kafka.bootstrapServers());
    kafkaGroup.put("topics", TOPIC);
    kafkaGroup.put("group.id", "secrets-" + name);
    kafkaGroup.put("start", "earliest");
    groups.put("kafka", kafkaGroup);
    groups.put(
        "format",
        Map.of(
            "schema",
            "id STRING NOT NULL, ts TIMESTAMP_LTZ(3) NOT NULL",
            "event-time.field",
            "ts"));
    Map<String, String> icebergGroup = new LinkedHashMap<>(PlantedSecrets.iceberg());
    icebergGroup.put("catalog.type", "hadoop");
    icebergGroup.put("warehouse", dir.resolve("warehouse-" + name).toString());
    icebergGroup.put("database", "secrets");
    icebergGroup.put("table", "events");
    groups.put("iceberg", icebergGroup);
    Path config = ConfigFiles.write(dir.resolve(name + ".json"), groups);
    List<String> command =
        new ArrayList<>(
            List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx1g",
                "-Dlog4j.configurationFile=" + log4j.toUri(),
                "-jar",
                jar.toString(),
                "run",
                "--config",
                config.toString()));
    command.addAll(PlantedSecrets.commandLine());
    Run run = new Run();
    run.log = out.resolve("tributary.log");
    run.stdout = out.resolve("stdout.txt");
    run.stderr = out.resolve("stderr.txt");
    run.process =
        new ProcessBuilder(command)
            .redirectOutput(run.stdout.toFile())
            .redirectError(run.stderr.toFile())
            .start();
    return run;
  }

  private static final class Run {
    Process process;
    Path log;
    Path stdout;
    Path stderr;

    String awaitRestUrl() {
      return await(
          () -> {
            if (!process.isAlive()) {
              throw new IllegalStateException("the local runner ended: " + tail(stderr, log));
            }
            String text = read(log);
            Matcher m = REST.matcher(text);
            return m.find() ? "http://" + m.group(1) + ":" + m.group(2) : null;
          },
          "the REST endpoint in " + log);
    }

    /** Ends the process this test started, by its PID, and waits for it. */
    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static String tail(Path... files) {
    StringBuilder sb = new StringBuilder();
    for (Path f : files) {
      String text = read(f);
      sb.append('\n')
          .append(f)
          .append(":\n")
          .append(text.substring(Math.max(0, text.length() - 4000)));
    }
    return sb.toString();
  }

  private static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static <T> T await(Supplier<T> condition, String what) {
    return Awaitility.await(what)
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(condition::get, Objects::nonNull);
  }

  private static String runningJob(String rest) {
    String overview = get(rest, "/jobs/overview");
    return overview == null || !overview.contains("\"state\":\"RUNNING\"")
        ? null
        : first(overview, "\"jid\":\"([0-9a-f]{32})\"");
  }

  private static long completedCheckpoints(String rest, String jobId) {
    String body = get(rest, "/jobs/" + jobId + "/checkpoints");
    String n = body == null ? null : first(body, "\"completed\":(\\d+)");
    return n == null ? 0 : Long.parseLong(n);
  }

  private static String first(String text, String regex) {
    if (text == null) {
      return null;
    }
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : null;
  }

  private static String get(String rest, String path) {
    return FlinkCluster.get(URI.create(rest).getPort(), path);
  }

  /**
   * The TCP sockets {@code pid} listens on, as {@code address:port}, read from /proc: the process's
   * socket inodes, looked up in its network namespace's tcp and tcp6 tables.
   */
  static Set<String> listening(long pid) throws IOException {
    Set<String> inodes = new TreeSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      for (Path fd : fds.collect(Collectors.toList())) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    Set<String> out = new TreeSet<>();
    for (String table : List.of("tcp", "tcp6")) {
      List<String> lines = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "net", table));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        // f[1] local address, f[3] state (0A: LISTEN), f[9] inode
        if (f[3].equals("0A") && inodes.contains(f[9])) {
          out.add(address(f[1]));
        }
      }
    }
    return out;
  }

  /** /proc/net/tcp's hex {@code ADDR:PORT} (little-endian words) as {@code a.b.c.d:port}. */
  static String address(String hex) {
    String[] parts = hex.split(":");
    int port = Integer.parseInt(parts[1], 16);
    String a = parts[0];
    if (a.equals("00000000000000000000000000000000")) {
      return "[::]:" + port;
    }
    if (a.length() == 32) {
      // IPv4-mapped (::ffff:a.b.c.d) keeps the IPv4 address in the last word
      if (a.startsWith("0000000000000000FFFF0000")) {
        a = a.substring(24);
      } else {
        return "[" + a + "]:" + port;
      }
    }
    long v = Long.parseLong(a, 16);
    return String.format(
        "%d.%d.%d.%d:%d", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff, port);
  }
}
