package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes installing one tool: the second waits until the first has finished, as two test
 * JVMs side by side would.
 */
class CacheLockTest {
  @TempDir Path dir;

  /** The other process: holds the lock until the file {@code release} appears. */
  public static void main(String[] args) throws Exception {
    Path locks = Paths.get(args[0]);
    Path log = Paths.get(args[1]);
    CacheLock.around(
        locks,
        "tool",
        () -> {
          try {
            Files.writeString(log, "held\n");
            while (!Files.exists(log.resolveSibling("release"))) {
              Thread.sleep(20); // polling a file the test creates; the test's deadline bounds it
            }
            Files.writeString(log, "held\nreleased\n");
          } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return null;
        });
  }

  @Test
  @Timeout(60)
  void aSecondProcessWaitsUntilTheFirstHasFinished() throws Exception {
    Path locks = dir.resolve("locks");
    Path log = dir.resolve("other.log");
    Process other =
        new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CacheLockTest.class.getName(),
                locks.toString(),
                log.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("other.out").toFile())
            .start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(log));
      CompletableFuture<List<String>> mine =
          CompletableFuture.supplyAsync(
              () ->
                  CacheLock.around(
                      locks,
                      "tool",
                      () -> {
                        try {
                          return Files.readAllLines(log);
                        } catch (IOException e) {
                          throw new IllegalStateException(e);
                        }
                      }));
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> !mine.isDone());
      Files.createFile(dir.resolve("release"));
      assertThat(mine.get(30, TimeUnit.SECONDS))
          .as("what this process saw once it had the lock")
          .containsExactly("held", "released");
      assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(other.exitValue()).isZero();
    } finally {
      other.destroyForcibly();
    }
  }
}
