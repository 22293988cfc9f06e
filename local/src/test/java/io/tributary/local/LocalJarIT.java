package io.tributary.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.format.EventSchema;
import io.tributary.format.JsonEventDecoder;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.source.EcommerceEvents;
import io.tributary.source.RawRecord;
import io.tributary.testing.Tables;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Starts the built jar as a user would: {@code java -jar tributary-local.jar --config FILE}. */
@Timeout(300)
class LocalJarIT {
  static final long COUNT = 20_000;
  static final long SEED = 7;

  @TempDir Path dir;

  @Test
  void runsIngestOnDatagenAndPrintsASummaryThatMatchesTheTable() throws Exception {
    long start = System.currentTimeMillis() - 60_000;
    Path warehouse = dir.resolve("warehouse");
    Path config = dir.resolve("ingest.json");
    Files.writeString(
        config,
        String.join(
            "\n",
            "[",
            "{\"PropertyGroupId\":\"job\",\"PropertyMap\":{\"name\":\"ingest\",",
            "  \"checkpoint.interval\":\"2 s\",\"checkpoint.dir\":\""
                + dir.resolve("cp").toUri()
                + "\"}},",
            "{\"PropertyGroupId\":\"source\",\"PropertyMap\":{\"type\":\"datagen\",\"bounded\":\"true\"}},",
            "{\"PropertyGroupId\":\"datagen\",\"PropertyMap\":{\"rate\":\"5000\",\"count\":\""
                + COUNT
                + "\",",
            "  \"seed\":\""
                + SEED
                + "\",\"start-time\":\""
                + start
                + "\",\"bad-ratio\":\"0.05\"}},",
            "{\"PropertyGroupId\":\"format\",\"PropertyMap\":{\"schema\":\""
                + EcommerceEvents.SCHEMA
                + "\",",
            "  \"event-time.field\":\"ts\"}},",
            "{\"PropertyGroupId\":\"iceberg\",\"PropertyMap\":{\"warehouse\":\""
                + warehouse
                + "\",\"database\":\"demo\",",
            "  \"table\":\"events\",\"partition-spec\":\"hours(ts)\"}}",
            "]"));
    Path out = dir.resolve("stdout.txt");
    Path err = dir.resolve("stderr.txt");
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx1g",
                "-jar",
                jar().toString(),
                "--config",
                config.toString(),
                "--job.parallelism",
                "2")
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("jar finished in time").isTrue();
    } finally {
      p.destroyForcibly();
    }
    String stdout = Files.readString(out);
    assertThat(p.exitValue()).as(stdout + Files.readString(err)).isZero();

    // What the jar should have written: every generated event through the same decoder.
    EcommerceEvents events = new EcommerceEvents(SEED, start, 5000, 0.05, 0.02);
    EventSchema schema =
        EventSchema.fromConfig(
            Configs.of("format.schema", EcommerceEvents.SCHEMA, "format.event-time.field", "ts"));
    JsonEventDecoder decoder = new JsonEventDecoder(schema, "ingest");
    decoder.open();
    Set<String> expected = new TreeSet<>();
    long now = System.currentTimeMillis();
    for (long i = 0; i < COUNT; i++) {
      byte[] v = events.event(i).getBytes(StandardCharsets.UTF_8);
      if (decoder.decode(new RawRecord("datagen", "datagen", "0", "" + i, 0, null, v), now, d -> {})
          != null) {
        expected.add("e-" + i);
      }
    }
    long deadExpected = COUNT - expected.size();
    assertThat(deadExpected).isBetween(COUNT / 50, COUNT / 10);

    IcebergCatalog catalog = Tables.hadoop(warehouse.toString(), "demo");
    List<Record> rows = Tables.read(catalog, "events");
    Set<String> ids = new TreeSet<>();
    rows.forEach(r -> ids.add((String) r.getField("event_id")));
    assertThat(ids).isEqualTo(expected);
    assertThat(rows).hasSize(expected.size());
    List<Record> dead = Tables.read(catalog, "events_dead_letters");
    assertThat(dead).hasSize((int) deadExpected);

    assertThat(number(stdout, "rows written\\s+(\\d+)")).isEqualTo(expected.size());
    assertThat(number(stdout, "dead letters\\s+(\\d+)")).isEqualTo(deadExpected);
    assertThat(number(stdout, "events read\\s+(\\d+)")).isEqualTo(COUNT);
    assertThat(stdout).contains("Tributary ingest finished in").contains("snapshot id");
    String location = catalog.with(c -> c.loadTable(catalog.identifier("events")).location());
    assertThat(location).endsWith("/demo/events");
    assertThat(stdout).contains("location      " + location + "\n");
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex + " in:\n" + text).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static Path jar() {
    Path jar = Path.of("target", "tributary-local.jar");
    assertThat(jar).exists();
    return jar.toAbsolutePath();
  }
}
