package io.tributary.iceberg;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.apache.iceberg.io.OutputFile;

/**
 * A local file IO (catalog property {@code io-impl}) that fails the next data file it is asked to
 * write, as {@link #failNext} says: as a stopping task's interrupt does, or as a plain I/O fault.
 */
public class FailingDataFileIO extends HadoopFileIO {
  /** How the next data file's creation fails. */
  public enum Failure {
    NONE,
    /** An interrupted write, the thread's interrupt flag set. */
    INTERRUPT,
    /** An interrupted write wrapped by a library that cleared the flag. */
    INTERRUPT_WRAPPED,
    /** A disk fault. */
    IO_FAULT
  }

  private static volatile Failure next = Failure.NONE;

  public static void failNext(Failure failure) {
    next = failure;
  }

  @Override
  public OutputFile newOutputFile(String path) {
    Failure failure = next;
    if (failure != Failure.NONE && path.contains("/data/")) {
      next = Failure.NONE;
      switch (failure) {
        case INTERRUPT:
          Thread.currentThread().interrupt();
          throw new UncheckedIOException(new InterruptedIOException("write interrupted"));
        case INTERRUPT_WRAPPED:
          throw new IllegalStateException(
              "write failed", new UncheckedIOException(new InterruptedIOException("interrupted")));
        default:
          throw new UncheckedIOException(new IOException("disk full"));
      }
    }
    return super.newOutputFile(path);
  }
}
