package io.tributary.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * kinesis-mock (npm {@code kinesis-local}), a Kinesis Data Streams API server on Node, plain HTTP
 * on 127.0.0.1. It keeps streams in memory only. Installed from the npm registry on first use into
 * {@code ~/.cache/tributary}.
 */
public final class KinesisMock {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

  private KinesisMock() {}

  public static ServerProcess start(Path dir, Path logFile, int port, int tlsPort) {
    Path main = install(dir, logFile);
    Map<String, String> env = environment(port, tlsPort);
    List<String> command =
        List.of(
            "node",
            "-r",
            Artifacts.conf().resolve("kinesis/loopback.js").toString(),
            main.toString());
    // kinesis-mock reads its TLS certificate (server.json) from the working directory: run it in
    // its package directory, or it exits at once with "ENOENT ... server.json".
    ServerProcess server = ServerProcess.start("kinesis", command, main.getParent(), logFile, env);
    server.awaitReady(() -> ServerProcess.listening(port), START_TIMEOUT, "port " + port);
    return server;
  }

  /** The server's settings; docker/compose.yaml sets the same (DockerComposeTest compares). */
  static Map<String, String> environment(int port, int tlsPort) {
    return Map.of(
        "KINESIS_MOCK_PLAIN_PORT", String.valueOf(port),
        "KINESIS_MOCK_TLS_PORT", String.valueOf(tlsPort),
        // Real AWS takes tens of seconds for these; tests need not wait.
        "CREATE_STREAM_DURATION", "50ms",
        "DELETE_STREAM_DURATION", "50ms",
        "REGISTER_STREAM_CONSUMER_DURATION", "50ms",
        "DEREGISTER_STREAM_CONSUMER_DURATION", "50ms",
        "SPLIT_SHARD_DURATION", "50ms",
        "MERGE_SHARDS_DURATION", "50ms",
        "UPDATE_SHARD_COUNT_DURATION", "50ms",
        "LOG_LEVEL", "WARN");
  }

  public static String endpoint(int port) {
    return "http://127.0.0.1:" + port;
  }

  /** Installs the pinned package once; later starts reuse it. */
  static synchronized Path install(Path dir, Path logFile) {
    return CacheLock.around("kinesis-local", () -> install0(dir, logFile));
  }

  private static Path install0(Path dir, Path logFile) {
    String version = Artifacts.kinesisLocalVersion();
    Path prefix =
        Paths.get(
            System.getProperty("user.home"), ".cache", "tributary", "kinesis-local-" + version);
    Path main = prefix.resolve("node_modules/kinesis-local/main.js");
    if (Files.exists(main)) {
      return main;
    }
    try {
      Files.createDirectories(prefix);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot create " + prefix, e);
    }
    ServerProcess npm =
        ServerProcess.start(
            "npm-install-kinesis-local",
            List.of(
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                prefix.toString(),
                "kinesis-local@" + version),
            dir,
            logFile,
            Map.of());
    npm.awaitSuccess(INSTALL_TIMEOUT);
    if (!Files.exists(main)) {
      throw npm.failure("npm did not install kinesis-local@" + version + " into " + prefix);
    }
    return main;
  }
}
