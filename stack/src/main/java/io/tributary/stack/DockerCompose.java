package io.tributary.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Docker Compose 1.29 (Debian's {@code docker-compose}), to validate {@code docker/compose.yaml}
 * with Compose's own parser where no Docker engine runs. It is unpacked from Debian's packages into
 * the user's cache on first use ({@link DebianPackages}) with every python library it imports, and
 * run by the machine's {@code python3} with those libraries first on its path. The copy on the PATH
 * is used only where Debian's packages cannot be fetched (another OS).
 */
public final class DockerCompose {
  /** docker-compose and every python package it needs, transitively, except python3 itself. */
  static final List<String> PACKAGES =
      List.of(
          "docker-compose",
          "python3-attr",
          "python3-cached-property",
          "python3-certifi",
          "python3-chardet",
          "python3-charset-normalizer",
          "python3-distro",
          "python3-docker",
          "python3-dockerpty",
          "python3-docopt",
          "python3-dotenv",
          "python3-idna",
          "python3-importlib-metadata",
          "python3-importlib-resources",
          "python3-jsonschema",
          "python3-more-itertools",
          "python3-pyrsistent",
          "python3-requests",
          "python3-six",
          "python3-texttable",
          "python3-typing-extensions",
          "python3-urllib3",
          "python3-websocket",
          "python3-yaml",
          "python3-zipp");

  private final List<String> command;
  private final Map<String, String> env;

  private DockerCompose(List<String> command, Map<String, String> env) {
    this.command = command;
    this.env = env;
  }

  public static DockerCompose install(Path workDir, Path logFile) {
    if (DebianPackages.onPath("apt-get").isEmpty()
        && DebianPackages.onPath("docker-compose").isPresent()) {
      return new DockerCompose(
          List.of(DebianPackages.onPath("docker-compose").get().toString()), Map.of());
    }
    Path prefix =
        DebianPackages.unpacked(
            "docker-compose",
            PACKAGES,
            workDir,
            logFile,
            "install Docker Compose so that docker-compose is on the PATH");
    Path script = prefix.resolve("usr/bin/docker-compose");
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("dpkg-deb did not unpack " + script + "; see " + logFile);
    }
    // -s: the user's own site-packages must not shadow the unpacked libraries
    return new DockerCompose(
        List.of("python3", "-s", script.toString()),
        Map.of("PYTHONPATH", prefix.resolve("usr/lib/python3/dist-packages").toString()));
  }

  /** The command up to docker-compose's own arguments. */
  public List<String> command() {
    return command;
  }

  /** What the command's environment must add. */
  public Map<String, String> environment() {
    return env;
  }
}
