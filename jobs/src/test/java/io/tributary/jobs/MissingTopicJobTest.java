package io.tributary.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.testing.KafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an ingest job does on a Kafka topic that does not exist: bounded, it stops before anything
 * is created or submitted; unbounded, Flink's Kafka enumerator fails and the restart strategy
 * decides (here: two attempts, then the job fails for good).
 */
@Timeout(300)
class MissingTopicJobTest {
  @RegisterExtension static final MiniClusterExtension FLINK = JobTesting.miniCluster(1);
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @TempDir Path dir;

  private String[] args(boolean bounded) {
    return new String[] {
      "--job.name", "ingest",
      "--job.restart.max-attempts", "2",
      "--job.restart.initial-delay", "100 ms",
      "--job.checkpoint.dir", dir.resolve("checkpoints").toUri().toString(),
      "--source.type", "kafka",
      "--source.bounded", String.valueOf(bounded),
      "--kafka.bootstrap.servers", kafka.bootstrapServers(),
      "--kafka.topics", "no-such-topic",
      "--format.schema", IngestJobTest.SCHEMA,
      "--format.event-time.field", "ts",
      "--iceberg.warehouse", dir.resolve("warehouse").toString(),
      "--iceberg.database", "lake",
      "--iceberg.table", "events"
    };
  }

  @Test
  void boundedStopsBeforeSubmittingNamingTheTopic() {
    assertThatThrownBy(() -> Main.run(args(true)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "bad value for 'topics' in property group 'kafka': 'no-such-topic' names a topic that"
                + " does not exist on "
                + kafka.bootstrapServers()
                + ": no-such-topic.");
    // the source is added to the graph first: no table was provisioned either
    assertThat(Files.exists(dir.resolve("warehouse").resolve("lake"))).isFalse();
  }

  @Test
  void unboundedFailsThroughTheRestartStrategy() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> Main.run(args(false)))
        .isInstanceOf(JobExecutionException.class)
        .hasRootCauseInstanceOf(UnknownTopicOrPartitionException.class)
        .satisfies(
            e ->
                assertThat(e.getCause().getMessage())
                    .contains(
                        "Recovery is suppressed by ExponentialDelayRestartBackoffTimeStrategy")
                    .contains("attemptsBeforeResetBackoff=2"));
    System.out.printf(
        "unbounded job on a missing topic failed for good after %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
  }
}
