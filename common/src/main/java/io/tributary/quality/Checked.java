package io.tributary.quality;

import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * What a checking stage lets through, and the dead letters it split off on the way. Every job
 * unions its stages' dead letters into one dead-letter table.
 */
public final class Checked<T> {
  private final DataStream<T> rows;
  private final DataStream<DeadLetter> deadLetters;

  public Checked(DataStream<T> rows, DataStream<DeadLetter> deadLetters) {
    this.rows = rows;
    this.deadLetters = deadLetters;
  }

  public DataStream<T> rows() {
    return rows;
  }

  public DataStream<DeadLetter> deadLetters() {
    return deadLetters;
  }
}
