package io.tributary.testing;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.producer.protobuf.Messages;
import org.apache.flink.kinesis.shaded.com.google.protobuf.ByteString;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.core.SdkBytes;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.http.apache.ApacheHttpClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.regions.Region;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.KinesisClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Shard;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * Kinesis client helpers for tests, against any endpoint: create a stream and wait until it is
 * active, put plain and KPL-aggregated records to a chosen shard, split and merge shards. Uses the
 * AWS SDK v2 that the Kinesis connector shades, with dummy credentials.
 */
public final class KinesisStreams implements AutoCloseable {
  public static final String REGION = "us-east-1";
  public static final String ACCOUNT = "000000000000";

  /** The KPL aggregation format's magic prefix. */
  static final byte[] KPL_MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final KinesisClient client;

  public KinesisStreams(String endpoint) {
    this.client =
        KinesisClient.builder()
            .endpointOverride(URI.create(endpoint))
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClientBuilder(ApacheHttpClient.builder())
            .build();
  }

  /** Where a put landed. */
  public static final class Put {
    public final String shardId;
    public final String sequenceNumber;

    Put(String shardId, String sequenceNumber) {
      this.shardId = shardId;
      this.sequenceNumber = sequenceNumber;
    }

    @Override
    public String toString() {
      return shardId + "@" + sequenceNumber;
    }
  }

  public static String arn(String stream) {
    return "arn:aws:kinesis:" + REGION + ":" + ACCOUNT + ":stream/" + stream;
  }

  public void createStream(String stream, int shards) throws InterruptedException {
    client.createStream(b -> b.streamName(stream).shardCount(shards));
    waitActive(stream);
  }

