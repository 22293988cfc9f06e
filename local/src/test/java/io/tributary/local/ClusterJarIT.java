package io.tributary.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster jar (the one for MSF and {@code flink run}) on a classpath that holds only Flink
 * 1.20.3's runtime, what flink-dist's lib/ holds: a class it needs but does not bundle, a Hadoop or
 * AWS SDK clash, would fail here.
 */
@Timeout(300)
class ClusterJarIT {
  @TempDir Path dir;

  @Test
  void runsIngestWithNothingButFlinksRuntimeBesideIt() throws Exception {
    Path jar = Path.of(System.getProperty("tributary.cluster.jar"));
    Path flink = Path.of(System.getProperty("tributary.flink.classpath"));
    assertThat(jar).exists();
    assertThat(flink).exists();
    String runtime = Files.readString(flink).trim();
    assertThat(runtime).doesNotContain("iceberg").doesNotContain("kafka-clients");
    List<String> jvm =
        new ArrayList<>(Arrays.asList(System.getProperty("flink.jdk17.flags").split(" ")));
    jvm.addAll(List.of("-cp", runtime + File.pathSeparator + jar, "io.tributary.jobs.Main"));
    DatagenIngest ingest = new DatagenIngest(dir);
    ingest.run(jvm);
    ingest.assertTablesExact(ingest.expectedIds());
  }
}
