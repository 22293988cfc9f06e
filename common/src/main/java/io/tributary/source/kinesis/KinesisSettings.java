package io.tributary.source.kinesis;

import io.tributary.config.ConfigException;
import io.tributary.config.ConfigLists;
import io.tributary.config.Secrets;
import io.tributary.config.TributaryConfig;
import io.tributary.source.kinesis.KinesisOptions.Reader;
import io.tributary.source.kinesis.KinesisOptions.StartFrom;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.flink.util.TimeUtils;
import software.amazon.awssdk.arns.Arn;

/**
 * The {@code kinesis} group, read and checked as a whole: every rule that spans two keys (region
 * and stream ARN, start and timestamp, reader and consumer name, the two backoffs) is checked here,
 * at start-up, with the key to fix named. Each option's own range is declared in {@link
 * KinesisOptions} and checked by {@link TributaryConfig#validate}.
 */
public final class KinesisSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  private static final Pattern CONSUMER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

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

  private KinesisSettings(TributaryConfig c, String jobName) {
    var g = KinesisOptions.GROUP;

    String streamValue = c.get(g, KinesisOptions.STREAM).trim();
    String arnRegion = null;
    Optional<Arn> arn = streamValue.startsWith("arn:") ? streamArn(streamValue) : Optional.empty();
    if (arn.isPresent()) {
      arnRegion = arn.get().region().orElseThrow();
      stream = arn.get().resource().resource();
    } else if (streamValue.startsWith("arn:")) {
      throw c.invalid(
          g,
          KinesisOptions.STREAM,
          "is not a Kinesis stream ARN. Write arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, or just"
              + " the stream name.");
    } else if (NAME.matcher(streamValue).matches()) {
      stream = streamValue;
    } else if (ConfigLists.split(streamValue).size() > 1) {
      throw c.invalid(
          g,
          KinesisOptions.STREAM,
          "names more than one stream. A job reads one stream: run one job per stream, or"
              + " merge the streams upstream.");
    } else {
      throw c.invalid(
          g,
          KinesisOptions.STREAM,
          "is not a stream name. Names are 1 to 128 letters, digits, '_', '-' or '.'; or give the"
              + " stream's ARN.");
    }

    String region = c.getOptional(g, KinesisOptions.REGION).map(String::trim).orElse(arnRegion);
    if (region == null || region.isEmpty()) {
      throw c.invalid(
          g,
          KinesisOptions.REGION,
          "is missing. Set kinesis.region to the stream's region (e.g. us-east-1), or give"
              + " kinesis.stream as an ARN.");
    }
    if (!REGION.matcher(region).matches()) {
      throw c.invalid(g, KinesisOptions.REGION, "is not an AWS region. Write e.g. eu-west-1.");
    }
    if (arnRegion != null && !arnRegion.equals(region)) {
      throw c.invalid(
          g,
          KinesisOptions.REGION,
          "differs from the region of the stream ARN ("
              + arnRegion
              + "). Remove kinesis.region or make them agree.");
    }
    this.region = region;

    endpoint = c.getOptional(g, KinesisOptions.ENDPOINT).map(String::trim).orElse(null);
    if (endpoint != null && !isHttpUrl(endpoint)) {
      throw c.invalid(
          g,
          KinesisOptions.ENDPOINT,
          "is not an http(s) URL. Write e.g. https://vpce-1234.kinesis.us-east-1"
              + ".vpce.amazonaws.com or http://127.0.0.1:4568.");
    }

    start = c.get(g, KinesisOptions.START);
    if (start == StartFrom.AT_TIMESTAMP) {
      startTimestamp =
          c.getOptional(g, KinesisOptions.START_TIMESTAMP)
              .orElseThrow(
                  () ->
                      c.invalid(
                          g,
                          KinesisOptions.START,
                          "needs a timestamp. Set kinesis.start.timestamp to epoch milliseconds."));
    } else if (c.isSet(g, KinesisOptions.START_TIMESTAMP)) {
      throw c.invalid(
          g,
          KinesisOptions.START_TIMESTAMP,
          "is only used with start = at-timestamp. Set kinesis.start = at-timestamp or remove it.");
    } else {
      startTimestamp = null;
    }

    reader = c.get(g, KinesisOptions.READER);
    if (reader == Reader.EFO) {
      efoConsumerName =
          c.getOptional(g, KinesisOptions.EFO_CONSUMER_NAME)
              .map(String::trim)
              .orElse("tributary-" + jobName);
      if (!CONSUMER_NAME.matcher(efoConsumerName).matches()) {
        throw c.invalid(
            g,
            KinesisOptions.EFO_CONSUMER_NAME,
            "is not a consumer name: 1 to 128 letters, digits, '_', '-' or '.'.");
      }
    } else if (c.isSet(g, KinesisOptions.EFO_CONSUMER_NAME)) {
      throw c.invalid(
          g,
          KinesisOptions.EFO_CONSUMER_NAME,
          "is only used with reader = efo. Set kinesis.reader = efo or remove it.");
    } else {
      efoConsumerName = null;
    }

    pollInterval = c.get(g, KinesisOptions.POLL_INTERVAL);
    pollMaxRecords = c.get(g, KinesisOptions.POLL_MAX_RECORDS);
    shardDiscovery = c.get(g, KinesisOptions.SHARD_DISCOVERY);

    retryMaxAttempts = c.get(g, KinesisOptions.RETRY_MAX_ATTEMPTS);
    retryInitialBackoff = c.get(g, KinesisOptions.RETRY_INITIAL_BACKOFF);
    retryMaxBackoff = c.get(g, KinesisOptions.RETRY_MAX_BACKOFF);
    if (retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
      throw c.invalid(
          g,
          KinesisOptions.RETRY_MAX_BACKOFF,
          "is below kinesis.retry.initial-backoff ("
              + TimeUtils.formatWithHighestUnit(retryInitialBackoff)
              + "). Raise it or lower the initial backoff.");
    }
    retryMultiplier = c.get(g, KinesisOptions.RETRY_MULTIPLIER);

    Map<String, String> p = new TreeMap<>();
    for (Map.Entry<String, String> e : c.passThrough(g, KinesisOptions.PROPERTIES).entrySet()) {
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
   * Reads and checks the {@code kinesis} group; {@code jobName} names the default enhanced fan-out
   * consumer.
   *
   * @throws ConfigException naming the key and the fix
   */
  public static KinesisSettings fromConfig(TributaryConfig config, String jobName) {
    return new KinesisSettings(config, jobName);
  }

  /**
   * The ARN of one Kinesis stream, {@code arn:aws*:kinesis:REGION:ACCOUNT:stream/NAME}; empty for
   * any other ARN (another service, a stream consumer, no region) or text that is no ARN.
   */
  private static Optional<Arn> streamArn(String value) {
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
                && NAME.matcher(a.resource().resource()).matches());
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
