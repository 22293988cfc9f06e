package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
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

  private TreeSet<String> operatorIds(String job) throws Exception {
    TreeSet<String> ids = new TreeSet<>();
    for (JobVertex v : jobGraph(job).getVertices()) {
      for (OperatorIDPair id : v.getOperatorIDs()) {
        ids.add(id.getGeneratedOperatorID().toString());
      }
    }
    return ids;
  }

  private JobGraph jobGraph(String job) throws Exception {
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
    assertThat(jobGraph("cdc").getVertices())
        .extracting(JobVertex::getName)
        .anyMatch(n -> n.contains("cdc-sink-per-checkpoint-pre-commit"));
  }
}
