package io.tributary.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.testing.ConfigFiles;
import io.tributary.testing.KafkaExtension;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar tributary-local.jar} with secrets planted in every place a user puts them
 * ({@code kafka.properties.*}, {@code iceberg.catalog.properties.*} with {@code
 * header.Authorization}, {@code iceberg.s3.sse.key}, and a command-line override), logging at INFO
 * to a file: no log line, no output and no answer of the embedded Flink's REST API holds any of
 * them, and every socket the process listens on is bound to 127.0.0.1.
 */
@Timeout(300)
class SecretsExposureIT {
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private static final String TOPIC = "planted";
  private static final int EVENTS = 200;
  private static final Pattern REST =
      Pattern.compile("Rest endpoint listening at ([^:\\s]+):(\\d+)");

  /** What must never be printed: each unique, so a hit names its source. */
  private static final Map<String, String> PLANTED =
      Map.of(
          "kafka jaas password", "PLANTED-jaas-7f3a",
          "kafka ssl key password", "PLANTED-sslkey-91c2",
          "catalog Authorization header", "PLANTED-auth-c0de",
          "catalog token", "PLANTED-token-5e11",
          "s3 sse key", "PLANTED-kms-4b7d",
          "command-line header", "PLANTED-cli-2a9f");

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
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir.resolve("out"))) {
      files = walk.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    assertThat(files).hasSize(6);
    String dump = null;
    long bytes = 0;
    List<String> hits = new ArrayList<>();
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.ISO_8859_1);
      bytes += text.length();
      scan(f.toString(), text, hits);
      if (text.contains("Tributary configuration")) {
        dump = text;
      }
    }
    answers.forEach(a -> scan(a.substring(0, a.indexOf('\n')), a, hits));
    assertThat(hits).as("planted secrets found").isEmpty();
    // The scan read real output: the configuration dump is there, with the secrets masked.
    assertThat(bytes).isGreaterThan(50_000);
    assertThat(dump)
        .isNotNull()
        .contains("iceberg.catalog.properties.header.Authorization = ****")
        .contains("kafka.properties.sasl.jaas.config = ****")
        .contains("kafka.topics = " + TOPIC);
  }

  private static void scan(String source, String text, List<String> hits) {
    PLANTED.forEach(
        (what, secret) -> {
          if (text.contains(secret)) {
            hits.add(what + " in " + source);
          }
        });
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
    groups.put(
        "kafka",
        Map.of(
            "bootstrap.servers",
            kafka.bootstrapServers(),
            "topics",
            TOPIC,
            "group.id",
            "secrets-" + name,
            "start",
            "earliest",
            // Kafka reads these only with SASL or SSL; the test broker speaks plaintext.
            "properties.sasl.jaas.config",
            "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"tributary\" password=\""
                + PLANTED.get("kafka jaas password")
                + "\";",
            "properties.ssl.key.password",
            PLANTED.get("kafka ssl key password")));
    groups.put(
        "format",
        Map.of(
            "schema",
            "id STRING NOT NULL, ts TIMESTAMP_LTZ(3) NOT NULL",
            "event-time.field",
            "ts"));
    groups.put(
        "iceberg",
        Map.of(
            "catalog.type",
            "hadoop",
            "warehouse",
            dir.resolve("warehouse-" + name).toString(),
            "database",
            "secrets",
            "table",
            "events",
            "catalog.properties.header.Authorization",
            "Bearer " + PLANTED.get("catalog Authorization header"),
            "catalog.properties.token",
            PLANTED.get("catalog token"),
            "s3.sse.type",
            "kms",
            "s3.sse.key",
            PLANTED.get("s3 sse key")));
    Path config = ConfigFiles.write(dir.resolve(name + ".json"), groups);
    List<String> command =
        List.of(
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
            "-Xmx1g",
            "-Dlog4j.configurationFile=" + log4j.toUri(),
            "-jar",
            jar.toString(),
            "run",
            "--config",
            config.toString(),
            "--iceberg.catalog.properties.header.X-Planted",
            PLANTED.get("command-line header"));
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
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      T value = condition.get();
      if (value != null) {
        return value;
      }
      assertThat(System.nanoTime()).as("waited 120 s for " + what).isLessThan(deadline);
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
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

  /** The body of a 200 answer, else null. */
  private static String get(String rest, String path) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(rest + path))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
