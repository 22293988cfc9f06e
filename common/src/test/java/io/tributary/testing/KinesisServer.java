package io.tributary.testing;

import io.tributary.stack.KinesisMock;
import io.tributary.stack.Ports;
import io.tributary.stack.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real Kinesis API server for tests: kinesis-mock, started by the local stack's {@link
 * KinesisMock} launcher (the one {@code bin/stack} uses) on 127.0.0.1 and free ports, plain HTTP,
 * and stopped by PID.
 */
public final class KinesisServer implements AutoCloseable {
  private final ServerProcess process;
  private final int port;
  private final Thread shutdownHook;

  private KinesisServer(ServerProcess process, int port) {
    this.process = process;
    this.port = port;
    this.shutdownHook = new Thread(process::stop, "kinesis-server-shutdown-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static KinesisServer start() {
    Path dir;
    try {
      dir = Files.createTempDirectory("kinesis-server-");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare the Kinesis server directory", e);
    }
    int[] ports = Ports.free(2);
    return new KinesisServer(
        KinesisMock.start(dir, dir.resolve("kinesis.log"), ports[0], ports[1]), ports[0]);
  }

  /** Plain HTTP endpoint, e.g. {@code http://127.0.0.1:40123}. */
  public String endpoint() {
    return KinesisMock.endpoint(port);
  }

  @Override
  public void close() {
    // Its streams live in memory and die with it; a graceful stop would wait up to 30 s for the
    // connector's idle keep-alive connections (the v1 SDK clients are never closed).
    process.stop(java.time.Duration.ofMillis(500));
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down
    }
  }
}
