package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(300)
class PythonToolsTest {
  @TempDir Path dir;

  @AfterEach
  void removeTheFailedEnvironment() throws IOException {
    Path venv = DebianPackages.cache("python-tributary-no-such-package");
    if (Files.exists(venv)) {
      try (Stream<Path> files = Files.walk(venv)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void theMachinesPythonServesAModuleItAlreadyHas() {
    assertThat(PythonTools.withModule("json", "json", dir, dir.resolve("log")))
        .isEqualTo("python3");
  }

  @Test
  void aPackageThatCannotBeInstalledFailsNamingTheCommandAndTheWayOut() {
    // no index serves this name, so the private environment is made and pip fails in it
    assertThatThrownBy(
            () ->
                PythonTools.withModule(
                    "tributary_no_such_module",
                    "tributary-no-such-package",
                    dir,
                    dir.resolve("log")))
        .hasMessageContaining("-m pip install -q tributary-no-such-package failed")
        .hasMessageContaining("install the package for python3 yourself");
  }
}
