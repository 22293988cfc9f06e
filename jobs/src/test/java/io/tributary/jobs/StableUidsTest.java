package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.cdc.sink.MirroredTables;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.testing.Tables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A savepoint restores only into operators with the same ids. Each job, built twice from the same
 * configuration (two submissions), must give every operator the same id: Iceberg 1.10.1's {@code
 * DynamicIcebergSink} gave its pre-commit operator a random uid per submission (apache/iceberg
 * #15738), so {@code cdc}'s savepoints restored only while that operator's state was empty; 1.10.2
 * derives the uid from the sink's name.
 */
class StableUidsTest {
  @TempDir Path dir;

  private TreeSet<String> operatorIds(String job, String... extra) throws Exception {
    TreeSet<String> ids = new TreeSet<>();
    for (JobVertex v : graph(job, extra).getVertices()) {
      for (OperatorIDPair id : v.getOperatorIDs()) {
        ids.add(id.getGeneratedOperatorID().toString());
      }
    }
    return ids;
  }

  private JobGraph graph(String job, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--job.name", job,
                "--job.checkpoint.dir", dir.resolve("cp").toUri().toString(),
                "--source.type", "kafka",
                "--kafka.bootstrap.servers", "127.0.0.1:9",
                "--kafka.topics", "t",
                "--iceberg.warehouse", dir.resolve("warehouse").toString(),
                "--iceberg.database", "lake"));
    if (job.equals("cdc")) {
      args.addAll(List.of("--cdc.format", "debezium-json"));
    } else {
      args.addAll(
          List.of(
              "--format.schema", "user_id STRING NOT NULL, ts TIMESTAMP_LTZ(3) NOT NULL",
              "--format.event-time.field", "ts",
              "--iceberg.table", job));
    }
    if (job.equals("aggregate")) {
      args.addAll(
          List.of(
              "--aggregate.window.type", "tumbling",
              "--aggregate.window.size", "1 min",
              "--aggregate.group-by", "user_id",
              "--aggregate.aggregates", "count(*) AS events"));
    }
    args.addAll(List.of(extra));
    return JobTesting.jobGraph(args.toArray(new String[0]));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "aggregate", "cdc"})
  void everyOperatorKeepsItsIdAcrossSubmissions(String job) throws Exception {
    TreeSet<String> first = operatorIds(job);
    assertThat(first).hasSizeGreaterThan(3);
    assertThat(operatorIds(job)).isEqualTo(first);
  }

  @Test
  void cdcCommitsEachCheckpointApartThroughTributarysPreCommitStep() throws Exception {
    // the patched aggregator (PerCheckpointDynamicSink) under the original uid, so savepoints of
    // either restore; its name no longer carries Iceberg's random UUID
    assertThat(graph("cdc").getVertices())
        .extracting(JobVertex::getName)
        .anyMatch(n -> n.contains("cdc-sink-per-checkpoint-pre-commit"));
  }

  /**
   * Iceberg's TableMaintenance gives its operators a random uid unless told otherwise
   * (apache/iceberg #17210): the maintenance of every table the job writes (ingest and aggregate:
   * the table and its dead letters; cdc: its dead letters) is in the graph, and its ids are among
   * the stable ones.
   */
  @ParameterizedTest
  @ValueSource(strings = {"ingest", "aggregate", "cdc"})
  void maintenanceOperatorsKeepTheirIds(String job) throws Exception {
    assertThat(maintainedTables(graph(job))).isEqualTo(job.equals("cdc") ? 1 : 2);
    TreeSet<String> with = operatorIds(job);
    TreeSet<String> without = operatorIds(job, "--maintenance.enabled", "false");
    assertThat(with).containsAll(without);
    TreeSet<String> maintenance = new TreeSet<>(with);
    maintenance.removeAll(without);
    assertThat(maintenance).isNotEmpty();
    assertThat(operatorIds(job)).containsAll(maintenance);
  }

  /**
   * cdc creates its mirrors when their first change arrives, after the graph is built: of the
   * targets cdc.tables names, those that exist at start are maintained, the others are not.
   */
  @Test
  void cdcMaintainsTheNamedMirrorsThatExistAtStart() throws Exception {
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    catalog.with(
        c -> {
          IcebergCatalog.ensureNamespace(c, Namespace.of("shop"));
          return c.createTable(
              TableIdentifier.of("shop", "orders"),
              new Schema(Types.NestedField.required(1, "id", Types.LongType.get())));
        });
    String tables = "inventory.orders=shop.orders;inventory.items=shop.items";
    assertThat(maintainedTables(graph("cdc", "--cdc.tables", tables))).isEqualTo(2);
    assertThat(
            graph("cdc", "--cdc.tables", tables)
                .getVerticesSortedTopologicallyFromSources()
                .stream()
                .map(JobVertex::getName)
                .filter(n -> n.contains("Monitor source for"))
                .sorted()
                .collect(Collectors.toList()))
        .hasSize(2)
        .anySatisfy(n -> assertThat(n).contains("shop.orders"))
        .noneSatisfy(n -> assertThat(n).contains("shop.items"));
  }

  /** A mirror only the default mapping names is maintained from the start after it was created. */
  @Test
  void cdcMaintainsTheMirrorsItsDeadLetterTableLists() throws Exception {
    assertThat(maintainedTables(graph("cdc"))).isEqualTo(1); // creates the dead-letter table
    IcebergCatalog catalog = Tables.hadoop(dir.resolve("warehouse").toString(), "lake");
    catalog.with(
        c -> {
          IcebergCatalog.ensureNamespace(c, Namespace.of("app"));
          c.createTable(
              TableIdentifier.of("app", "public_items"),
              new Schema(Types.NestedField.required(1, "id", Types.LongType.get())));
          // as ChangeTables lists a table it created
          c.loadTable(TableIdentifier.of("lake", "cdc_dead_letters"))
              .updateProperties()
              .set(MirroredTables.PREFIX + "app.public_items", "cdc")
              .commit();
          return null;
        });
    assertThat(
            graph("cdc").getVerticesSortedTopologicallyFromSources().stream()
                .map(JobVertex::getName)
                .filter(n -> n.contains("Monitor source for"))
                .collect(Collectors.toList()))
        .hasSize(2)
        .anySatisfy(n -> assertThat(n).contains("app.public_items"));
    // one shared maintainer instead: only the dead-letter table keeps its own pipeline
    JobGraph shared = graph("cdc", "--maintenance.per-table-pipelines", "false");
    assertThat(maintainedTables(shared)).isEqualTo(1);
    assertThat(vertexNames(shared))
        .noneMatch(n -> n.contains("app.public_items"))
        .anyMatch(n -> n.contains("shared table maintenance"));
  }

  /**
   * Only an unbounded cdc job creates tables while it runs: it alone gets the maintainer of new
   * tables, with its three operators' ids stable.
   */
  @Test
  void onlyUnboundedCdcMaintainsTablesCreatedWhileItRuns() throws Exception {
    String maintainer = "shared table maintenance";
    assertThat(vertexNames(graph("cdc"))).anyMatch(n -> n.contains(maintainer));
    // A bounded Kafka source asks the (absent) broker whether its topics exist; a short API
    // timeout keeps that answer from taking the default 30 s.
    assertThat(
            vertexNames(
                graph(
                    "cdc",
                    "--source.bounded",
                    "true",
                    "--kafka.properties.default.api.timeout.ms",
                    "1000",
                    "--kafka.properties.request.timeout.ms",
                    "1000")))
        .noneMatch(n -> n.contains(maintainer));
    assertThat(vertexNames(graph("cdc", "--maintenance.enabled", "false")))
        .noneMatch(n -> n.contains(maintainer));
    assertThat(vertexNames(graph("ingest"))).noneMatch(n -> n.contains(maintainer));
    assertThat(vertexNames(graph("aggregate"))).noneMatch(n -> n.contains(maintainer));
  }

  private static List<String> vertexNames(JobGraph graph) {
    return graph.getVerticesSortedTopologicallyFromSources().stream()
        .map(JobVertex::getName)
        .collect(Collectors.toList());
  }

  /** One trigger manager per maintained table. */
  private static long maintainedTables(JobGraph graph) {
    return graph.getVerticesSortedTopologicallyFromSources().stream()
        .mapToLong(v -> v.getName().split("Trigger manager", -1).length - 1)
        .sum();
  }
}
