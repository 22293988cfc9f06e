package io.tributary.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Kinesis API server for tests: kinesis-mock (npm {@code kinesis-local} 0.6.2) started with
 * node as its own process, on free ports, on 127.0.0.1 only, plain HTTP, stopped by PID. The
 * package is installed with npm into {@code ~/.cache/tributary/kinesis-local-0.6.2} if missing.
 *
 * <p>Stand-in until {@code io.tributary.stack.KinesisServer} lands: tests reach it only through
 * {@link KinesisExtension}, so switching is one line there.
 */
public final class KinesisMock implements AutoCloseable {
  static final String VERSION = "0.6.2";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(3);

  private final Process process;
  private final int port;
  private final Path log;
  private final Thread hook;

  private KinesisMock(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.hook = new Thread(this::stop, "kinesis-mock-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public static KinesisMock start() throws IOException, InterruptedException {
    Path pkg = install();
    Path dir = Files.createTempDirectory("kinesis-mock-");
    // kinesis-mock has no setting for its listen address: this preload pins it to 127.0.0.1.
    Path preload = dir.resolve("bind-loopback.js");
    try (InputStream in = KinesisMock.class.getResourceAsStream("bind-loopback.js")) {
      Files.copy(in, preload, StandardCopyOption.REPLACE_EXISTING);
    }
    int[] ports = freePorts(2);
    Path log = dir.resolve("kinesis-mock.log");
    ProcessBuilder pb =
        new ProcessBuilder("node", "--require", preload.toString(), "main.js")
            .directory(pkg.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("KINESIS_MOCK_PLAIN_PORT", Integer.toString(ports[0]));
    env.put("KINESIS_MOCK_TLS_PORT", Integer.toString(ports[1]));
    env.put("LOG_LEVEL", "WARN");
    for (String op :
        List.of(
            "CREATE_STREAM",
            "DELETE_STREAM",
            "SPLIT_SHARD",
            "MERGE_SHARDS",
            "UPDATE_SHARD_COUNT",
            "REGISTER_STREAM_CONSUMER",
            "DEREGISTER_STREAM_CONSUMER")) {
      env.put(op + "_DURATION", "50ms");
    }
    env.put("SHARD_LIMIT", "100");
    KinesisMock mock = new KinesisMock(pb.start(), ports[0], log);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!mock.listening()) {
      if (!mock.process.isAlive() || System.nanoTime() > deadline) {
        String out = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        mock.close();
        throw new IllegalStateException("kinesis-mock did not start:\n" + out);
      }
      Thread.sleep(100);
    }
    return mock;
  }

  /** Plain HTTP endpoint, e.g. {@code http://127.0.0.1:40123}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  private boolean listening() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void stop() {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM to this PID only
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down
    }
  }

  /** The package directory (holding main.js), installed with npm on first use. */
  static Path install() throws IOException, InterruptedException {
    Path cache =
        Path.of(System.getProperty("user.home"), ".cache", "tributary", "kinesis-local-" + VERSION);
    Path pkg = cache.resolve("node_modules").resolve("kinesis-local");
    if (Files.exists(pkg.resolve("main.js"))) {
      return pkg;
    }
    Files.createDirectories(cache.getParent());
    // Install beside it, then move into place: concurrent installs never see half a package.
    Path tmp = Files.createTempDirectory(cache.getParent(), "kinesis-local-install-");
    Process npm =
        new ProcessBuilder(
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                tmp.toString(),
                "kinesis-local@" + VERSION)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("npm.log").toFile())
            .start();
    if (!npm.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || npm.exitValue() != 0) {
      npm.destroyForcibly();
      throw new IllegalStateException(
          "npm install kinesis-local@"
              + VERSION
              + " failed:\n"
              + Files.readString(tmp.resolve("npm.log"), StandardCharsets.UTF_8));
    }
    try {
      Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (!Files.exists(pkg.resolve("main.js"))) {
        throw new UncheckedIOException(e);
      }
    }
    return pkg;
  }

  private static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    ServerSocket[] sockets = new ServerSocket[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
    return ports;
  }
}