  public void waitActive(String stream) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (client
            .describeStreamSummary(b -> b.streamName(stream))
            .streamDescriptionSummary()
            .streamStatus()
        != StreamStatus.ACTIVE) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("stream " + stream + " not ACTIVE within " + WAIT);
      }
      Thread.sleep(50);
    }
  }

  /** Every shard, open and closed, in id order. */
  public List<Shard> shards(String stream) {
    List<Shard> out = new ArrayList<>();
    String token = null;
    do {
      String t = token;
      var r =
          client.listShards(
              b -> {
                if (t == null) {
                  b.streamName(stream);
                } else {
                  b.nextToken(t);
                }
              });
      out.addAll(r.shards());
      token = r.nextToken();
    } while (token != null);
    return out;
  }

  /** Open shards: those without an ending sequence number. */
  public List<Shard> openShards(String stream) {
    List<Shard> open = new ArrayList<>();
    for (Shard s : shards(stream)) {
      if (s.sequenceNumberRange().endingSequenceNumber() == null) {
        open.add(s);
      }
    }
    return open;
  }

  /** Puts one record into the shard whose hash range starts at {@code shard}'s. */
  public Put put(String stream, Shard shard, String partitionKey, byte[] data) {
    PutRecordResponse r =
        client.putRecord(
            b ->
                b.streamName(stream)
                    .partitionKey(partitionKey)
                    .explicitHashKey(shard.hashKeyRange().startingHashKey())
                    .data(SdkBytes.fromByteArray(data)));
    return new Put(r.shardId(), r.sequenceNumber());
  }

  /** One record for {@link #putAll}: data for the shard whose hash range starts at shard's. */
  public static final class Entry {
    final Shard shard;
    final String partitionKey;
    final byte[] data;

    public Entry(Shard shard, String partitionKey, byte[] data) {
      this.shard = shard;
      this.partitionKey = partitionKey;
      this.data = data;
    }

    /** Data for whichever shard Kinesis hashes {@code partitionKey} to, as producers put it. */
    public Entry(String partitionKey, byte[] data) {
      this(null, partitionKey, data);
    }
  }

  /**
   * Puts the records with PutRecords, 500 a call, retrying the ones Kinesis rejected (throttling),
   * and returns where each landed, in order. Order within a shard follows the list.
   */
  public List<Put> putAll(String stream, List<Entry> entries) throws InterruptedException {
    Put[] puts = new Put[entries.size()];
    for (int from = 0; from < entries.size(); from += 500) {
      List<Integer> pending = new ArrayList<>();
      for (int i = from; i < Math.min(from + 500, entries.size()); i++) {
        pending.add(i);
      }
      for (int attempt = 0; !pending.isEmpty(); attempt++) {
        if (attempt > 20) {
          throw new AssertionError("PutRecords kept failing for " + pending.size() + " records");
        }
        if (attempt > 0) {
          Thread.sleep(100L * attempt);
        }
        List<PutRecordsRequestEntry> batch = new ArrayList<>();
        for (int i : pending) {
          Entry e = entries.get(i);
          batch.add(
              PutRecordsRequestEntry.builder()
                  .partitionKey(e.partitionKey)
                  .explicitHashKey(
                      e.shard == null ? null : e.shard.hashKeyRange().startingHashKey())
                  .data(SdkBytes.fromByteArray(e.data))
                  .build());
        }
        PutRecordsResponse r = client.putRecords(b -> b.streamName(stream).records(batch));
        List<Integer> failed = new ArrayList<>();
        for (int j = 0; j < pending.size(); j++) {
          PutRecordsResultEntry result = r.records().get(j);
          if (result.errorCode() != null) {
            failed.add(pending.get(j));
          } else {
            puts[pending.get(j)] = new Put(result.shardId(), result.sequenceNumber());
          }
        }
        pending = failed;
      }
    }
    return List.of(puts);
  }

  /** Puts the user records as one KPL-aggregated Kinesis record into {@code shard}. */
  public Put putAggregated(String stream, Shard shard, String partitionKey, List<byte[]> records) {
    String hashKey = shard.hashKeyRange().startingHashKey();
    PutRecordResponse r =
        client.putRecord(
            b ->
                b.streamName(stream)
                    .partitionKey(partitionKey)
                    .explicitHashKey(hashKey)
                    .data(SdkBytes.fromByteArray(aggregate(partitionKey, hashKey, records))));
    return new Put(r.shardId(), r.sequenceNumber());
  }

  /**
   * The KPL aggregation format: magic, protobuf {@code AggregatedRecord} (the KPL's own message
   * classes, shaded in the connector), MD5 of the protobuf bytes.
   */
  public static byte[] aggregate(String partitionKey, String hashKey, List<byte[]> records) {
    Messages.AggregatedRecord.Builder b =
        Messages.AggregatedRecord.newBuilder()
            .addPartitionKeyTable(partitionKey)
            .addExplicitHashKeyTable(hashKey);
    for (byte[] r : records) {
      b.addRecords(
          Messages.Record.newBuilder()
              .setPartitionKeyIndex(0)
              .setExplicitHashKeyIndex(0)
              .setData(ByteString.copyFrom(r)));
    }
    byte[] body = b.build().toByteArray();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(KPL_MAGIC);
      out.write(body);
      out.write(MessageDigest.getInstance("MD5").digest(body));
      return out.toByteArray();
    } catch (NoSuchAlgorithmException | java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every user record in the stream, read back from every shard (KPL aggregates de-aggregated):
   * what a reader must deliver exactly once. It includes any record the SDK's own retries of a
   * timed-out PutRecords wrote twice.
   */
  public List<byte[]> readAll(String stream) {
    List<byte[]> out = new ArrayList<>();
    for (Shard shard : shards(stream)) {
      String iterator =
          client
              .getShardIterator(
                  b ->
                      b.streamName(stream)
                          .shardId(shard.shardId())
                          .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
              .shardIterator();
      while (iterator != null) {
        String it = iterator;
        GetRecordsResponse page = client.getRecords(b -> b.shardIterator(it).limit(10_000));
        for (var r : page.records()) {
          out.addAll(deaggregate(r.data().asByteArray()));
        }
        Long behind = page.millisBehindLatest();
        if (page.records().isEmpty() && (behind == null || behind == 0L)) {
          break;
        }
        iterator = page.nextShardIterator();
      }
    }
    return out;
  }

  /** The user records of a Kinesis record: itself, or the contents of a KPL aggregate. */
  static List<byte[]> deaggregate(byte[] data) {
    boolean aggregated = data.length > KPL_MAGIC.length + 16;
    for (int i = 0; aggregated && i < KPL_MAGIC.length; i++) {
      aggregated = data[i] == KPL_MAGIC[i];
    }
    if (!aggregated) {
      return List.of(data);
    }
    try {
      Messages.AggregatedRecord agg =
          Messages.AggregatedRecord.parseFrom(
              java.util.Arrays.copyOfRange(data, KPL_MAGIC.length, data.length - 16));
      List<byte[]> out = new ArrayList<>();
      for (Messages.Record r : agg.getRecordsList()) {
        out.add(r.getData().toByteArray());
      }
      return out;
    } catch (java.io.IOException e) {
      return List.of(data);
    }
  }

  /** Splits the shard at the middle of its hash range and waits until the stream is active. */
  public void split(String stream, String shardId) throws InterruptedException {
    Shard shard =
        shards(stream).stream().filter(s -> s.shardId().equals(shardId)).findFirst().orElseThrow();
    BigInteger start = new BigInteger(shard.hashKeyRange().startingHashKey());
    BigInteger end = new BigInteger(shard.hashKeyRange().endingHashKey());
    String middle = start.add(end).shiftRight(1).add(BigInteger.ONE).toString();
    client.splitShard(b -> b.streamName(stream).shardToSplit(shardId).newStartingHashKey(middle));
    waitActive(stream);
  }

  /** Merges two shards with adjacent hash ranges into one and waits until the stream is active. */
  public void merge(String stream, String shardId, String adjacentShardId)
      throws InterruptedException {
    client.mergeShards(
        b -> b.streamName(stream).shardToMerge(shardId).adjacentShardToMerge(adjacentShardId));
    waitActive(stream);
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
  }
}
