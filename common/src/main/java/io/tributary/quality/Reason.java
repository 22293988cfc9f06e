package io.tributary.quality;

import io.tributary.config.EnumNames;

/** Why a record went to the dead-letter table. Stable strings: dashboards and queries use them. */
public enum Reason {
  /** A zero-length message. */
  EMPTY,
  /** A Kafka record with a null value (a compaction tombstone). */
  TOMBSTONE,
  /** Larger than format.max-record-size. */
  TOO_LARGE,
  /** Bytes that are not valid UTF-8. */
  INVALID_UTF8,
  /** Not JSON, or not a JSON object. */
  MALFORMED_JSON,
  /** JSON that ends early. */
  TRUNCATED_JSON,
  /** A field whose value does not fit its declared type. */
  WRONG_TYPE,
  /** A NOT NULL field absent or null. */
  MISSING_FIELD,
  /** The event-time field absent or null. */
  MISSING_EVENT_TIME,
  /** Event time outside the configured bounds of the wall clock. */
  EVENT_TIME_OUT_OF_BOUNDS,
  /** Behind the watermark by more than the allowed lateness. */
  LATE;

  @Override
  public String toString() {
    return EnumNames.configName(this);
  }
}
