package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.ConfigLoader;
import io.tributary.config.TributaryConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every file in examples/ (and the Docker stack's job configurations in docker/) is a configuration
 * the jobs accept, as the READMEs promise.
 */
class ExamplesTest {
  @Test
  void everyExampleValidatesAndBuildsItsJob() throws IOException {
    List<Path> files = new ArrayList<>(jsonFiles(Path.of("..", "examples")));
    assertThat(files).hasSizeGreaterThanOrEqualTo(5);
    List<Path> docker = jsonFiles(Path.of("..", "docker"));
    assertThat(docker).hasSizeGreaterThanOrEqualTo(1);
    files.addAll(docker);
    for (Path f : files) {
      ConfigLoader.Loaded loaded = ConfigLoader.load(new String[] {"--config", f.toString()});
      TributaryConfig config = TributaryConfig.validate(loaded.groups, TributaryOptions.ALL);
      TributaryJob job = TributaryJob.fromConfig(config);
      assertThat(f.getFileName().toString()).as("file named after its job").startsWith(job.name());
    }
  }

  private static List<Path> jsonFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
    }
  }
}
