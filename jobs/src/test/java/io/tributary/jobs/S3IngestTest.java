package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.jobs.IngestJobTest.Sent;
import io.tributary.stack.GlueMock;
import io.tributary.stack.LocalStack;
import io.tributary.stack.Ports;
import io.tributary.stack.ServerProcess;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ingest} from Kafka into tables on S3 (S3Mock, through Iceberg's S3FileIO), with the REST
 * catalog server of the local stack, with a JDBC catalog (SQLite) and with the Glue Data Catalog
 * API (moto's server), all real servers on 127.0.0.1. The tables are read back through the same
 * kind of catalog and must hold exactly the valid events, and the dead-letter table exactly the
 * malformed ones.
 */
@Timeout(300)
class S3IngestTest {
  @RegisterExtension static final MiniClusterExtension FLINK = S3Testing.miniCluster(2);

  @TempDir static Path stackDir;

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  static LocalStack stack;
  static ServerProcess glue;
  static int gluePort;

  @TempDir Path dir;

  @BeforeAll
  static void startStack() {
    stack = S3Testing.start(stackDir);
    gluePort = Ports.free();
    glue = GlueMock.start(stackDir, stack.settings().dir().resolve("logs/glue.log"), gluePort);
  }

  @AfterAll
  static void stopStack() {
    try {
      if (glue != null) {
        glue.stop();
      }
    } finally {
      if (stack != null) {
        stack.close();
      }
      S3Testing.clearLocalCredentials();
    }
  }

  @ParameterizedTest(name = "{0} catalog")
  @ValueSource(strings = {"rest", "jdbc", "glue"})
  void landsExactlyTheValidEventsOnS3AndDeadLettersTheRest(String type) throws Exception {
    String topic = "clicks_" + type;
    String database = "lake_" + type;
    kafka.createTopic(topic, 2);
    Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    List<Sent> sent = IngestJobTest.send(kafka::sendAll, topic, IngestJobTest.validAndBad(base));

    List<String> catalogKeys = new ArrayList<>(S3Testing.catalogKeys(stack, type, dir, database));
    if (type.equals("glue")) {
      // The Glue Data Catalog API of moto's server: the database and tables are created by the
      // job through Iceberg's GlueCatalog, the files written through S3FileIO to S3Mock.
      catalogKeys.addAll(List.of("catalog.properties.glue.endpoint", GlueMock.endpoint(gluePort)));
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "ingest",
                "--job.checkpoint.interval", "1 s",
                "--job.restart.max-attempts", "2",
                "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
                "--source.type", "kafka",
                "--source.bounded", "true",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", topic,
                "--kafka.start", "earliest",
                "--format.schema", IngestJobTest.SCHEMA,
                "--format.event-time.field", "ts",
                "--iceberg.table", "clicks",
                "--iceberg.partition-spec", "days(ts), bucket(4, user_id)"));
    args.addAll(S3Testing.args(catalogKeys));
    long started = System.nanoTime();
    Main.run(args.toArray(new String[0]));
    System.out.printf(
        "S3IngestTest[%s]: %d events (%d valid, %d bad) in %d ms%n",
        type, sent.size(), 40, sent.size() - 40, (System.nanoTime() - started) / 1_000_000);

    IcebergCatalog catalog = S3Testing.catalog(catalogKeys);
    List<Record> rows =
        catalog.with(
            c -> {
              Table table = c.loadTable(catalog.identifier("clicks"));
              assertThat(table.location()).startsWith("s3://warehouse/");
              assertThat(table.io().getClass().getName())
                  .isEqualTo("org.apache.iceberg.aws.s3.S3FileIO");
              assertThat(table.currentSnapshot().addedDataFiles(table.io()))
                  .isNotEmpty()
                  .allSatisfy(f -> assertThat(f.location()).startsWith("s3://warehouse/"));
              return Tables.read(table);
            });
    // The job created the namespace and both tables in that catalog (for glue: in the Glue API).
    String catalogClass = catalog.with(c -> c.getClass().getSimpleName());
    assertThat(catalogClass)
        .isEqualTo(
            Map.of("rest", "RESTCatalog", "jdbc", "JdbcCatalog", "glue", "GlueCatalog").get(type));
    List<String> tables =
        catalog.with(
            c ->
                c.listTables(org.apache.iceberg.catalog.Namespace.of(database)).stream()
                    .map(org.apache.iceberg.catalog.TableIdentifier::name)
                    .sorted()
                    .collect(java.util.stream.Collectors.toList()));
    assertThat(tables).containsExactly("clicks", "clicks_dead_letters");
    IngestJobTest.assertValidRows(rows, base);
    IngestJobTest.assertDeadLetters(Tables.read(catalog, "clicks_dead_letters"), sent, topic);
  }

  /**
   * Iceberg's HadoopCatalog opens a Hadoop file system on the warehouse before it looks at io-impl
   * and commits by renaming through it, so it cannot use S3FileIO alone: refused at start-up.
   */
  @Test
  void theHadoopCatalogOnS3IsRefusedAtStartUp() {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", "ingest",
                "--source.type", "kafka",
                "--kafka.bootstrap.servers", kafka.bootstrapServers(),
                "--kafka.topics", "unused",
                "--format.schema", IngestJobTest.SCHEMA,
                "--format.event-time.field", "ts",
                "--iceberg.table", "clicks"));
    args.addAll(S3Testing.args(S3Testing.catalogKeys(stack, "hadoop", dir, "lake_hadoop")));
    assertThatThrownBy(() -> Main.run(args.toArray(new String[0])))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "bad value for 'warehouse' in property group 'iceberg': 's3://warehouse/lake_hadoop'"
                + " is on S3, where the hadoop catalog cannot keep tables")
        .hasMessageContaining("Set catalog.type = jdbc");
  }
}
