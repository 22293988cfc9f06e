package io.tributary.source;

import java.io.Serializable;

/**
 * Turns a raw record into what the job works on, inside the source's reader. Decoding there (rather
 * than in a later operator) lets Flink track watermarks and idleness per Kafka partition or shard,
 * so one partition running ahead of another never makes the other's events late.
 */
public interface RecordDecoder<T> extends Serializable {
  /** Called once per reader before the first record. */
  default void open() throws Exception {}

  /** Never throws on bad input: represent failures in {@code T}. */
  T decode(RawRecord raw);
}
