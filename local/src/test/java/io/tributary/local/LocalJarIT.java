package io.tributary.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Starts the built jar as a user would: {@code java -jar tributary-local.jar --config FILE}. */
@Timeout(300)
class LocalJarIT {
  @TempDir Path dir;

  @Test
  void runsIngestOnDatagenAndPrintsASummaryThatMatchesTheTable() throws Exception {
    Path jar = Path.of("target", "tributary-local.jar").toAbsolutePath();
    assertThat(jar).exists();
    DatagenIngest ingest = new DatagenIngest(dir);
    String stdout = ingest.run(List.of("-jar", jar.toString()));
    Set<String> expected = ingest.expectedIds();
    ingest.assertTablesExact(expected);

    assertThat(number(stdout, "rows written\\s+(\\d+)")).isEqualTo(expected.size());
    assertThat(number(stdout, "dead letters\\s+(\\d+)"))
        .isEqualTo(DatagenIngest.COUNT - expected.size());
    assertThat(number(stdout, "events read\\s+(\\d+)")).isEqualTo(DatagenIngest.COUNT);
    assertThat(stdout).contains("Tributary ingest finished in").contains("snapshot id");
    IcebergCatalog catalog = ingest.catalog();
    String location = catalog.with(c -> c.loadTable(catalog.identifier("events")).location());
    assertThat(location).endsWith("/demo/events");
    assertThat(stdout).contains("location      " + location + "\n");
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex + " in:\n" + text).isTrue();
    return Long.parseLong(m.group(1));
  }
}
