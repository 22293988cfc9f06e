package io.tributary.source;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record as it left its source, before any decoding: the bytes plus where they came from. The
 * same decoders serve every source, and every dead letter can say where its record was.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it is serialized without Kryo.
 */
public class RawRecord {
  /** {@code kafka}, {@code kinesis} or {@code datagen}. */
  public String sourceType;

  /** Topic or stream. */
  public String stream;

  /** Partition number or shard id. */
  public String partition;

  /** Offset or sequence number. */
  public String position;

  /** The source's own timestamp (Kafka record time, Kinesis arrival), epoch millis; -1 if none. */
  public long sourceTimestamp = -1L;

  public byte[] key;

  /** Null for a Kafka tombstone. */
  public byte[] value;

  public RawRecord() {}

  public RawRecord(
      String sourceType,
      String stream,
      String partition,
      String position,
      long sourceTimestamp,
      byte[] key,
      byte[] value) {
    this.sourceType = sourceType;
    this.stream = stream;
    this.partition = partition;
    this.position = position;
    this.sourceTimestamp = sourceTimestamp;
    this.key = key;
    this.value = value;
  }

  /** A Kafka record as every decoder sees it: its bytes and topic, partition and offset. */
  public static RawRecord fromKafka(ConsumerRecord<byte[], byte[]> r) {
    return new RawRecord(
        "kafka",
        r.topic(),
        Integer.toString(r.partition()),
        Long.toString(r.offset()),
        r.timestamp(),
        r.key(),
        r.value());
  }

  @Override
  public String toString() {
    return sourceType + ":" + stream + "/" + partition + "@" + position;
  }
}
