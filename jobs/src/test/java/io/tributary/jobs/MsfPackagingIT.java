package io.tributary.jobs;

import static io.tributary.testing.KinesisStreams.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tributary.iceberg.IcebergCatalog;
import io.tributary.stack.Artifacts;
import io.tributary.stack.FlinkCluster;
import io.tributary.stack.LocalStack;
import io.tributary.stack.StackSettings;
import io.tributary.testing.KinesisStreams;
import io.tributary.testing.KinesisStreams.Put;
import io.tributary.testing.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Shard;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MSF packaging proof (issue 5): the jobs' cluster jar, as built, submitted with {@code flink
 * run} to a standalone Flink 1.20.3 cluster whose JVMs hold Flink's runtime jars only (no Hadoop,
 * no AWS SDK, no connector), as Amazon Managed Service for Apache Flink's do. Everything else must
 * come from the jar, loaded child-first as on MSF: Kinesis, Iceberg with S3FileIO, Hadoop's
 * configuration for Parquet, the REST catalog client and MSK IAM auth.
 */
@Timeout(600)
class MsfPackagingIT {
  private static final Pattern CLASSPATH = Pattern.compile("Classpath: (\\S+)");

  @TempDir static Path dir;
  static LocalStack stack;
  static KinesisStreams kinesis;

  @BeforeAll
  static void start() {
    S3Testing.useLocalCredentials();
    stack =
        LocalStack.start(
            StackSettings.forTest(dir).withFlinkLib(FlinkCluster.Lib.RUNTIME_ONLY),
            LocalStack.Service.S3,
            LocalStack.Service.REST_CATALOG,
            LocalStack.Service.KINESIS,
            LocalStack.Service.FLINK);
    kinesis = new KinesisStreams(stack.settings().kinesisEndpoint());
  }

  @AfterAll
  static void stop() {
    try {
      if (kinesis != null) {
        kinesis.close();
      }
    } finally {
      try {
        if (stack != null) {
          stack.close();
        }
      } finally {
        S3Testing.clearLocalCredentials();
        keepLogs();
      }
    }
  }

  @Test
  void theClusterRunsFlinksRuntimeJarsAndNothingElse() throws IOException {
    for (String process : List.of("flink-jobmanager", "flink-taskmanager")) {
      List<String> jars = classpath(process);
      assertThat(jars).as(process).isNotEmpty();
      // flink-hadoop-fs is Flink's own (part of flink-dist); Hadoop itself must not be there.
      assertThat(jars)
          .as("%s's classpath: Flink's runtime jars and log4j only", process)
          .noneMatch(
              jar ->
                  jar.matches("(hadoop-|aws|bundle-|iceberg|kafka|tributary|s3-|sdk-).*")
                      || jar.contains("kinesis"));
      assertThat(jars).anyMatch(j -> j.startsWith("flink-dist") || j.startsWith("flink-runtime-"));
    }
  }

