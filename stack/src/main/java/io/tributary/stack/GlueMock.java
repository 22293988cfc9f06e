package io.tributary.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An AWS Glue Data Catalog API server: moto's server mode ({@code python -m moto.server}), plain
 * HTTP on 127.0.0.1, catalogs in memory. The machine's {@code python3} runs it when it has moto;
 * otherwise pip installs {@code moto[server]} into a private virtual environment on first use
 * ({@link PythonTools}).
 */
public final class GlueMock {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private GlueMock() {}

  public static ServerProcess start(Path dir, Path logFile, int port) {
    String python = PythonTools.withModule("moto.server", "moto[server]", dir, logFile);
    ServerProcess server =
        ServerProcess.start(
            "glue",
            List.of(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", String.valueOf(port)),
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
