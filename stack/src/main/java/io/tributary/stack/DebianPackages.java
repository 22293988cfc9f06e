package io.tributary.stack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Tools from Debian's packages, unpacked on first use into the user's cache ({@code
 * ~/.cache/tributary/NAME}) the way kinesis-mock is installed from npm: {@code apt-get download}
 * fetches the packages and {@code dpkg-deb -x} unpacks them. Nothing is installed system-wide:
 * unpacking needs no root, runs no maintainer script and starts no service.
 */
final class DebianPackages {
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

  private DebianPackages() {}

  /** The user's cache folder for one tool. */
  static Path cache(String name) {
    return Paths.get(System.getProperty("user.home"), ".cache", "tributary", name);
  }

  /**
   * The folder the packages are unpacked into (its {@code usr/bin}, {@code usr/lib/...}), unpacked
   * now unless an earlier run completed it.
   *
   * @param hint what a user can do instead, said when the packages cannot be fetched
   */
  static synchronized Path unpacked(
      String name, List<String> packages, Path workDir, Path logFile, String hint) {
    return CacheLock.around(name, () -> unpack(name, packages, workDir, logFile, hint));
  }

  private static Path unpack(
      String name, List<String> packages, Path workDir, Path logFile, String hint) {
    Path prefix = cache(name);
    // Written last: a folder without it was cut short and is unpacked again.
    Path complete = prefix.resolve(".complete");
    if (Files.exists(complete)) {
      return prefix;
    }
    if (onPath("apt-get").isEmpty() || onPath("dpkg-deb").isEmpty()) {
      throw new IllegalStateException(
          name + " needs Debian's apt-get and dpkg-deb to fetch " + packages + ": " + hint);
    }
    Path download = workDir.resolve("download-" + name);
    try {
      Files.createDirectories(download);
      Files.createDirectories(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + download + " or " + prefix, e);
    }
    List<String> command = new ArrayList<>(List.of("apt-get", "download"));
    command.addAll(packages);
    ServerProcess apt =
        ServerProcess.start("apt-get-download-" + name, command, download, logFile, Map.of());
    apt.awaitSuccess(INSTALL_TIMEOUT);
    List<Path> debs;
    try (Stream<Path> files = Files.list(download)) {
      debs =
          files
              .filter(f -> f.getFileName().toString().endsWith(".deb"))
              .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (debs.size() < packages.size()) {
      throw apt.failure(
          "apt-get download fetched "
              + debs.size()
              + " of "
              + packages
              + " into "
              + download
              + ": run apt-get update, or "
              + hint);
    }
    for (Path deb : debs) {
      ServerProcess.start(
              "dpkg-deb-" + deb.getFileName(),
              List.of("dpkg-deb", "-x", deb.toString(), prefix.toString()),
              download,
              logFile,
              Map.of())
          .awaitSuccess(INSTALL_TIMEOUT);
    }
    try {
      Files.writeString(complete, String.join(" ", packages) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return prefix;
  }

  static Optional<Path> onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String d : path.split(File.pathSeparator)) {
      Path candidate = Paths.get(d, command);
      if (!d.isEmpty() && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
