package io.tributary.source;

import io.tributary.config.ConfigLists;
import io.tributary.config.EnumNames;
import io.tributary.config.GroupConfig;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Patterns;
import io.tributary.config.Ranges;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;

/** Apache Kafka (or Amazon MSK) as the source. */
public final class KafkaOptions {
  private KafkaOptions() {}

  /** Where a consumer group with no committed offsets, or a fresh job, starts reading. */
  public enum StartFrom {
    /** Committed offsets of the group; partitions without one start at the earliest offset. */
    COMMITTED,
    EARLIEST,
    LATEST,
    /** The first record whose timestamp is at or after {@code start.timestamp}. */
    TIMESTAMP;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** How the client authenticates. */
  public enum Auth {
    /** Whatever {@code properties.*} says (plaintext by default). */
    NONE,
    /** Amazon MSK IAM over SASL_SSL, credentials from the default AWS provider chain. */
    MSK_IAM;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  public static final ConfigOption<String> BOOTSTRAP_SERVERS =
      Options.key("bootstrap.servers")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Comma-separated host:port list of brokers. ';' separates them too. Required.");

  private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

  public static final ConfigOption<List<String>> TOPICS =
      Patterns.checked(
          "Kafka topic names (1 to 249 letters, digits, '.', '_' or '-') separated by ',' or ';'",
          KafkaOptions::topicsProblem,
          Options.key("topics")
              .stringType()
              .asList()
              .noDefaultValue()
              .withDescription("Topics to read, separated by ',' or ';'. Required."));

  private static Optional<String> topicsProblem(String value) {
    List<String> topics = ConfigLists.split(value);
    if (topics.isEmpty()) {
      return Optional.of("names no topic. List topics separated by ',' or ';'.");
    }
    for (String t : topics) {
      if (!TOPIC_NAME.matcher(t).matches()) {
        return Optional.of(
            "names '"
                + t
                + "', which is not a Kafka topic name: 1 to 249 letters, digits, '.', '_' or"
                + " '-'. Separate topics with ',' or ';'.");
      }
    }
    return Optional.empty();
  }

  /**
   * The topics {@link #TOPICS} names, in order. Flink splits the list on ';' only; a topic name
   * cannot hold ',' (Kafka allows letters, digits, '.', '_' and '-'), so "a,b" means two topics.
   * The source and the checkpoint folder's identity both read them here, so that "a,b" and "a;b"
   * are one pipeline.
   */
  public static List<String> topics(GroupConfig kafka) {
    List<String> topics = new ArrayList<>();
    kafka.get(TOPICS).forEach(t -> topics.addAll(ConfigLists.split(t)));
    return topics;
  }

  public static final ConfigOption<String> GROUP_ID =
      Options.key("group.id")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Consumer group. Offsets are committed to it on each checkpoint, for lag"
                  + " monitoring only: the job's own position lives in its checkpoints. Default:"
                  + " tributary-<job name>.");

  public static final ConfigOption<StartFrom> START =
      Options.key("start")
          .enumType(StartFrom.class)
          .defaultValue(StartFrom.COMMITTED)
          .withDescription(
              "Where to start when the job has no checkpoint or savepoint to resume from.");

  public static final ConfigOption<Long> START_TIMESTAMP =
      Ranges.atLeast(
          0L,
          Options.key("start.timestamp")
              .longType()
              .noDefaultValue()
              .withDescription("Epoch milliseconds, with start = timestamp."));

  public static final ConfigOption<Duration> PARTITION_DISCOVERY =
      Ranges.atLeast(
          Duration.ZERO,
          " (0: no discovery)",
          Options.key("partition.discovery.interval")
              .durationType()
              .defaultValue(Duration.ofMinutes(5))
              .withDescription(
                  "How often to look for new partitions (unbounded mode). 0 turns discovery off."));

  public static final ConfigOption<Auth> AUTH =
      Options.key("auth")
          .enumType(Auth.class)
          .defaultValue(Auth.NONE)
          .withDescription(
              "msk-iam sets the SASL_SSL / AWS_MSK_IAM properties for Amazon MSK IAM"
                  + " authentication; none leaves security to properties.*.");

  public static final OptionGroup GROUP =
      OptionGroup.of("kafka", "Apache Kafka or Amazon MSK source (source.type = kafka).")
          .add(
              BOOTSTRAP_SERVERS,
              TOPICS,
              GROUP_ID,
              START,
              START_TIMESTAMP,
              PARTITION_DISCOVERY,
              AUTH)
          .passThrough(
              "properties.",
              "Any Kafka consumer property, e.g. properties.security.protocol = SASL_SSL,"
                  + " properties.sasl.mechanism, properties.ssl.truststore.location.");
}
