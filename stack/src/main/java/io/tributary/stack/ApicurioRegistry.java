package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Apicurio Registry (Maven Central {@code io.apicurio:apicurio-registry-app}, the Quarkus
 * application with in-memory storage) on 127.0.0.1: a schema registry whose {@code
 * /apis/ccompat/v7} API answers as Confluent Schema Registry does. Confluent's own server and
 * client are not served here; this one is, and serves both the Confluent wire format and its REST
 * calls. Unpacked with Maven on first use into {@code ~/.cache/tributary} (about 150 MB, once per
 * machine), the way kinesis-mock is installed from npm.
 */
public final class ApicurioRegistry {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);

  private ApicurioRegistry() {}

  public static ServerProcess start(Path dir, Path logFile, int port) {
    Path jar = install(dir, logFile);
    List<String> command =
        List.of(
            Artifacts.java(),
            "-Xmx384m",
            "-Dquarkus.http.port=" + port,
            "-Dquarkus.http.host=127.0.0.1",
            "-jar",
            jar.toString());
    ServerProcess server = ServerProcess.start("apicurio", command, dir, logFile, Map.of());
    server.awaitReady(
        () -> answers(confluentUrl(port) + "/subjects"),
        START_TIMEOUT,
        "GET /apis/ccompat/v7/subjects on port " + port);
    return server;
  }

  /** The Confluent-compatible API's base URL: what format.registry.url takes. */
  public static String confluentUrl(int port) {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  private static boolean answers(String url) {
    try {
      HttpResponse<Void> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Unpacks the pinned release once; later starts reuse it. */
  static synchronized Path install(Path dir, Path logFile) {
    return CacheLock.around("apicurio-registry", () -> install0(dir, logFile));
  }

  private static Path install0(Path dir, Path logFile) {
    String version = Artifacts.apicurioVersion();
    Path home =
        Paths.get(
            System.getProperty("user.home"), ".cache", "tributary", "apicurio-registry-" + version);
    Path jar = home.resolve("apicurio-registry-app-" + version + "-runner.jar");
    if (Files.exists(jar)) {
      return jar;
    }
    // unpacked beside its final place, then moved: a cut-off unpack is never taken for a release
    Path partial = home.resolveSibling(home.getFileName() + ".partial");
    try {
      Files.createDirectories(partial);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + partial, e);
    }
    ServerProcess mvn =
        ServerProcess.start(
            "mvn-unpack-apicurio",
            List.of(
                "mvn",
                "-q",
                "-B",
                "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:unpack",
                "-Dartifact=io.apicurio:apicurio-registry-app:" + version + ":zip:all",
                "-DoutputDirectory=" + partial),
            dir,
            logFile,
            Map.of());
    mvn.awaitSuccess(INSTALL_TIMEOUT);
    if (!Files.exists(partial.resolve(jar.getFileName()))) {
      throw mvn.failure(
          "Maven did not unpack apicurio-registry-app " + version + " into " + partial);
    }
    try {
      Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot move " + partial + " to " + home, e);
    }
    return jar;
  }
}
