package io.tributary.source;

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

  @Override
  public TypeInformation<T> getProducedType() {
    return type;
  }
}
