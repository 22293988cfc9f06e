package io.tributary.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Adobe's S3Mock, an S3 API server (path-style access only), keeping its objects under one folder
 * across restarts, so a test can take S3 away and bring it back with the data intact.
 */
public final class S3Mock {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private S3Mock() {}

  /**
   * Starts the server with {@code buckets} created. {@code httpsPort} is S3Mock's second connector;
   * it cannot be turned off and listens on every interface.
   */
  public static ServerProcess start(
      Path dir, Path logFile, int port, int httpsPort, List<String> buckets) {
    List<String> command =
        List.of(
            Artifacts.java(),
            "-Xmx384m",
            "-jar",
            Artifacts.serverJar("s3mock-exec").toString(),
            "--server.address=127.0.0.1",
            "--server.port=" + httpsPort,
            "--http.port=" + port,
            "--com.adobe.testing.s3mock.store.root=" + dir.resolve("data"),
            "--com.adobe.testing.s3mock.store.retain-files-on-exit=true",
            "--com.adobe.testing.s3mock.store.initial-buckets=" + String.join(",", buckets),
            "--logging.level.root=WARN",
            "--spring.main.banner-mode=off");
    ServerProcess server = ServerProcess.start("s3", command, dir, logFile, Map.of());
    server.awaitReady(() -> ServerProcess.listening(port), START_TIMEOUT, "port " + port);
    return server;
  }

  public static String endpoint(int port) {
    return "http://127.0.0.1:" + port;
  }
}
