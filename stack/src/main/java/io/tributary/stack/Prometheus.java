package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * A Prometheus server (Debian's {@code prometheus} package) on 127.0.0.1, scraping the Flink
 * cluster's reporters. The scrape configuration is the one docker/ mounts ({@code
 * stack/conf/prometheus/prometheus.yml}); only the targets differ: Docker finds its containers by
 * DNS, this stack names its JVMs' ports.
 *
 * <p>Found on the PATH, else installed on first use into {@code ~/.cache/tributary/prometheus}:
 * {@code apt-get download} fetches the package (and the scripts its web pages load) and {@code
 * dpkg-deb -x} unpacks them there, the way kinesis-mock is installed from npm. Unpacking needs no
 * root and starts no system service (installing the package would start one on port 9090 under
 * init); the server binary needs only libc.
 */
public final class Prometheus {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** The shared scrape jobs, by name: which stack JVM each scrapes. */
  static final String JOBMANAGER_JOB = "flink-jobmanager";

  static final String TASKMANAGER_JOB = "flink-taskmanager";

  static final String LOCAL_SCRAPE_INTERVAL = "5s";

  private Prometheus() {}

  public static ServerProcess start(
      Path dir, Path logFile, int port, Map<String, List<String>> targets) {
    Path config = writeConfig(dir, targets);
    List<String> command = new ArrayList<>(install(dir, logFile));
    command.addAll(
        List.of(
            "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port,
            // The stack is for a day's work, not for history.
            "--storage.tsdb.retention.time=2d"));
    ServerProcess server = ServerProcess.start("prometheus", command, dir, logFile, Map.of());
    server.awaitReady(
        () -> get(port, "/-/ready").isPresent(), START_TIMEOUT, "/-/ready on port " + port);
    return server;
  }

  public static String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  /**
   * The shared configuration with each scrape job's service discovery replaced by the stack's
   * targets for that job; a job the stack has no targets for is left out.
   */
  static Path writeConfig(Path dir, Map<String, List<String>> targets) {
    Path shared = Artifacts.conf().resolve("prometheus/prometheus.yml");
    try {
      Map<String, Object> config = parse(Files.readString(shared, StandardCharsets.UTF_8));
      List<Object> jobs = new ArrayList<>();
      for (Object o : (List<?>) config.get("scrape_configs")) {
        Map<String, Object> job = new LinkedHashMap<>(cast(o));
        List<String> mine = targets.get((String) job.get("job_name"));
        if (mine == null || mine.isEmpty()) {
          continue;
        }
        job.keySet().removeIf(k -> k.endsWith("_sd_configs") || k.equals("static_configs"));
        job.put("static_configs", List.of(Map.of("targets", mine)));
        jobs.add(job);
      }
      config.put("scrape_configs", jobs);
      // On one machine a scrape costs little: a metric shows within 5 s, not the shared 15 s.
      Map<String, Object> global = new LinkedHashMap<>(cast(config.get("global")));
      global.put("scrape_interval", LOCAL_SCRAPE_INTERVAL);
      config.put("global", global);
      Files.createDirectories(dir);
      Path file = dir.resolve("prometheus.yml");
      String header =
          "# Written by io.tributary.stack.Prometheus from "
              + shared
              + " with this stack's targets.\n";
      Files.writeString(
          file,
          header
              + new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
                  .dumpToString(config),
          StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the Prometheus configuration in " + dir, e);
    }
  }

  /** The body of a 200 answer to GET {@code path} (e.g. {@code /api/v1/query?query=...}). */
  public static Optional<String> get(int port, String path) {
    try {
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(1))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create(url(port) + path))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** {@code /api/v1/query?query=<promql>}, the query URL-encoded. */
  public static Optional<String> query(int port, String promql) {
    return get(port, "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  /**
   * Debian's package and the ones its web UI's pages load their scripts, styles and fonts from
   * (relative links from /usr/share/prometheus/web/static into /usr/share/javascript); unpacked
   * into one folder, the links resolve there.
   */
  static final List<String> PACKAGES =
      List.of(
          "prometheus",
          "libjs-jquery",
          "libjs-jquery-hotkeys",
          "libjs-bootstrap4",
          "libjs-popper.js",
          "libjs-eonasdan-bootstrap-datetimepicker",
          "libjs-moment",
          "libjs-moment-timezone",
          "libjs-mustache",
          "libjs-rickshaw",
          "libjs-d3",
          "fonts-glyphicons-halflings");

  /**
   * The server's command up to its own flags: the binary on the PATH, or the one unpacked into the
   * user's cache, then told where its web pages are.
   */
  static synchronized List<String> install(Path dir, Path logFile) {
    Optional<Path> onPath = DebianPackages.onPath("prometheus");
    if (onPath.isPresent()) {
      return List.of(onPath.get().toString());
    }
    Path prefix =
        DebianPackages.unpacked(
            "prometheus",
            PACKAGES,
            dir,
            logFile,
            "install Prometheus (apt-get install prometheus, brew install prometheus) so that it is"
                + " on the PATH, or start the other services only: bin/stack start s3 rest-catalog"
                + " kafka kinesis flink");
    Path binary = prefix.resolve("usr/bin/prometheus");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("dpkg-deb did not unpack " + binary + "; see " + logFile);
    }
    return List.of(
        binary.toString(),
        "--web.local-assets=" + prefix.resolve("usr/share/prometheus/web") + "/",
        "--web.console.templates=" + prefix.resolve("etc/prometheus/consoles"),
        "--web.console.libraries=" + prefix.resolve("etc/prometheus/console_libraries"));
  }

  private static Map<String, Object> parse(String yaml) {
    return new LinkedHashMap<>(cast(new Load(LoadSettings.builder().build()).loadFromString(yaml)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }
}
