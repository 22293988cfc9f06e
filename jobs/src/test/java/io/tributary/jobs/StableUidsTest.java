package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A savepoint restores only into operators with the same ids. Each job, built twice from the same
 * configuration (two submissions), must give every operator the same id: Iceberg 1.10.1's {@code
 * DynamicIcebergSink} gave its pre-commit operator a random uid per submission (apache/iceberg
 * #15738), so {@code cdc}'s savepoints restored only while that operator's state was empty; 1.10.2
 * derives the uid from the sink's name (its vertex name still carries a random UUID, which does not
 * matter to a restore).
 */
class StableUidsTest {
  @TempDir Path dir;

  private TreeSet<String> operatorIds(String job) throws Exception {
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
    TreeSet<String> ids = new TreeSet<>();
    for (JobVertex v : JobTesting.jobGraph(args.toArray(new String[0])).getVertices()) {
      for (OperatorIDPair id : v.getOperatorIDs()) {
        // the id alone: 1.10.2 still names the pre-commit vertex with a random UUID
        ids.add(id.getGeneratedOperatorID().toString());
      }
    }
    return ids;
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "aggregate", "cdc"})
  void everyOperatorKeepsItsIdAcrossSubmissions(String job) throws Exception {
    TreeSet<String> first = operatorIds(job);
    assertThat(first).hasSizeGreaterThan(3);
    assertThat(operatorIds(job)).isEqualTo(first);
  }
}
