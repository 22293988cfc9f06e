package io.tributary.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.stack.Artifacts;
import io.tributary.stack.FlinkCluster;
import io.tributary.stack.LocalStack;
import io.tributary.stack.SqlClient;
import io.tributary.stack.StackSettings;
import io.tributary.testing.ConfigFiles;
import io.tributary.testing.KafkaServer;
import io.tributary.testing.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/**
 * The local stack (Kafka and a Flink session cluster) for one test class, and what a user types
 * against it: {@code bin/sql-client} with the {@code sql/} scripts, {@code bin/flink run|stop} with
 * the jobs' cluster jar.
 */
final class LocalCluster implements AutoCloseable {
  static final Path SQL = Artifacts.repoRoot().resolve("sql");
  private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
  private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

  final LocalStack stack;
  final KafkaServer kafka;

  LocalCluster(Path dir, LocalStack.Service... more) {
    this(StackSettings.forTest(dir), more);
  }

  /** The same with settings of the test's own (e.g. {@code withLogFormat}). */
  LocalCluster(StackSettings settings, LocalStack.Service... more) {
    List<LocalStack.Service> services =
        new ArrayList<>(List.of(LocalStack.Service.KAFKA, LocalStack.Service.FLINK));
    services.addAll(java.util.Arrays.asList(more));
    stack = LocalStack.start(settings, services.toArray(new LocalStack.Service[0]));
    kafka = KafkaServer.connect(stack.settings().kafkaBootstrap());
  }

  StackSettings settings() {
    return stack.settings();
  }

  /**
   * {@code bin/sql-client -i sql/init.sql -i sql/catalogs/local.sql -i sql/sources/<source> -f
   * sql/pipelines/<pipeline>}, reading the topics to their current end, into database {@code db}.
   */
  String runSql(String source, String pipeline, String db) {
    return SqlClient.run(
        settings(),
        List.of(
            SQL.resolve("init.sql"),
            SQL.resolve("catalogs/local.sql"),
            SQL.resolve("sources/" + source),
            Path.of("src/test/resources/dml-sync.sql").toAbsolutePath()),
        SQL.resolve("pipelines/" + pipeline),
        Map.of("KAFKA_BOUNDED_MODE", "latest-offset", "ICEBERG_DATABASE", db),
        Duration.ofMinutes(5));
  }

  /** {@code bin/flink <args>}; returns its output, failing if it fails. */
  String flink(Duration timeout, String... args) {
    try {
      Path out = Files.createTempFile(settings().dir(), "flink-cli-", ".out");
      Process p =
          FlinkCluster.cli(settings().dir().resolve("flink/conf"), List.of(args))
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      String output = Files.readString(out, StandardCharsets.UTF_8);
      if (!done || p.exitValue() != 0) {
        throw new IllegalStateException(
            "bin/flink " + String.join(" ", args) + " failed:\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code bin/flink run [-d] [-s savepoint] <cluster jar> --config <file>}; the job id. */
  String runJava(Path config, boolean detached, String savepoint) {
    List<String> args = new ArrayList<>(List.of("run"));
    if (detached) {
      args.add("-d");
    }
    if (savepoint != null) {
      args.addAll(List.of("-s", savepoint));
    }
    args.addAll(List.of(Artifacts.jobsJar().toString(), "--config", config.toString()));
    String out = flink(Duration.ofMinutes(5), args.toArray(new String[0]));
    Matcher m = JOB_ID.matcher(out);
    assertThat(m.find()).as("job id in:\n%s", out).isTrue();
    return m.group(1);
  }

  /** {@code bin/flink stop --savepointPath <dir> <job>}; the savepoint's path. */
  String stopWithSavepoint(String jobId) {
    return stopWithSavepoint(
        jobId, settings().dir().resolve("flink/savepoints").toUri().toString());
  }

  /** {@code bin/flink stop --savepointPath <savepoints> <job>}; the savepoint's path. */
  String stopWithSavepoint(String jobId, String savepoints) {
    String out = flink(Duration.ofMinutes(3), "stop", "--savepointPath", savepoints, jobId);
    Matcher m = SAVEPOINT.matcher(out);
    assertThat(m.find()).as("savepoint path in:\n%s", out).isTrue();
    return m.group(1);
  }

  IcebergCatalog catalog(String db) {
    return Tables.hadoop(settings().localWarehouse(), db);
  }

  /**
   * A table's rows as sorted lines, each column by name in {@code columns} order, so tables with
   * the same columns in another order or nullability compare equal.
   */
  List<String> rows(String db, String table, List<String> columns) {
    List<Record> records = Tables.read(catalog(db), table);
    return records.stream()
        .map(
            r -> {
              Types.StructType struct = r.struct();
              List<String> values = new ArrayList<>();
              for (String c : columns) {
                assertThat(struct.field(c)).as("column %s of %s.%s", c, db, table).isNotNull();
                Object v = r.getField(c);
                values.add(
                    v instanceof java.time.OffsetDateTime
                        ? ((java.time.OffsetDateTime) v).toInstant().toString()
                        : String.valueOf(v));
              }
              return String.join("|", values);
            })
        .sorted()
        .collect(Collectors.toList());
  }

  /**
   * The groups of an {@code ingest} job on this stack: {@link ClickEvents} from {@code topic}
   * (consumer group {@code groupId}) into the hadoop table {@code database.events} on the stack's
   * local warehouse, checkpointing every second to {@code checkpoints}. The maps are mutable, for a
   * test's additions.
   */
  Map<String, Map<String, String>> ingestGroups(
      String checkpoints, String topic, String groupId, String database) {
    Map<String, Map<String, String>> groups = new LinkedHashMap<>();
    groups.put(
        "job",
        new LinkedHashMap<>(
            Map.of(
                "name", "ingest",
                "parallelism", "2",
                "checkpoint.interval", "1 s",
                "checkpoint.dir", checkpoints)));
    groups.put("source", new LinkedHashMap<>(Map.of("type", "kafka")));
    groups.put(
        "kafka",
        new LinkedHashMap<>(ClickEvents.kafka(settings().kafkaBootstrap(), topic, groupId)));
    groups.put("format", new LinkedHashMap<>(ClickEvents.format()));
    groups.put(
        "iceberg",
        new LinkedHashMap<>(
            Map.of(
                "catalog.type",
                "hadoop",
                "warehouse",
                settings().localWarehouse(),
                "database",
                database,
                "table",
                "events")));
    return groups;
  }

  /** Writes a job configuration in MSF's property-group JSON, as in examples/. */
  static Path config(Path file, Map<String, Map<String, String>> groups) {
    return ConfigFiles.write(file, groups);
  }

  @Override
  public void close() {
    try {
      kafka.close();
    } finally {
      stack.close();
      keepLogs();
    }
  }

  /** The servers' logs outlive the test's temporary folder, for whoever reads a red build. */
  private void keepLogs() {
    Path logs = settings().dir().resolve("logs");
    Path keep = Path.of("target/stack-logs").toAbsolutePath();
    try (java.util.stream.Stream<Path> files = Files.list(logs)) {
      Files.createDirectories(keep);
      for (Path f : files.collect(Collectors.toList())) {
        Files.copy(
            f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // Logs are a courtesy; the test's own result stands.
    }
  }
}
