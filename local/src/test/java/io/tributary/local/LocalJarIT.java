package io.tributary.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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

    long rows = number(stdout, "\n  rows written\\s+(\\d+)");
    long dead = number(stdout, "\n  dead letters\\s+(\\d+)");
    long read = number(stdout, "\n  events read\\s+(\\d+)");
    assertThat(rows).isEqualTo(expected.size());
    assertThat(dead).isEqualTo(DatagenIngest.COUNT - expected.size());
    assertThat(read).isEqualTo(DatagenIngest.COUNT);
    // a fresh warehouse: the tables hold exactly this run
    assertThat(stdout).contains("\n  table totals  " + rows + " rows, " + dead + " dead letters");

    // progress into a pipe: whole lines, no carriage return; the last one (printed when the job
    // ended) has this run's figures, from the commit metrics, equal to the summary's, from the
    // tables' snapshots
    assertThat(stdout).doesNotContain("\r");
    List<String> progress =
        stdout.lines().filter(l -> l.startsWith("progress: ")).collect(Collectors.toList());
    assertThat(progress).as(stdout).isNotEmpty();
    String last = progress.get(progress.size() - 1);
    assertThat(number(last, "events read (\\d+)")).as(last).isEqualTo(read);
    assertThat(number(last, "rows committed (\\d+)")).as(last).isEqualTo(rows);
    assertThat(number(last, "dead letters (\\d+)")).as(last).isEqualTo(dead);
    assertThat(last).contains("| lag - |").containsPattern("last checkpoint #\\d+");
    assertThat(stdout).contains("Tributary ingest finished in").contains("snapshot id");
    IcebergCatalog catalog = ingest.catalog();
    String location = catalog.with(c -> c.loadTable(catalog.identifier("events")).location());
    assertThat(location).endsWith("/demo/events");
    assertThat(stdout).contains("location      " + location + "\n");
    assertThat(stdout.lines().findFirst().orElseThrow())
        .startsWith("starting fresh: no checkpoint of this configuration under ");

    // The same bounded run again: a finished job keeps no checkpoint, so it would start without
    // state and write every event a second time. It is refused before it is submitted.
    DatagenIngest.Ended again = ingest.start(List.of("-jar", jar.toString()));
    assertThat(again.exit).as(again.stdout + again.stderr).isEqualTo(2);
    assertThat(again.stdout.lines().findFirst().orElseThrow())
        .startsWith("starting fresh: no checkpoint of this configuration under ");
    assertThat(again.stderr)
        .contains("tributary: ")
        .contains("tributary ingest refuses to start without restored Flink state")
        .contains("demo.events holds commits of Flink job")
        .contains("No retained checkpoint of this configuration is under")
        .contains("set job.start = fresh-over-existing");
    ingest.assertTablesExact(expected);
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex + " in:\n" + text).isTrue();
    return Long.parseLong(m.group(1));
  }
}
