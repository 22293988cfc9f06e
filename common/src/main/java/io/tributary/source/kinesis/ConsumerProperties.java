package io.tributary.source.kinesis;

import static org.apache.flink.streaming.connectors.kinesis.config.ConsumerConfigConstants.*;

import io.tributary.source.kinesis.KinesisOptions.Reader;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer;
import org.apache.flink.streaming.connectors.kinesis.config.AWSConfigConstants;

/**
 * {@link KinesisSettings} as the configuration of the connector's {@link FlinkKinesisConsumer}
 * (flink-connector-kinesis 4.3.0): the one place that knows the connector's keys. The result holds
 * no credentials: the connector takes them from the default AWS provider chain.
 */
final class ConsumerProperties {
  private ConsumerProperties() {}

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

  /**
   * The shard idle interval that stands for "never idle". The connector reads an interval of 0 (or
   * none) as "a shard counts only while it moves the watermark on": a shard that lags behind the
   * others and has not sent since the last watermark stops holding it, and its next events are
   * judged late. An interval no run outlasts keeps every shard that has sent in the minimum; {@link
   * TributaryKinesisConsumer} then drops the shards that are read to their end and keeps a subtask
   * from going idle while it has shards still open.
   */
  static final long NEVER_IDLE = Long.MAX_VALUE;

  /**
   * The consumer's properties. The user's {@code kinesis.properties.*} override the generated keys;
   * a non-zero {@code shardIdleness} (the job's watermark idleness) overrides theirs, as the
   * connector marks a quiet shard idle itself. A zero one means never idle ({@link #NEVER_IDLE}).
   */
  static Properties of(KinesisSettings s, Duration shardIdleness) {
    Map<String, String> p = new TreeMap<>();
    p.put(AWSConfigConstants.AWS_REGION, s.region());
    s.endpoint().ifPresent(e -> p.put(AWSConfigConstants.AWS_ENDPOINT, e));

    s.startTimestamp()
        .ifPresent(
            ts -> p.put(STREAM_INITIAL_TIMESTAMP, String.format(Locale.ROOT, "%.3f", ts / 1000.0)));
    p.put(STREAM_INITIAL_POSITION, s.start().name());

    if (s.reader() == Reader.EFO) {
      p.put(RECORD_PUBLISHER_TYPE, RecordPublisherType.EFO.name());
      p.put(EFO_CONSUMER_NAME, s.efoConsumerName().orElseThrow());
    } else {
      p.put(RECORD_PUBLISHER_TYPE, RecordPublisherType.POLLING.name());
    }

    p.put(SHARD_GETRECORDS_INTERVAL_MILLIS, Long.toString(s.pollInterval().toMillis()));
    p.put(SHARD_GETRECORDS_MAX, Integer.toString(s.pollMaxRecords()));
    p.put(SHARD_DISCOVERY_INTERVAL_MILLIS, Long.toString(s.shardDiscovery().toMillis()));

    for (String[] call : RETRIED_CALLS) {
      p.put(call[0], Integer.toString(s.retryMaxAttempts()));
      p.put(call[1], Long.toString(s.retryInitialBackoff().toMillis()));
      p.put(call[2], Long.toString(s.retryMaxBackoff().toMillis()));
      p.put(call[3], Double.toString(s.retryMultiplier()));
    }

    p.put(SHARD_IDLE_INTERVAL_MILLIS, Long.toString(NEVER_IDLE));
    p.putAll(s.passThrough());
    if (!shardIdleness.isZero()) {
      p.put(SHARD_IDLE_INTERVAL_MILLIS, Long.toString(shardIdleness.toMillis()));
    }

    Properties out = new Properties();
    out.putAll(p);
    return out;
  }
}
