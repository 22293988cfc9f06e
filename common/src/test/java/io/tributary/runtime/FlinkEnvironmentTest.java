package io.tributary.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.config.TributaryConfig;
import io.tributary.testing.Components;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Test;

class FlinkEnvironmentTest {
  /** A configuration with what every job has (name, source, warehouse), plus {@code pairs}. */
  private static TributaryConfig job(String... pairs) {
    List<String> all =
        new ArrayList<>(
            List.of("job.name", "ingest", "source.type", "datagen", "iceberg.warehouse", "/tmp/w"));
    all.addAll(List.of(pairs));
    return Configs.of(all.toArray(new String[0]));
  }

  @Test
  void restartAttemptsBelowOneFailAtStartUpNamingTheKey() {
    assertThatThrownBy(() -> Components.flinkSettings(job("job.restart.max-attempts", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'restart.max-attempts' in property group 'job'")
        .hasMessageContaining("must be at least 1");
  }

  /** Flink refuses a multiplier of 1 only once the JobMaster starts: here it fails before. */
  @Test
  void aRestartDelayThatDoesNotGrowFailsAtStartUpNamingTheFix() {
    assertThatThrownBy(() -> Components.flinkSettings(job("job.restart.multiplier", "1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'restart.multiplier' in property group 'job'")
        .hasMessageContaining("'1' must be above 1")
        .hasMessageContaining("set restart.max-delay to restart.initial-delay");
    assertThat(
            Components.flinkSettings(job("job.restart.multiplier", "1.5"))
                .get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
        .isEqualTo(1.5);
  }

  @Test
  void restartAttemptsReachFlinksExponentialDelayStrategy() {
    Configuration conf = Components.flinkSettings(job("job.restart.max-attempts", "3"));
    assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
    assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
        .isEqualTo(3);
  }

  /**
   * A credential under job.flink.* that Flink would print in clear is refused; one Flink masks
   * itself, and a harmless key with "key" in its name, pass.
   */
  @Test
  void credentialsFlinkWouldPrintAreRefusedAtStartUp() {
    assertThatThrownBy(
            () ->
                Components.flinkSettings(
                    job(
                        "job.flink.rest.header.Authorization", "Bearer planted",
                        "job.flink.my.credentials", "planted")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("key 'flink.rest.header.Authorization' in property group 'job'")
        .hasMessageContaining("key 'flink.my.credentials' in property group 'job'")
        .hasMessageContaining("Set it in the cluster's Flink configuration")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("planted"));
    Configuration conf =
        Components.flinkSettings(
            job(
                "job.flink.s3.secret-key", "masked-by-flink",
                "job.flink.table.exec.sink.keyed-shuffle", "NONE"));
    assertThat(conf.toMap())
        .containsEntry("s3.secret-key", "masked-by-flink")
        .containsEntry("table.exec.sink.keyed-shuffle", "NONE");
  }

  @Test
  void theEmbeddedClusterListensOnLoopbackUnlessJobFlinkSaysOtherwise() {
    Configuration conf =
        FlinkEnvironment.loopback(
            Components.flinkSettings(job("job.flink.rest.bind-address", "0.0.0.0")));
    assertThat(conf.get(RestOptions.BIND_ADDRESS)).isEqualTo("0.0.0.0");
    assertThat(conf.get(RestOptions.ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(conf.get(JobManagerOptions.BIND_HOST)).isEqualTo("127.0.0.1");
    assertThat(conf.get(TaskManagerOptions.BIND_HOST)).isEqualTo("127.0.0.1");
    assertThat(conf.get(TaskManagerOptions.HOST)).isEqualTo("127.0.0.1");
  }

  @Test
  void aBoundedKafkaOrDatagenRunKeepsItsIntervalWhileReadingAndAShortOneAfter() {
    Configuration bounded =
        Components.flinkSettings(
            job("source.bounded", "true", "job.checkpoint.interval", "10 min"));
    assertThat(bounded.get(CheckpointingOptions.CHECKPOINTING_INTERVAL_DURING_BACKLOG))
        .isEqualTo(Duration.ofMinutes(10));
    assertThat(bounded.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
        .isEqualTo(Duration.ofSeconds(1));

    // an interval already shorter than the end interval stays
    Configuration quick =
        Components.flinkSettings(job("source.bounded", "true", "job.checkpoint.interval", "50 ms"));
    assertThat(quick.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
        .isEqualTo(Duration.ofMillis(50));

    // unbounded, or a source that reports no backlog (Kinesis): the interval, nothing else
    for (TributaryConfig c :
        List.of(
            job("job.checkpoint.interval", "10 min"),
            Configs.of(
                "job.name", "ingest",
                "source.type", "kinesis",
                "source.bounded", "true",
                "job.checkpoint.interval", "10 min",
                "iceberg.warehouse", "/tmp/w"))) {
      Configuration conf = Components.flinkSettings(c);
      assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
          .isEqualTo(Duration.ofMinutes(10));
      assertThat(conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL_DURING_BACKLOG))
          .isEmpty();
    }
  }

  @Test
  void checkpointsAreRetainedOnCancellationWithTheChosenModeAndTimeout() {
    Configuration conf =
        Components.flinkSettings(
            job("job.checkpoint.mode", "at-least-once", "job.checkpoint.timeout", "2 min"));
    // through Flink 1.20's non-deprecated options, which Flink 2.x keeps
    assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
        .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE))
        .isEqualTo(CheckpointingMode.AT_LEAST_ONCE);
    assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT))
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(
            Components.flinkSettings(job())
                .get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE))
        .isEqualTo(CheckpointingMode.EXACTLY_ONCE);
  }
}
