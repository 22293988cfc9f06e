package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

/**
 * An exclusive lock on one tool's install into the user's cache ({@code ~/.cache/tributary}), held
 * across processes: test JVMs that run side by side (Maven's parallel forks, two terminals) would
 * otherwise both find a tool missing and unpack it into the same folder at once. The installers'
 * {@code synchronized} covers threads of one JVM only. The operating system releases the lock when
 * its process dies, so a killed install never leaves the cache locked.
 */
public final class CacheLock {
  private CacheLock() {}

  /** Runs {@code install} while holding the lock named {@code name}; waits for another holder. */
  public static <T> T around(String name, Supplier<T> install) {
    return around(
        Paths.get(System.getProperty("user.home"), ".cache", "tributary", ".locks"), name, install);
  }

  static <T> T around(Path dir, String name, Supplier<T> install) {
    try {
      Files.createDirectories(dir);
      try (FileChannel channel =
              FileChannel.open(
                  dir.resolve(name + ".lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock ignored = channel.lock()) {
        return install.get();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot lock the cache for " + name + " in " + dir, e);
    }
  }
}
