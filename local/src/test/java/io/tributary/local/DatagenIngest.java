package io.tributary.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.format.EventSchema;
import io.tributary.format.FormatOptions;
import io.tributary.format.JsonEventDecoder;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.source.EcommerceEvents;
import io.tributary.source.RawRecord;
import io.tributary.testing.Tables;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.data.Record;

/**
 * A bounded {@code ingest} of generated events, run by a jar in its own JVM as a user would, and
 * what its table must then hold: every generated event that the same decoder accepts.
 */
final class DatagenIngest {
  static final long COUNT = 20_000;
  static final long SEED = 7;

  final Path dir;
  final Path warehouse;
  final Path config;
  final long start = System.currentTimeMillis() - 60_000;

  DatagenIngest(Path dir) throws Exception {
    this.dir = dir;
    this.warehouse = dir.resolve("warehouse");
    this.config = dir.resolve("ingest.json");
    Files.writeString(
        config,
        String.join(
            "\n",
            "[",
            "{\"PropertyGroupId\":\"job\",\"PropertyMap\":{\"name\":\"ingest\",\"parallelism\":\"2\",",
            "  \"checkpoint.interval\":\"2 s\",\"restart.max-attempts\":\"2\",",
            "  \"checkpoint.dir\":\"" + dir.resolve("cp").toUri() + "\"}},",
            "{\"PropertyGroupId\":\"source\",\"PropertyMap\":{\"type\":\"datagen\",\"bounded\":\"true\"}},",
            "{\"PropertyGroupId\":\"datagen\",\"PropertyMap\":{\"rate\":\"5000\",",
            "  \"count\":\"" + COUNT + "\",\"seed\":\"" + SEED + "\",",
            "  \"start-time\":\"" + start + "\",\"bad-ratio\":\"0.05\"}},",
            "{\"PropertyGroupId\":\"format\",\"PropertyMap\":{",
            "  \"schema\":\"" + EcommerceEvents.SCHEMA + "\",\"event-time.field\":\"ts\"}},",
            "{\"PropertyGroupId\":\"iceberg\",\"PropertyMap\":{\"warehouse\":\""
                + warehouse
                + "\",",
            "  \"database\":\"demo\",\"table\":\"events\",\"partition-spec\":\"hours(ts)\"}}",
            "]"));
  }

  /** Runs {@code java <jvmArgs...>} with the config appended; returns its standard output. */
  String run(List<String> jvmArgs) throws Exception {
    Ended ended = start(jvmArgs);
    assertThat(ended.exit).as(ended.stdout + ended.stderr).isZero();
    return ended.stdout;
  }

  /** How a run ended. */
  static final class Ended {
    final int exit;
    final String stdout;
    final String stderr;

    Ended(int exit, String stdout, String stderr) {
      this.exit = exit;
      this.stdout = stdout;
      this.stderr = stderr;
    }
  }

  /** Runs {@code java <jvmArgs...>} with the config appended, and waits for its end. */
  Ended start(List<String> jvmArgs) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    command.add("-Xmx1g");
    command.addAll(jvmArgs);
    command.add("--config");
    command.add(config.toString());
    Path out = dir.resolve("stdout.txt");
    Path err = dir.resolve("stderr.txt");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("the job finished in time").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new Ended(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** The ids of the generated events the decoder accepts. */
  Set<String> expectedIds() throws Exception {
    EcommerceEvents events = new EcommerceEvents(SEED, start, 5000, 0.05, 0.02);
    EventSchema schema =
        EventSchema.fromConfig(
            Configs.of("format.schema", EcommerceEvents.SCHEMA, "format.event-time.field", "ts")
                .group(FormatOptions.GROUP));
    JsonEventDecoder decoder = new JsonEventDecoder(schema, "ingest");
    decoder.open();
    Set<String> expected = new TreeSet<>();
    long now = System.currentTimeMillis();
    for (long i = 0; i < COUNT; i++) {
      byte[] v = events.event(i).getBytes(StandardCharsets.UTF_8);
      RawRecord raw = new RawRecord("datagen", "datagen", "0", "" + i, 0, null, v);
      if (decoder.decode(raw, now, d -> {}) != null) {
        expected.add("e-" + i);
      }
    }
    assertThat(COUNT - expected.size()).isBetween(COUNT / 50, COUNT / 10);
    return expected;
  }

  IcebergCatalog catalog() {
    return Tables.hadoop(warehouse.toString(), "demo");
  }

  /** Asserts the tables hold exactly the accepted events, and the rest as dead letters. */
  void assertTablesExact(Set<String> expected) {
    List<Record> rows = Tables.read(catalog(), "events");
    Set<String> ids = new TreeSet<>();
    rows.forEach(r -> ids.add((String) r.getField("event_id")));
    assertThat(ids).isEqualTo(expected);
    assertThat(rows).hasSize(expected.size());
    assertThat(Tables.read(catalog(), "events_dead_letters"))
        .hasSize((int) (COUNT - expected.size()));
  }
}
