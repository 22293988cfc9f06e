package io.tributary.source.kinesis;

import io.tributary.source.RawRecord;
import io.tributary.source.RecordDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.connectors.kinesis.serialization.KinesisDeserializationSchema;

/**
 * Wraps each Kinesis user record as a raw record, with stream, shard id and position, and decodes
 * it. The position is the sequence number, or {@code sequence:subsequence} for a user record of a
 * KPL aggregate (they share the aggregate's sequence number). The connector clones one instance per
 * shard, and its shard reader tells it the positions of the batch about to be decoded.
 */
final class KinesisDecoding<T> implements KinesisDeserializationSchema<T> {
  private static final long serialVersionUID = 1L;

  /**
   * The arrival time of the record this thread decoded last: the connector decodes a record and
   * then asks the watermark assigner for its timestamp on the same shard thread, so {@link
   * PerShardWatermarks} hands it to the job's timestamp assigner as the record's own timestamp, as
   * FLIP-27 sources do.
   */
  private static final ThreadLocal<long[]> LAST_ARRIVAL =
      ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE});

  private final RecordDecoder<T> decoder;
  private final TypeInformation<T> type;

  /** Positions of the batch being decoded, in order; null outside a batch. */
  private transient ArrayDeque<String> positions;

  KinesisDecoding(RecordDecoder<T> decoder, TypeInformation<T> type) {
    this.decoder = decoder;
    this.type = type;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) throws Exception {
    decoder.open();
  }

  /** The positions of the records about to be decoded, or null after the batch. */
  void expect(List<String> batch) {
    positions = batch == null ? null : new ArrayDeque<>(batch);
  }

  @Override
  public T deserialize(
      byte[] value,
      String partitionKey,
      String sequenceNumber,
      long approximateArrivalTimestamp,
      String stream,
      String shardId) {
    LAST_ARRIVAL.get()[0] = approximateArrivalTimestamp;
    String position = sequenceNumber;
    ArrayDeque<String> expected = positions;
    if (expected != null && !expected.isEmpty()) {
      String next = expected.poll();
      // Trust it only when it belongs to this record; otherwise the plain sequence number.
      if (next.equals(sequenceNumber) || next.startsWith(sequenceNumber + ":")) {
        position = next;
      }
    }
    return decoder.decode(
        new RawRecord(
            "kinesis",
            stream,
            shardId,
            position,
            approximateArrivalTimestamp,
            partitionKey == null ? null : partitionKey.getBytes(StandardCharsets.UTF_8),
            value));
  }

  static long lastArrival() {
    return LAST_ARRIVAL.get()[0];
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return type;
  }
}
