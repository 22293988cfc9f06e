package io.tributary.source.kinesis;

import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import io.tributary.source.kinesis.KinesisOptions.StartFrom;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.GetRecordsResult;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.Record;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.ResourceNotFoundException;
import org.apache.flink.streaming.connectors.kinesis.config.AWSConfigConstants;
import org.apache.flink.streaming.connectors.kinesis.config.ConsumerConfigConstants;
import org.apache.flink.streaming.connectors.kinesis.model.StreamShardHandle;
import org.apache.flink.streaming.connectors.kinesis.proxy.GetShardListResult;
import org.apache.flink.streaming.connectors.kinesis.proxy.KinesisProxy;
import org.apache.flink.streaming.connectors.kinesis.proxy.KinesisProxyInterface;

/**
 * Where a bounded read ends: for every shard of the stream at the start, the sequence number of its
 * last record then (or a marker, see {@link TributaryKinesisConsumer}).
 *
 * <p>Kinesis has no call that returns a shard's latest sequence number, and a LATEST shard iterator
 * is opaque. So the shard's tail is read: from a minute ago, then an hour ago, then the configured
 * start, each time to the end of the shard (an empty page that is 0 ms behind the tip). The last
 * record seen is the bound. Nothing is written to the stream; the cost is reading the recent tail
 * once per shard. A window that holds any record holds the last one, whatever the clocks say.
 */
final class KinesisShardBounds {
  private KinesisShardBounds() {}

  private static final long[] WINDOWS_MILLIS = {60_000L, 3_600_000L};

  static Map<String, String> scan(Properties config, String stream, StartFrom start) {
    try {
      KinesisProxyInterface kinesis = KinesisProxy.create(config);
      Map<String, String> lastSeen = new HashMap<>();
      lastSeen.put(stream, null);
      GetShardListResult list;
      try {
        list = kinesis.getShardList(lastSeen);
      } catch (RuntimeException e) {
        // DescribeStream (looking up the ARN) fails on a missing stream, after its retries
        for (Throwable t = e; t != null; t = t.getCause()) {
          if (t instanceof ResourceNotFoundException) {
            throw missingStream(config, stream);
          }
        }
        throw e;
      }
      List<StreamShardHandle> shards =
          list.hasRetrievedShards() ? list.getRetrievedShardListOfStream(stream) : List.of();
      if (shards.isEmpty()) {
        // The connector's ListShards answers a missing stream with a warning and no shards.
        throw missingStream(config, stream);
      }
      Long startMillis = null;
      if (start == StartFrom.AT_TIMESTAMP) {
        startMillis =
            Math.round(
                Double.parseDouble(
                        config.getProperty(ConsumerConfigConstants.STREAM_INITIAL_TIMESTAMP))
                    * 1000);
      }
      int maxRecords =
          Integer.parseInt(
              config.getProperty(ConsumerConfigConstants.SHARD_GETRECORDS_MAX, "10000"));
      long now = System.currentTimeMillis();
      Map<String, String> bounds = new TreeMap<>();
      for (StreamShardHandle shard : shards) {
        String id = shard.getShard().getShardId();
        if (start == StartFrom.LATEST) {
          bounds.put(id, TributaryKinesisConsumer.NOTHING_TO_READ);
        } else if (shard.isClosed()) {
          bounds.put(id, TributaryKinesisConsumer.READ_TO_END);
        } else {
          bounds.put(id, lastRecord(kinesis, shard, startMillis, now, maxRecords));
        }
      }
      return bounds;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the shards of " + stream, e);
    }
  }

  private static ConfigException missingStream(Properties config, String stream) {
    return TributaryConfig.invalid(
        KinesisOptions.GROUP,
        KinesisOptions.STREAM,
        stream,
        "names a stream that does not exist in "
            + config.getProperty(AWSConfigConstants.AWS_REGION)
            + (config.getProperty(AWSConfigConstants.AWS_ENDPOINT) == null
                ? ""
                : " at " + config.getProperty(AWSConfigConstants.AWS_ENDPOINT))
            + " (or has no shards yet). A bounded job (source.bounded = true) reads what the"
            + " stream holds at its start, so it stops here. Create the stream or correct the"
            + " name or kinesis.region.");
  }

  private static String lastRecord(
      KinesisProxyInterface kinesis,
      StreamShardHandle shard,
      Long startMillis,
      long now,
      int maxRecords)
      throws InterruptedException {
    List<Long> from = new ArrayList<>();
    for (long w : WINDOWS_MILLIS) {
      long t = startMillis == null ? now - w : Math.max(startMillis, now - w);
      if (from.isEmpty() || from.get(from.size() - 1) != t) {
        from.add(t);
      }
    }
    if (startMillis == null) {
      from.add(null); // TRIM_HORIZON
    } else if (from.get(from.size() - 1) != startMillis.longValue()) {
      from.add(startMillis);
    }
    for (Long t : from) {
      String iterator =
          t == null
              ? kinesis.getShardIterator(shard, "TRIM_HORIZON", null)
              : kinesis.getShardIterator(shard, "AT_TIMESTAMP", new Date(t));
      String last = null;
      while (iterator != null) {
        GetRecordsResult page = kinesis.getRecords(iterator, maxRecords);
        List<Record> records = page.getRecords();
        if (!records.isEmpty()) {
          last = records.get(records.size() - 1).getSequenceNumber();
        }
        Long behind = page.getMillisBehindLatest();
        if (records.isEmpty() && (behind == null || behind == 0L)) {
          break;
        }
        iterator = page.getNextShardIterator();
      }
      if (last != null) {
        return last;
      }
    }
    return TributaryKinesisConsumer.NOTHING_TO_READ;
  }
}
