package io.tributary.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An AWS Glue Data Catalog API server: moto's server mode ({@code python3 -m moto.server}), plain
 * HTTP on 127.0.0.1, catalogs in memory. moto is not fetched here (no PyPI on the build machines):
 * it must be installed for {@code python3} ({@code pip install 'moto[server]'}); {@link #start}
 * says so when it is not.
 */
public final class GlueMock {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private GlueMock() {}

  public static ServerProcess start(Path dir, Path logFile, int port) {
    ServerProcess check =
        ServerProcess.start(
            "moto-check",
            List.of("python3", "-c", "import moto.server, flask; print(moto.__version__)"),
            dir,
            logFile,
            Map.of());
    try {
      check.awaitSuccess(START_TIMEOUT);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "The Glue API server needs moto for python3: pip install 'moto[server]'", e);
    }
    ServerProcess server =
        ServerProcess.start(
            "glue",
            List.of("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String.valueOf(port)),
            dir,
            logFile,
            Map.of());
    server.awaitReady(() -> ServerProcess.listening(port), START_TIMEOUT, "port " + port);
    return server;
  }

  public static String endpoint(int port) {
    return "http://127.0.0.1:" + port;
  }
}
