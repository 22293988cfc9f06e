package io.tributary.source.kinesis;

import io.tributary.config.ConfigException;
import io.tributary.config.GroupConfig;
import io.tributary.config.Secrets;
import io.tributary.config.TributaryConfig;
import io.tributary.source.kinesis.KinesisOptions.Reader;
import io.tributary.source.kinesis.KinesisOptions.StartFrom;
import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.util.TimeUtils;
import software.amazon.awssdk.arns.Arn;

/**
 * The {@code kinesis} group, read and checked as a whole: every rule that spans two keys (region
 * and stream ARN, start and timestamp, reader and consumer name, the two backoffs) is checked here,
 * at start-up, with the key to fix named. Each option's own range is declared in {@link
 * KinesisOptions} with its range or form and checked by {@link TributaryConfig#validate}.
 */
public final class KinesisSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String stream;
  private final String region;
  private final String endpoint; // null: the region's public endpoint
  private final StartFrom start;
  private final Long startTimestamp; // with AT_TIMESTAMP only
  private final Reader reader;
  private final String efoConsumerName; // with EFO only
  private final Duration pollInterval;
  private final int pollMaxRecords;
  private final Duration shardDiscovery;
  private final int retryMaxAttempts;
  private final Duration retryInitialBackoff;
  private final Duration retryMaxBackoff;
  private final double retryMultiplier;

  /** The user's {@code properties.*}, prefix removed; never credentials. */
  private final Map<String, String> passThrough;

  private KinesisSettings(GroupConfig c, String jobName) {
    // each value's own form (name or ARN, region, URL, consumer name) was checked with its option
    String streamValue = c.get(KinesisOptions.STREAM).trim();
    String arnRegion = null;
    Optional<Arn> arn = streamArn(streamValue);
    if (arn.isPresent()) {
      arnRegion = arn.get().region().orElseThrow();
      stream = arn.get().resource().resource();
    } else {
      stream = streamValue;
    }

    String region = c.getOptional(KinesisOptions.REGION).map(String::trim).orElse(arnRegion);
    if (region == null || region.isEmpty()) {
      throw c.invalid(
          KinesisOptions.REGION,
          "is missing. Set kinesis.region to the stream's region (e.g. us-east-1), or give"
              + " kinesis.stream as an ARN.");
    }
    if (arnRegion != null && !arnRegion.equals(region)) {
      throw c.invalid(
          KinesisOptions.REGION,
          "differs from the region of the stream ARN ("
              + arnRegion
              + "). Remove kinesis.region or make them agree.");
    }
    this.region = region;

    endpoint = c.getOptional(KinesisOptions.ENDPOINT).map(String::trim).orElse(null);

    start = c.get(KinesisOptions.START);
    if (start == StartFrom.AT_TIMESTAMP) {
      startTimestamp =
          c.getOptional(KinesisOptions.START_TIMESTAMP)
              .orElseThrow(
                  () ->
                      c.invalid(
                          KinesisOptions.START,
                          "needs a timestamp. Set kinesis.start.timestamp to epoch milliseconds."));
    } else if (c.isSet(KinesisOptions.START_TIMESTAMP)) {
      throw c.invalid(
          KinesisOptions.START_TIMESTAMP,
          "is only used with start = at-timestamp. Set kinesis.start = at-timestamp or remove it.");
    } else {
      startTimestamp = null;
    }

    reader = c.get(KinesisOptions.READER);
    if (reader == Reader.EFO) {
      efoConsumerName =
          c.getOptional(KinesisOptions.EFO_CONSUMER_NAME)
              .map(String::trim)
              .orElse("tributary-" + jobName);
    } else if (c.isSet(KinesisOptions.EFO_CONSUMER_NAME)) {
      throw c.invalid(
          KinesisOptions.EFO_CONSUMER_NAME,
          "is only used with reader = efo. Set kinesis.reader = efo or remove it.");
    } else {
      efoConsumerName = null;
    }

    pollInterval = c.get(KinesisOptions.POLL_INTERVAL);
    pollMaxRecords = c.get(KinesisOptions.POLL_MAX_RECORDS);
    shardDiscovery = c.get(KinesisOptions.SHARD_DISCOVERY);

    retryMaxAttempts = c.get(KinesisOptions.RETRY_MAX_ATTEMPTS);
    retryInitialBackoff = c.get(KinesisOptions.RETRY_INITIAL_BACKOFF);
    retryMaxBackoff = c.get(KinesisOptions.RETRY_MAX_BACKOFF);
    if (retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
      throw c.invalid(
          KinesisOptions.RETRY_MAX_BACKOFF,
          "is below kinesis.retry.initial-backoff ("
              + TimeUtils.formatWithHighestUnit(retryInitialBackoff)
              + "). Raise it or lower the initial backoff.");
    }
    retryMultiplier = c.get(KinesisOptions.RETRY_MULTIPLIER);

    Map<String, String> p = new TreeMap<>();
    for (Map.Entry<String, String> e : c.passThrough(KinesisOptions.PROPERTIES).entrySet()) {
      String key = e.getKey();
      if (key.startsWith("aws.credentials") || Secrets.isSecret(key)) {
        throw new ConfigException(
            String.format(
                "key '%s%s' in property group 'kinesis' would put credentials in the"
                    + " configuration. Remove it: credentials come from the default AWS provider"
                    + " chain (environment, system properties, profile, container or instance"
                    + " role).",
                KinesisOptions.PROPERTIES, key));
      }
      p.put(key, e.getValue());
    }
    passThrough = Collections.unmodifiableMap(p);
  }

  /**
   * Reads and checks the {@code kinesis} group (the view {@link TributaryConfig#group} gives);
   * {@code jobName} names the default enhanced fan-out consumer.
   *
   * @throws ConfigException naming the key and the fix
   */
  public static KinesisSettings fromConfig(GroupConfig config, String jobName) {
    return new KinesisSettings(config, jobName);
  }

  /**
   * The ARN of one Kinesis stream, {@code arn:aws*:kinesis:REGION:ACCOUNT:stream/NAME}; empty for
   * any other ARN (another service, a stream consumer, no region) or text that is no ARN.
   */
  static Optional<Arn> streamArn(String value) {
    Optional<Arn> arn;
    try {
      arn = Arn.tryFromString(value);
    } catch (IllegalArgumentException e) { // an empty part, e.g. "stream/" without a name
      return Optional.empty();
    }
    return arn.filter(
        a ->
            a.partition().matches("aws[a-z-]*")
                && a.service().equals("kinesis")
                && a.region().filter(r -> r.matches("[a-z0-9-]+")).isPresent()
                && a.accountId().filter(id -> id.matches("\\d{12}")).isPresent()
                && a.resourceAsString().startsWith("stream/")
                && a.resource().qualifier().isEmpty()
                && KinesisOptions.NAME.matcher(a.resource().resource()).matches());
  }

  /** The stream's name, also when it was given as an ARN. */
  public String stream() {
    return stream;
  }

  /** The stream's region: {@code kinesis.region}, or the ARN's. */
  public String region() {
    return region;
  }

  public Optional<String> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  public StartFrom start() {
    return start;
  }

  /** Epoch milliseconds, with {@link StartFrom#AT_TIMESTAMP} only. */
  public Optional<Long> startTimestamp() {
    return Optional.ofNullable(startTimestamp);
  }

  public Reader reader() {
    return reader;
  }

  /** The enhanced fan-out consumer, with {@link Reader#EFO} only. */
  public Optional<String> efoConsumerName() {
    return Optional.ofNullable(efoConsumerName);
  }

  public Duration pollInterval() {
    return pollInterval;
  }

  public int pollMaxRecords() {
    return pollMaxRecords;
  }

  public Duration shardDiscovery() {
    return shardDiscovery;
  }

  public int retryMaxAttempts() {
    return retryMaxAttempts;
  }

  public Duration retryInitialBackoff() {
    return retryInitialBackoff;
  }

  public Duration retryMaxBackoff() {
    return retryMaxBackoff;
  }

  public double retryMultiplier() {
    return retryMultiplier;
  }

  /** Connector keys from {@code kinesis.properties.*}, without the prefix; never credentials. */
  public Map<String, String> passThrough() {
    return passThrough;
  }
}
