package io.tributary.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.config.Configs;
import io.tributary.config.TributaryConfig;
import io.tributary.testing.Components;
import org.junit.jupiter.api.Test;

/** The checkpoint folder names one pipeline, however its configuration is spelled. */
class RetainedCheckpointsTest {
  private static TributaryConfig kafka(String topics, String table) {
    return Configs.of(
        "job.name", "ingest",
        "job.checkpoint.dir", "file:///tmp/cp",
        "source.type", "kafka",
        "kafka.bootstrap.servers", "127.0.0.1:9092",
        "kafka.topics", topics,
        "iceberg.warehouse", "/tmp/w",
        "iceberg.table", table);
  }

  @Test
  void topicsSeparatedEitherWayAndInAnyOrderAreOnePipeline() {
    String dir = Components.checkpoints(kafka("a,b", "t")).dir();
    assertThat(dir).startsWith("file:///tmp/cp/ingest-");
    assertThat(Components.checkpoints(kafka("b;a", "t")).dir()).isEqualTo(dir);
    assertThat(Components.checkpoints(kafka("a; b", "t")).dir()).isEqualTo(dir);
    assertThat(Components.checkpoints(kafka("a", "t")).dir()).isNotEqualTo(dir);
    assertThat(Components.checkpoints(kafka("a,b", "u")).dir()).isNotEqualTo(dir);
  }
}
