package io.tributary.stack;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One server of the stack, running as its own operating-system process, known by its PID, with its
 * output in one log file. Stopping it stops that PID and its children, never anything found by
 * name.
 */
public final class ServerProcess {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final int LOG_TAIL_BYTES = 8 * 1024;

  private final String name;
  private final Process process; // null when attached by PID
  private final ProcessHandle handle;
  private final Path logFile;

  private ServerProcess(String name, Process process, ProcessHandle handle, Path logFile) {
    this.name = name;
    this.process = process;
    this.handle = handle;
    this.logFile = logFile;
  }

  /**
   * Starts {@code command} in {@code workDir}, appending its output to {@code logFile}. The process
   * outlives this JVM unless stopped: the CLI relies on that, tests stop what they start.
   */
  public static ServerProcess start(
      String name, List<String> command, Path workDir, Path logFile, Map<String, String> env) {
    try {
      Files.createDirectories(workDir);
      Files.createDirectories(logFile.getParent());
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      // Options meant for the caller's JVM would change the server's behaviour.
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      builder.environment().remove("_JAVA_OPTIONS");
      builder.environment().remove("KAFKA_OPTS");
      builder.environment().putAll(env);
      Process process = builder.start();
      return new ServerProcess(name, process, process.toHandle(), logFile);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** The process with this PID, if it still runs. */
  public static Optional<ServerProcess> attach(String name, long pid, Path logFile) {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .map(h -> new ServerProcess(name, null, h, logFile));
  }

  public String name() {
    return name;
  }

  public long pid() {
    return handle.pid();
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isAlive() {
    return handle.isAlive();
  }

  /**
   * Waits until {@code ready} holds; fails with the tail of the log if the process exits first or
   * the time runs out.
   */
  public void awaitReady(BooleanSupplier ready, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready.getAsBoolean()) {
      if (!isAlive()) {
        throw failure(name + " exited while starting (" + what + ")");
      }
      if (System.nanoTime() > deadline) {
        throw failure(name + " not ready within " + timeout + " (" + what + ")");
      }
      sleep(100);
    }
  }

  /**
   * Waits for a process this JVM started to end by itself and to succeed; fails with its log if it
   * runs too long or exits with an error.
   */
  public void awaitSuccess(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        stop();
        throw failure(name + " did not finish within " + timeout);
      }
    } catch (InterruptedException e) {
      stop();
      Thread.currentThread().interrupt();
      throw failure(name + " interrupted");
    }
    if (process.exitValue() != 0) {
      throw failure(name + " exited with " + process.exitValue());
    }
  }

  /** Stops the process (and its children) gracefully, then forcibly after a timeout. */
  public void stop() {
    stop(STOP_TIMEOUT);
  }

  /**
   * Stops the process (and its children) gracefully, then forcibly after {@code grace}. A short
   * grace suits a server whose state is disposable and whose graceful stop waits for its clients'
   * idle connections to close (kinesis-mock: 30 s with one keep-alive connection open).
   */
  public void stop(Duration grace) {
    List<ProcessHandle> children =
        handle.descendants().collect(java.util.stream.Collectors.toList());
    handle.destroy();
    if (!waitFor(handle, grace)) {
      handle.destroyForcibly();
      waitFor(handle, STOP_TIMEOUT);
    }
    for (ProcessHandle child : children) {
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
  }

  /** Kills the process at once, as a crash would. */
  public void kill() {
    handle.destroyForcibly();
    waitFor(handle, STOP_TIMEOUT);
  }

  public IllegalStateException failure(String message) {
    return new IllegalStateException(message + ". Tail of " + logFile + ":\n" + logTail());
  }

  /** The last few kilobytes of the log, for error messages. */
  public String logTail() {
    try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
      long length = file.length();
      long start = Math.max(0, length - LOG_TAIL_BYTES);
      byte[] bytes = new byte[(int) (length - start)];
      file.seek(start);
      file.readFully(bytes);
      return (start > 0 ? "...\n" : "") + new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<cannot read the log: " + e + ">";
    }
  }

  /** True when something accepts TCP connections on 127.0.0.1:{@code port}. */
  public static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }

  private static boolean waitFor(ProcessHandle h, Duration timeout) {
    try {
      h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return !h.isAlive();
    }
  }

  @Override
  public String toString() {
    return name + "[pid " + pid() + ", log " + logFile + "]";
  }
}
