package io.tributary.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.config.ConfigException;
import io.tributary.config.Configs;
import io.tributary.testing.Components;
import io.tributary.testing.KafkaExtension;
import io.tributary.testing.KinesisExtension;
import io.tributary.testing.KinesisStreams;
import io.tributary.testing.RawAsText;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bounded job on a topic or stream that does not exist stops while its graph is built, before
 * anything is submitted to Flink, naming the key and the missing name; against the real Kafka
 * broker and kinesis-mock of the test fixtures.
 */
@Timeout(240)
class MissingSourceTest {
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final KinesisExtension kinesis = new KinesisExtension();

  private static void addTo(RecordSource source) {
    source.addTo(
        StreamExecutionEnvironment.getExecutionEnvironment(),
        new RawAsText(),
        WatermarkStrategy.noWatermarks(),
        Types.STRING);
  }

  private static RecordSource kafkaSource(String topics, boolean bounded, String... more) {
    List<String> pairs =
        new ArrayList<>(
            List.of(
                "source.type",
                "kafka",
                "source.bounded",
                String.valueOf(bounded),
                "kafka.bootstrap.servers",
                kafka.bootstrapServers(),
                "kafka.topics",
                topics));
    pairs.addAll(List.of(more));
    return Components.source(Configs.of(pairs.toArray(new String[0])), "ingest");
  }

  /**
   * The topic check's admin client takes the source's client settings. With a request timeout above
   * its own 30 s default API timeout, Kafka refused to create it ("default.api.timeout.ms must be
   * no smaller than request.timeout.ms"), and the job did not start.
   */
  @Test
  void aLongerRequestTimeoutStillLetsTheTopicCheckRun() {
    kafka.createTopic("slow-orders", 1);
    assertThatThrownBy(
            () ->
                addTo(
                    kafkaSource(
                        "slow-ordres", true, "kafka.properties.request.timeout.ms", "45000")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("names a topic that does not exist on " + kafka.bootstrapServers())
        .hasMessageContaining("Did you mean 'slow-orders'?");
    addTo(kafkaSource("slow-orders", true, "kafka.properties.request.timeout.ms", "45000"));
  }

  @Test
  void aBoundedKafkaJobOnAMissingTopicFailsAtStartUpNamingIt() {
    kafka.createTopic("orders", 1);
    kafka.createTopic("payments", 1);
    long start = System.nanoTime();
    assertThatThrownBy(() -> addTo(kafkaSource("orders, ordres; refunds", true)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid configuration: bad value for 'topics' in property group 'kafka':"
                + " 'orders;ordres;refunds' names topics that do not exist on "
                + kafka.bootstrapServers()
                + ": ordres, refunds. A bounded job (source.bounded = true) reads what the topics"
                + " hold at its start, so it stops here. Create the topic or correct the name."
                + " for 'ordres': Did you mean 'orders'?");
    assertThat((System.nanoTime() - start) / 1_000_000_000L).isLessThan(60);
    // existing topics pass; an unbounded job is not checked (Flink's enumerator fails and the
    // job restarts until the topic exists, as before)
    addTo(kafkaSource("orders,payments", true));
    addTo(kafkaSource("not-there-yet", false));
  }

  @Test
  void aBoundedKinesisJobOnAMissingStreamFailsAtStartUpNamingIt() throws Exception {
    KinesisStreams k = kinesis.streams();
    k.createStream("present", 1);
    RecordSource missing =
        Components.source(
            Configs.of(
                "source.type", "kinesis",
                "source.bounded", "true",
                "kinesis.stream", KinesisStreams.arn("absent"),
                "kinesis.endpoint", kinesis.endpoint(),
                "kinesis.retry.max-attempts", "1"),
            "ingest");
    assertThatThrownBy(() -> addTo(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "Invalid configuration: bad value for 'stream' in property group 'kinesis': 'absent'"
                + " names a stream that does not exist in ")
        .hasMessageContaining(" at " + kinesis.endpoint() + " (or has no shards yet).")
        .hasMessageEndingWith("Create the stream or correct the name or kinesis.region.");
    addTo(
        Components.source(
            Configs.of(
                "source.type",
                "kinesis",
                "source.bounded",
                "true",
                "kinesis.stream",
                KinesisStreams.arn("present"),
                "kinesis.endpoint",
                kinesis.endpoint()),
            "ingest"));
  }
}
