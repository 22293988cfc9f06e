package io.tributary.source.kinesis;

import io.tributary.config.ConfigLists;
import io.tributary.config.EnumNames;
import io.tributary.config.OptionGroup;
import io.tributary.config.Options;
import io.tributary.config.Patterns;
import io.tributary.config.Ranges;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;

/**
 * Amazon Kinesis Data Streams as the source. Credentials come only from the default AWS provider
 * chain (environment, system properties, profile, container or instance role): there is no key for
 * them.
 */
public final class KinesisOptions {
  private KinesisOptions() {}

  /** Where a job without a checkpoint or savepoint starts reading each shard. */
  public enum StartFrom {
    /** The oldest record still in the stream. */
    TRIM_HORIZON,
    /** Only records put after the job started. */
    LATEST,
    /** The first record that arrived at or after {@code start.timestamp}. */
    AT_TIMESTAMP;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** How records are fetched. */
  public enum Reader {
    /** GetRecords polling; shares the shard's 2 MB/s read limit with every other polling reader. */
    POLLING,
    /** Enhanced fan-out (SubscribeToShard): a dedicated 2 MB/s per shard for this consumer. */
    EFO;

    @Override
    public String toString() {
      return EnumNames.configName(this);
    }
  }

  /** A stream's or a consumer's name. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  private static final Pattern REGION_CODE = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

  public static final ConfigOption<String> STREAM =
      Patterns.checked(
          "a stream name (1 to 128 letters, digits, '_', '-' or '.') or a stream ARN"
              + " (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)",
          KinesisOptions::streamProblem,
          Options.key("stream")
              .stringType()
              .noDefaultValue()
              .withDescription(
                  "The stream, by name or by ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME; the"
                      + " region then defaults to the ARN's). Required."));

  public static final ConfigOption<String> REGION =
      Patterns.checked(
          "an AWS region such as eu-west-1",
          v ->
              REGION_CODE.matcher(v.trim()).matches()
                  ? Optional.empty()
                  : Optional.of("is not an AWS region. Write e.g. eu-west-1."),
          Options.key("region")
              .stringType()
              .noDefaultValue()
              .withDescription(
                  "AWS region of the stream, e.g. eu-west-1. Required unless the stream is an"
                      + " ARN."));

  public static final ConfigOption<String> ENDPOINT =
      Patterns.checked(
          "an http(s) URL such as https://vpce-1234.kinesis.us-east-1.vpce.amazonaws.com or"
              + " http://127.0.0.1:4568",
          v ->
              isHttpUrl(v.trim())
                  ? Optional.empty()
                  : Optional.of(
                      "is not an http(s) URL. Write e.g. https://vpce-1234.kinesis.us-east-1"
                          + ".vpce.amazonaws.com or http://127.0.0.1:4568."),
          Options.key("endpoint")
              .stringType()
              .noDefaultValue()
              .withDescription(
                  "Endpoint override, e.g. a VPC endpoint or http://127.0.0.1:4568 for a local"
                      + " server. Default: the region's public endpoint."));

  public static final ConfigOption<StartFrom> START =
      Options.key("start")
          .enumType(StartFrom.class)
          .defaultValue(StartFrom.TRIM_HORIZON)
          .withDescription(
              "Where to start when the job has no checkpoint or savepoint to resume from.");

  public static final ConfigOption<Long> START_TIMESTAMP =
      Ranges.atLeast(
          0L,
          Options.key("start.timestamp")
              .longType()
              .noDefaultValue()
              .withDescription("Epoch milliseconds, with start = at-timestamp."));

  public static final ConfigOption<Reader> READER =
      Options.key("reader")
          .enumType(Reader.class)
          .defaultValue(Reader.POLLING)
          .withDescription(
              "polling (GetRecords) or efo (enhanced fan-out; the consumer is registered on the"
                  + " stream when the job starts).");

  public static final ConfigOption<String> EFO_CONSUMER_NAME =
      Patterns.checked(
          "1 to 128 letters, digits, '_', '-' or '.'",
          v ->
              NAME.matcher(v.trim()).matches()
                  ? Optional.empty()
                  : Optional.of(
                      "is not a consumer name: 1 to 128 letters, digits, '_', '-' or '.'."),
          Options.key("efo.consumer-name")
              .stringType()
              .noDefaultValue()
              .withDescription(
                  "Name of the enhanced fan-out consumer, with reader = efo. Default:"
                      + " tributary-<job name>."));

  public static final ConfigOption<Duration> POLL_INTERVAL =
      Ranges.between(
          Duration.ZERO,
          Duration.ofMinutes(5),
          Options.key("poll.interval")
              .durationType()
              .defaultValue(Duration.ofMillis(200))
              .withDescription(
                  "Pause between GetRecords calls on a shard (polling). Kinesis allows 5 calls per"
                      + " second per shard, shared by every polling reader."));

  public static final ConfigOption<Integer> POLL_MAX_RECORDS =
      Ranges.between(
          1,
          10_000,
          Options.key("poll.max-records")
              .intType()
              .defaultValue(10_000)
              .withDescription("Records per GetRecords call (polling)."));

  public static final ConfigOption<Duration> SHARD_DISCOVERY =
      Ranges.atLeast(
          Duration.ofMillis(1),
          " (without discovery, the children of a split shard are never read)",
          Options.key("shard.discovery.interval")
              .durationType()
              .defaultValue(Duration.ofSeconds(10))
              .withDescription(
                  "How often each reader looks for new shards after a split or merge, with one"
                      + " ListShards call (rate-limited by Kinesis per stream)."));

  public static final ConfigOption<Integer> RETRY_MAX_ATTEMPTS =
      Ranges.atLeast(
          0,
          " (0: no retries)",
          Options.key("retry.max-attempts")
              .intType()
              .defaultValue(10)
              .withDescription(
                  "Retries of a throttled or failed Kinesis call (ListShards, GetShardIterator,"
                      + " GetRecords, SubscribeToShard, consumer registration) before the job fails"
                      + " and Flink's restart strategy takes over."));

  public static final ConfigOption<Duration> RETRY_INITIAL_BACKOFF =
      Ranges.atLeast(
          Duration.ofMillis(1),
          Options.key("retry.initial-backoff")
              .durationType()
              .defaultValue(Duration.ofMillis(300))
              .withDescription("Backoff before the first retry; it grows by retry.multiplier."));

  public static final ConfigOption<Duration> RETRY_MAX_BACKOFF =
      Ranges.atLeast(
          Duration.ofMillis(1),
          Options.key("retry.max-backoff")
              .durationType()
              .defaultValue(Duration.ofSeconds(5))
              .withDescription("Cap of the exponential backoff (full jitter) between retries."));

  public static final ConfigOption<Double> RETRY_MULTIPLIER =
      Ranges.atLeast(
          1.0,
          Options.key("retry.multiplier")
              .doubleType()
              .defaultValue(1.5)
              .withDescription("Growth factor of the backoff between retries."));

  /** Connector keys users may set through {@code properties.*}. */
  static final String PROPERTIES = "properties.";

