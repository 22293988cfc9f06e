package io.tributary.source;

import static org.apache.flink.streaming.connectors.kinesis.config.ConsumerConfigConstants.*;

import io.tributary.config.ConfigLists;
import io.tributary.config.TributaryConfig;
import io.tributary.source.KinesisOptions.Reader;
import io.tributary.source.KinesisOptions.StartFrom;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer;
import org.apache.flink.streaming.connectors.kinesis.config.AWSConfigConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Amazon Kinesis Data Streams, read with the connector's {@link FlinkKinesisConsumer}, emitting raw
 * records with stream, shard id and sequence number.
 *
 * <p><b>Why FlinkKinesisConsumer and not KinesisStreamsSource.</b> {@code
 * flink-connector-kinesis:4.3.0-1.19}, the only Kinesis connector served for Flink 1.19/1.20, holds
 * both. Its FLIP-27 {@code KinesisStreamsSource} was checked on Flink 1.20.3 and lacks three things
 * the suite needs: it reads by polling only (no enhanced fan-out), it hands each Kinesis record to
 * the deserializer as is (no KPL de-aggregation: an aggregated record would reach the decoder as
 * one protobuf blob and be dead-lettered), and it is unbounded only with no hook to stop a split.
 * The legacy {@link FlinkKinesisConsumer} does polling and enhanced fan-out, de-aggregates KPL
 * records (keeping the sub-sequence number in its checkpointed state, so a restart inside an
 * aggregate neither loses nor repeats a user record), follows splits and merges by discovering
 * child shards (reading them from their start, so nothing is lost), generates watermarks per shard
 * and has years of production use. Its costs: it is a {@code SourceFunction} (deprecated API, still
 * supported by Flink 1.20), it needs the JDK 17 module flags the suite already passes, and it is
 * unbounded only, so {@link TributaryKinesisConsumer} adds bounded reading (see there). Move to
 * {@code KinesisStreamsSource} 5.x once a Flink 1.20 build of it is available: it has EFO,
 * de-aggregation and parent-before-child shard ordering.
 */
