package io.tributary.quality;

import io.tributary.source.RawRecord;

/**
 * A record that could not be used, with why and where it came from. Written to the dead-letter
 * table next to the target, never dropped. A Flink POJO.
 */
public class DeadLetter {
  public String job;
  public String reason;
  public String errorClass;
  public String errorMessage;
  public String sourceType;
  public String stream;
  public String partition;
  public String position;
  public long sourceTimestamp = -1L;
  public byte[] key;
  public byte[] payload;

  /** Event time if it could be read, epoch millis; -1 if not. */
  public long eventTime = -1L;

  /** The watermark when the record was judged, for late records; -1 if not relevant. */
  public long watermark = -1L;

  public long processingTime;

  public DeadLetter() {}

  public static DeadLetter of(
      String job, RawRecord raw, Reason reason, String errorClass, String message, long now) {
    DeadLetter d = new DeadLetter();
    d.job = job;
    d.reason = reason.toString();
    d.errorClass = errorClass;
    d.errorMessage = message;
    d.sourceType = raw.sourceType;
    d.stream = raw.stream;
    d.partition = raw.partition;
    d.position = raw.position;
    d.sourceTimestamp = raw.sourceTimestamp;
    d.key = raw.key;
    d.payload = raw.value;
    d.processingTime = now;
    return d;
  }

  @Override
  public String toString() {
    return reason
        + " at "
        + sourceType
        + ":"
        + stream
        + "/"
        + partition
        + "@"
        + position
        + ": "
        + errorMessage;
  }
}
