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
  /** A JSON object with the same key twice: which value was meant is unknowable. */
  DUPLICATE_FIELD,
  /** JSON that ends early. */
  TRUNCATED_JSON,
  /**
   * Not a registry-framed Avro record (wrong magic or header byte, too short, unknown compression),
   * or a body that its own writer schema cannot read (ends early, bytes left over, a bad union
   * index or length, invalid UTF-8 in a string).
   */
  MALFORMED_AVRO,
  /** A registry-framed record whose schema id or version the registry does not know. */
  UNKNOWN_SCHEMA,
  /** A field whose value does not fit its declared type. */
  WRONG_TYPE,
  /** A NOT NULL field absent or null. */
  MISSING_FIELD,
  /** The event-time field absent or null. */
  MISSING_EVENT_TIME,
  /** Event time outside the configured bounds of the wall clock. */
  EVENT_TIME_OUT_OF_BOUNDS,
  /** Behind the watermark by more than the allowed lateness. */
  LATE,
  /** A change record whose operation the format does not define. */
  UNKNOWN_OP,
  /** A DMS record-type other than data or control. */
  UNKNOWN_RECORD_TYPE,
  /** A change whose table has no known primary key, or whose key columns are null. */
  MISSING_KEY,
  /** An insert, snapshot read or update without an after image. */
  MISSING_AFTER,
  /** A delete without a before image. */
  MISSING_BEFORE,
  /** A Debezium event without source.table. */
  MISSING_SOURCE,
  /** A DMS record without record-type, operation or table-name. */
  MISSING_METADATA,
  /** A DMS data record without data. */
  MISSING_DATA,
  /**
   * A column whose type the target table cannot take (not a widening); or an Avro record whose
   * writer schema cannot be read as the table's schema without a lossy or undefined conversion.
   */
  SCHEMA_MISMATCH,
  /**
   * A change without a usable source log position (missing, null, not an integer, negative, or
   * beyond a long), so it cannot be ordered against the key's other changes.
   */
  BAD_POSITION,
  /**
   * A change older than the last one applied to its key; dead-lettered only with {@code
   * cdc.stale-changes = dead-letter}, else dropped and counted.
   */
  STALE;

  /** The reason a dashed name such as {@code missing-key} stands for. */
  public static Reason of(String dashed) {
    return valueOf(dashed.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
  }

  @Override
  public String toString() {
    return EnumNames.configName(this);
  }
}
