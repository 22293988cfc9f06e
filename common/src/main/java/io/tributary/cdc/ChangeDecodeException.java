package io.tributary.cdc;

import io.tributary.quality.DeadLetter;
import io.tributary.quality.Reason;
import io.tributary.source.RawRecord;

/** A change record that cannot be applied; {@link #reason()} is the dead-letter reason. */
public final class ChangeDecodeException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String reason;

  public ChangeDecodeException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ChangeDecodeException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** A stable, dashed reason such as {@code unknown-op} or {@code missing-after}. */
  public String reason() {
    return reason;
  }

  /** The dead letter of {@code raw}, which failed this way in {@code job}. */
  public DeadLetter deadLetter(String job, RawRecord raw) {
    return DeadLetter.of(
        job,
        raw,
        Reason.of(reason),
        getCause() == null ? null : getCause().getClass().getName(),
        getMessage(),
        System.currentTimeMillis());
  }
}