  /**
   * Kinesis (4 shards, plain, KPL-aggregated and malformed records) through {@code ingest} into
   * Iceberg on S3 behind the REST catalog, all from the one jar: the table holds exactly the valid
   * records, the dead-letter table the malformed ones with their shard and sequence number.
   */
  @Test
  void theClusterJarCarriesKinesisIcebergS3AndHadoop() throws Exception {
    String stream = "msf-clicks";
    kinesis.createStream(stream, 4);
    List<Shard> shards = kinesis.openShards(stream);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    for (int i = 0; i < 20; i++) {
      kinesis.put(stream, shards.get(i % 4), "k" + i, utf8(KinesisIngestTest.valid(i, base)));
    }
    for (int a = 0; a < 4; a++) {
      List<byte[]> users = new ArrayList<>();
      for (int i = 20 + 5 * a; i < 25 + 5 * a; i++) {
        users.add(utf8(KinesisIngestTest.valid(i, base)));
      }
      kinesis.putAggregated(stream, shards.get(a), "agg" + a, users);
    }
    Put malformed = kinesis.put(stream, shards.get(2), "bad", utf8("not json"));
    Put truncated = kinesis.put(stream, shards.get(3), "bad2", utf8("{\"id\":\"x\""));

    List<String> catalogKeys = S3Testing.catalogKeys(stack, "rest", dir, "msf");
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                Artifacts.jobsJar().toString(),
                "--job.name",
                "ingest",
                "--job.checkpoint.interval",
                "1 s",
                "--job.restart.max-attempts",
                "2",
                "--source.type",
                "kinesis",
                "--source.bounded",
                "true",
                "--kinesis.stream",
                KinesisStreams.arn(stream),
                "--kinesis.region",
                KinesisStreams.REGION,
                "--kinesis.endpoint",
                stack.settings().kinesisEndpoint(),
                // A bounded read ends at a discovery run: 1 s, not the default 10 s, after the
                // last shard is read.
                "--kinesis.shard.discovery.interval",
                "1 s",
                "--format.schema",
                KinesisIngestTest.SCHEMA,
                "--format.event-time.field",
                "ts",
                "--iceberg.table",
                "clicks",
                "--iceberg.partition-spec",
                "days(ts), bucket(4, user_id)"));
    args.addAll(S3Testing.args(catalogKeys));
    Result run = flink(args);
    assertThat(run.exit).as("bin/flink run:\n%s", run.output).isZero();

    IcebergCatalog catalog = S3Testing.catalog(catalogKeys);
    List<Record> rows = Tables.read(catalog, "clicks");
    assertThat(rows.stream().map(r -> (String) r.getField("id")).sorted())
        .containsExactlyElementsOf(
            java.util.stream.IntStream.range(0, 40)
                .mapToObj(i -> String.format("v-%02d", i))
                .collect(Collectors.toList()));
    assertThat(Tables.read(catalog, "clicks_dead_letters"))
        .extracting(
            r -> r.getField("reason"),
            r -> r.getField("source_stream"),
            r -> r.getField("source_partition"),
            r -> r.getField("source_position"))
        .containsExactlyInAnyOrder(
            tuple("malformed-json", stream, malformed.shardId, malformed.sequenceNumber),
            tuple("truncated-json", stream, truncated.shardId, truncated.sequenceNumber));
  }

  /**
   * MSK IAM auth from inside the jar: the Kafka client's JAAS login module and callback handler
   * load in the job's class loader on the cluster. Against a plaintext broker the client then fails
   * where an MSK broker would answer, at the TLS handshake; what must not happen is the failure
   * users report, a class that cannot be found.
   */
  @Test
  void mskIamAuthLoadsFromTheJar() throws Exception {
    Result run =
        flink(
            List.of(
                "run",
                Artifacts.jobsJar().toString(),
                "--job.name",
                "ingest",
                "--job.restart.max-attempts",
                "1",
                "--source.type",
                "kafka",
                "--source.bounded",
                "true",
                "--kafka.bootstrap.servers",
                "127.0.0.1:" + stack.settings().port("S3_HTTPS_PORT"),
                "--kafka.topics",
                "msk-iam",
                "--kafka.auth",
                "msk-iam",
                "--format.schema",
                KinesisIngestTest.SCHEMA,
                "--format.event-time.field",
                "ts",
                "--iceberg.warehouse",
                dir.resolve("warehouse").toString(),
                "--iceberg.table",
                "iam"));
    assertThat(run.exit).as("bin/flink run:\n%s", run.output).isNotZero();
    assertThat(run.output)
        .contains("SslAuthenticationException")
        .doesNotContain("ClassNotFoundException")
        .doesNotContain("NoClassDefFoundError")
        .doesNotContain("could not be found")
        .doesNotContain("LoginException");
  }

  private static final class Result {
    final int exit;
    final String output;

    Result(int exit, String output) {
      this.exit = exit;
      this.output = output;
    }
  }

  /** {@code bin/flink <args>} against the runtime-only cluster. */
  private static Result flink(List<String> args) throws Exception {
    Path out = Files.createTempFile(dir, "flink-cli-", ".out");
    Process p =
        FlinkCluster.cli(stack.settings().dir().resolve("flink/conf"), args)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(Duration.ofMinutes(5).toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "bin/flink " + String.join(" ", args) + " did not end:\n" + Files.readString(out));
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }

  /** The jar names Flink logged as {@code process}'s classpath at start-up. */
  private static List<String> classpath(String process) throws IOException {
    String log = Files.readString(stack.settings().dir().resolve("logs/" + process + ".log"));
    Matcher m = CLASSPATH.matcher(log);
    assertThat(m.find()).as("a Classpath line in %s's log", process).isTrue();
    return Arrays.stream(m.group(1).split(":"))
        .map(s -> Path.of(s).getFileName().toString())
        .collect(Collectors.toList());
  }

  /** The servers' logs outlive the temporary folder, for whoever reads a red build. */
  private static void keepLogs() {
    Path logs = dir.resolve("logs");
    Path keep = Path.of("target/msf-packaging-logs").toAbsolutePath();
    try (java.util.stream.Stream<Path> files = Files.list(logs)) {
      Files.createDirectories(keep);
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(
            f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
