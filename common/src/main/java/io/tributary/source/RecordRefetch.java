package io.tributary.source;

import java.io.Serializable;

/**
 * Reads one record again, by the coordinates a {@link RawRecord} carries. An operator that needs a
 * record's bytes only rarely (the window operator's too-late events) then need not carry them
 * through a shuffle for every event: it asks the source for the few it needs.
 *
 * <p>Made on the client side, serialized into the operator that uses it, which calls {@link
 * #close()} when it closes. Not thread-safe: one per operator instance.
 */
public interface RecordRefetch extends Serializable, AutoCloseable {

  /**
   * The record as the source holds it, with its key, value and source timestamp; or null when the
   * source no longer holds it (past its retention, compacted away). Transient faults are retried
   * within the refetch's own time limit.
   *
   * @throws Exception when the source could not be asked within that limit
   */
  RawRecord read(String stream, String partition, String position) throws Exception;

  @Override
  void close();
}
