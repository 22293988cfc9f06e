package io.tributary.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A python interpreter that has a given module: the machine's {@code python3} when it already
 * imports it, else a private virtual environment in the user's cache ({@code
 * ~/.cache/tributary/python-NAME}) into which pip installs the package on first use. Never {@code
 * pip install} into the machine's own python.
 */
public final class PythonTools {
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);

  private PythonTools() {}

  /**
   * The python executable to run {@code module} with.
   *
   * @param module what must import, e.g. {@code moto.server}
   * @param requirement what pip installs when it does not, e.g. {@code moto[server]}
   */
  public static synchronized String withModule(
      String module, String requirement, Path workDir, Path logFile) {
    return CacheLock.around(
        "python-" + requirement.replaceAll("[^A-Za-z0-9_.-]", "-"),
        () -> findOrInstall(module, requirement, workDir, logFile));
  }

  private static String findOrInstall(
      String module, String requirement, Path workDir, Path logFile) {
    if (imports("python3", module, workDir, logFile)) {
      return "python3";
    }
    String name = requirement.replaceAll("[^A-Za-z0-9_.-]", "-");
    Path venv = DebianPackages.cache("python-" + name);
    Path python = venv.resolve("bin/python");
    if (Files.isExecutable(python) && imports(python.toString(), module, workDir, logFile)) {
      return python.toString();
    }
    run("venv-" + name, List.of("python3", "-m", "venv", venv.toString()), workDir, logFile);
    run(
        "pip-" + name,
        List.of(python.toString(), "-m", "pip", "install", "-q", requirement),
        workDir,
        logFile);
    if (!imports(python.toString(), module, workDir, logFile)) {
      throw new IllegalStateException(
          "pip installed "
              + requirement
              + " into "
              + venv
              + ", but "
              + module
              + " does not import");
    }
    return python.toString();
  }

  private static boolean imports(String python, String module, Path workDir, Path logFile) {
    ServerProcess check =
        ServerProcess.start(
            "import-" + module,
            List.of(python, "-c", "import " + module),
            workDir,
            logFile,
            Map.of());
    try {
      check.awaitSuccess(CHECK_TIMEOUT);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static void run(String name, List<String> command, Path workDir, Path logFile) {
    ServerProcess p =
        ServerProcess.start(name, new ArrayList<>(command), workDir, logFile, Map.of());
    try {
      p.awaitSuccess(INSTALL_TIMEOUT);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          String.join(" ", command)
              + " failed (no python3 with venv, or no package index reachable); install the"
              + " package for python3 yourself. See "
              + logFile,
          e);
    }
  }
}