  public static final OptionGroup GROUP =
      OptionGroup.of("kinesis", "Amazon Kinesis Data Streams source (source.type = kinesis).")
          .add(
              STREAM,
              REGION,
              ENDPOINT,
              START,
              START_TIMESTAMP,
              READER,
              EFO_CONSUMER_NAME,
              POLL_INTERVAL,
              POLL_MAX_RECORDS,
              SHARD_DISCOVERY,
              RETRY_MAX_ATTEMPTS,
              RETRY_INITIAL_BACKOFF,
              RETRY_MAX_BACKOFF,
              RETRY_MULTIPLIER)
          .passThrough(
              PROPERTIES,
              "Any key of Flink's FlinkKinesisConsumer, e.g. properties.flink.shard.adaptivereads"
                  + " = true. Credentials cannot be set here: they come from the default AWS"
                  + " provider chain.");

  /** Why {@code value} names no single stream, or empty when it is a name or a stream ARN. */
  private static Optional<String> streamProblem(String value) {
    String v = value.trim();
    if (v.startsWith("arn:")) {
      return KinesisSettings.streamArn(v).isPresent()
          ? Optional.empty()
          : Optional.of(
              "is not a Kinesis stream ARN. Write arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, or"
                  + " just the stream name.");
    }
    if (NAME.matcher(v).matches()) {
      return Optional.empty();
    }
    if (ConfigLists.split(v).size() > 1) {
      return Optional.of(
          "names more than one stream. A job reads one stream: run one job per stream, or merge"
              + " the streams upstream.");
    }
    return Optional.of(
        "is not a stream name. Names are 1 to 128 letters, digits, '_', '-' or '.'; or give the"
            + " stream's ARN.");
  }

  private static boolean isHttpUrl(String value) {
    URI uri;
    try {
      uri = URI.create(value);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return uri.getHost() != null
        && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()));
  }
}