final class KinesisRecordSource implements RecordSource, Cloneable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(KinesisRecordSource.class);

  private static final Pattern ARN =
      Pattern.compile(
          "arn:aws[a-z-]*:kinesis:([a-z0-9-]+):(\\d{12}):stream/([A-Za-z0-9_.-]{1,128})");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  private static final Pattern CONSUMER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  /** Every connector prefix with retry settings: one policy for all of them. */
  private static final List<String[]> RETRIED_CALLS =
      List.of(
          new String[] {
            SHARD_GETRECORDS_RETRIES,
            SHARD_GETRECORDS_BACKOFF_BASE,
            SHARD_GETRECORDS_BACKOFF_MAX,
            SHARD_GETRECORDS_BACKOFF_EXPONENTIAL_CONSTANT
          },
          new String[] {
            SHARD_GETITERATOR_RETRIES,
            SHARD_GETITERATOR_BACKOFF_BASE,
            SHARD_GETITERATOR_BACKOFF_MAX,
            SHARD_GETITERATOR_BACKOFF_EXPONENTIAL_CONSTANT
          },
          new String[] {
            LIST_SHARDS_RETRIES,
            LIST_SHARDS_BACKOFF_BASE,
            LIST_SHARDS_BACKOFF_MAX,
            LIST_SHARDS_BACKOFF_EXPONENTIAL_CONSTANT
          },
          new String[] {
            STREAM_DESCRIBE_RETRIES,
            STREAM_DESCRIBE_BACKOFF_BASE,
            STREAM_DESCRIBE_BACKOFF_MAX,
            STREAM_DESCRIBE_BACKOFF_EXPONENTIAL_CONSTANT
          },
          new String[] {
            DESCRIBE_STREAM_CONSUMER_RETRIES,
            DESCRIBE_STREAM_CONSUMER_BACKOFF_BASE,
            DESCRIBE_STREAM_CONSUMER_BACKOFF_MAX,
            DESCRIBE_STREAM_CONSUMER_BACKOFF_EXPONENTIAL_CONSTANT
          },
          new String[] {
            REGISTER_STREAM_RETRIES,
            REGISTER_STREAM_BACKOFF_BASE,
            REGISTER_STREAM_BACKOFF_MAX,
            REGISTER_STREAM_BACKOFF_EXPONENTIAL_CONSTANT
          },
          new String[] {
            DEREGISTER_STREAM_RETRIES,
            DEREGISTER_STREAM_BACKOFF_BASE,
            DEREGISTER_STREAM_BACKOFF_MAX,
            DEREGISTER_STREAM_BACKOFF_EXPONENTIAL_CONSTANT
          },
          new String[] {
            SUBSCRIBE_TO_SHARD_RETRIES,
            SUBSCRIBE_TO_SHARD_BACKOFF_BASE,
            SUBSCRIBE_TO_SHARD_BACKOFF_MAX,
            SUBSCRIBE_TO_SHARD_BACKOFF_EXPONENTIAL_CONSTANT
          });

  private final String stream;
  private final StartFrom start;
  private final Long startTimestamp;
  private final Reader reader;
  private final boolean bounded;
  private int endAfterCheckpoints; // 0: end at once; set only on a copy

  /** The connector's configuration; holds no credentials (they come from the provider chain). */
  private Map<String, String> properties;

  private final String job;

  private KinesisRecordSource(
      String stream,
      StartFrom start,
      Long startTimestamp,
      Reader reader,
      boolean bounded,
      Map<String, String> properties,
      String job) {
    this.stream = stream;
    this.start = start;
    this.startTimestamp = startTimestamp;
    this.reader = reader;
    this.bounded = bounded;
    this.properties = properties;
    this.job = job;
  }

  static KinesisRecordSource fromConfig(TributaryConfig c, String jobName, boolean bounded) {
    var g = KinesisOptions.GROUP;
    Map<String, String> p = new TreeMap<>();

    String streamValue = c.get(g, KinesisOptions.STREAM).trim();
    String stream;
    String arnRegion = null;
    Matcher arn = ARN.matcher(streamValue);
    if (arn.matches()) {
      arnRegion = arn.group(1);
      stream = arn.group(3);
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
    if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
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
    p.put(AWSConfigConstants.AWS_REGION, region);

    c.getOptional(g, KinesisOptions.ENDPOINT)
        .map(String::trim)
        .ifPresent(
            e -> {
              URI uri;
              try {
                uri = URI.create(e);
              } catch (IllegalArgumentException ex) {
                uri = null;
              }
              if (uri == null
                  || uri.getHost() == null
                  || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw c.invalid(
                    g,
                    KinesisOptions.ENDPOINT,
                    "is not an http(s) URL. Write e.g. https://vpce-1234.kinesis.us-east-1"
                        + ".vpce.amazonaws.com or http://127.0.0.1:4568.");
              }
              p.put(AWSConfigConstants.AWS_ENDPOINT, e);
            });

    StartFrom start = c.get(g, KinesisOptions.START);
    Long ts = null;
    if (start == StartFrom.AT_TIMESTAMP) {
      ts =
          c.getOptional(g, KinesisOptions.START_TIMESTAMP)
              .orElseThrow(
                  () ->
                      c.invalid(
                          g,
                          KinesisOptions.START,
                          "needs a timestamp. Set kinesis.start.timestamp to epoch milliseconds."));
      p.put(STREAM_INITIAL_TIMESTAMP, String.format(Locale.ROOT, "%.3f", ts / 1000.0));
    } else if (c.isSet(g, KinesisOptions.START_TIMESTAMP)) {
      throw c.invalid(
          g,
          KinesisOptions.START_TIMESTAMP,
          "is only used with start = at-timestamp. Set kinesis.start = at-timestamp or remove it.");
    }
    p.put(STREAM_INITIAL_POSITION, start.name());

    Reader reader = c.get(g, KinesisOptions.READER);
    if (reader == Reader.EFO) {
      String consumer =
          c.getOptional(g, KinesisOptions.EFO_CONSUMER_NAME)
              .map(String::trim)
              .orElse("tributary-" + jobName);
      if (!CONSUMER_NAME.matcher(consumer).matches()) {
        throw c.invalid(
            g,
            KinesisOptions.EFO_CONSUMER_NAME,
            "is not a consumer name: 1 to 128 letters, digits, '_', '-' or '.'.");
      }
      p.put(RECORD_PUBLISHER_TYPE, RecordPublisherType.EFO.name());
      p.put(EFO_CONSUMER_NAME, consumer);
    } else {
      if (c.isSet(g, KinesisOptions.EFO_CONSUMER_NAME)) {
        throw c.invalid(
            g,
            KinesisOptions.EFO_CONSUMER_NAME,
            "is only used with reader = efo. Set kinesis.reader = efo or remove it.");
      }
      p.put(RECORD_PUBLISHER_TYPE, RecordPublisherType.POLLING.name());
    }

    // Each option's own range is declared in KinesisOptions and checked by validate.
    Duration poll = c.get(g, KinesisOptions.POLL_INTERVAL);
    p.put(SHARD_GETRECORDS_INTERVAL_MILLIS, Long.toString(poll.toMillis()));
    int maxRecords = c.get(g, KinesisOptions.POLL_MAX_RECORDS);
    p.put(SHARD_GETRECORDS_MAX, Integer.toString(maxRecords));

    Duration discovery = c.get(g, KinesisOptions.SHARD_DISCOVERY);
    p.put(SHARD_DISCOVERY_INTERVAL_MILLIS, Long.toString(discovery.toMillis()));

    int retries = c.get(g, KinesisOptions.RETRY_MAX_ATTEMPTS);
    Duration initial = c.get(g, KinesisOptions.RETRY_INITIAL_BACKOFF);
    Duration max = c.get(g, KinesisOptions.RETRY_MAX_BACKOFF);
    if (max.compareTo(initial) < 0) {
      throw c.invalid(
          g,
          KinesisOptions.RETRY_MAX_BACKOFF,
          "is below kinesis.retry.initial-backoff ("
              + org.apache.flink.util.TimeUtils.formatWithHighestUnit(initial)
              + "). Raise it or lower the initial backoff.");
    }
    double multiplier = c.get(g, KinesisOptions.RETRY_MULTIPLIER);
    for (String[] call : RETRIED_CALLS) {
      p.put(call[0], Integer.toString(retries));
      p.put(call[1], Long.toString(initial.toMillis()));
      p.put(call[2], Long.toString(max.toMillis()));
      p.put(call[3], Double.toString(multiplier));
    }

    for (Map.Entry<String, String> e : c.passThrough(g, KinesisOptions.PROPERTIES).entrySet()) {
      String key = e.getKey();
      if (key.startsWith("aws.credentials") || io.tributary.config.Secrets.isSecret(key)) {
        throw new io.tributary.config.ConfigException(
            String.format(
                "key '%s%s' in property group 'kinesis' would put credentials in the"
                    + " configuration. Remove it: credentials come from the default AWS provider"
                    + " chain (environment, system properties, profile, container or instance"
                    + " role).",
                KinesisOptions.PROPERTIES, key));
      }
      p.put(key, e.getValue());
    }
    return new KinesisRecordSource(stream, start, ts, reader, bounded, p, jobName);
  }

  /** The consumer's configuration, for tests and logs: never holds credentials. */
  Properties consumerProperties() {
    Properties p = new Properties();
    p.putAll(properties);
    return p;
  }

  String stream() {
    return stream;
  }

  @Override
  public <T> DataStream<T> addTo(
      StreamExecutionEnvironment env,
      RecordDecoder<T> decoder,
      WatermarkStrategy<T> watermarks,
      TypeInformation<T> type) {
    Map<String, String> bounds = null;
    if (bounded) {
      bounds = KinesisShardBounds.scan(consumerProperties(), stream, start);
      LOG.info("Bounded Kinesis read of {}: ends at {}", stream, bounds);
    }
    TributaryKinesisConsumer<T> consumer =
        new TributaryKinesisConsumer<>(
            stream, new KinesisDecoding<>(decoder, type), consumerProperties(), bounds, job);
    if (endAfterCheckpoints > 0) {
      consumer.endAfterCheckpoints(endAfterCheckpoints);
    }
    consumer.setPeriodicWatermarkAssigner(new PerShardWatermarks<>(watermarks));
    var source = env.addSource(consumer, "kinesis: " + stream, type).uid(uid());
    if (bounded && endAfterCheckpoints > 0) {
      // See TributaryKinesisConsumer#endAfterCheckpoints: one subtask reads every shard.
      LOG.info("Bounded Kinesis read ending after checkpoints: source parallelism 1");
      source.setParallelism(1);
    }
    return source;
  }

  @Override
  public RecordSource endingAfterCheckpoints(int checkpoints) {
    KinesisRecordSource copy = copy();
    copy.endAfterCheckpoints = checkpoints;
    return copy;
  }

  private KinesisRecordSource copy() {
    try {
      return (KinesisRecordSource) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  /** The connector marks a shard idle itself: its own setting carries the watermark idleness. */
  @Override
  public RecordSource withShardIdleness(Duration idleness) {
    if (idleness.isZero()) {
      return this;
    }
    KinesisRecordSource copy = copy();
    copy.properties = new TreeMap<>(properties);
    copy.properties.put(SHARD_IDLE_INTERVAL_MILLIS, Long.toString(idleness.toMillis()));
    return copy;
  }

  @Override
  public boolean bounded() {
    return bounded;
  }

  @Override
  public String describe() {
    return "kinesis["
        + stream
        + "] "
        + reader
        + " from "
        + start
        + (startTimestamp != null ? " " + startTimestamp : "")
        + (bounded ? ", bounded" : "");
  }
}
